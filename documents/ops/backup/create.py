"""Backups: the whole archive (database and files) in one zip file, and its restore (docs/backup.md).

An archive holds

- ``manifest.json``: the format and its version, when and from what it was made, the migrations
  applied, and for every other member its size and SHA-256;
- ``data/<app>.<model>.jsonl``: every row of every stored model, one JSON object a line, with
  links to the rows that ``migrate`` makes (content types, permissions) by natural key, so that the
  dump loads into any database, whatever ids those got there. Other rows keep their primary keys,
  so history (whose stored versions name rows by id), links and permalinks stay as they were;
- ``media.jsonl`` and ``media/<storage>/<name>``: every file a row names (scans and their
  derivatives, PDFs, logos, collection images), read and written through the storage API, so
  local folders and S3-compatible buckets back up alike.

What is derived (the search index and its outbox) is not stored: a restore
rebuilds it. Sessions and the cache table are not stored either.

A restore checks every member's checksum before it touches anything, refuses a database that
already holds records (unless told to replace them), loads the rows in one transaction, resets
the databases' id sequences so that new rows get fresh ids, and writes the files only once the
rows are in, removing them again if anything fails."""

import contextlib
import datetime
import hashlib
import json
import tempfile
import zipfile
from pathlib import Path

import django
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers import jsonl
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from .archive import (
    CHUNK,
    DERIVED,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA_INDEX,
    RECREATED,
    TRANSIENT,
    BackupError,
    applied_migrations,
    file_fields,
    stored_models,
)

# Writing ---------------------------------------------------------------------------------------


class _HashingWriter:
    """Writes text or bytes into a zip member, counting its bytes and hashing them on the way."""

    def __init__(self, raw):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def write(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sha256.update(data)
        self.size += len(data)
        self.raw.write(data)
        return len(data)

    def flush(self):
        pass

    def describe(self):
        return {"size": self.size, "sha256": self.sha256.hexdigest()}


class _Encoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's encoder cuts them to milliseconds (ECMA-262)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(jsonl.Serializer):
    """JSON Lines with links to content types and permissions by natural key (their ids differ
    from database to database) and every other link by id (kept by the restore, and named by id in
    the history's stored versions)."""

    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = _Encoder

    def handle_fk_field(self, obj, model_field):
        self.use_natural_foreign_keys = model_field.remote_field.model in (ContentType, Permission)
        super().handle_fk_field(obj, model_field)

    def handle_m2m_field(self, obj, model_field):
        links = getattr(self, "links", {}).get(model_field.name)
        if links is not None:
            self._current[model_field.name] = links.get(obj.pk, [])
            return
        self.use_natural_foreign_keys = model_field.remote_field.model in (ContentType, Permission)
        super().handle_m2m_field(obj, model_field)

    def rows(self, queryset, chunk_size=2000):
        """The rows of queryset, with their many-to-many links read a chunk at a time (Django's
        serializer reads them one query per row and field)."""
        model = queryset.model
        fields = [
            model_field
            for model_field in model._meta.local_many_to_many
            if model_field.remote_field.through._meta.auto_created
            and model_field.remote_field.model not in (ContentType, Permission)
            and isinstance(model_field.target_field, models.IntegerField)
        ]
        chunk = []
        for obj in queryset.iterator(chunk_size=chunk_size):
            chunk.append(obj)
            if len(chunk) == chunk_size:
                yield from self._with_links(chunk, fields, queryset.db)
                chunk = []
        yield from self._with_links(chunk, fields, queryset.db)

    def _with_links(self, chunk, fields, using):
        pks = [obj.pk for obj in chunk]
        self.links = {}
        for model_field in fields:
            through = model_field.remote_field.through
            source, target = f"{model_field.m2m_field_name()}_id", f"{model_field.m2m_reverse_field_name()}_id"
            found = self.links[model_field.name] = {}
            pairs = through._base_manager.using(using).filter(**{f"{source}__in": pks}).order_by(target)
            for source_pk, target_pk in pairs.values_list(source, target):
                found.setdefault(source_pk, []).append(target_pk)
        yield from chunk


def _copy(source, target):
    for chunk in iter(lambda: source.read(CHUNK), b""):
        target.write(chunk)


@contextlib.contextmanager
def _reading(connection):
    """SQLite's transactions take the write lock when they begin (settings: IMMEDIATE, so that
    several workers' writers queue instead of failing). A backup only reads: its transaction begins
    DEFERRED, a snapshot in WAL mode, so curators go on saving while the backup runs."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()
    mode, connection.transaction_mode = connection.transaction_mode, "DEFERRED"
    try:
        yield
    finally:
        connection.transaction_mode = mode


def _member(archive, name, compress):
    info = zipfile.ZipInfo(name, date_time=timezone.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    return archive.open(info, "w", force_zip64=True)


def _counted(iterable, counter):
    for item in iterable:
        counter[0] += 1
        yield item


def create_backup(path, using=DEFAULT_DB_ALIAS, progress=None):
    """Write the archive to path (which must not exist); returns its manifest.

    The rows are read in one repeatable-read snapshot where the database offers one (PostgreSQL),
    so that a backup taken while curators work is consistent. The file is written beside path and
    renamed when complete: a failed backup leaves no partial archive."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists already: choose a new name, a backup never replaces one.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    say = progress or (lambda message: None)
    connection = connections[using]
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "django": django.get_version(),
        "database_vendor": connection.vendor,
        "migrations": applied_migrations(using),
        "models": [],
        "media": {},
        "not_stored": {
            "recreated by migrate": sorted(RECREATED),
            "rebuilt after restore": sorted(DERIVED),
            "transient": sorted(TRANSIENT),
        },
    }
    # A snapshot needs its own transaction: inside a caller's, the rows are read as that one sees them.
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    try:
        with (
            zipfile.ZipFile(partial, "w", allowZip64=True) as archive,
            _reading(connection),
            transaction.atomic(using=using),
        ):
            if snapshot:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            for model in stored_models():
                label = model._meta.label_lower
                member, counter = f"data/{label}.jsonl", [0]
                serializer = _Serializer()
                rows = serializer.rows(model._base_manager.using(using).order_by("pk"))
                with _member(archive, member, compress=True) as raw:
                    writer = _HashingWriter(raw)
                    serializer.serialize(_counted(rows, counter), stream=writer)
                manifest["models"].append({"model": label, "member": member, "count": counter[0], **writer.describe()})
                say(f"{label}: {counter[0]:,} rows")
            manifest["media"] = _write_media(archive, using, say)
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _write_media(archive, using, say):
    """Store every file a row names, once, and its index; returns the index's description."""
    files = missing = 0
    # The index is gathered beside the archive (a zip takes one member at a time) and added last.
    with tempfile.TemporaryFile() as index:
        for alias, (storage, fields) in file_fields().items():
            current, past = set(), set()
            for model, name in fields:
                values = model._base_manager.using(using).exclude(**{name: ""}).exclude(**{f"{name}__isnull": True})
                current.update(values.values_list(name, flat=True))
                past.update(_names_in_history(model, name, using))
            for name in sorted(current | past):
                entry = {"storage": alias, "name": name}
                try:
                    source = storage.open(name, "rb")
                except FileNotFoundError:
                    # A lost file must not cost the rest of the backup: the index names it. Files
                    # only older versions named may have been removed on purpose: not counted.
                    if name in current:
                        missing += 1
                        index.write(json.dumps({**entry, "missing": True}).encode() + b"\n")
                    continue
                entry["member"] = f"media/{alias}/{name}"
                with source, _member(archive, entry["member"], compress=False) as target:
                    writer = _HashingWriter(target)
                    _copy(source, writer)
                index.write(json.dumps({**entry, **writer.describe()}).encode() + b"\n")
                files += 1
        index.seek(0)
        with _member(archive, MEDIA_INDEX, compress=True) as target:
            writer = _HashingWriter(target)
            _copy(index, writer)
    say(f"media: {files:,} files" + (f", {missing:,} missing" if missing else ""))
    return {"member": MEDIA_INDEX, "files": files, "missing": missing, **writer.describe()}


def _names_in_history(model, field_name, using):
    """File names that stored versions of model give field_name: a scan deleted or replaced keeps its
    files (docs/media.md) so that restoring it from history finds them; so must a backup."""
    if not apps.is_installed("reversion"):
        return set()
    from reversion.models import Version

    names = set()
    versions = Version.objects.using(using).get_for_model(model, model_db=using)
    for data_format, data in versions.values_list("format", "serialized_data").iterator(chunk_size=2000):
        try:
            if data_format == "json":
                value = json.loads(data)[0]["fields"].get(field_name)
            else:
                obj = next(iter(serializers.deserialize(data_format, data, ignorenonexistent=True)))
                value = getattr(obj.object, field_name).name
        except (ValueError, LookupError, TypeError, StopIteration, DeserializationError):
            continue  # an unreadable old version names no file we could find
        if value:
            names.add(value)
    return names
