"""One record per person: a name another person has, whatever its case, spacing or Unicode form, is
refused in the admin and the API (naming that person) and taken for that person by the import, which
also finds people by their name without accents, their sort name and their aliases."""

import json
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from rest_framework.authtoken.models import Token

from documents.history.recording import deleting
from documents.history.recover import deleted_versions, restore
from documents.history.revert import HistoryError
from documents.interchange.importer import import_file
from documents.models import Document, Person

from .factories import AliasFactory, PersonFactory
from .test_locking import form_data

EXISTING = "Hans Müller"
# The same name as a curator or a file may write it: each is refused as a second record.
VARIANTS = {
    "exact": EXISTING,
    "decomposed (NFD)": unicodedata.normalize("NFD", EXISTING),
    "other case": "HANS MÜLLER",
    "spaces": "  Hans   Müller ",
    "tab and case": "hans\tmüller",
}


@pytest.fixture
def muller(db):
    return PersonFactory(name=EXISTING, slug="hans-muller")


@pytest.mark.django_db
@pytest.mark.parametrize("name", VARIANTS.values(), ids=VARIANTS.keys())
def test_the_database_keeps_one_person_per_name(muller, name):
    """The rule lives in the model and the database: full_clean names the person, a save is refused."""
    with pytest.raises(ValidationError) as refused:
        Person(name=name).full_clean()
    assert "“Hans Müller” is already in the archive (/people/hans-muller/)" in refused.value.message_dict["name"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name=name)
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_other_names_are_not_duplicates(muller):
    for number, name in enumerate(["Hans Muller", "Hans Müller-Lüdenscheidt", "Hanna Müller"]):
        Person(name=name, slug=f"other-{number}").full_clean()
        Person.objects.create(name=name)
    assert Person.objects.count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("name", VARIANTS.values(), ids=VARIANTS.keys())
def test_the_admin_refuses_a_second_person_of_the_same_name_and_links_to_the_first(muller, staff_client, name):
    data = form_data(staff_client.get("/admin/documents/person/add/"), "person")
    response = staff_client.post("/admin/documents/person/add/", data | {"name": name, "slug": "another"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["name"]
    assert f'<a href="/admin/documents/person/{muller.pk}/change/">Open Hans Müller</a>' in str(errors)
    assert Person.objects.count() == 1
    # Renaming another person to the name is refused alike.
    other = PersonFactory(name="Someone Else")
    url = f"/admin/documents/person/{other.pk}/change/"
    response = staff_client.post(url, form_data(staff_client.get(url), "person") | {"name": name})
    assert response.status_code == 200 and "already in the archive" in str(response.context["adminform"].form.errors)
    other.refresh_from_db()
    assert other.name == "Someone Else"


@pytest.fixture
def editor_api(editor):
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")


@pytest.mark.django_db
@pytest.mark.parametrize("name", VARIANTS.values(), ids=VARIANTS.keys())
def test_the_api_answers_409_naming_the_existing_person(muller, editor_api, name):
    response = editor_api.post("/api/v1/people/", json.dumps({"name": name}), content_type="application/json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicate"
    assert error["fields"]["existing"] == ["http://testserver/api/v1/people/hans-muller/"]
    assert "“Hans Müller” is already in the archive (http://testserver/api/v1/people/hans-muller/)" in error["message"]
    assert Person.objects.count() == 1
    other = PersonFactory(name="Someone Else", slug="someone-else")
    tag = editor_api.get("/api/v1/people/someone-else/")["ETag"]
    response = editor_api.patch(
        "/api/v1/people/someone-else/", json.dumps({"name": name}), content_type="application/json", HTTP_IF_MATCH=tag
    )
    assert response.status_code == 409
    other.refresh_from_db()
    assert (other.name, other.version) == ("Someone Else", 1)


# The import ------------------------------------------------------------------------------------


def run(rows, dry_run):
    data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
    return import_file(data, file_name="import.jsonl", dry_run=dry_run)


@pytest.fixture
def people(muller):
    stalin = PersonFactory(name="Joseph Stalin", sort_name="Stalin, Joseph", slug="joseph-stalin")
    AliasFactory(person=stalin, name="Iosif Dzhugashvili")
    zhou = PersonFactory(name="Zhōu Ēnlái", slug="zhou-enlai")
    return {"stalin": stalin, "zhou": zhou, "muller": muller}


@pytest.mark.django_db
def test_the_import_takes_each_name_for_the_person_it_names_and_the_dry_run_says_whom(people):
    """Case, spacing, Unicode form, accents, sort name and alias: all link to the person in the archive."""
    row = {
        "record_id": 700001,
        "title": "Cable",
        "authors": ["Stalin, Joseph"],
        "recipients": ["zhou enlai"],
        "mentioned": ["Iosif  Dzhugashvili", unicodedata.normalize("NFD", "HANS MÜLLER")],
    }
    report = run([row], dry_run=True)
    assert not report.has_errors and not report.new_records, report.errors
    matched = {name: (person, how) for name, person, how, _ in report.matched_people}
    assert matched == {
        "Stalin, Joseph": ("Joseph Stalin <joseph-stalin>", "sort name"),
        "zhou enlai": ("Zhōu Ēnlái <zhou-enlai>", "name without accents"),
        "Iosif  Dzhugashvili": ("Joseph Stalin <joseph-stalin>", "alias"),
        "HANS MÜLLER": ("Hans Müller <hans-muller>", "name"),  # as stored: NFC (documents/text.py)
    }
    report = run([row], dry_run=False)
    assert report.committed and Person.objects.count() == 3
    document = Document.objects.get(record_id=700001)
    assert document.authors == [people["stalin"]] and document.recipients == [people["zhou"]]


@pytest.mark.django_db
def test_a_name_that_names_two_people_is_refused_as_ambiguous(people):
    """ "Wang Li" is one person's name without accents and another's alias: the row must say which."""
    wang = PersonFactory(name="Wáng Lì", slug="wang-li")
    other = PersonFactory(name="Wang Li-min", slug="wang-li-min")
    AliasFactory(person=other, name="Wang Li")
    row = {"record_id": 700001, "title": "Cable", "authors": ["Wang Li"]}
    report = run([row], dry_run=True)
    assert [(r, c) for r, c, _ in report.errors] == [(1, "authors")]
    message = report.errors[0][2]
    assert "Wáng Lì by name without accents; Wang Li-min by alias" in message and "wang-li, wang-li-min" in message
    assert not run([row], dry_run=False).committed and not Document.objects.exists()
    assert run([row | {"authors": ["Wang Li <wang-li>"]}], dry_run=False).committed
    assert Document.objects.get().authors == [wang]


@pytest.mark.django_db
def test_a_person_row_may_not_take_another_persons_name(people):
    rows = [{"kind": "person", "name": "hans müller", "slug": "another-hans"}]
    report = run(rows, dry_run=True)
    assert [(r, c) for r, c, _ in report.errors] == [(1, "name")]
    assert "another person is called “Hans Müller” <hans-muller>" in report.errors[0][2]
    # A row that names a person by their name without accents or an alias must say which it means.
    report = run([{"kind": "person", "name": "Zhou Enlai", "biography": "Premier."}], dry_run=True)
    assert "is the name without accents of Zhōu Ēnlái <zhou-enlai>" in report.errors[0][2]


@pytest.mark.django_db
def test_a_deleted_person_whose_name_was_taken_since_is_not_restored(muller, editor):
    """Recover deleted says why instead of failing on the database's rule."""
    with deleting([muller], editor):
        muller.delete()
    PersonFactory(name="hans müller", slug="hans-muller-2")
    with pytest.raises(HistoryError, match="Its name is now that of “hans müller”"):
        restore(deleted_versions(Person).get(), editor)
    assert Person.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_keeps_people_who_already_share_a_name_and_lists_them(capsys):
    """Duplicates already in a database do not stop the migration: the first keeps the key, the
    others none (saving them is refused until merged or renamed), and the migration lists them."""
    before, after = [("documents", "0016_http_urls")], [("documents", "0017_person_name_key")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("documents", "Person")
    first = old.objects.create(name="Hans Müller", slug="hans-muller", sort_name="Müller, Hans")
    twin = old.objects.create(name="HANS  MÜLLER", slug="hans-muller-2", sort_name="Müller, Hans")
    other = old.objects.create(name="Anastas Mikoyan", slug="anastas-mikoyan", sort_name="Mikoyan, Anastas")
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        keys = dict(Person.objects.values_list("pk", "name_key"))
        assert keys == {first.pk: "hans müller", twin.pk: None, other.pk: "anastas mikoyan"}
        assert f"“HANS  MÜLLER” (#{twin.pk}) has the name of #{first.pk}" in capsys.readouterr().out
        with pytest.raises(ValidationError, match="already in the archive"):
            Person.objects.get(pk=twin.pk).full_clean()
    finally:
        Person.objects.all().delete()
        MigrationExecutor(connection).migrate(leaves)
