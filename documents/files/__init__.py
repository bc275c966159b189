"""Stored files: storages, uploads and image derivatives.

The stable names migrations reference (Django needs a historical field's classes, validators, storage
and upload_to callables importable under the path the migration wrote): keep these importable as
they are, or edit the migrations that name them.

- ``documents.files.storage.scan_storage``, ``documents.files.storage.scan_upload_to`` (0006, 0018);
- ``documents.files.uploads.UploadFileField``, ``UploadImageField``, ``FormatValidator`` (0018);
- ``documents.files.images.validate_scan_image`` (0018).

No migration imports any other app code (tests/test_architecture.py)."""
