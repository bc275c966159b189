"""Roles: the Curator and Editor groups, docs/roles.md kept true, and every write path refusing
what a role may not do with nothing changed."""

import contextlib
import json
import re
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client, RequestFactory
from rest_framework.authtoken.models import Token

from documents import roles
from documents.history.recording import deleting, record_each, recording
from documents.history.recover import deleted_versions
from documents.history.states import versions_of
from documents.interchange.importer import can_import, import_file
from documents.interchange.undo import can_undo
from documents.models import (
    Archive,
    Classification,
    Collection,
    Document,
    DocumentPerson,
    DocumentType,
    Donor,
    ImportBatch,
    Language,
    Person,
    Place,
    Relation,
    RelationType,
    Scan,
    Subject,
)
from documents.services import publishing
from documents.services.merging import can_merge_people

from .factories import DocumentFactory, PersonFactory, RelationFactory, RoleFactory

ROLES_DOC = Path(__file__).resolve().parent.parent / "docs" / "roles.md"
ROLE_NAMES = ["anonymous", "staff, no group", "Curator", "Editor", "superuser"]
VOCABULARIES = [DocumentType, Classification, Language, Subject, Place, Archive, RelationType]
# The records kept in history, each with History, Revert and Recover deleted pages (admin_history.py).
HISTORY_MODELS = [Document, Person, Donor, Collection, Relation, Scan]
CHANGELIST = "/admin/documents/document/"
ADD_URL = "/admin/documents/document/add/"


def make_user(role):
    if role == "anonymous":
        return AnonymousUser()
    username = re.sub(r"\W+", "-", role.lower())
    if role == "superuser":
        return User.objects.create_superuser(username, f"{username}@example.org", "a-long-test-password")
    user = User.objects.create_user(username, password="a-long-test-password", is_staff=True)
    if role in roles.ROLES:
        user.groups.add(Group.objects.get(name=role))
    return user


def client_for(user):
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    return client


@pytest.fixture
def archive(role_groups):
    """A published document and a draft that replies to it, with an author; a person linked to nothing."""
    published = DocumentFactory(title="Cable, Mikoyan to Stalin")
    draft = DocumentFactory(title="Cable, Stalin to Mikoyan", draft=True)
    RoleFactory(document=draft, person=PersonFactory(name="Joseph Stalin"))
    RelationFactory(source=draft, target=published, type=RelationType.objects.get(slug="reply"))
    return SimpleNamespace(published=published, draft=draft, unlinked=PersonFactory(name="Nobody In Particular"))


# (a) docs/roles.md against the code ------------------------------------------------------


def roles_table():
    """The table in docs/roles.md as {what: {role: True/False}}."""
    text = ROLES_DOC.read_text()
    first_table = re.search(r"^\|.*?(?=^[^|]|\Z)", text, re.MULTILINE | re.DOTALL).group()
    lines = first_table.strip().splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    table = {}
    for line in lines[2:]:
        what, *cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert set(cells) <= {"yes", "no"}, line
        table[what] = {role: cell == "yes" for role, cell in zip(header[1:], cells, strict=True)}
    return header[1:], table


def admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def model_admin(model):
    return admin.site.get_model_admin(model)


def document_inlines():
    document_admin = model_admin(Document)
    return [inline(Document, admin.site) for inline in document_admin.inlines]


def person_inlines():
    return [inline(Person, admin.site) for inline in model_admin(Person).inlines]


def can(permissions, request, models, obj=None):
    """Each of the admin's has_<permission>_permission answers for each model."""
    answers = []
    for model in models:
        model_admin_ = model if isinstance(model, admin.options.BaseModelAdmin) else model_admin(model)
        for permission in permissions:
            check = getattr(model_admin_, f"has_{permission}_permission")
            answers.append(check(request, obj) if obj is not None else check(request))
    return answers


def admin_page_opens(user, url):
    return client_for(user).get(url).status_code == 200


def a_version_of(obj):
    """The record's latest version, recorded now (as the system) if it has none yet."""
    if not versions_of(obj).exists():
        record_each([obj])
    return versions_of(obj).first()


def history_url(obj):
    return f"/admin/documents/{obj._meta.model_name}/{obj.pk}/history/"


def revert_url(obj, version):
    return f"{history_url(obj)}{version.pk}/revert/"


# Each row of the table, as the code answers it for one user: a list of yes/no that must all match the cell.
CHECKS = {
    "view published documents on the site": lambda user, request, archive: [
        client_for(user).get(archive.published.get_absolute_url()).status_code == 200
    ],
    "preview drafts on the site": lambda user, request, archive: [
        client_for(user).get(archive.draft.get_absolute_url()).status_code == 200
    ],
    "add and change documents": lambda user, request, archive: (
        can(["add", "change"], request, [Document])
        + can(["change"], request, [Document], archive.draft)
        + can(["change"], request, [Document], archive.published)
    ),
    "add, change and remove a document's people in roles, relations and scans": lambda user, request, archive: (
        [
            answer
            for inline in document_inlines()
            for answer in can(["add", "change", "delete"], request, [inline], archive.draft)
        ]
    ),
    "add and change people, donors and collections; add, change and remove aliases": lambda user, request, archive: (
        can(["add", "change"], request, [Person, Donor, Collection])
        + can(["add", "change", "delete"], request, person_inlines(), archive.unlinked)
    ),
    "view the vocabularies": lambda user, request, archive: can(["view"], request, VOCABULARIES),
    "add and change vocabulary terms": lambda user, request, archive: can(["add", "change"], request, VOCABULARIES),
    "delete vocabulary terms": lambda user, request, archive: can(["delete"], request, VOCABULARIES),
    "publish and unpublish documents": lambda user, request, archive: [
        model_admin(Document).has_publish_permission(request),
        "publish" in model_admin(Document).get_actions(request),
        "unpublish" in model_admin(Document).get_actions(request),
        "status" not in model_admin(Document).get_readonly_fields(request, archive.draft),
    ],
    "delete draft documents": lambda user, request, archive: can(["delete"], request, [Document], archive.draft),
    "delete published documents": lambda user, request, archive: can(
        ["delete"], request, [Document], archive.published
    ),
    "delete people, donors and collections": lambda user, request, archive: (
        can(["delete"], request, [Person], archive.unlinked) + can(["delete"], request, [Donor, Collection])
    ),
    "manage users and roles": lambda user, request, archive: can(["add", "change", "delete"], request, [User, Group]),
    "import documents as drafts": lambda user, request, archive: [
        can_import(user),
        admin.site.get_model_admin(ImportBatch).has_module_permission(request),
    ],
    "import documents that publish or unpublish": lambda user, request, archive: [
        can_import(user) and roles.can_publish(user)
    ],
    "undo an import": lambda user, request, archive: [can_undo(user)],
    "export documents": lambda user, request, archive: [
        "export_csv" in model_admin(Document).get_actions(request),
        "export_jsonl" in model_admin(Document).get_actions(request),
    ],
    "see a record's history": lambda user, request, archive: (
        [model_admin(model).has_view_or_change_permission(request) for model in HISTORY_MODELS]
        + [admin_page_opens(user, history_url(obj)) for obj in (archive.draft, archive.published, archive.unlinked)]
    ),
    "revert to an earlier version": lambda user, request, archive: (
        can(["change"], request, HISTORY_MODELS)
        + [admin_page_opens(user, revert_url(obj, a_version_of(obj))) for obj in (archive.published, archive.unlinked)]
    ),
    "recover a deleted document": lambda user, request, archive: [
        model_admin(Document).has_add_permission(request) and model_admin(Document).has_change_permission(request),
        admin_page_opens(user, "/admin/documents/document/recover/"),
    ],
    "merge people": lambda user, request, archive: [
        can_merge_people(user),
        "merge_people" in model_admin(Person).get_actions(request),
    ],
}


def test_the_roles_table_has_a_column_per_role_and_a_check_per_row():
    columns, table = roles_table()
    assert columns == ROLE_NAMES
    assert set(table) == set(CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_docs_roles_table_matches_what_each_role_can_do(role, archive):
    """Every cell of docs/roles.md is what the code answers for a user in that role."""
    user = make_user(role)
    request = admin_request(user)
    _, table = roles_table()
    wrong = {}
    for what, by_role in table.items():
        answers = CHECKS[what](user, request, archive)
        if not answers or any(answer != by_role[role] for answer in answers):
            wrong[what] = (by_role[role], answers)
    assert not wrong, f"docs/roles.md disagrees with the code for {role}: {wrong}"


# (b) the permission matrix: every write path, every role --------------------------------


def inline_data(prefix, rows):
    """An admin inline formset as the browser posts it; rows with an "id" are existing ones."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(sum("id" in row for row in rows)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def document_form(document=None, **fields):
    """The document admin form as a browser posts it: a new document, or one that exists with its inline rows."""
    data = {"title": "A new memorandum", "slug": "", "status": "draft", "date": "1949-02-06", "date_precision": "day"}
    people, outgoing, incoming = [], [], []
    if document is None:
        data["record_id"] = "700001"
    else:
        data |= {"title": document.title, "slug": document.slug, "status": document.status}
        people = [
            {"id": link.pk, "document": document.pk, "person": link.person_id, "role": link.role, "order": link.order}
            for link in document.person_links.all()
        ]
        outgoing = [
            {"id": r.pk, "source": document.pk, "target": r.target_id, "type": r.type_id}
            for r in document.outgoing_relations.all()
        ]
        incoming = [
            {"id": r.pk, "target": document.pk, "source": r.source_id, "type": r.type_id}
            for r in document.incoming_relations.all()
        ]
    data |= inline_data("person_links", people) | inline_data("outgoing_relations", outgoing)
    data |= inline_data("incoming_relations", incoming) | inline_data("scans", [])
    return data | fields


def change_url(obj):
    return f"/admin/documents/{obj._meta.model_name}/{obj.pk}/change/"


def delete_url(obj):
    return f"/admin/documents/{obj._meta.model_name}/{obj.pk}/delete/"


def action(client, name, documents, **extra):
    return client.post(CHANGELIST, {"action": name, "_selected_action": [d.pk for d in documents], **extra})


def refused_quietly(call):
    """Model-level writes refuse by raising; the matrix then checks that nothing changed."""
    with contextlib.suppress(PermissionDenied):
        call()


def everything():
    """What a refused write must leave exactly as it was."""
    return (
        list(Document.objects.order_by("record_id").values_list("record_id", "title", "status", "first_published_at")),
        list(DocumentPerson.objects.order_by("pk").values_list("document__record_id", "person__name", "role")),
        list(Relation.objects.order_by("pk").values_list("source__record_id", "target__record_id", "type__slug")),
        list(Person.objects.order_by("pk").values_list("name", flat=True)),
        list(DocumentType.objects.order_by("pk").values_list("name", flat=True)),
    )


def what_is_published():
    return list(Document.objects.published().order_by("record_id").values_list("record_id", "first_published_at"))


def exists(model, **lookup):
    return model.objects.filter(**lookup).exists()


@dataclass
class WritePath:
    """A way to write to the archive: what to do, how to tell that it happened, and what a refusal keeps."""

    act: Any  # (client, user, archive) -> anything
    happened: Any  # (archive) -> bool
    unchanged: Any = everything  # () -> state that a refusal leaves as it was
    prepare: Any = None  # (archive) -> anything: done before the state is noted, as nobody in particular


# A forged form may still save the parts a curator may change; what must not happen is publishing.
WRITE_PATHS = {
    "admin add form": WritePath(
        lambda client, user, a: client.post(ADD_URL, document_form()),
        lambda a: exists(Document, record_id=700001, status="draft"),
    ),
    "admin add form, forged status=published": WritePath(
        lambda client, user, a: client.post(ADD_URL, document_form(status="published")),
        lambda a: exists(Document, record_id=700001, status="published"),
        what_is_published,
    ),
    "admin change form": WritePath(
        lambda client, user, a: client.post(change_url(a.draft), document_form(a.draft, title="Retitled")),
        lambda a: exists(Document, pk=a.draft.pk, title="Retitled"),
    ),
    "admin change form, forged status=published": WritePath(
        lambda client, user, a: client.post(change_url(a.draft), document_form(a.draft, status="published")),
        lambda a: exists(Document, pk=a.draft.pk, status="published"),
        what_is_published,
    ),
    "admin change form, forged status=draft": WritePath(
        lambda client, user, a: client.post(change_url(a.published), document_form(a.published, status="draft")),
        lambda a: exists(Document, pk=a.published.pk, status="draft"),
        what_is_published,
    ),
    "admin publish action": WritePath(
        lambda client, user, a: action(client, "publish", [a.draft]),
        lambda a: exists(Document, pk=a.draft.pk, status="published"),
    ),
    "admin unpublish action": WritePath(
        lambda client, user, a: action(client, "unpublish", [a.published]),
        lambda a: exists(Document, pk=a.published.pk, status="draft"),
    ),
    "admin delete a draft": WritePath(
        lambda client, user, a: client.post(delete_url(a.draft), {"post": "yes"}),
        lambda a: not exists(Document, pk=a.draft.pk),
    ),
    "admin delete a published document": WritePath(
        lambda client, user, a: client.post(delete_url(a.published), {"post": "yes"}),
        lambda a: not exists(Document, pk=a.published.pk),
    ),
    "bulk delete action, drafts": WritePath(
        lambda client, user, a: action(client, "delete_selected", [a.draft], post="yes"),
        lambda a: not exists(Document, pk=a.draft.pk),
    ),
    "bulk delete action, a draft and a published document": WritePath(
        lambda client, user, a: action(client, "delete_selected", [a.draft, a.published], post="yes"),
        lambda a: not exists(Document, pk__in=[a.draft.pk, a.published.pk]),
    ),
    "admin add a person": WritePath(
        lambda client, user, a: client.post(
            "/admin/documents/person/add/",
            {"name": "Anastas Mikoyan", "slug": "anastas-mikoyan", "kind": "person"} | inline_data("aliases", []),
        ),
        lambda a: exists(Person, name="Anastas Mikoyan"),
    ),
    "admin delete a person": WritePath(
        lambda client, user, a: client.post(delete_url(a.unlinked), {"post": "yes"}),
        lambda a: not exists(Person, pk=a.unlinked.pk),
    ),
    "admin add a document type": WritePath(
        lambda client, user, a: client.post("/admin/documents/documenttype/add/", {"name": "Diary", "slug": "diary"}),
        lambda a: exists(DocumentType, name="Diary"),
    ),
    "publishing.publish(documents, user)": WritePath(
        lambda client, user, a: refused_quietly(
            lambda: publishing.publish(Document.objects.filter(pk=a.draft.pk), user)
        ),
        lambda a: exists(Document, pk=a.draft.pk, status="published"),
    ),
    "publishing.unpublish(documents, user)": WritePath(
        lambda client, user, a: refused_quietly(
            lambda: publishing.unpublish(Document.objects.filter(pk=a.published.pk), user)
        ),
        lambda a: exists(Document, pk=a.published.pk, status="draft"),
    ),
}

IMPORT_URL = "/admin/documents/importbatch/import/"


def import_csv(*rows):
    """A small import file: a header and rows of record_id, title, status."""
    return ("record_id,title,status\r\n" + "".join(f"{r},{t},{s}\r\n" for r, t, s in rows)).encode()


def admin_import(client, data):
    """Upload in the admin, then confirm the dry run if it offered to."""
    file = StringIO(data.decode())
    file.name = "import.csv"
    response = client.post(IMPORT_URL, {"file": file})
    token = response.context.get("token") if response.context else None
    if token:
        client.post(IMPORT_URL, {"token": token})


def import_to_undo(archive):
    """An import, by the system, that retitles the draft: the batch an undo would reverse."""
    data = import_csv((archive.draft.record_id, "Retitled by an import", "draft"))
    archive.batch = import_file(data, file_name="retitle.csv", dry_run=False).batch


def export_action(client, user, archive):
    archive.exported = action(client, "export_csv", [archive.draft, archive.published])


def what_was_exported(archive):
    response = archive.exported
    return response.status_code == 200 and response["Content-Type"].startswith("text/csv")


WRITE_PATHS |= {
    "admin import, drafts": WritePath(
        lambda client, user, a: admin_import(client, import_csv((700101, "Imported draft", "draft"))),
        lambda a: exists(Document, record_id=700101, status="draft"),
    ),
    "admin import, a row that publishes": WritePath(
        lambda client, user, a: admin_import(client, import_csv((700101, "Imported and published", "published"))),
        lambda a: exists(Document, record_id=700101),
        what_is_published,
    ),
    "admin import, a row that unpublishes": WritePath(
        lambda client, user, a: admin_import(client, import_csv((a.published.record_id, "Unpublished", "draft"))),
        lambda a: exists(Document, pk=a.published.pk, status="draft"),
        what_is_published,
    ),
    "admin undo an import": WritePath(
        lambda client, user, a: client.post(f"/admin/documents/importbatch/{a.batch.pk}/undo/"),
        lambda a: exists(Document, pk=a.draft.pk, title=a.draft.title),
        prepare=import_to_undo,
    ),
    "admin export action": WritePath(export_action, what_was_exported),
}


def two_versions(archive):
    """The draft saved twice, as the system: retitled in the second version."""
    with recording(None, "First version."):
        archive.draft.save()
    archive.first_version = versions_of(archive.draft).first()
    archive.draft.title = "Retitled since"
    with recording(None, "Second version."):
        archive.draft.save()


def a_deleted_draft(archive):
    """A draft deleted, as the system: what "recover deleted" offers."""
    deleted = DocumentFactory(record_id=700500, title="Deleted draft", draft=True)
    with deleting([deleted]):
        deleted.delete()
    archive.deleted_version = deleted_versions(Document).get()


def a_duplicate_person(archive):
    """Stalin entered twice: a second spelling, named in the published document."""
    archive.stalin = Person.objects.get(name="Joseph Stalin")
    archive.duplicate = PersonFactory(name="Iosif Stalin")
    RoleFactory(document=archive.published, person=archive.duplicate)


WRITE_PATHS |= {
    "admin revert to an earlier version": WritePath(
        lambda client, user, a: client.post(revert_url(a.draft, a.first_version)),
        lambda a: exists(Document, pk=a.draft.pk, title="Cable, Stalin to Mikoyan"),
        prepare=two_versions,
    ),
    "admin recover a deleted document": WritePath(
        lambda client, user, a: client.post(f"/admin/documents/document/recover/{a.deleted_version.pk}/"),
        lambda a: exists(Document, record_id=700500),
        prepare=a_deleted_draft,
    ),
    "admin merge people": WritePath(
        lambda client, user, a: client.post(
            "/admin/documents/person/",
            {
                "action": "merge_people",
                "_selected_action": [a.stalin.pk, a.duplicate.pk],
                "post": "yes",
                "keep": a.stalin.pk,
                "alias_kind": "transliteration",
            },
        ),
        lambda a: (
            not exists(Person, pk=a.duplicate.pk) and exists(DocumentPerson, person=a.stalin, document=a.published)
        ),
        prepare=a_duplicate_person,
    ),
}


def api_client(user):
    """The API as a staff program uses it: a token (none for anonymous)."""
    if not user.is_authenticated:
        return Client()
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def api(method, url, body=None, if_match_of=None):
    """A write through /api/v1/ with If-Match set to the ETag of a read of if_match_of, as the writer."""

    def act(client, user, archive):
        client = api_client(user)
        headers = {}
        if if_match_of is not None:
            # Anonymous clients cannot read a draft: they send a made-up version.
            headers["HTTP_IF_MATCH"] = client.get(f"/api/v1{if_match_of(archive)}").get("ETag", 'W/"1-guess"')
        payload = json.dumps(body(archive) if callable(body) else body or {})
        return getattr(client, method)(f"/api/v1{url(archive)}", payload, content_type="application/json", **headers)

    return act


def api_document(document):
    return f"/documents/{document.record_id}/"


WRITE_PATHS |= {
    "API create a draft": WritePath(
        api("post", lambda a: "/documents/", {"title": "A new memorandum", "record_id": 700001}),
        lambda a: exists(Document, record_id=700001, status="draft"),
    ),
    "API create, status=published": WritePath(
        api("post", lambda a: "/documents/", {"title": "A new memorandum", "record_id": 700001, "status": "published"}),
        lambda a: exists(Document, record_id=700001),
        what_is_published,
    ),
    "API change a document": WritePath(
        api("patch", lambda a: api_document(a.draft), {"title": "Retitled"}, lambda a: api_document(a.draft)),
        lambda a: exists(Document, pk=a.draft.pk, title="Retitled"),
    ),
    "API publish (status=published)": WritePath(
        api("patch", lambda a: api_document(a.draft), {"status": "published"}, lambda a: api_document(a.draft)),
        lambda a: exists(Document, pk=a.draft.pk, status="published"),
        what_is_published,
    ),
    "API unpublish (status=draft)": WritePath(
        api("patch", lambda a: api_document(a.published), {"status": "draft"}, lambda a: api_document(a.published)),
        lambda a: exists(Document, pk=a.published.pk, status="draft"),
        what_is_published,
    ),
    "API delete a draft": WritePath(
        api("delete", lambda a: api_document(a.draft), if_match_of=lambda a: api_document(a.draft)),
        lambda a: not exists(Document, pk=a.draft.pk),
    ),
    "API delete a published document": WritePath(
        api("delete", lambda a: api_document(a.published), if_match_of=lambda a: api_document(a.published)),
        lambda a: not exists(Document, pk=a.published.pk),
    ),
    "API add a person": WritePath(
        api("post", lambda a: "/people/", {"name": "Anastas Mikoyan"}),
        lambda a: exists(Person, name="Anastas Mikoyan"),
    ),
    "API delete a person": WritePath(
        api("delete", lambda a: f"/people/{a.unlinked.slug}/", if_match_of=lambda a: f"/people/{a.unlinked.slug}/"),
        lambda a: not exists(Person, pk=a.unlinked.pk),
    ),
    "API add a relation": WritePath(
        api(
            "post",
            lambda a: "/relations/",
            lambda a: {"source": a.published.record_id, "target": a.draft.record_id, "type": "related"},
        ),
        lambda a: exists(Relation, source=a.published, target=a.draft, type__slug="related"),
    ),
}

# Who may take each write path, in the order of ROLE_NAMES.
MATRIX = {
    #                                                          anon staff  Curator Editor super
    "admin add form": "no no yes yes yes",
    "admin add form, forged status=published": "no no no yes yes",
    "admin change form": "no no yes yes yes",
    "admin change form, forged status=published": "no no no yes yes",
    "admin change form, forged status=draft": "no no no yes yes",
    "admin publish action": "no no no yes yes",
    "admin unpublish action": "no no no yes yes",
    "admin delete a draft": "no no yes yes yes",
    "admin delete a published document": "no no no yes yes",
    "bulk delete action, drafts": "no no yes yes yes",
    "bulk delete action, a draft and a published document": "no no no yes yes",
    "admin add a person": "no no yes yes yes",
    "admin delete a person": "no no no yes yes",
    "admin add a document type": "no no yes yes yes",
    "publishing.publish(documents, user)": "no no no yes yes",
    "publishing.unpublish(documents, user)": "no no no yes yes",
    "admin import, drafts": "no no yes yes yes",
    "admin import, a row that publishes": "no no no yes yes",
    "admin import, a row that unpublishes": "no no no yes yes",
    "admin undo an import": "no no no yes yes",
    "admin export action": "no no yes yes yes",
    "admin revert to an earlier version": "no no yes yes yes",
    "admin recover a deleted document": "no no yes yes yes",
    "admin merge people": "no no no yes yes",
    "API create a draft": "no no yes yes yes",
    "API create, status=published": "no no no yes yes",
    "API change a document": "no no yes yes yes",
    "API publish (status=published)": "no no no yes yes",
    "API unpublish (status=draft)": "no no no yes yes",
    "API delete a draft": "no no yes yes yes",
    "API delete a published document": "no no no yes yes",
    "API add a person": "no no yes yes yes",
    "API delete a person": "no no no yes yes",
    "API add a relation": "no no yes yes yes",
}


def test_every_write_path_has_a_row_in_the_matrix():
    assert set(MATRIX) == set(WRITE_PATHS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "role", "allowed"),
    [
        pytest.param(path, role, cell == "yes", id=f"{path} | {role}")
        for path, row in MATRIX.items()
        for role, cell in zip(ROLE_NAMES, row.split(), strict=True)
    ],
)
def test_permission_matrix(archive, path, role, allowed):
    """What a role may do through a write path happens; what it may not is refused with nothing changed."""
    write = WRITE_PATHS[path]
    user = make_user(role)
    if write.prepare:
        write.prepare(archive)
    before = write.unchanged()
    write.act(client_for(user), user, archive)
    if allowed:
        assert write.happened(archive)
    else:
        assert not write.happened(archive)
        assert write.unchanged() == before


@pytest.mark.django_db
def test_a_curator_is_told_why_a_selection_with_a_published_document_cannot_be_deleted(curator_client, archive):
    """The bulk delete's confirmation page names what the curator may not delete, before anything happens."""
    response = action(curator_client, "delete_selected", [archive.draft, archive.published])
    assert response.status_code == 200
    assert "Cannot delete documents" in response.content.decode()
    assert exists(Document, pk=archive.draft.pk) and exists(Document, pk=archive.published.pk)


@pytest.mark.django_db
def test_deleting_published_documents_without_the_confirmation_page_is_refused(curator, archive):
    """The admin's bulk delete holds the rule even for a caller that skips get_deleted_objects."""
    with pytest.raises(PermissionDenied):
        model_admin(Document).delete_queryset(admin_request(curator), Document.objects.all())
    assert Document.objects.count() == 2


@pytest.mark.django_db
def test_a_curators_forged_publish_saves_a_draft(curator_client, archive):
    """The status a curator cannot see is ignored; the rest of the form is saved, as a draft."""
    response = curator_client.post(ADD_URL, document_form(status="published"))
    assert response.status_code == 302
    document = Document.objects.get(record_id=700001)
    assert (document.status, document.first_published_at) == ("draft", None)


# (c) the groups: created by the migration, kept in step by setup_roles --------------------


def group_permissions():
    return {
        group.name: {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list("content_type__app_label", "codename")
        }
        for group in Group.objects.filter(name__in=roles.ROLES)
    }


def defined_permissions():
    return {
        name: {f"{roles.APP_LABEL}.{codename}" for codename in codenames} for name, codenames in roles.ROLES.items()
    }


def setup_roles():
    out = StringIO()
    call_command("setup_roles", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_migration_creates_both_groups_as_defined():
    assert group_permissions() == defined_permissions()


@pytest.mark.django_db
def test_setup_roles_is_idempotent():
    assert "nothing changed" in setup_roles()
    assert "nothing changed" in setup_roles()
    assert group_permissions() == defined_permissions()


@pytest.mark.django_db
def test_setup_roles_repairs_groups_that_were_edited_by_hand(curator):
    curators = Group.objects.get(name=roles.CURATOR)
    curators.permissions.remove(Permission.objects.get(codename="add_document"))
    curators.permissions.add(
        Permission.objects.get(codename="publish_document"), Permission.objects.get(codename="change_user")
    )
    Group.objects.filter(name=roles.EDITOR).delete()

    output = setup_roles()

    assert "Curator: added documents.add_document" in output
    assert "Curator: removed documents.publish_document" in output
    assert "Curator: removed auth.change_user" in output
    assert "Editor: created the group" in output
    assert group_permissions() == defined_permissions()
    curator = User.objects.get(pk=curator.pk)  # a fresh user: permissions are cached per instance
    assert curator.has_perm("documents.add_document") and not curator.has_perm("documents.publish_document")
    assert "nothing changed" in setup_roles()
