"""What a backup archive holds and how it is checked: the members, the stored models, the manifest."""

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.apps import apps
from django.core import serializers
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.migrations.recorder import MigrationRecorder

from ...files import uploads

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


def file_fields():
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


# Reading and checking --------------------------------------------------------------------------


def open_archive(path):
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


def media_entries(archive, manifest):
    with archive.open(manifest["media"]["member"]) as lines:
        for line in lines:
            entry = json.loads(line)
            _safe_name(entry["name"])
            yield entry


def verify_archive(path):
    """Check every member against the manifest's checksums; returns the manifest. Raises BackupError."""
    with open_archive(path) as archive:
        manifest = read_manifest(archive)
        for described in manifest["models"]:
            _check(archive, described)
        _check(archive, manifest["media"])
        for entry in media_entries(archive, manifest):
            if not entry.get("missing"):
                _check(archive, entry)
    return manifest
