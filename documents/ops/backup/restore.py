"""Restoring a backup archive (documents/ops/backup/create.py says what it holds)."""

import contextlib
import hashlib
from pathlib import PurePosixPath

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.cache import cache
from django.core.files import File
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from ...files import uploads
from ...models.record_ids import advance_past_stored
from ...search import rebuild, suspended
from .archive import (
    CHUNK,
    DERIVED,
    SEEDED,
    TRANSIENT,
    BackupError,
    RestoreResult,
    applied_migrations,
    file_fields,
    media_entries,
    open_archive,
    stored_models,
    verify_archive,
)

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
    for entry in media_entries(archive, manifest):
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
    storages = {alias: storage for alias, (storage, _) in file_fields().items()}
    result = RestoreResult(manifest=manifest)
    written = []
    # Content types are looked up by natural key: forget ids cached from before a flush.
    ContentType.objects.clear_cache()
    with open_archive(path) as archive:
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
