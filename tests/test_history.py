"""History: every change recorded with who, when and what; a readable diff; revert; delete and restore."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from reversion.models import Revision, Version

from documents import search
from documents.history.diff import diff, history
from documents.history.recording import deleting, recording
from documents.history.recover import deleted_versions, restore
from documents.history.revert import HistoryError
from documents.history.states import current_state, version_state, versions_of
from documents.models import Document, DocumentPerson, Donor, RelationType
from documents.search import Criteria, Search, parse_query
from documents.services import publishing

from .factories import (
    AliasFactory,
    DocumentFactory,
    DonorFactory,
    LanguageFactory,
    PersonFactory,
    RelationFactory,
    RoleFactory,
    image_upload,
)


def change_url(obj):
    return f"/admin/documents/{obj._meta.model_name}/{obj.pk}/change/"


def history_url(obj):
    return f"/admin/documents/{obj._meta.model_name}/{obj.pk}/history/"


def revert_url(obj, version):
    return f"/admin/documents/{obj._meta.model_name}/{obj.pk}/history/{version.pk}/revert/"


def inline(prefix, rows):
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


def hidden_inputs(client, url):
    """The hidden values a change form carries (e.g. the version it was loaded at), as a browser sends them back."""
    page = client.get(url).content.decode()
    return dict(re.findall(r'<input type="hidden" name="(lock_[^"]+)" value="([^"]*)"', page))


def save_document(client, document, people=None, **fields):
    """Post the document's change form as it is, with fields changed and its people in roles set to
    people ([(person, role)]; None keeps them): what a curator does in the admin."""
    document.refresh_from_db()
    data = hidden_inputs(client, change_url(document)) | {
        "title": document.title,
        "slug": document.slug,
        "status": document.status,
        "date": document.date.isoformat() if document.date else "",
        "date_precision": document.date_precision,
        "doc_type": document.doc_type_id or "",
        "summary": document.summary,
        "text": document.text,
        "languages": [language.pk for language in document.languages.all()],
        "donors": [donor.pk for donor in document.donors.all()],
    }
    links = list(document.person_links.all())
    wanted = [(link.person, link.role) for link in links] if people is None else people
    rows = []
    for link in links:
        row = {"id": link.pk, "document": document.pk, "person": link.person_id, "role": link.role, "order": 0}
        if (link.person, link.role) not in wanted:
            row["DELETE"] = "on"
        rows.append(row)
    existing = [(link.person, link.role) for link in links]
    rows += [
        {"person": person.pk, "role": role, "order": 0} for person, role in wanted if (person, role) not in existing
    ]
    data |= inline("person_links", rows)
    data |= inline(
        "outgoing_relations",
        [
            {"id": r.pk, "source": document.pk, "target": r.target_id, "type": r.type_id}
            for r in document.outgoing_relations.all()
        ],
    )
    data |= inline(
        "incoming_relations",
        [
            {"id": r.pk, "target": document.pk, "source": r.source_id, "type": r.type_id}
            for r in document.incoming_relations.all()
        ],
    )
    data |= inline("scans", [])
    response = client.post(change_url(document), data | fields)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    document.refresh_from_db()
    return response


@pytest.fixture
def stalin(db):
    return PersonFactory(name="Joseph Stalin")


@pytest.fixture
def molotov(db):
    return PersonFactory(name="Vyacheslav Molotov")


@pytest.fixture
def cable(stalin):
    """A published cable by Stalin, with no history yet (as if loaded before history was kept)."""
    document = DocumentFactory(title="Cable to Mao Zedong", summary="Stalin advises caution.")
    RoleFactory(document=document, person=stalin)
    return document


@pytest.fixture
def staff_without_role(client, django_user_model):
    """A staff account with no group or permission: it may log in to the admin and nothing more."""
    user = django_user_model.objects.create_user("no-role", password="a-long-test-password", is_staff=True)
    client.force_login(user)
    return client


def texts(changes):
    return [str(change) for change in changes]


@pytest.mark.django_db
def test_an_edit_is_a_version_that_names_the_changed_fields_and_people(curator_client, curator, cable, molotov):
    """Who, when, a comment, and a field-by-field diff with people in roles by name."""
    save_document(curator_client, cable, summary="Stalin advises caution about Moscow.")
    save_document(curator_client, cable, people=[(cable.authors[0], "author"), (molotov, "author")], title="Cable")

    entries = history(cable)
    assert len(entries) == 2
    latest, first = entries
    assert latest.revision.user == curator and latest.revision.date_created is not None
    assert latest.revision.comment.startswith("Changed Title.")
    assert "Vyacheslav Molotov" in latest.revision.comment
    assert texts(latest.changes) == [
        "Title: Cable to Mao Zedong → Cable",
        "Authors: Joseph Stalin → Joseph Stalin, Vyacheslav Molotov",
    ]
    assert first.first and "Summary: — → Stalin advises caution about Moscow." in texts(first.changes)

    page = curator_client.get(history_url(cable))
    assert page.status_code == 200
    html = page.content.decode()
    for text in [
        "Authors",
        "Joseph Stalin, Vyacheslav Molotov",
        "Cable to Mao Zedong",
        "curator",
        "Revert to this version",
    ]:
        assert text in html


@pytest.mark.django_db
def test_diff_compares_any_version_with_the_record_as_it_is_now(curator_client, cable):
    """diff() serves other code too: what changed since a version, in the same words."""
    save_document(curator_client, cable, title="Cable, first title")
    version = versions_of(cable).first()
    cable.title = "Cable, second title"
    cable.save()
    changes = diff(version_state(version), current_state(cable))
    assert texts(changes) == ["Title: Cable, first title → Cable, second title"]


@pytest.mark.django_db
def test_a_long_text_shows_the_changed_passage_not_the_whole_text(curator_client, cable):
    words = " ".join(f"word{n}" for n in range(200))
    save_document(curator_client, cable, text=words)
    save_document(curator_client, cable, text=words.replace("word100", "changed"))
    (change,) = history(cable)[0].changes
    assert change.label == "Text"
    assert [(f.old, f.new) for f in change.fragments] == [("word100", "changed")]
    assert change.fragments[0].before.endswith("word99") and change.fragments[0].after.startswith("word101")


@pytest.mark.django_db
def test_a_curator_reverts_to_an_earlier_version_and_the_status_stays(
    curator_client, editor, cable, stalin, molotov, django_user_model
):
    """The old values and people come back, as a new version; the status is the editor's to change."""
    save_document(curator_client, cable, title="Cable, as first described")
    first = versions_of(cable).first()
    save_document(curator_client, cable, people=[(stalin, "author"), (molotov, "recipient")], title="Cable, renamed")
    publishing.unpublish(Document.objects.filter(pk=cable.pk), editor)
    assert versions_of(cable).first().revision.comment == "Unpublished."
    count = versions_of(cable).count()

    preview = curator_client.get(revert_url(cable, first))
    assert preview.status_code == 200
    assert "The status stays “Draft”" in preview.content.decode()
    response = curator_client.post(revert_url(cable, first), follow=True)
    assert response.status_code == 200

    cable.refresh_from_db()
    assert cable.title == "Cable, as first described"
    assert [p.name for p in cable.authors] == ["Joseph Stalin"] and cable.recipients == []
    assert cable.status == Document.Status.DRAFT  # as it was before the revert, not as in that version
    assert versions_of(cable).count() == count + 1
    latest = history(cable)[0]
    assert latest.revision.comment.startswith("Reverted to the version of")
    assert latest.revision.user.username == "curator"
    assert "Recipients: Vyacheslav Molotov → —" in texts(latest.changes)
    assert "Title: Cable, renamed → Cable, as first described" in texts(latest.changes)
    # The revert is itself a version: reverting to the one before it undoes it.
    curator_client.post(revert_url(cable, history(cable)[1].version))
    cable.refresh_from_db()
    assert cable.title == "Cable, renamed"


@pytest.mark.django_db
def test_an_editor_reverting_restores_the_status_too(editor_client, cable):
    save_document(editor_client, cable, title="Cable, published")
    published = versions_of(cable).first()
    save_document(editor_client, cable, status="draft")
    editor_client.post(revert_url(cable, published))
    cable.refresh_from_db()
    assert cable.status == Document.Status.PUBLISHED


@pytest.mark.django_db
def test_publishing_records_a_version_per_document(editor):
    drafts = DocumentFactory.create_batch(2, draft=True)
    publishing.publish(Document.objects.filter(pk__in=[d.pk for d in drafts]), editor)
    for document in drafts:
        (entry,) = history(document)
        assert (entry.revision.comment, entry.revision.user) == ("Published.", editor)
    assert Revision.objects.count() == 2


@pytest.mark.django_db
def test_a_relation_added_on_its_own_page_is_in_both_documents_histories(curator_client):
    """Changes to the relations attached to a document are the document's history, from either end."""
    earlier, reply = DocumentFactory(title="Letter"), DocumentFactory(title="Answer")
    reply_type = RelationType.objects.get(slug="reply")
    response = curator_client.post(
        "/admin/documents/relation/add/", {"source": reply.pk, "target": earlier.pk, "type": reply_type.pk, "note": ""}
    )
    assert response.status_code == 302
    assert texts(history(reply)[0].changes)[-1] == f"Related documents: — → reply to {earlier}"
    assert texts(history(earlier)[0].changes)[-1] == f"Related documents: — → replied to by {reply}"


@pytest.fixture
def described(cable, stalin, molotov):
    """The cable with its people in two roles, relations both ways, languages and donors."""
    RoleFactory(document=cable, person=molotov, role=DocumentPerson.Role.RECIPIENT)
    cable.languages.add(LanguageFactory(code="ru", name="Russian"), LanguageFactory(code="zh", name="Chinese"))
    cable.donors.add(DonorFactory(name="Henry Luce Foundation"))
    answer = DocumentFactory(title="Answer from Mao Zedong")
    earlier = DocumentFactory(title="Mao Zedong's question")
    RelationFactory(source=answer, target=cable, type=RelationType.objects.get(slug="reply"))
    RelationFactory(source=cable, target=earlier, type=RelationType.objects.get(slug="reply"))
    cable.text = "Instantsiya advises caution"
    cable.save()
    return cable


@pytest.mark.django_db
def test_a_deleted_document_is_restored_with_its_people_relations_languages_and_donors(editor_client, described):
    """Deleting is recorded; restoring brings back the document and what was attached to it."""
    cable = described
    pk, record_id = cable.pk, cable.record_id
    # What docs/history.md says to run once where records predate the history: a first version of each.
    call_command("createinitialrevisions", "documents.Document", comment="Initial version.", verbosity=0)
    assert editor_client.post(f"/admin/documents/document/{pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Document.objects.filter(pk=pk).exists()
    assert not Search(Criteria(parse_query(str(record_id)), published_only=False)).count()

    recover_list = editor_client.get("/admin/documents/document/recover/")
    assert recover_list.status_code == 200
    (deleted,) = recover_list.context["page"].object_list
    assert deleted.revision.comment == f"Deleted document “{record_id}: Cable to Mao Zedong”."
    assert deleted.revision.user.username == "group-editor"
    preview = editor_client.get(f"/admin/documents/document/recover/{deleted.pk}/")
    assert "Vyacheslav Molotov" in preview.content.decode()

    response = editor_client.post(f"/admin/documents/document/recover/{deleted.pk}/")
    assert response.status_code == 302 and response.url == f"/admin/documents/document/{pk}/change/"
    answer = Document.objects.get(title="Answer from Mao Zedong")
    # The document at the other end of a relation has the restore in its history, as it had the deletion.
    restored_here, deleted_here = history(answer)[:2]
    assert deleted_here.revision.comment == deleted.revision.comment
    assert texts(deleted_here.changes) == [f"Related documents: reply to {record_id}: Cable to Mao Zedong → —"]
    assert texts(restored_here.changes) == [f"Related documents: — → reply to {record_id}: Cable to Mao Zedong"]
    cable = Document.objects.get(pk=pk)
    assert (cable.record_id, cable.title, cable.status) == (record_id, "Cable to Mao Zedong", "published")
    assert [p.name for p in cable.authors] == ["Joseph Stalin"]
    assert [p.name for p in cable.recipients] == ["Vyacheslav Molotov"]
    assert sorted(r.wording for r in cable.related_documents()) == ["replied to by", "reply to"]
    assert sorted(cable.languages.values_list("code", flat=True)) == ["ru", "zh"]
    assert list(cable.donors.values_list("name", flat=True)) == ["Henry Luce Foundation"]
    # The search index knows it again, words, values and all.
    assert pk in Search(Criteria(parse_query("Instantsiya"), published_only=False)).page("-date", 0, 10).ids
    search.sync()
    assert not search.check()
    assert history(cable)[0].revision.comment.startswith("Restored from history")


@pytest.mark.django_db
def test_a_restored_document_leaves_out_relations_to_documents_deleted_since(curator_client, editor, described):
    """A curator restores a draft; the relation to a document that is gone stays out, and is named."""
    cable = described
    publishing.unpublish(Document.objects.filter(pk=cable.pk), editor)
    answer = cable.incoming_relations.get().source
    curator_client.post(f"/admin/documents/document/{cable.pk}/delete/", {"post": "yes"})
    answer.delete()
    deleted = deleted_versions(Document).get(object_id=str(cable.pk))

    response = curator_client.post(f"/admin/documents/document/recover/{deleted.pk}/", follow=True)
    notes = [str(message) for message in response.context["messages"]]
    assert any(note.startswith("Not restored: ") and "reply to" in note for note in notes), notes
    cable = Document.objects.get(pk=cable.pk)
    assert [r.wording for r in cable.related_documents()] == ["reply to"]
    assert len(cable.authors) == 1 and cable.status == Document.Status.DRAFT


@pytest.mark.django_db
def test_a_bulk_delete_is_recorded_and_listed_for_recovery(curator_client):
    drafts = DocumentFactory.create_batch(2, draft=True)
    response = curator_client.post(
        "/admin/documents/document/",
        {"action": "delete_selected", "_selected_action": [d.pk for d in drafts], "post": "yes"},
    )
    assert response.status_code == 302 and not Document.objects.exists()
    deleted = deleted_versions(Document)
    assert sorted(v.object_repr for v in deleted) == sorted(str(d) for d in drafts)
    assert {(v.revision.comment, v.revision.user.username) for v in deleted} == {("Deleted 2 documents.", "curator")}
    assert "Recover deleted documents" in curator_client.get("/admin/documents/document/").content.decode()


@pytest.mark.django_db
def test_scans_uploaded_together_are_one_version_of_their_document(curator_client, cable):
    files = [image_upload("page-2.png", size=(60, 90)), image_upload("page-1.png", size=(60, 90))]
    response = curator_client.post(
        f"/admin/documents/scan/upload/{cable.pk}/", {"files": files, "order": "name", "description": "cable"}
    )
    assert response.status_code == 302
    (entry,) = history(cable)
    assert entry.revision.comment == "Added 2 scans."
    scans = next(change for change in entry.changes if change.label == "Scans")
    assert re.fullmatch(r"1\. Page 1, cable \(page-1.*\.png\); 2\. Page 2, cable \(page-2.*\.png\)", scans.new), (
        scans.new
    )


@pytest.mark.django_db
def test_a_curator_restores_a_published_document_as_a_draft(curator, editor, described):
    with deleting([described], editor):
        described.delete()
    outcome = restore(deleted_versions(Document).get(), curator)
    assert outcome.obj.status == Document.Status.DRAFT
    assert outcome.notes[0].startswith("It was published; it comes back as a draft")


@pytest.mark.django_db
def test_a_document_whose_record_id_was_taken_since_is_not_restored(editor, cable):
    record_id = cable.record_id
    with deleting([cable], editor):
        cable.delete()
    DocumentFactory(record_id=record_id)
    with pytest.raises(HistoryError, match=f"record ID {record_id} is now used by"):
        restore(deleted_versions(Document).get(), editor)


@pytest.mark.django_db
def test_staff_without_a_role_can_neither_see_history_nor_revert_nor_recover(staff_without_role, curator, cable):
    with recording(curator, "Imported."):
        cable.save()
    version = versions_of(cable).get()
    assert staff_without_role.get(history_url(cable)).status_code == 403
    assert staff_without_role.get(revert_url(cable, version)).status_code == 403
    assert staff_without_role.post(revert_url(cable, version)).status_code == 403
    assert staff_without_role.get("/admin/documents/document/recover/").status_code == 403
    assert versions_of(cable).count() == 1


@pytest.mark.django_db
def test_a_person_edit_is_recorded_with_its_aliases(curator_client, curator, stalin):
    AliasFactory(person=stalin, name="Instantsiya", kind="codename")
    data = {
        "name": "Iosif Stalin",
        "slug": stalin.slug,
        "sort_name": "Stalin, Iosif",
        "kind": "person",
        "biography": "",
        "wikidata_id": "Q855",
        "viaf_id": "",
    }
    alias = stalin.aliases.get()
    data |= hidden_inputs(curator_client, change_url(stalin))
    data |= inline(
        "aliases",
        [
            {"id": alias.pk, "person": stalin.pk, "name": alias.name, "kind": alias.kind},
            {"person": stalin.pk, "name": "Joseph Stalin", "kind": "transliteration"},
        ],
    )
    assert curator_client.post(change_url(stalin), data).status_code == 302
    (entry,) = history(stalin)
    assert entry.revision.user == curator
    changes = {change.label: change.new for change in entry.changes}
    assert changes["Name"] == "Iosif Stalin" and changes["Wikidata ID"] == "Q855"
    assert changes["Aliases"] == "Instantsiya (codename), Joseph Stalin (transliteration)"
    assert curator_client.get(history_url(stalin)).status_code == 200


@pytest.mark.django_db
def test_a_donor_edit_is_recorded(curator_client, curator):
    donor = DonorFactory(name="Luce Foundation")
    data = {"name": "Henry Luce Foundation", "slug": donor.slug, "description": "", "url": "", "acknowledgement": ""}
    data |= hidden_inputs(curator_client, change_url(donor))
    assert curator_client.post(change_url(donor), data).status_code == 302
    (entry,) = history(donor)
    assert (entry.revision.user, texts(entry.changes)[0]) == (curator, "Name: — → Henry Luce Foundation")
    assert Version.objects.get_for_object(donor).count() == 1


@pytest.mark.django_db
def test_deleting_a_donor_is_recorded_once_no_document_names_it(editor_client, cable):
    """A donor that documents name is not deleted (issue 13: a published page silently lost its
    acknowledgement) and nothing is recorded; once none names it, its deletion is a revision that
    "recover deleted" restores."""
    donor = DonorFactory(name="Henry Luce Foundation")
    cable.donors.add(donor)
    revisions = Revision.objects.count()
    assert editor_client.post(f"/admin/documents/donor/{donor.pk}/delete/", {"post": "yes"}).status_code == 200
    assert list(cable.donors.all()) == [donor] and Revision.objects.count() == revisions
    cable.donors.remove(donor)
    assert editor_client.post(f"/admin/documents/donor/{donor.pk}/delete/", {"post": "yes"}).status_code == 302
    (deleted,) = Version.objects.get_deleted(Donor)
    assert deleted.revision.comment == "Deleted donor “Henry Luce Foundation”."
    assert User.objects.get(username="group-editor") == deleted.revision.user
