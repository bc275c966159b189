"""The REST API at /api/v1/ (docs/api.md): what the public pages show, as JSON, CSV and JSON Lines,
and writes for staff with the admin's permissions. One concern per module:

- urls.py: the router, the JSON Lines export and a JSON 404 for any other address;
- views.py: one viewset per resource, on ReadOnlyViewSet (the vocabularies) or ReadWriteViewSet;
- mixins.py: what the viewsets are made of: ReadableMixin (list, retrieve, ?fields=, an old slug's
  301) and WritableMixin (create, update, destroy, with If-Match and history);
- writes.py: each writable resource's own rules and what it writes besides its fields;
- serializers/: read.py (each resource's shape), write.py (a write's body), fields.py (shared);
- changes.py: ``?updated_since=``, a resource of its own at the document list's address;
- export.py: every document as JSON Lines, streamed;
- parameters.py, pagination.py: the query parameters several resources share; keyset cursors;
- conditional.py: ETag, Last-Modified and 304 on reads, If-Match on writes;
- permissions.py, errors.py, renderers.py, throttling.py: who may write; the one error shape and
  every API error; CSV; rate limits;
- schema.py, schema_documents.py: the OpenAPI schema, what every operation shares and what the
  document resources add."""
