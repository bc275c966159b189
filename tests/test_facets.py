"""Facets beside the list: counts that match what a click shows, OR within, AND across."""

import datetime
import re
import unicodedata
from urllib.parse import parse_qs

import pytest
from django.db.models import F

from documents.dates import DatePrecision
from documents.models import Document, DocumentPerson, Language
from documents.search.pages import CappedPaginator

from .factories import CollectionFactory, DocumentFactory, DocumentTypeFactory, DonorFactory, PersonFactory, RoleFactory
from .pages import main_text


@pytest.fixture
def archive(db):
    """Twelve published documents spread over types, languages, donors, people and decades, and a draft."""
    cable, letter, memo = (DocumentTypeFactory(name=name) for name in ("Cable", "Letter", "Memorandum"))
    ru, zh, de = (Language.objects.get(code=code) for code in ("ru", "zh", "de"))
    macarthur, blavatnik = DonorFactory(name="MacArthur Foundation"), DonorFactory(name="Blavatnik Foundation")
    korea = CollectionFactory(name="Korean War")
    stalin, mao = PersonFactory(name="Joseph Stalin"), PersonFactory(name="Mao Zedong")
    plan = [
        (cable, [ru], [macarthur], "1949-02-04", "railway"),
        (cable, [ru, zh], [macarthur], "1949-06-01", "railway"),
        (cable, [zh], [blavatnik], "1950-10-01", "railway"),
        (letter, [ru], [], "1953-03-05", "armistice"),
        (letter, [de], [blavatnik], "1961-08-13", "wall"),
        (memo, [ru], [macarthur, blavatnik], "1962-10-27", "missiles"),
        (memo, [zh], [], "1945-08-15", "railway"),
        (cable, [ru], [], "1956-11-04", "armistice"),
        (cable, [], [], "1972-02-21", "railway"),
        (letter, [zh], [macarthur], "1949-10-01", "railway"),
        (memo, [de, ru], [], "1989-11-09", "wall"),
        (cable, [ru], [blavatnik], "1950-06-25", "armistice"),
    ]
    for index, (doc_type, languages, donors, date, word) in enumerate(plan):
        document = DocumentFactory(doc_type=doc_type, date=date, text=f"About the {word}.")
        document.languages.set(languages)
        document.donors.set(donors)
        if index % 3 == 0:
            document.collections.add(korea)
        RoleFactory(document=document, person=stalin if index % 2 else mao, role=DocumentPerson.Role.AUTHOR)
        if index % 4 == 0:
            RoleFactory(document=document, person=stalin, role=DocumentPerson.Role.RECIPIENT)
    draft = DocumentFactory(doc_type=cable, draft=True, text="About the railway.")
    draft.languages.set([ru])
    draft.donors.set([macarthur])


def get(client, query=""):
    response = client.get(f"/documents/?{query}")
    return response, {facet.name: facet for facet in response.context["facets"] or []}


def total(response):
    return response.context["page_obj"].paginator.count


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start", ["", "q=railway", "language=ru", "q=armistice&donor=blavatnik-foundation", "type=cable"]
)
def test_every_facet_count_equals_what_a_click_on_it_shows(client, archive, start):
    """Where the facet has no selection yet, a click shows exactly the count; where it has one,
    the count is what choosing that value alone in the facet shows (its own selection cleared)."""
    response, facets = get(client, start)
    checked = 0
    for facet in facets.values():
        for value in facet.values:
            if any(v.selected for v in facet.values):
                query = response.wsgi_request.GET.copy()
                query.setlist(facet.name, [value.key])
                shown = total(get(client, query.urlencode())[0])
            else:
                shown = total(get(client, value.query)[0])
            assert shown == value.count, (start, facet.name, value.label)
            checked += 1
    assert checked >= 3


@pytest.mark.django_db
def test_values_of_one_facet_combine_with_or_and_facets_with_and(client, archive):
    ru_or_de, _ = get(client, "language=ru&language=de")
    assert total(ru_or_de) == 8
    ru_and_cable, _ = get(client, "language=ru&type=cable")
    assert total(ru_and_cable) == 4
    both, _ = get(client, "language=ru&language=de&type=memorandum")
    assert total(both) == 2


@pytest.mark.django_db
def test_a_facet_counts_as_if_its_own_selection_were_cleared(client, archive):
    _, facets = get(client, "type=cable")
    counts = {value.label: (value.count, value.selected) for value in facets["type"].values}
    assert counts == {"Cable": (6, True), "Letter": (3, False), "Memorandum": (3, False)}
    # Other facets are narrowed by the selection.
    assert {v.label: v.count for v in facets["language"].values} == {"Russian": 4, "Chinese": 2}


@pytest.mark.django_db
def test_person_facet_counts_by_the_chosen_role(client, archive):
    _, facets = get(client, "role=recipient")
    people = facets["recipient"]
    assert [(v.label, v.count) for v in people.values] == [("Joseph Stalin", 3)]
    clicked, _ = get(client, people.values[0].query)
    assert total(clicked) == 3 and parse_qs(people.values[0].query)["recipient"]
    _, facets = get(client, "")
    assert {(v.label, v.count) for v in facets["person"].values} == {("Joseph Stalin", 9), ("Mao Zedong", 6)}


@pytest.mark.django_db
def test_choosing_a_role_narrows_the_chosen_person(client, archive):
    """Stalin, then "author": the results, the chip and the facet all say Stalin as author."""
    _, facets = get(client, "")
    stalin = next(value for value in facets["person"].values if value.label == "Joseph Stalin")
    any_role, facets = get(client, stalin.query)
    assert total(any_role) == 9
    author_query = {key: query for key, _, query in facets["person"].roles}["author"]
    as_author, facets = get(client, author_query)
    assert parse_qs(author_query) == {"author": ["joseph-stalin"], "role": ["author"]}
    assert total(as_author) == 6
    assert facets["author"].label == "People (author)"
    assert [(v.label, v.selected) for v in facets["author"].values if v.selected] == [("Joseph Stalin", True)]
    assert [(label, value) for label, value, _ in as_author.context["chips"]] == [("Author", "Joseph Stalin")]
    # And back to any role: the person is kept, in any role again.
    back = {key: query for key, _, query in facets["author"].roles}["any"]
    assert parse_qs(back) == {"person": ["joseph-stalin"], "role": ["any"]}
    assert total(get(client, back)[0]) == 9


@pytest.mark.django_db
def test_a_link_choosing_people_in_a_role_opens_the_facet_in_that_role(client, archive):
    """A person page's links (?author=...) show the facet as that role, the person chosen."""
    _, facets = get(client, "author=joseph-stalin")
    assert "author" in facets and facets["author"].role == "author"
    assert [v.label for v in facets["author"].values if v.selected] == ["Joseph Stalin"]


@pytest.mark.django_db
def test_long_facets_show_the_top_values_and_more_on_request(client, archive, monkeypatch):
    monkeypatch.setattr("documents.search.facets.TOP", 2)
    _, facets = get(client)
    assert len(facets["type"].values) == 2 and facets["type"].truncated
    _, facets = get(client, "all=type")
    assert len(facets["type"].values) == 3 and facets["type"].showing_all
    # A selected value outside the top stays visible.
    _, facets = get(client, "type=memorandum")
    assert "Memorandum" in [value.label for value in facets["type"].values]


@pytest.mark.django_db
def test_decade_histogram_links_narrow_to_a_decade_then_years(client, archive):
    response, _ = get(client)
    bars = {bar.label: bar for bar in response.context["histogram"]["bars"]}
    assert {label: bar.count for label, bar in bars.items()} == {
        "1940s": 4,
        "1950s": 4,
        "1960s": 2,
        "1970s": 1,
        "1980s": 1,
    }
    decade, _ = get(client, bars["1940s"].query)
    assert total(decade) == 4
    years = {bar.label: bar.count for bar in decade.context["histogram"]["bars"]}
    assert years == {"1945": 1, "1949": 3}


@pytest.mark.django_db
def test_a_year_only_date_matches_a_month_range_and_is_labelled_approximate(client):
    DocumentFactory(title="Dated only 1949", date=datetime.date(1949, 1, 1), date_precision=DatePrecision.YEAR)
    DocumentFactory(title="Dated to the day", date=datetime.date(1949, 2, 4))
    response, _ = get(client, "date_from=1949-02&date_to=1949-02")
    assert total(response) == 2
    text = main_text(response)
    assert "1949 approximate" in text and "February 4, 1949 approximate" not in text


@pytest.mark.django_db
def test_selections_show_as_removable_chips_and_clear_all(client, archive):
    response, _ = get(client, "q=railway&type=cable&language=ru&date_from=1949")
    chips = response.context["chips"]
    assert [(label, value) for label, value, _ in chips] == [
        ("Search", "railway"),
        ("From", "1949"),
        ("Type", "Cable"),
        ("Language", "Russian"),
    ]
    without_type = dict(parse_qs(next(q for label, _, q in chips if label == "Type")))
    assert "type" not in without_type and without_type["language"] == ["ru"]
    assert "Clear all" in main_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("date_from=1950&date_to=1949", 400, "The start of the date range is after its end."),
        ("date_from=1949-02-30", 400, "is not a real date"),
        ("type=no-such-type", 400, "Select a valid choice"),
        ("&".join(f"language=x{n}" for n in range(60)), 400, "Choose at most 50 values at once."),
        ("q=" + "x" * 10_000, 400, "at most 500 characters"),
        ("page=99999999999999999999", 200, "showing page 1"),
        ("page=-3", 200, "showing page 1"),
        ("page=abc", 200, "showing page 1"),
        ("role=bogus&all=nothing&find_person=" + "y" * 500, 200, "None matching"),
    ],
)
def test_bad_input_gets_a_message_never_a_server_error(client, archive, query, status, message):
    response = client.get(f"/documents/?{query}")
    assert response.status_code == status
    assert message in main_text(response)


@pytest.mark.django_db
def test_deep_paging_stops_at_a_cap_with_a_message(client, archive, monkeypatch, settings):
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    settings.DOCUMENTS_PER_PAGE = 2
    response, _ = get(client, "page=3")
    text = main_text(response)
    assert f"5–5 of {Document.objects.published().count()} documents" in text
    assert "Only the first 5 results can be paged through" in text
    assert response.context["page_obj"].number == 3
    assert len(response.context["documents"]) == 1


@pytest.mark.django_db
def test_a_long_facet_has_a_box_to_find_a_value(client, archive, monkeypatch):
    monkeypatch.setattr("documents.search.facets.TOP", 1)
    response, facets = get(client, "find_donor=blav")
    assert [value.label for value in facets["donor"].values] == ["Blavatnik Foundation"]
    assert 'name="find_donor"' in response.content.decode()


@pytest.mark.django_db
def test_facet_counts_are_exact_for_every_match(client, archive):
    """Each value counts the documents the other filters select, counted here again in the database."""
    _, facets = get(client, "q=railway&language=ru")
    matching = {d.pk for d in Document.objects.published() if "railway" in f"{d.title} {d.summary} {d.text}".lower()}
    for value in facets["type"].values:
        typed = Document.objects.filter(pk__in=matching, languages__code="ru", doc_type__slug=value.key)
        assert value.count == typed.count(), value
    for value in facets["language"].values:  # counted without its own selection
        assert value.count == Document.objects.filter(pk__in=matching, languages__code=value.key).count(), value


@pytest.mark.django_db
def test_the_unfiltered_list_shows_exact_counts_past_the_cap(client, archive, monkeypatch):
    """With nothing chosen, the counts are the stored ones: exact, however large the archive."""
    _, before = get(client)
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    response, facets = get(client)
    assert response.context["page_obj"].paginator.capped
    counts = {name: [(v.label, v.count) for v in facet.values] for name, facet in facets.items()}
    assert counts == {name: [(v.label, v.count) for v in facet.values] for name, facet in before.items()}
    assert dict(counts["type"]) == {"Cable": 6, "Letter": 3, "Memorandum": 3}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        ("1949", "1950"),
        ("1949-02", "1949-02"),
        ("1949-06-01", "1953-03-04"),
        ("1949-06-02", "1962"),
        ("1950", ""),
        ("", "1949-10-01"),
        ("1951-01", "1952-12"),  # whole years named by months
        ("1950-07", "1950-09"),  # within one year, matching nothing
    ],
)
def test_a_date_range_finds_exactly_the_documents_whose_dates_overlap_it(client, archive, date_from, date_to):
    """A document matches when its span of days overlaps the range, however partial either date."""
    DocumentFactory(date=datetime.date(1949, 1, 1), date_precision=DatePrecision.YEAR)  # the whole year
    DocumentFactory(date=datetime.date(1953, 3, 1), date_precision=DatePrecision.MONTH)
    query = "&".join(f"{name}={value}" for name, value in [("date_from", date_from), ("date_to", date_to)] if value)
    response, _ = get(client, query)
    filterset = response.context["filterset"]
    start, end = filterset.date_span()
    expected = Document.objects.published()
    if start:
        expected = expected.filter(date_end__gte=start)
    if end:
        expected = expected.filter(date__lte=end)
    assert total(response) == expected.count()
    assert {d.pk for d in response.context["documents"]} == set(expected.values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "ordering"),
    [
        ("date", [F("date").asc(nulls_last=True), F("date_end").asc(nulls_last=True), "record_id"]),
        ("-date", [F("date").desc(nulls_last=True), F("date_end").desc(nulls_last=True), "record_id"]),
        ("title", None),  # case and accents aside, punctuation as a space: see title_key
        ("-published", [F("first_published_at").desc(nulls_last=True), "-record_id"]),
    ],
)
def test_every_sort_order_is_the_databases_with_record_id_breaking_ties(client, archive, settings, sort, ordering):
    """Page after page, the documents come in the order the database would sort them, never repeated."""
    DocumentFactory(title="Undated", date=None)
    DocumentFactory(title="cable", date=datetime.date(1949, 1, 1), date_precision=DatePrecision.YEAR)
    DocumentFactory(title="Cable", date=datetime.date(1949, 1, 1), date_precision=DatePrecision.MONTH)
    settings.DOCUMENTS_PER_PAGE = 4
    shown, page = [], 1
    while True:
        response, _ = get(client, f"sort={sort}&page={page}")
        shown += [d.record_id for d in response.context["documents"]]
        if not response.context["page_obj"].has_next():
            break
        page += 1
    published = Document.objects.published()
    if ordering is None:
        expected = [d.record_id for d in sorted(published, key=lambda d: (title_key(d.title), d.record_id))]
    else:
        expected = list(published.order_by(*ordering).values_list("record_id", flat=True))
    assert shown == expected


def title_key(title):
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    return " ".join(re.findall(r"\w+", "".join(c for c in decomposed if not unicodedata.combining(c))))


@pytest.mark.django_db
def test_a_facet_with_nothing_to_offer_is_left_out(client):
    """No document is in a collection: the list shows no empty "Collection" facet, and shows it once one is."""
    document = DocumentFactory(title="A cable")
    page = client.get("/documents/").content.decode()
    assert 'id="facet-collection"' not in page and 'id="facet-type"' in page
    document.collections.add(CollectionFactory(name="Sino-Soviet Relations"))
    assert 'id="facet-collection"' in client.get("/documents/").content.decode()
