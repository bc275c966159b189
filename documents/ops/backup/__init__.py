"""Backups of the whole archive and their restore (docs/backup.md): archive (the format), create, restore."""
