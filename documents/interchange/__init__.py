"""Batch import and export: documents, and the people, donors, collections and terms they name, as
CSV or JSON Lines in the row format of docs/import-format.md.

importer.py reads a file and writes what it says (import_file), and undoes an import (undo_batch);
exporter.py writes the archive, or chosen documents, in the same format (export)."""
