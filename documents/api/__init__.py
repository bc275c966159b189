"""The REST API at /api/v1/: what anonymous readers see on the public pages, as JSON, CSV and
JSON Lines (docs/api.md). Reads only in this version's first slice; the viewsets are the place
where writes with the admin's permissions will go."""
