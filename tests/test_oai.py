"""OAI-PMH (documents/oai/): every verb, every error, and every response valid against the official
OAI-PMH, oai_dc and our archive-1.0 schemas."""

import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from documents.crosswalk import dublin_core
from documents.models import Document, DocumentChange, DocumentPerson
from documents.services import publishing
from tests.factories import CollectionFactory, DocumentFactory, DocumentTypeFactory, RelationFactory, RoleFactory

SCHEMAS = Path(__file__).parent / "data" / "schemas"
ARCHIVE_XSD = Path(__file__).parent.parent / "documents" / "oai" / "schemas" / "archive-1.0.xsd"
NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "a": "urn:x-digital-archive:oai:archive:1.0",
}
UTC = datetime.UTC


def _schema():
    imports = [
        (NS["oai"], SCHEMAS / "OAI-PMH.xsd"),
        (NS["oai_dc"], SCHEMAS / "oai_dc.xsd"),
        (NS["a"], ARCHIVE_XSD),
    ]
    wrapper = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{}</xs:schema>'.format(
        "".join(f'<xs:import namespace="{ns}" schemaLocation="{path.as_uri()}"/>' for ns, path in imports)
    )
    return etree.XMLSchema(etree.fromstring(wrapper))


SCHEMA = _schema()


def validate(response):
    """The response as a parsed tree, after proving it valid XML of the right type."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    tree = etree.fromstring(response.content)
    SCHEMA.assertValid(tree)
    return tree


def oai(client, method="get", **params):
    params = {key.rstrip("_"): value for key, value in params.items()}  # from_ → from
    return validate(getattr(client, method)("/oai/", params))


def error_code(tree):
    return [error.get("code") for error in tree.findall("oai:error", NS)]


def identifiers(tree):
    return [int(text.rsplit(":", 1)[1]) for text in tree.xpath("//oai:header/oai:identifier/text()", namespaces=NS)]


def harvest(client, verb="ListIdentifiers", **params):
    """Every page of a list: [(record id, deleted, tree of the header's record)], following tokens."""
    found, tree = [], oai(client, verb=verb, **params)
    while True:
        for header in tree.iterfind(".//oai:header", NS):
            record_id = int(header.findtext("oai:identifier", namespaces=NS).rsplit(":", 1)[1])
            found.append((record_id, header.get("status") == "deleted"))
        token = tree.findtext(f"oai:{verb}/oai:resumptionToken", namespaces=NS)
        if not token:
            return found
        tree = oai(client, verb=verb, resumptionToken=token)


def make(collections=(), **fields):
    """A document (published unless draft=True) in these collections."""
    document = DocumentFactory(**fields)
    document.collections.set(collections)
    return document


def set_modified(document, moment):
    Document.objects.filter(pk=document.pk).update(modified_at=moment)


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def page_size(settings):
    settings.OAI_PAGE_SIZE = 2
    return 2


# --- Identify, formats, sets -----------------------------------------------------------------


def test_identify_announces_seconds_granularity_and_persistent_deletions(client, demo):
    tree = oai(client, verb="Identify")
    identify = tree.find("oai:Identify", NS)
    assert identify.findtext("oai:baseURL", namespaces=NS) == "http://testserver/oai/"
    assert identify.findtext("oai:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext("oai:deletedRecord", namespaces=NS) == "persistent"
    earliest = identify.findtext("oai:earliestDatestamp", namespaces=NS)
    first = Document.objects.published().order_by("modified_at").first().modified_at
    assert earliest == first.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert tree.find("oai:request", NS).attrib == {"verb": "Identify"}


def test_post_is_answered_like_get(client, demo):
    """Harvesters may POST a form (the oaipmh client does by default)."""
    posted = oai(client, method="post", verb="ListIdentifiers", metadataPrefix="oai_dc")
    got = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert identifiers(posted) == identifiers(got) != []


def test_other_methods_are_refused(client, db):
    assert client.put("/oai/?verb=Identify").status_code == 405


def test_list_metadata_formats_for_the_repository_and_for_one_item(client, demo):
    tree = oai(client, verb="ListMetadataFormats")
    prefixes = tree.xpath("//oai:metadataPrefix/text()", namespaces=NS)
    assert prefixes == ["oai_dc", "archive"]
    schemas = tree.xpath("//oai:schema/text()", namespaces=NS)
    assert schemas[1] == "http://testserver/oai/schemas/archive-1.0.xsd"
    item = oai(client, verb="ListMetadataFormats", identifier="oai:testserver:121773")
    assert item.xpath("//oai:metadataPrefix/text()", namespaces=NS) == prefixes


def test_our_schema_is_served_and_is_the_one_tests_validate_with(client, db):
    response = client.get("/oai/schemas/archive-1.0.xsd")
    assert response.status_code == 200 and response.content == ARCHIVE_XSD.read_bytes()
    assert client.get("/oai/schemas/secrets.py").status_code == 404


def test_list_sets_names_collections_and_types_with_published_documents_only(client, db):
    public, hidden = CollectionFactory(name="Korean War"), CollectionFactory(name="Secret plans")
    make(collections=[public], doc_type=DocumentTypeFactory(name="Cable"))
    make(draft=True, collections=[hidden], doc_type=DocumentTypeFactory(name="Diary"))
    tree = oai(client, verb="ListSets")
    specs = tree.xpath("//oai:setSpec/text()", namespaces=NS)
    assert specs == ["collection", "collection:korean-war", "type", "type:cable"]
    names = tree.xpath("//oai:setName/text()", namespaces=NS)
    assert names == ["Collections", "Korean War", "Document types", "Cable"]


# --- Records ------------------------------------------------------------------------------------


def test_list_identifiers_and_records_give_every_published_demo_document(client, demo):
    published = sorted(Document.objects.published().values_list("record_id", flat=True))
    for verb in ("ListIdentifiers", "ListRecords"):
        for prefix in ("oai_dc", "archive"):
            tree = oai(client, verb=verb, metadataPrefix=prefix)
            assert sorted(identifiers(tree)) == published
            assert tree.find(f"oai:{verb}/oai:resumptionToken", NS) is None  # one page: no token


def test_oai_dc_record_is_the_crosswalk_of_the_document(client, demo):
    tree = oai(client, verb="GetRecord", identifier="oai:testserver:121773", metadataPrefix="oai_dc")
    dc = tree.find(".//oai_dc:dc", NS)
    harvested = {}
    for element in dc:
        harvested.setdefault(etree.QName(element).localname, []).append(element.text)
    document = Document.objects.for_detail().get(record_id=121773)
    assert harvested == dublin_core(document, "http://testserver/")
    assert harvested["relation"]  # the demo's related documents are there


def test_oai_dc_in_a_list_is_the_same_as_in_get_record(client, demo):
    listed = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    for record in listed.iterfind(".//oai:record", NS):
        identifier = record.findtext("oai:header/oai:identifier", namespaces=NS)
        single = oai(client, verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
        assert etree.tostring(single.find(".//oai:record", NS)) == etree.tostring(record)


def test_archive_record_has_people_by_role_dates_and_worded_relations(client, db):
    collection = CollectionFactory(name="Sino-Soviet Relations")
    cable = DocumentFactory(title="Cable", date=datetime.date(1949, 2, 1), date_precision="month", date_circa=True)
    cable.collections.add(collection)
    reply = DocumentFactory(title="Reply")
    RoleFactory(document=cable, person__name="Mao Zedong", role=DocumentPerson.Role.AUTHOR)
    RoleFactory(document=cable, person__name="Stalin", role=DocumentPerson.Role.RECIPIENT)
    relation = RelationFactory(source=reply, target=cable)
    tree = oai(client, verb="GetRecord", identifier=f"oai:testserver:{cable.record_id}", metadataPrefix="archive")
    record = tree.find(".//a:document", NS)
    assert record.findtext("a:recordId", namespaces=NS) == str(cable.record_id)
    date = record.find("a:date", NS)
    assert (date.text, date.get("precision"), date.get("circa"), date.get("end")) == (
        "1949-02",
        "month",
        "true",
        "1949-02-28",
    )
    people = [(p.text, p.get("role")) for p in record.iterfind("a:person", NS)]
    assert people == [("Mao Zedong", "author"), ("Stalin", "recipient")]
    assert record.find("a:collection", NS).get("slug") == "sino-soviet-relations"
    related = record.find("a:relation", NS)
    assert related.text == "Reply" and related.get("recordId") == str(reply.record_id)
    assert related.get("wording") == relation.type.inverse_name
    assert record.find("a:scans", NS) is None


def test_get_record_of_the_demo_in_the_archive_format(client, demo):
    tree = oai(client, verb="GetRecord", identifier="oai:testserver:121773", metadataPrefix="archive")
    record = tree.find(".//a:document", NS)
    assert record.findtext("a:title", namespaces=NS) == Document.objects.get(record_id=121773).title
    assert len(record.findall("a:relation", NS)) == 4


def test_headers_carry_the_datestamp_and_sets(client, db):
    collection = CollectionFactory(name="Berlin")
    document = DocumentFactory(doc_type=DocumentTypeFactory(name="Letter"))
    document.collections.add(collection)
    set_modified(document, at(2024, 5, 1, 12, 30, 15, 654321))
    tree = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    header = tree.find(".//oai:header", NS)
    assert header.findtext("oai:identifier", namespaces=NS) == f"oai:testserver:{document.record_id}"
    assert header.findtext("oai:datestamp", namespaces=NS) == "2024-05-01T12:30:15Z"
    assert header.xpath("oai:setSpec/text()", namespaces=NS) == ["type:letter", "collection:berlin"]


def test_the_repository_identifier_setting_names_the_items(client, db, settings):
    settings.OAI_REPOSITORY_IDENTIFIER = "archive.example.org"
    document = DocumentFactory()
    tree = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert tree.findtext(".//oai:identifier", namespaces=NS) == f"oai:archive.example.org:{document.record_id}"
    assert error_code(
        oai(client, verb="GetRecord", identifier=f"oai:testserver:{document.record_id}", metadataPrefix="oai_dc")
    ) == ["idDoesNotExist"]


def test_characters_xml_cannot_carry_are_dropped(client, db):
    document = DocumentFactory(title="Cable\x0b from\x1f Moscow\ufffe", summary="Form\x0cfeed")
    tree = oai(client, verb="GetRecord", identifier=f"oai:testserver:{document.record_id}", metadataPrefix="archive")
    assert tree.findtext(".//a:title", namespaces=NS) == "Cable from Moscow"


# --- Selective harvesting ---------------------------------------------------------------------------


@pytest.fixture
def dated(db):
    """Three documents modified at known instants."""
    documents = [DocumentFactory() for _ in range(3)]
    for document, moment in zip(
        documents, [at(2024, 5, 1, 23, 59, 59), at(2024, 5, 2, 0, 0, 0), at(2024, 5, 2, 10, 0, 0, 500000)], strict=True
    ):
        set_modified(document, moment)
    return [document.record_id for document in documents]


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ({"from_": "2024-05-02"}, [1, 2]),
        ({"until": "2024-05-01"}, [0]),
        ({"from_": "2024-05-01", "until": "2024-05-01"}, [0]),
        ({"from_": "2024-05-01T23:59:59Z", "until": "2024-05-02T00:00:00Z"}, [0, 1]),
        ({"from_": "2024-05-02T00:00:01Z"}, [2]),
        # A datestamp stands for its whole second: 10:00:00.5 is within until=10:00:00.
        ({"until": "2024-05-02T10:00:00Z"}, [0, 1, 2]),
        ({"until": "2024-05-02T09:59:59Z"}, [0, 1]),
    ],
)
def test_from_and_until_at_day_and_second_granularity_are_inclusive(client, dated, bounds, expected):
    tree = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **bounds)
    assert identifiers(tree) == [dated[i] for i in expected]


def test_a_range_with_nothing_in_it_is_no_records_match(client, dated):
    tree = oai(client, verb="ListRecords", metadataPrefix="oai_dc", from_="2024-05-03")
    assert error_code(tree) == ["noRecordsMatch"]
    assert tree.find("oai:request", NS).get("from") == "2024-05-03"  # echoed: the arguments were good


def test_set_filtering_by_collection_type_and_parent(client, db):
    korea, berlin = CollectionFactory(name="Korea"), CollectionFactory(name="Berlin")
    cable, letter = DocumentTypeFactory(name="Cable"), DocumentTypeFactory(name="Letter")
    a = make(doc_type=cable, collections=[korea])
    b = make(doc_type=letter, collections=[korea, berlin])
    c = DocumentFactory(doc_type=None)
    make(draft=True, doc_type=cable, collections=[korea])

    def listed(spec):
        tree = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set=spec)
        return error_code(tree) or sorted(identifiers(tree))

    assert listed("collection:korea") == sorted([a.record_id, b.record_id])
    assert listed("collection:berlin") == [b.record_id]
    assert listed("type:cable") == [a.record_id]
    assert listed("collection") == sorted([a.record_id, b.record_id])
    assert listed("type") == sorted([a.record_id, b.record_id])
    assert c.record_id not in listed("type")
    assert listed("collection:nowhere") == ["noRecordsMatch"]
    assert listed("place:moscow") == ["noRecordsMatch"]


# --- Deleted records and drafts ---------------------------------------------------------------------


def test_an_unpublished_document_is_deleted_with_no_metadata_and_keeps_its_sets(client, db):
    korea = CollectionFactory(name="Korea")
    document = make(collections=[korea], doc_type=DocumentTypeFactory(name="Cable"))
    before = timezone.now().replace(microsecond=0)
    publishing.unpublish(Document.objects.filter(pk=document.pk))
    identifier = f"oai:testserver:{document.record_id}"
    tree = oai(client, verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    record = tree.find(".//oai:record", NS)
    assert record.find("oai:header", NS).get("status") == "deleted"
    assert record.find("oai:metadata", NS) is None
    stamp = datetime.datetime.strptime(record.findtext(".//oai:datestamp", namespaces=NS), "%Y-%m-%dT%H:%M:%SZ")
    assert stamp.replace(tzinfo=UTC) >= before
    assert record.xpath(".//oai:setSpec/text()", namespaces=NS) == ["type:cable", "collection:korea"]
    # A harvest by its set sees the deletion too; so does every list.
    for params in ({"set": "collection:korea"}, {"set": "type:cable"}, {}):
        assert harvest(client, metadataPrefix="oai_dc", **params) == [(document.record_id, True)]
    listed = oai(client, verb="ListRecords", metadataPrefix="archive")
    assert listed.find(".//oai:metadata", NS) is None
    assert error_code(oai(client, verb="ListMetadataFormats", identifier=identifier)) == ["noMetadataFormats"]


def test_a_deleted_document_is_deleted_and_keeps_its_sets(client, db):
    korea = CollectionFactory(name="Korea")
    document = make(collections=[korea], doc_type=None)
    record_id = document.record_id
    document.delete()
    assert harvest(client, metadataPrefix="oai_dc", set="collection:korea") == [(record_id, True)]
    tree = oai(client, verb="GetRecord", identifier=f"oai:testserver:{record_id}", metadataPrefix="archive")
    assert tree.find(".//oai:header", NS).get("status") == "deleted"
    assert DocumentChange.objects.get(record_id=record_id).sets == " collection:korea "


def test_a_republished_document_is_live_again_once(client, db):
    document = DocumentFactory()
    publishing.unpublish(Document.objects.filter(pk=document.pk))
    publishing.publish(Document.objects.filter(pk=document.pk))
    assert harvest(client, metadataPrefix="oai_dc") == [(document.record_id, False)]


def test_an_unpublished_then_deleted_document_is_one_deleted_record(client, db):
    document = DocumentFactory()
    publishing.unpublish(Document.objects.filter(pk=document.pk))
    Document.objects.get(pk=document.pk).delete()
    assert harvest(client, metadataPrefix="oai_dc") == [(document.record_id, True)]


def test_drafts_never_published_are_never_revealed(client, db):
    """Not listed, not gettable, not counted in the earliest datestamp, deleted or not."""
    live = DocumentFactory()
    draft = DocumentFactory(draft=True)
    gone = DocumentFactory(draft=True)
    gone_id = gone.record_id
    gone.delete()
    for verb in ("ListIdentifiers", "ListRecords"):
        assert harvest(client, verb, metadataPrefix="oai_dc") == [(live.record_id, False)]
    for record_id in (draft.record_id, gone_id):
        identifier = f"oai:testserver:{record_id}"
        for prefix in ("oai_dc", "archive"):
            tree = oai(client, verb="GetRecord", identifier=identifier, metadataPrefix=prefix)
            assert error_code(tree) == ["idDoesNotExist"]
        assert error_code(oai(client, verb="ListMetadataFormats", identifier=identifier)) == ["idDoesNotExist"]


def test_an_empty_repository_answers_identify_and_no_records_match(client, db):
    assert oai(client, verb="Identify").find("oai:Identify", NS) is not None
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc")) == ["noRecordsMatch"]


# --- Errors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "badVerb"),
        ("verb=Frobnicate", "badVerb"),
        ("verb=Identify&verb=Identify", "badVerb"),
        ("verb=identify", "badVerb"),
        ("verb=Identify&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListRecords", "badArgument"),
        ("verb=ListIdentifiers&set=type", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-13-01", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-05-01T00:00:00", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-05-01T00:00Z", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-05-01&until=2024-05-02T00:00:00Z", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-05-02&until=2024-05-01", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=not a set", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=abc", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai dc", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&identifier=oai:testserver:121773", "badArgument"),
        ("verb=GetRecord&identifier=oai:testserver:121773", "badArgument"),
        ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListSets&set=type", "badArgument"),
        ("verb=ListRecords&resumptionToken=abc", "badResumptionToken"),
        ("verb=ListIdentifiers&resumptionToken=", "badResumptionToken"),
        ("verb=ListSets&resumptionToken=abc", "badResumptionToken"),
        ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
        ("verb=ListIdentifiers&metadataPrefix=marc21&from=2024-01-01", "cannotDisseminateFormat"),
        ("verb=GetRecord&identifier=oai:testserver:121773&metadataPrefix=marc21", "cannotDisseminateFormat"),
        ("verb=GetRecord&identifier=oai:testserver:999999&metadataPrefix=oai_dc", "idDoesNotExist"),
        ("verb=GetRecord&identifier=oai:elsewhere.org:121773&metadataPrefix=oai_dc", "idDoesNotExist"),
        ("verb=GetRecord&identifier=oai:testserver:0121773&metadataPrefix=oai_dc", "idDoesNotExist"),
        ("verb=GetRecord&identifier=oai:testserver:99999999999999999999&metadataPrefix=oai_dc", "idDoesNotExist"),
        ("verb=GetRecord&identifier=121773&metadataPrefix=oai_dc", "idDoesNotExist"),
        ("verb=GetRecord&identifier=not%20a%20uri%3C%3E&metadataPrefix=oai_dc", "idDoesNotExist"),
        ("verb=ListMetadataFormats&identifier=oai:testserver:999999", "idDoesNotExist"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=collection:none", "noRecordsMatch"),
        ("verb=ListIdentifiers&metadataPrefix=oai_dc&until=1900-01-01", "noRecordsMatch"),
    ],
)
def test_every_error_has_its_code_and_a_valid_response(client, demo, query, code):
    for method in ("get", "post"):
        if method == "get":
            response = client.get(f"/oai/?{query}")
        else:
            response = client.post("/oai/", query, content_type="application/x-www-form-urlencoded")
        tree = validate(response)
        assert error_code(tree) == [code]
        request = tree.find("oai:request", NS)
        assert request.text == "http://testserver/oai/"
        if code in ("badVerb", "badArgument"):
            assert request.attrib == {}  # arguments not understood are not echoed
        else:
            assert request.get("verb") == query.split("&")[0].split("=")[1]


def test_a_tampered_or_foreign_token_is_bad(client, demo, page_size):
    tree = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    token = tree.findtext(".//oai:resumptionToken", namespaces=NS)
    assert token
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert error_code(oai(client, verb="ListRecords", resumptionToken=tampered)) == ["badResumptionToken"]
    # A token is for the verb that gave it.
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=token)) == ["badResumptionToken"]
    assert identifiers(oai(client, verb="ListRecords", resumptionToken=token))


# --- Resumption --------------------------------------------------------------------------------------


def test_pages_have_tokens_with_cursors_and_end_with_an_empty_token(client, db, page_size):
    documents = [DocumentFactory() for _ in range(5)]
    tree = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    seen, cursors = identifiers(tree), []
    while True:
        token = tree.find(".//oai:resumptionToken", NS)
        cursors.append(token.get("cursor"))
        assert token.get("completeListSize") is None
        if not token.text:
            break
        tree = oai(client, verb="ListIdentifiers", resumptionToken=token.text)
        seen += identifiers(tree)
    assert cursors == ["0", "2", "4"]
    assert seen == [document.record_id for document in documents]


def test_a_harvest_survives_documents_added_edited_and_unpublished_during_it(client, db, page_size):
    """No record is lost or repeated: what changes during a harvest leaves it (the bound is frozen) and
    comes in the next incremental harvest, from the first response's date."""
    documents = [DocumentFactory() for _ in range(6)]
    for i, document in enumerate(documents):
        set_modified(document, at(2024, 1, 1) + datetime.timedelta(hours=i))
    first = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    started = first.findtext("oai:responseDate", namespaces=NS)
    seen = identifiers(first)
    assert seen == [documents[0].record_id, documents[1].record_id]
    token = first.findtext(".//oai:resumptionToken", namespaces=NS)

    # Meanwhile: one already harvested and one not yet harvested are edited, one is unpublished, one added.
    documents[0].title = "Edited after harvest"
    documents[0].save()
    documents[3].title = "Edited before harvest"
    documents[3].save()
    publishing.unpublish(Document.objects.filter(pk=documents[4].pk))
    added = DocumentFactory()

    while token:
        tree = oai(client, verb="ListIdentifiers", resumptionToken=token)
        seen += identifiers(tree)
        token = tree.findtext(".//oai:resumptionToken", namespaces=NS)
    assert seen == [documents[i].record_id for i in (0, 1, 2, 5)]
    assert len(seen) == len(set(seen))

    later = dict(harvest(client, metadataPrefix="oai_dc", from_=started))
    assert later == {
        documents[0].record_id: False,
        documents[3].record_id: False,
        documents[4].record_id: True,
        added.record_id: False,
    }


def test_a_page_of_records_costs_the_same_queries_whatever_its_size(
    client, db, settings, django_assert_max_num_queries
):
    collection = CollectionFactory()
    for i in range(30):
        document = make(collections=[collection])
        RoleFactory(document=document)
        if i % 3 == 0:
            RelationFactory(source=document)
        if i % 4 == 0:
            publishing.unpublish(Document.objects.filter(pk=document.pk))
    for prefix in ("oai_dc", "archive"):
        counts = set()
        for size in (3, 12):
            settings.OAI_PAGE_SIZE = size
            with CaptureQueriesContext(connection) as queries:
                tree = oai(client, verb="ListRecords", metadataPrefix=prefix)
                token = tree.findtext(".//oai:resumptionToken", namespaces=NS)
                oai(client, verb="ListRecords", resumptionToken=token)
            assert len(identifiers(tree)) == size
            counts.add(len(queries))
        assert len(counts) == 1, counts
    settings.OAI_PAGE_SIZE = 20
    with django_assert_max_num_queries(14):
        oai(client, verb="ListRecords", metadataPrefix="archive")
    with django_assert_max_num_queries(5):
        oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
