"""Batch import and export: documents, and the people, donors, collections and terms they name, as
CSV or JSON Lines in the row format of docs/import-format.md.

format.py defines the format (columns, escaping, the text forms); readers.py reads a file's rows and
cells; matching.py finds the records a row names; state.py reads records as the format sees them and
writes.py writes them; report.py is what an import reports. importer.py runs an import (import_file)
with entity_rows.py, document_rows.py and relations.py, which share context.py; undo.py undoes one
(undo_batch); exporter.py writes the archive, or chosen documents, in the same format (export).

The export imports only format.py and state.py, never the importer."""
