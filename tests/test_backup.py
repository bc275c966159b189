"""Backups (documents/ops/backup/): an archive restored into an empty database and media folder gives
back every record, its history and its files, and new records after it get fresh ids."""

import hashlib
import json
import shutil
import zipfile
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.urls import reverse
from rest_framework.authtoken.models import Token
from reversion.models import Revision, Version

from documents import roles
from documents.history.recording import deleting, recording
from documents.models import (
    Document,
    DocumentChange,
    DocumentPerson,
    ImportBatch,
    ImportedRecord,
    Language,
    OldSlug,
    Person,
    PersonAlias,
    Relation,
    RelationType,
    Scan,
    record_ids,
)
from documents.ops.backup import restore
from documents.ops.backup.archive import BackupError, stored_models
from documents.ops.backup.create import create_backup
from documents.ops.backup.restore import restore_backup

from .factories import (
    AliasFactory,
    CollectionFactory,
    DocumentFactory,
    DonorFactory,
    PersonFactory,
    RelationFactory,
    RoleFactory,
    image_upload,
)

# Flushing and sequences need real commits; serialized_rollback gives later tests back the rows
# that migrations made (languages, relation types, groups), which a flush removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def forget_content_types():
    """These tests make content types again with other ids: later tests must not see them cached."""
    yield
    ContentType.objects.clear_cache()


def build_archive(django_user_model):
    """A small archive with one of everything a backup must keep; returns the main document."""
    call_command("load_demo", verbosity=0)
    archivist = django_user_model.objects.create_superuser("archivist", "a@example.org", "a-long-test-password")
    curator = django_user_model.objects.create_user("curator", password="a-long-test-password", is_staff=True)
    curator.groups.add(Group.objects.get(name=roles.CURATOR))
    Token.objects.create(user=archivist)

    person = PersonFactory(name="Liu Shaoqi")  # not in the demo: no two people have the same name
    AliasFactory(person=person, name="Liu Shao-ch'i")
    person.slug = "liu"  # leaves an old slug, which names its model by content type
    person.save()
    document = DocumentFactory(title="Conversation about Zanzibar", text="The Zanzibar question.")
    document.languages.add(Language.objects.get(code="ru"))
    document.donors.add(DonorFactory())
    document.collections.add(CollectionFactory())
    RoleFactory(document=document, person=person, role=DocumentPerson.Role.AUTHOR)
    RoleFactory(document=document, role=DocumentPerson.Role.RECIPIENT)
    RelationFactory(source=document, target=Document.objects.get(record_id=121773))
    document.original_pdf.save("original.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    with recording(archivist, "Added scans", atomic=False):
        pages = [image_upload("page-1.png", size=(60, 90)), image_upload("page-2.png", size=(60, 90))]
        _, second = Scan.append_to(document, pages, "typed cable")
    # A deleted scan keeps its files for history's "recover": the backup must keep them too.
    with deleting([second], archivist):
        second.delete()
    with recording(archivist, "Corrected the summary"):
        document.summary = "A corrected summary."
        document.save()
    unpublished = DocumentFactory(title="Withdrawn cable")
    unpublished.status = Document.Status.DRAFT
    unpublished.save()  # leaves a tombstone
    batch = ImportBatch.objects.create(user=curator, file_name="batch.csv", file_format="csv", created_count=1)
    ImportedRecord.objects.create(
        batch=batch, model="document", object_id=unpublished.pk, label="Withdrawn cable", action="created", after="x"
    )
    return document


def snapshot_rows():
    """Every stored row, every field, with links by natural key: what a restore must give back."""
    from django.core import serializers

    return {
        model._meta.label_lower: serializers.serialize(
            "python", model._base_manager.order_by("pk"), use_natural_foreign_keys=True
        )
        for model in stored_models()
    }


def snapshot_files(media_root):
    return {
        str(path.relative_to(media_root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media_root.rglob("*"))
        if path.is_file()
    }


def empty_everything(media_root):
    """An empty, freshly migrated database and an empty media folder. The content types are made
    again with other ids than the archive's, as they would be in another database."""
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    ContentType.objects.create(app_label="zz_backup_test", model="shifted")
    emit_post_migrate_signal(0, False, "default")
    ContentType.objects.clear_cache()
    shutil.rmtree(media_root, ignore_errors=True)
    media_root.mkdir(parents=True)
    assert not any(model._base_manager.exists() for model in stored_models())


def test_restore_gives_back_everything_and_fresh_ids(client, django_user_model, media_root, tmp_path):
    """The whole round trip: backup, empty, restore, compare; then new records do not collide."""
    document = build_archive(django_user_model)
    rows, files = snapshot_rows(), snapshot_files(media_root)
    assert len([name for name in files if name.startswith("scans/")]) == 6  # two originals, four derivatives
    assert any(name.startswith("pdfs/") for name in files)
    assert len(rows["reversion.version"]) > 0 and len(rows["documents.documentchange"]) == 1
    before = {
        model: model.objects.order_by("-pk").values_list("pk", flat=True).first()
        for model in (Document, Person, PersonAlias, Relation, DocumentPerson, Scan, Revision)
    }
    # The demo's placeholder IDs (record_ids.PLACEHOLDERS) never set the next one: the real ones do.
    max_record_id = max(
        record_id
        for record_id in Document.objects.values_list("record_id", flat=True)
        if record_id not in record_ids.PLACEHOLDERS
    )
    path = tmp_path / "backups" / "archive.zip"
    call_command("backup_archive", str(path), verbosity=0)
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup_archive", str(path), verbosity=0)

    empty_everything(media_root)
    call_command("restore_archive", str(path), verbosity=0)

    assert snapshot_rows() == rows
    assert snapshot_files(media_root) == files
    versions = Version.objects.get_for_object(document)
    assert versions[0].field_dict["summary"] == "A corrected summary."
    assert versions[0].revision.user.username == "archivist"
    # The old slug names its model by content type, whose id differs in this database.
    liu = Person.objects.get(slug="liu")
    assert OldSlug.resolve(Person, OldSlug.objects.for_model(Person).get(object_id=liu.pk).slug) == liu
    assert DocumentChange.objects.get().record_id == Document.objects.get(title="Withdrawn cable").record_id

    # The public page, its scan and the search (rebuilt from the restored rows) all answer.
    restored = Document.objects.get(pk=document.pk)
    page = client.get(restored.get_absolute_url())
    assert page.status_code == 200 and "Conversation about Zanzibar" in page.content.decode()
    scan = restored.scans.get()
    assert b"".join(client.get(scan.image.url).streaming_content) == scan.image.read()
    found = client.get(reverse("documents:document_list"), {"q": "Zanzibar"})
    assert "Conversation about Zanzibar" in found.content.decode()

    # New records get fresh ids (PostgreSQL's sequences were moved past the restored ones).
    with recording(django_user_model.objects.get(username="archivist"), "After the restore"):
        new_document = Document.objects.create(title="Written after the restore")
        person = Person.objects.create(name="Zhu De")  # not in the demo: no two people have the same name
        alias = PersonAlias.objects.create(person=person, name="Chu Teh")
        relation = Relation.objects.create(
            source=new_document, target=restored, type=RelationType.objects.get(slug="reply")
        )
        link = DocumentPerson.objects.create(document=new_document, person=person)
    [new_scan] = Scan.append_to(new_document, [image_upload("page-1.png", size=(40, 60))])
    # Record IDs come from a sequence that never goes back (other documents may have taken numbers
    # in between: tests share it), past every restored record ID.
    assert new_document.record_id > max_record_id and new_document.record_id not in record_ids.PLACEHOLDERS
    for model, new in [
        (Document, new_document),
        (Person, person),
        (PersonAlias, alias),
        (Relation, relation),
        (DocumentPerson, link),
        (Scan, new_scan),
        (Revision, Revision.objects.order_by("-pk").first()),
    ]:
        assert new.pk > before[model], model


@pytest.mark.parametrize("damage", ["flip a byte", "truncate"])
def test_damaged_archive_is_refused_and_changes_nothing(damage, django_user_model, media_root, tmp_path):
    """A flipped byte or a cut-off file is caught by the checksums before anything is written."""
    build_archive(django_user_model)
    path = tmp_path / "archive.zip"
    create_backup(path)
    data = bytearray(path.read_bytes())
    if damage == "flip a byte":
        with zipfile.ZipFile(path) as archive:
            first = Scan.objects.get(original_filename="page-1.png").image.name
            info = next(info for info in archive.infolist() if info.filename.endswith(first))
        header = info.header_offset
        start = header + 30 + int.from_bytes(data[header + 26 : header + 28], "little")
        start += int.from_bytes(data[header + 28 : header + 30], "little")
        data[start + info.compress_size // 2] ^= 0xFF
    else:
        del data[len(data) // 2 :]
    path.write_bytes(bytes(data))
    empty_everything(media_root)

    with pytest.raises(BackupError, match=r"damaged|truncated|checksum"):
        restore_backup(path)
    assert not any(model._base_manager.exists() for model in stored_models())
    assert snapshot_files(media_root) == {}


def test_non_empty_database_is_refused_and_changes_nothing(django_user_model, media_root, tmp_path):
    """Restoring over records would mix two archives: refused, unless told to replace them."""
    build_archive(django_user_model)
    path = tmp_path / "archive.zip"
    create_backup(path)
    Document.objects.filter(title="Withdrawn cable").update(title="Edited since the backup")
    rows, files = snapshot_rows(), snapshot_files(media_root)

    with pytest.raises(BackupError, match="not empty"):
        restore_backup(path)
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore_archive", str(path), verbosity=0)
    assert snapshot_rows() == rows
    assert snapshot_files(media_root) == files

    # --replace puts the archive's state back in place of the database's.
    call_command("restore_archive", str(path), "--replace", verbosity=0)
    assert Document.objects.filter(title="Withdrawn cable").exists()
    assert not Document.objects.filter(title="Edited since the backup").exists()
    assert snapshot_files(media_root) == files


def test_failed_file_write_leaves_no_rows_and_no_files(django_user_model, media_root, tmp_path, monkeypatch):
    """The files go in after the rows; a failure part-way removes those written and rolls back."""
    build_archive(django_user_model)
    path = tmp_path / "archive.zip"
    create_backup(path)
    empty_everything(media_root)
    storage = Scan._meta.get_field("image").storage
    real_save, saved = storage.save, []

    def save_then_fail(name, content, **kwargs):
        if saved:
            raise OSError(28, "No space left on device")
        saved.append(real_save(name, content, **kwargs))
        return saved[-1]

    monkeypatch.setattr(storage, "save", save_then_fail)
    with pytest.raises(BackupError, match="No space left"):
        restore_backup(path)
    assert saved and snapshot_files(media_root) == {}
    assert not any(model._base_manager.exists() for model in stored_models())


def test_other_migrations_are_refused(django_user_model, media_root, tmp_path, monkeypatch):
    """Rows dumped under one schema are loaded only into the same one."""
    build_archive(django_user_model)
    path = tmp_path / "archive.zip"
    create_backup(path)
    empty_everything(media_root)
    real = restore.applied_migrations
    monkeypatch.setattr(restore, "applied_migrations", lambda using: {**real(using), "documents": ["0001_initial"]})
    with pytest.raises(BackupError, match="migrations differ"):
        restore_backup(path)
    assert not any(model._base_manager.exists() for model in stored_models())


def test_verify_only_and_missing_files(django_user_model, media_root, tmp_path):
    """A file lost before the backup is named in it, not fatal; --verify-only checks and changes nothing."""
    document = build_archive(django_user_model)
    document.original_pdf.storage.delete(document.original_pdf.name)
    path = tmp_path / "archive.zip"
    manifest = create_backup(path)
    assert manifest["media"]["missing"] == 1
    with zipfile.ZipFile(path) as archive:
        index = [json.loads(line) for line in archive.read("media.jsonl").splitlines()]
    assert [entry["name"] for entry in index if entry.get("missing")] == [document.original_pdf.name]
    out = StringIO()
    call_command("restore_archive", str(path), "--verify-only", stdout=out)
    assert "every checksum matches" in out.getvalue()


def test_a_backup_reads_without_blocking_curators(django_user_model, media_root, tmp_path):
    """On SQLite every transaction takes the write lock when it begins (settings: IMMEDIATE); a backup
    only reads, so its transaction begins DEFERRED and curators' saves go on meanwhile. On PostgreSQL
    it is a read-only snapshot."""
    from django.db import connection

    build_archive(django_user_model)
    statements = []

    def note(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        create_backup(tmp_path / "archive.zip")
    if connection.vendor == "sqlite":
        assert "BEGIN DEFERRED" in statements
        assert "BEGIN IMMEDIATE" not in statements
        assert connection.transaction_mode == "IMMEDIATE"  # given back for the curators' saves
    else:
        assert "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY" in statements
