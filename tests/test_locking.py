"""No lost edits: two curators edit the same record at once; the second save is merged or refused,
and nothing either of them saved is lost (documents/history/locking.py, documents/admin/locking.py)."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client

from documents import roles
from documents.history import locking
from documents.models import Collection, Document, DocumentPerson, Person, RelationType
from documents.services import publishing

from .factories import (
    CollectionFactory,
    DocumentFactory,
    DonorFactory,
    LanguageFactory,
    PersonFactory,
    RelationFactory,
    RoleFactory,
)
from .pages import visible_text


class FormReader(HTMLParser):
    """The fields of one <form> as a browser would post them (file inputs and buttons left out)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, False, {}
        self.select = self.textarea = None
        self.text = []

    def add(self, name, value):
        if "__prefix__" not in name:  # the inline's hidden template row is not a row
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or ("name" not in attrs and tag != "option"):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.add(attrs["name"], attrs.get("value", "on"))
            elif kind not in ("file", "submit", "button", "image", "reset"):
                self.add(attrs["name"], attrs.get("value", ""))
        elif tag == "select":
            self.select = attrs["name"]
            self.add(self.select, None)  # a select posts nothing if no option is selected
        elif tag == "option" and self.select and "selected" in attrs:
            self.add(self.select, attrs.get("value", ""))
        elif tag == "textarea":
            self.textarea, self.text = attrs["name"], []

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.add(self.textarea, "".join(self.text).removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None


def form_data(response, model_name):
    """What the browser posts back from an admin change form it was sent, unchanged."""
    assert response.status_code == 200
    reader = FormReader(f"{model_name}_form")
    reader.feed(response.content.decode())
    data = {}
    for name, values in reader.data.items():
        values = [value for value in values if value is not None]
        data[name] = values if len(values) > 1 or name in MULTIPLE else (values[0] if values else "")
    return data | {"_save": "Save"}


MULTIPLE = {"languages", "archives", "donors", "collections", "subjects", "places"}


def change_url(obj):
    return f"/admin/documents/{obj._meta.model_name}/{obj.pk}/change/"


@pytest.fixture
def ada(role_groups, django_user_model):
    user = django_user_model.objects.create_user("ada", password="pw", is_staff=True, first_name="Ada", last_name="L")
    user.groups.add(Group.objects.get(name=roles.CURATOR))
    return user


@pytest.fixture
def ben(role_groups, django_user_model):
    user = django_user_model.objects.create_user("ben", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.CURATOR))
    return user


@pytest.fixture
def two_curators(ada, ben):
    """Two browsers, each logged in as a different curator."""
    clients = []
    for user in (ada, ben):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def open_both(clients, obj):
    """Both curators open the same change form before either saves."""
    return [form_data(client.get(change_url(obj)), obj._meta.model_name) for client in clients]


def save(client, obj, data):
    return client.post(change_url(obj), data)


def shown_messages(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


# Documents -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_change_form_carries_the_version_it_started_from(two_curators):
    """A browser posts back the version and the signed base it loaded."""
    document = DocumentFactory(draft=True)
    data = open_both(two_curators, document)[0]
    assert data["lock_version"] == "1"
    assert locking.unsign(data["lock_base"])["form"]["title"]


@pytest.mark.django_db
def test_different_fields_are_merged_and_the_merge_is_said(two_curators):
    """Ada changes the title, Ben the summary and the languages: both changes stand."""
    ada_client, ben_client = two_curators
    document = DocumentFactory(draft=True, title="Old title", summary="Old summary")
    ada_form, ben_form = open_both(two_curators, document)

    assert save(ada_client, document, ada_form | {"title": "Ada's title"}).status_code == 302
    russian = LanguageFactory()
    response = save(ben_client, document, ben_form | {"summary": "Ben's summary", "languages": [str(russian.pk)]})

    assert response.status_code == 302, visible_text(response)
    document.refresh_from_db()
    assert (document.title, document.summary) == ("Ada's title", "Ben's summary")
    assert list(document.languages.all()) == [russian]
    assert document.version == 3 and document.modified_by.username == "ben"
    message = shown_messages(ben_client.get(change_url(document)))[0]
    assert message.startswith("Merged with Ada L’s save at ")
    assert "they changed Title; you changed Languages and Summary." in message


@pytest.mark.django_db
def test_the_same_field_is_refused_naming_who_saved_and_both_values(two_curators):
    """The second save changes nothing, names the first curator and shows both values side by side."""
    ada_client, ben_client = two_curators
    document = DocumentFactory(draft=True, title="Old title")
    ada_form, ben_form = open_both(two_curators, document)
    save(ada_client, document, ada_form | {"title": "Ada's title"})

    response = save(ben_client, document, ben_form | {"title": "Ben's title", "summary": "Ben's summary"})

    assert response.status_code == 200
    text = visible_text(response)
    assert "Not saved: Ada L saved this document at" in text
    assert "You both changed Title." in text
    conflict = response.context["edit_lock"]["conflicts"][0]["conflict"]
    assert (conflict.label, conflict.theirs, conflict.yours) == ("Title", "Ada's title", "Ben's title")
    document.refresh_from_db()
    assert (document.title, document.summary, document.version) == ("Ada's title", "A summary.", 2)


@pytest.mark.django_db
@pytest.mark.parametrize(("choice", "title"), [("mine", "Ben's title"), ("theirs", "Ada's title")])
def test_after_a_refusal_the_curator_keeps_either_value(two_curators, choice, title):
    """Choosing saves the chosen title; every other change of both curators is kept."""
    ada_client, ben_client = two_curators
    document = DocumentFactory(draft=True, title="Old title")
    ada_form, ben_form = open_both(two_curators, document)
    save(ada_client, document, ada_form | {"title": "Ada's title", "text": "Ada's text"})
    refused = save(ben_client, document, ben_form | {"title": "Ben's title", "summary": "Ben's summary"})

    again = form_data(refused, "document")
    assert again["lock_seen"] == "2" and again["title"] == "Ben's title"
    response = save(ben_client, document, again | {"lock_keep-title": choice})

    assert response.status_code == 302, visible_text(response)
    document.refresh_from_db()
    assert (document.title, document.text, document.summary) == (title, "Ada's text", "Ben's summary")
    kept = "kept your Title" if choice == "mine" else "kept their Title"
    assert kept in shown_messages(ben_client.get(change_url(document)))[0]


@pytest.mark.django_db
def test_a_choice_made_before_yet_another_save_counts_for_nothing(two_curators, ada):
    """If someone saves again while the curator chooses, the conflict is shown again with the new value."""
    ada_client, ben_client = two_curators
    document = DocumentFactory(draft=True)
    ada_form, ben_form = open_both(two_curators, document)
    save(ada_client, document, ada_form | {"title": "Ada's title"})
    refused = form_data(save(ben_client, document, ben_form | {"title": "Ben's title"}), "document")
    Document.objects.filter(pk=document.pk).first().save()  # e.g. a script, after Ben saw version 2

    response = save(ben_client, document, refused | {"lock_keep-title": "mine"})

    assert response.status_code == 200
    document.refresh_from_db()
    assert document.title == "Ada's title" and document.version == 3


@pytest.mark.django_db
def test_both_making_the_same_change_is_no_conflict(two_curators):
    ada_client, ben_client = two_curators
    document = DocumentFactory(draft=True)
    ada_form, ben_form = open_both(two_curators, document)
    save(ada_client, document, ada_form | {"title": "Same title"})
    assert save(ben_client, document, ben_form | {"title": "Same title"}).status_code == 302


@pytest.mark.django_db
def test_many_to_many_changed_by_both_is_a_conflict(two_curators):
    ada_client, ben_client = two_curators
    document = DocumentFactory(draft=True)
    russian, chinese = LanguageFactory(), LanguageFactory(code="zh", name="Chinese")
    ada_form, ben_form = open_both(two_curators, document)
    save(ada_client, document, ada_form | {"languages": [str(russian.pk)]})

    response = save(ben_client, document, ben_form | {"languages": [str(chinese.pk)]})

    conflict = response.context["edit_lock"]["conflicts"][0]["conflict"]
    assert (conflict.theirs, conflict.yours) == ("Russian", "Chinese")
    assert list(document.languages.all()) == [russian]


@pytest.mark.django_db
def test_publishing_in_between_is_kept_by_a_curators_stale_save(two_curators, editor):
    """The publish action bumps the version too; the curator's save keeps the document published."""
    ada_client, _ = two_curators
    document = DocumentFactory(draft=True)
    ada_form = form_data(ada_client.get(change_url(document)), "document")
    publishing.publish(Document.objects.filter(pk=document.pk), editor)

    assert save(ada_client, document, ada_form | {"title": "Ada's title"}).status_code == 302
    document.refresh_from_db()
    assert document.is_published and document.title == "Ada's title" and document.version == 3


# Inlines: people in roles --------------------------------------------------------------------


def role_rows(data):
    """The posted people-in-roles rows, by the person's id."""
    total = int(data["person_links-TOTAL_FORMS"])
    return {data[f"person_links-{i}-person"]: i for i in range(total) if data.get(f"person_links-{i}-person")}


@pytest.fixture
def document_with_people():
    document = DocumentFactory(draft=True)
    stalin, mao = PersonFactory(name="Joseph Stalin"), PersonFactory(name="Mao Zedong")
    RoleFactory(document=document, person=stalin, role=DocumentPerson.Role.AUTHOR)
    RoleFactory(document=document, person=mao, role=DocumentPerson.Role.RECIPIENT)
    return document, stalin, mao


@pytest.mark.django_db
def test_inline_changes_on_both_sides_are_merged(two_curators, document_with_people):
    """Ada makes Mao a participant; Ben changes the summary, adds a person and removes Stalin."""
    ada_client, ben_client = two_curators
    document, stalin, mao = document_with_people
    ada_form, ben_form = open_both(two_curators, document)
    row = role_rows(ada_form)[str(mao.pk)]
    save(ada_client, document, ada_form | {f"person_links-{row}-role": "participant"})

    kim = PersonFactory(name="Kim Il Sung")
    extra = int(ben_form["person_links-TOTAL_FORMS"]) - 1  # the empty row the form offers
    ben_form |= {
        "summary": "Ben's summary",
        f"person_links-{role_rows(ben_form)[str(stalin.pk)]}-DELETE": "on",
        f"person_links-{extra}-person": str(kim.pk),
        f"person_links-{extra}-role": "mentioned",
    }
    response = save(ben_client, document, ben_form)

    assert response.status_code == 302, visible_text(response)
    links = {link.person.name: link.role for link in document.person_links.all()}
    assert links == {"Mao Zedong": "participant", "Kim Il Sung": "mentioned"}
    assert Document.objects.get(pk=document.pk).summary == "Ben's summary"
    message = shown_messages(ben_client.get(change_url(document)))[0]
    assert "they changed people in roles; you changed Summary and people in roles" in message


@pytest.mark.django_db
def test_the_same_inline_row_changed_by_both_is_refused_then_resolved(two_curators, document_with_people):
    ada_client, ben_client = two_curators
    document, _, mao = document_with_people
    ada_form, ben_form = open_both(two_curators, document)
    row = role_rows(ada_form)[str(mao.pk)]
    save(ada_client, document, ada_form | {f"person_links-{row}-role": "participant"})

    response = save(ben_client, document, ben_form | {f"person_links-{row}-role": "mentioned"})

    assert response.status_code == 200
    conflict = response.context["edit_lock"]["conflicts"][0]["conflict"]
    assert conflict.label == "Person in a role “Mao Zedong (mentioned)”: Role"
    assert (conflict.theirs, conflict.yours) == ("Participant", "Mentioned")
    assert "Ada L also changed these people in roles" in visible_text(response)
    assert document.person_links.get(person=mao).role == "participant"

    again = form_data(response, "document") | {f"lock_keep-{conflict.key}": "mine"}
    assert save(ben_client, document, again).status_code == 302
    assert document.person_links.get(person=mao).role == "mentioned"


@pytest.mark.django_db
def test_a_row_deleted_meanwhile_stays_deleted_unless_the_curator_changed_it(two_curators, document_with_people):
    ada_client, ben_client = two_curators
    document, _, mao = document_with_people
    ada_form, ben_form = open_both(two_curators, document)
    save(ada_client, document, ada_form | {f"person_links-{role_rows(ada_form)[str(mao.pk)]}-DELETE": "on"})

    # Ben left Mao's row alone: his save merges and the row stays deleted.
    assert save(ben_client, document, ben_form | {"title": "Ben's title"}).status_code == 302
    assert list(document.person_links.values_list("person__name", flat=True)) == ["Joseph Stalin"]
    assert Document.objects.get(pk=document.pk).title == "Ben's title"


@pytest.mark.django_db
def test_a_row_deleted_meanwhile_that_the_curator_changed_is_a_conflict(two_curators, document_with_people):
    ada_client, ben_client = two_curators
    document, _, mao = document_with_people
    ada_form, ben_form = open_both(two_curators, document)
    row = role_rows(ada_form)[str(mao.pk)]
    save(ada_client, document, ada_form | {f"person_links-{row}-DELETE": "on"})

    response = save(ben_client, document, ben_form | {f"person_links-{row}-order": "3"})

    assert response.status_code == 200
    conflict = response.context["edit_lock"]["conflicts"][0]["conflict"]
    assert conflict.theirs == "deleted it" and "order: 3" in conflict.yours
    assert not document.person_links.filter(person=mao).exists()
    again = form_data(response, "document") | {f"lock_keep-{conflict.key}": "mine"}
    assert save(ben_client, document, again).status_code == 302
    assert document.person_links.get(person=mao).order == 3


@pytest.mark.django_db
def test_deleting_a_row_that_was_changed_meanwhile_is_a_conflict(two_curators, document_with_people):
    ada_client, ben_client = two_curators
    document, _, mao = document_with_people
    ada_form, ben_form = open_both(two_curators, document)
    row = role_rows(ada_form)[str(mao.pk)]
    save(ada_client, document, ada_form | {f"person_links-{row}-role": "participant"})

    response = save(ben_client, document, ben_form | {f"person_links-{row}-DELETE": "on"})

    conflict = response.context["edit_lock"]["conflicts"][0]["conflict"]
    assert (conflict.theirs, conflict.yours) == ("changed it: role: Participant", "delete it")
    again = form_data(response, "document") | {f"lock_keep-{conflict.key}": "theirs"}
    assert save(ben_client, document, again).status_code == 302
    assert document.person_links.get(person=mao).role == "participant"


@pytest.fixture
def related_pair():
    """Document A replies to document B: the relation is a row on both change forms."""
    source, target = DocumentFactory(draft=True), DocumentFactory(draft=True)
    relation = RelationFactory(source=source, target=target, type=RelationType.objects.get(slug="reply"))
    return source, target, relation


@pytest.mark.django_db
def test_a_relation_changed_from_the_other_documents_page_is_not_overwritten(two_curators, related_pair):
    """Ben edits the relation from B's page (A's version does not move); Ada's save of A keeps his note."""
    ada_client, ben_client = two_curators
    source, target, relation = related_pair
    ada_form = form_data(ada_client.get(change_url(source)), "document")
    ben_form = form_data(ben_client.get(change_url(target)), "document")
    save(ben_client, target, ben_form | {"incoming_relations-0-note": "Ben's note"})

    response = save(ada_client, source, ada_form | {"title": "Ada's title"})

    assert response.status_code == 302, visible_text(response)
    relation.refresh_from_db()
    assert relation.note == "Ben's note" and Document.objects.get(pk=source.pk).title == "Ada's title"
    message = shown_messages(ada_client.get(change_url(source)))[0]
    assert message == "Merged with changes saved elsewhere after you opened the form: they changed relations."


@pytest.mark.django_db
def test_a_relation_changed_on_both_pages_is_a_conflict(two_curators, related_pair):
    ada_client, ben_client = two_curators
    source, target, relation = related_pair
    ada_form = form_data(ada_client.get(change_url(source)), "document")
    ben_form = form_data(ben_client.get(change_url(target)), "document")
    save(ben_client, target, ben_form | {"incoming_relations-0-note": "Ben's note"})

    response = save(ada_client, source, ada_form | {"outgoing_relations-0-note": "Ada's note"})

    assert response.status_code == 200
    conflict = response.context["edit_lock"]["conflicts"][0]["conflict"]
    assert (conflict.theirs, conflict.yours) == ("Ben's note", "Ada's note")
    assert "Not saved: someone also changed these relations after you opened the form." in visible_text(response)
    relation.refresh_from_db()
    assert relation.note == "Ben's note"


# People, donors, collections -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory", "first", "second"),
    [
        (PersonFactory, {"biography": "Ada's biography"}, {"sort_name": "Stalin, Joseph"}),
        (DonorFactory, {"description": "Ada's description"}, {"url": "https://example.org/"}),
        (CollectionFactory, {"description": "Ada's description"}, {"name": "Ben's name"}),
    ],
)
def test_people_donors_and_collections_merge_different_fields(two_curators, factory, first, second):
    ada_client, ben_client = two_curators
    record = factory()
    ada_form, ben_form = open_both(two_curators, record)
    assert save(ada_client, record, ada_form | first).status_code == 302

    response = save(ben_client, record, ben_form | second)

    assert response.status_code == 302, visible_text(response)
    record.refresh_from_db()
    for name, value in (first | second).items():
        assert getattr(record, name) == value
    assert record.version == 3 and record.modified_by.username == "ben"
    assert shown_messages(ben_client.get(change_url(record)))[0].startswith("Merged with Ada L’s save")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory", "field"),
    [(PersonFactory, "biography"), (DonorFactory, "description"), (CollectionFactory, "description")],
)
def test_people_donors_and_collections_refuse_the_same_field_then_keep_mine(two_curators, factory, field):
    ada_client, ben_client = two_curators
    record = factory()
    ada_form, ben_form = open_both(two_curators, record)
    save(ada_client, record, ada_form | {field: "Ada's words"})

    response = save(ben_client, record, ben_form | {field: "Ben's words"})

    assert response.status_code == 200
    text = visible_text(response)
    assert f"Not saved: Ada L saved this {record._meta.verbose_name} at" in text
    assert "Ada's words" in text and "Ben's words" in text
    record.refresh_from_db()
    assert getattr(record, field) == "Ada's words"
    again = form_data(response, record._meta.model_name) | {f"lock_keep-{field}": "mine"}
    assert save(ben_client, record, again).status_code == 302
    record.refresh_from_db()
    assert getattr(record, field) == "Ben's words"


@pytest.mark.django_db
def test_person_aliases_merge_like_document_rows(two_curators):
    ada_client, ben_client = two_curators
    person = PersonFactory(name="Joseph Stalin")
    ada_form, ben_form = open_both(two_curators, person)
    save(ada_client, person, ada_form | {"aliases-0-name": "Instantsiya", "aliases-0-kind": "codename"})

    response = save(ben_client, person, ben_form | {"aliases-0-name": "Iosif Stalin", "biography": "Ben's"})

    assert response.status_code == 302, visible_text(response)
    assert set(person.aliases.values_list("name", flat=True)) == {"Instantsiya", "Iosif Stalin"}


# The shared function, for every other write path (the API's If-Match) -------------------------


@pytest.mark.django_db
def test_every_save_counts_and_a_conditional_save_refuses_a_moved_row():
    """Plain saves, update_fields saves and raw saves bump the version; expect_version guards."""
    person = PersonFactory()
    assert person.version == 1
    person.save()
    person.save(update_fields=["biography"])
    assert person.version == 3 == Person.objects.get(pk=person.pk).version
    Person.save_base(person, raw=True)
    assert Person.objects.get(pk=person.pk).version == 4

    stale = Person.objects.get(pk=person.pk)
    person.save()
    stale.biography = "Overwrite"
    stale.expect_version(4)
    with pytest.raises(locking.VersionChanged), transaction.atomic():
        stale.save()
    assert Person.objects.get(pk=person.pk).biography == ""


@pytest.mark.django_db
def test_save_from_merges_different_fields(ada, ben):
    donor = DonorFactory(description="Old")
    base = locking.fingerprints(locking.snapshot(donor, ["description", "url", "name"]))
    locking.save_from(donor, 1, {"description": "Ada's"}, user=ada, base=base)

    outcome = locking.save_from(donor, 1, {"url": "https://example.org/"}, user=ben, base=base)

    assert outcome.merged and outcome.theirs == ["Description"] and outcome.yours == ["Link"]
    donor.refresh_from_db()
    assert (donor.description, donor.url, donor.version, donor.modified_by) == ("Ada's", "https://example.org/", 3, ben)


@pytest.mark.django_db
def test_save_from_refuses_an_overlap_naming_who_and_both_values(ada, ben):
    document = DocumentFactory(title="Old")
    russian = LanguageFactory()
    locking.save_from(document, 1, {"title": "Ada's", "languages": [russian]}, user=ada)

    with pytest.raises(locking.StaleEdit) as refused:
        locking.save_from(document, 1, {"title": "Ben's"}, user=ben)

    error = refused.value
    assert str(error).startswith("Not saved: Ada L saved this document at")
    assert [(c.key, c.theirs, c.yours) for c in error.conflicts] == [("title", "Ada's", "Ben's")]
    assert error.outcome.current_version == 2
    document.refresh_from_db()
    assert document.title == "Ada's" and list(document.languages.all()) == [russian]

    outcome = locking.save_from(
        document, 1, {"title": "Ben's"}, user=ben, resolutions={"title": "mine"}, seen_version=2
    )
    assert outcome.kept_mine == ["Title"]
    assert Document.objects.get(pk=document.pk).title == "Ben's"


@pytest.mark.django_db
def test_save_from_an_up_to_date_version_just_saves(ada):
    collection = CollectionFactory()
    outcome = locking.save_from(collection, 1, {"description": "New"}, user=ada)
    assert not outcome.stale
    assert Collection.objects.get(pk=collection.pk).version == 2


def test_compare_is_three_way():
    """Only theirs: keep theirs; only yours: take yours; both, differently: conflict; both, alike: fine."""
    base = {"a": 1, "b": 1, "c": 1, "d": 1}
    current = {"a": 2, "b": 1, "c": 2, "d": 2}
    posted = {"a": 1, "b": 3, "c": 3, "d": 2}
    result = locking.compare(base, current, posted)
    assert (result.theirs, result.yours, result.conflicts) == (["a", "d"], ["b", "d"], ["c"])
    assert result.keep_current == {"a"}
    assert locking.compare(base, current, posted, {"c": "theirs"}).keep_current == {"a", "c"}


def test_normalize_treats_browser_and_database_forms_alike():
    assert locking.normalize("a\r\nb") == locking.normalize("a\nb")
    assert locking.normalize("") is None is locking.normalize(None)
    assert locking.normalize([3, 1]) == ["1", "3"]


@pytest.mark.django_db
def test_a_save_landing_between_check_and_write_is_checked_again(two_curators, monkeypatch):
    """The write is conditional: if the row moved after the check, nothing is written and the admin
    checks once more, against the new version."""
    ada_client, _ = two_curators
    document = DocumentFactory(draft=True)
    data = form_data(ada_client.get(change_url(document)), "document")
    checks = []
    reconcile = locking.reconcile

    def racing_reconcile(obj, *args, **kwargs):
        outcome = reconcile(obj, *args, **kwargs)
        checks.append(outcome.current_version)
        if len(checks) == 1:
            obj.expect_version(outcome.current_version + 1)  # as if a save had landed after the check
        return outcome

    monkeypatch.setattr(locking, "reconcile", racing_reconcile)
    assert save(ada_client, document, data | {"title": "Ada's title"}).status_code == 302
    assert checks == [1, 1]
    assert Document.objects.get(pk=document.pk).title == "Ada's title"
