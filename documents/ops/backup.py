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
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from ..files import uploads
from ..models.record_ids import advance_past_stored
from ..search import rebuild, suspended

FORMAT = "archive-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_INDEX = "media.jsonl"
CHUNK = 1024 * 1024

# Never stored: rows that `migrate` makes again (rows that point at them use natural keys) ...
RECREATED = {"contenttypes.contenttype", "auth.permission"}
# ... what the documents determine, rebuilt after a restore (documents/search) ...
DERIVED = {"documents.searchoutbox"}
# ... and what nobody needs back: logins end with a restore.
TRANSIENT = {"sessions.session"}
# Rows that migrations themselves add (0002 starter vocabularies, 0005 roles): a freshly migrated
# database holds them, so they do not make it "not empty"; a restore replaces them with the
# archive's own, ids included, which the history's stored versions name.
SEEDED = {"documents.relationtype", "documents.language", "auth.group"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for the operator."""


@dataclass
class RestoreResult:
    """What a restore brought back."""

    counts: dict = field(default_factory=dict)
    files: int = 0
    files_unchanged: int = 0
    documents_indexed: int = 0
    manifest: dict = field(default_factory=dict)


# What is stored --------------------------------------------------------------------------------


def stored_models():
    """The models whose rows an archive holds, those that others name first (the foreign keys are
    checked at the commit, but reading them in this order is easier)."""
    chosen = [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in RECREATED | DERIVED | TRANSIENT
    ]
    app_list = {}
    for model in chosen:
        app_list.setdefault(apps.get_app_config(model._meta.app_label), []).append(model)
    return serializers.sort_dependencies(app_list.items(), allow_cycles=True)


def _storage_alias(file_field):
    """A stable name for the storage a file field writes to: "default", or the name of the callable
    that chooses it (documents.files.storage.scan_storage), or the field's own label."""
    if file_field.storage is default_storage:
        return "default"
    chooser = getattr(file_field, "_storage_callable", None)
    if chooser is not None:
        return getattr(chooser, "__name__", None) or f"{file_field.model._meta.label_lower}.{file_field.name}"
    return f"{file_field.model._meta.label_lower}.{file_field.name}"


def _file_fields():
    """{storage alias: (storage, [(model, field name), ...])} for every file field of a stored model."""
    found = {}
    for model in stored_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                alias = _storage_alias(model_field)
                found.setdefault(alias, (model_field.storage, []))[1].append((model, model_field.name))
    return found


def _safe_name(name):
    """A storage name from an archive, refused if it could lead outside its storage or hide what it
    is (control or direction-changing characters)."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name or uploads.hides_characters(name):
        raise BackupError(f"The archive names a file outside its storage: {name!r}.")
    return name


def applied_migrations(using=DEFAULT_DB_ALIAS):
    """{app label: [migration names]} applied to the database."""
    applied = {}
    for app_label, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


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
        for alias, (storage, fields) in _file_fields().items():
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


# Reading and checking --------------------------------------------------------------------------


def _open(path):
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"No archive at {path}.") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(f"{path} is not a readable backup archive (damaged or truncated?): {error}.") from None
    return archive


def _digest(archive, member):
    """(size, sha256) of a member, read in chunks; a damaged member raises BackupError."""
    sha256, size = hashlib.sha256(), 0
    try:
        with archive.open(member) as source:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                sha256.update(chunk)
                size += len(chunk)
    except KeyError:
        raise BackupError(f"The archive lacks {member}.") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise BackupError(f"The archive's {member} is damaged: {error}.") from None
    return size, sha256.hexdigest()


def _check(archive, described):
    size, sha256 = _digest(archive, described["member"])
    if (size, sha256) != (described["size"], described["sha256"]):
        raise BackupError(f"The archive's {described['member']} does not match its checksum: the archive is damaged.")


def read_manifest(archive):
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError("The archive has no manifest.json: it is not a backup made by backup_archive.") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise BackupError(f"The archive's manifest is damaged: {error}.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError("The archive is not a backup made by backup_archive.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"The archive is in format version {manifest.get('format_version')}; this code reads {FORMAT_VERSION}."
        )
    return manifest


def _media_entries(archive, manifest):
    with archive.open(manifest["media"]["member"]) as lines:
        for line in lines:
            entry = json.loads(line)
            _safe_name(entry["name"])
            yield entry


def verify_archive(path):
    """Check every member against the manifest's checksums; returns the manifest. Raises BackupError."""
    with _open(path) as archive:
        manifest = read_manifest(archive)
        for described in manifest["models"]:
            _check(archive, described)
        _check(archive, manifest["media"])
        for entry in _media_entries(archive, manifest):
            if not entry.get("missing"):
                _check(archive, entry)
    return manifest


# Restoring -------------------------------------------------------------------------------------


def _existing_rows(models_by_label, using):
    """{label: rows} for stored models that already hold rows (rows migrations make aside)."""
    found = {}
    for label, model in models_by_label.items():
        if label in SEEDED:
            continue
        count = model._base_manager.using(using).count()
        if count:
            found[label] = count
    return found


def _plan_media(archive, manifest, storages, replace):
    """The files to write, each [entry, storage]; files already there with the same bytes are left.
    A different file at a name is refused unless replacing."""
    plan, unchanged, conflicts = [], 0, []
    for entry in _media_entries(archive, manifest):
        if entry.get("missing"):
            continue
        if entry["storage"] not in storages:
            raise BackupError(f"The archive holds files for a storage this code has not: {entry['storage']}.")
        storage = storages[entry["storage"]]
        with archive.open(entry["member"]) as content:
            # The same rule as for an upload: a format the archive stores, named as what it is.
            if not uploads.extension_matches(entry["name"], content):
                raise BackupError(
                    f"The archive's file {entry['name']} is not an image or PDF of the kind its name says; "
                    "nothing was restored."
                )
        if storage.exists(entry["name"]):
            with storage.open(entry["name"], "rb") as current:
                sha256 = hashlib.sha256()
                for chunk in iter(lambda: current.read(CHUNK), b""):
                    sha256.update(chunk)
            if sha256.hexdigest() == entry["sha256"]:
                unchanged += 1
                continue
            if not replace:
                conflicts.append(entry["name"])
                continue
        plan.append((entry, storage))
    if conflicts:
        shown = ", ".join(conflicts[:5]) + (f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else "")
        raise BackupError(f"Files with these names exist already and differ from the archive's: {shown}.")
    return plan, unchanged


def restore_backup(path, using=DEFAULT_DB_ALIAS, replace=False, ignore_migrations=False, progress=None):
    """Restore the archive at path into the database and the media storages; returns a RestoreResult.

    Everything is checked before anything is changed: the checksums, the migrations (the database
    must be migrated exactly as the archive's was), and that the database holds no records (with
    replace=True, everything in it is replaced instead). The rows load in one transaction; the files
    are written after the rows, and removed again if anything fails before the commit."""
    say = progress or (lambda message: None)
    manifest = verify_archive(path)
    say("Checksums verified.")
    current = applied_migrations(using)
    if manifest["migrations"] != current and not ignore_migrations:
        differ = sorted(
            app
            for app in set(current) | set(manifest["migrations"])
            if current.get(app) != manifest["migrations"].get(app)
        )
        raise BackupError(
            f"The database's migrations differ from the archive's (apps: {', '.join(differ)}). Restore with "
            "the release that made the archive, into a database migrated by it; then migrate."
        )
    models_by_label = {model._meta.label_lower: model for model in stored_models()}
    unknown = [described["model"] for described in manifest["models"] if described["model"] not in models_by_label]
    if unknown:
        raise BackupError(f"The archive holds models this code does not know: {', '.join(unknown)}.")
    existing = _existing_rows(models_by_label, using)
    if existing and not replace:
        shown = ", ".join(f"{label}: {count:,}" for label, count in sorted(existing.items()))
        raise BackupError(
            f"The database is not empty ({shown}). Restore into a freshly migrated database, "
            "or pass --replace to replace everything in it with the archive."
        )
    storages = {alias: storage for alias, (storage, _) in _file_fields().items()}
    result = RestoreResult(manifest=manifest)
    written = []
    # Content types are looked up by natural key: forget ids cached from before a flush.
    ContentType.objects.clear_cache()
    with _open(path) as archive:
        plan, result.files_unchanged = _plan_media(archive, manifest, storages, replace)
        try:
            with transaction.atomic(using=using), suspended():
                _empty_tables(models_by_label, using, everything=replace)
                for described in manifest["models"]:
                    model = models_by_label[described["model"]]
                    result.counts[described["model"]] = _load(archive, described, model, using)
                    say(f"{described['model']}: {result.counts[described['model']]:,} rows")
                _reset_sequences(models_by_label.values(), using)
                advance_past_stored(using)  # no restored record ID, tombstones' included, is issued again
                for entry, storage in plan:
                    _write_file(archive, entry, storage, written)
                result.files = len(written)
                say(f"media: {result.files:,} files written, {result.files_unchanged:,} already in place")
        except BaseException as error:
            for storage, name in written:
                storage.delete(name)
            if isinstance(error, OSError):
                raise BackupError(f"Writing the files failed ({error}); nothing was restored.") from error
            raise
    # Derived tables are rebuilt from the restored rows; pages cached before the restore are stale.
    try:
        result.documents_indexed = rebuild()
    except Exception as error:
        raise BackupError(
            f"The archive was restored, but rebuilding the search index failed ({error}): "
            "run `manage.py search_index rebuild`."
        ) from error
    say(f"Search index rebuilt: {result.documents_indexed:,} documents.")
    with contextlib.suppress(Exception):  # a cache that is down holds nothing stale either
        cache.clear()
    return result


def _empty_tables(models_by_label, using, everything):
    """Remove what the archive replaces: the rows migrations made, or (replacing) every stored and
    derived row. Other tables are empty, as checked."""
    if not everything:
        # Few rows, with links into tables that stay (a TRUNCATE would be refused): deleted row by row.
        for label in sorted(SEEDED):
            apps.get_model(label)._base_manager.using(using).all().delete()
        return
    chosen = [apps.get_model(label) for label in set(models_by_label) | DERIVED | TRANSIENT]
    tables = set()
    for model in chosen:
        tables.add(model._meta.db_table)
        tables.update(m2m.remote_field.through._meta.db_table for m2m in model._meta.local_many_to_many)
    connection = connections[using]
    statements = connection.ops.sql_flush(no_style(), sorted(tables), reset_sequences=False, allow_cascade=False)
    connection.ops.execute_sql_flush(statements)


def _load(archive, described, model, using, batch_size=1000):
    """Insert the rows of one member as they were, ids and times included; returns how many.

    Plain INSERTs in batches, as a raw save makes them (no save() method, no signals, no automatic
    timestamps, never an UPDATE, which would count an edit: VersionedModel), then the rows'
    many-to-many links."""
    count, rows, links = 0, [], []
    fields = [model_field for model_field in model._meta.local_concrete_fields if not model_field.generated]
    m2m = {model_field.name: model_field for model_field in model._meta.local_many_to_many}

    def insert():
        manager = model._base_manager.db_manager(using)
        size = max(connections[using].ops.bulk_batch_size(fields, rows), 1)
        for start in range(0, len(rows), size):
            manager._insert(rows[start : start + size], fields=fields, using=using, raw=True)
        for model_field, through_rows in _group_links(links):
            model_field.remote_field.through._base_manager.db_manager(using).bulk_create(through_rows, batch_size)
        rows.clear()
        links.clear()

    with archive.open(described["member"]) as stream:
        try:
            for obj in serializers.deserialize("jsonl", stream, using=using):
                if type(obj.object) is not model:
                    raise BackupError(f"{described['member']} holds a row of {obj.object._meta.label}.")
                rows.append(obj.object)
                for name, targets in (obj.m2m_data or {}).items():
                    links.append((m2m[name], obj.object.pk, targets))
                count += 1
                if len(rows) >= batch_size:
                    insert()
            insert()
        except DeserializationError as error:
            raise BackupError(f"{described['member']} cannot be loaded: {error}") from None
    if count != described["count"]:
        raise BackupError(f"{described['member']} held {count} rows; the manifest says {described['count']}.")
    return count


def _group_links(links):
    """[(many-to-many field, [through rows])] for (field, source pk, target pks) triples."""
    grouped = {}
    for model_field, source, targets in links:
        through = model_field.remote_field.through
        source_name, target_name = model_field.m2m_field_name(), model_field.m2m_reverse_field_name()
        grouped.setdefault(model_field, []).extend(
            through(**{f"{source_name}_id": source, f"{target_name}_id": target}) for target in dict.fromkeys(targets)
        )
    return list(grouped.items())


def _reset_sequences(stored, using):
    """Move each id sequence past the restored ids (PostgreSQL; SQLite's follow the largest id)."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), list(stored))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _write_file(archive, entry, storage, written):
    name = entry["name"]
    if storage.exists(name):  # replacing a different file of the same name
        storage.delete(name)
    with archive.open(entry["member"]) as source:
        content = File(source, name=PurePosixPath(name).name)
        content.size = entry["size"]
        saved = storage.save(name, content)
    written.append((storage, saved))
    if saved != name:
        raise BackupError(f"The storage saved {name} as {saved}: restore into an empty media storage.")
