"""Citations: the Chicago text, BibTeX, RIS and CSL-JSON re-read by real parsers, the head's meta tags and
JSON-LD, all agreeing with the Dublin Core crosswalk, and drafts' citations hidden from the public."""

import datetime
import json
from pathlib import Path

import bibtexparser
import jsonschema
import lxml.html
import pytest
import rispy
from bibtexparser import middlewares
from django.utils import timezone
from pylatexenc.latex2text import LatexNodes2Text

from documents.citations.formats import bibtex, bibtex_escape, chicago, chicago_html, csl_item, csl_json, ris
from documents.citations.head import json_ld_script, meta_tags
from documents.citations.record import citation_record, credits
from documents.crosswalk import dublin_core
from documents.models import Archive, Document, DocumentPerson, Language, Person, Subject

from .factories import CollectionFactory, DocumentFactory, PersonFactory, RelationFactory, RoleFactory
from .test_queries import count_queries, rich_document

CSL_SCHEMA = json.loads((Path(__file__).parent / "data" / "schemas" / "csl-data.json").read_text(encoding="utf-8"))
BASE = "http://testserver/"
ACCESSED = datetime.date(2026, 11, 30)
SEED_URL = "http://testserver/documents/121773/cable-joseph-stalin-to-anastas-mikoyan/"
# Each download's path under the document's record id, and its media type.
DOWNLOADS = {
    "cite.bib": "application/x-bibtex",
    "cite.ris": "application/x-research-info-systems",
    "cite.json": "application/vnd.citationstyles.csl+json",
}

# Everything that LaTeX, RIS, JSON or HTML might read as markup, and scripts other than Latin.
HOSTILE_TITLE = "Report on \"Operation {X}\" \\ 100% & #1 $5 a_b ~ -- `` '' — Ёлка и 中文 naïve Satō"
HOSTILE_SUMMARY = 'Summary: {braces}, "quotes", back\\slash, 50% & more #tags, Радченко, 毛泽东, Nguyễn.'
# (name, sort name, kind): a person whose sort name splits the name, one written family name first,
# and an organisation whose name holds an "and".
HOSTILE_AUTHORS = [
    ('José "Pepe" Núñez {Jr}', 'Núñez {Jr}, José "Pepe"', Person.Kind.PERSON),
    ("毛泽东", "毛泽东", Person.Kind.PERSON),
    ("Иван Ёлкин", "Ёлкин, Иван", Person.Kind.PERSON),
    ("Ministry of Trade and Industry", "Ministry of Trade and Industry", Person.Kind.ORGANISATION),
]


@pytest.fixture(autouse=True)
def citation_settings(settings):
    """The defaults, whatever the environment says."""
    settings.ARCHIVE_NAME = "Digital Archive"
    settings.CITATION = {
        "ITALIC_ARCHIVE_NAME": False,
        "UNDATED": "n.d.",
        "ACCESSED_FORMAT": "F j, Y",
        "KEY_PREFIX": "archive",
    }
    return settings


def detail(document):
    return Document.objects.for_detail().get(pk=document.pk)


def record_of(document, accessed=ACCESSED):
    return citation_record(detail(document), BASE, accessed=accessed)


@pytest.fixture
def hostile(db):
    """A published document whose every text is hard to export."""
    document = DocumentFactory(
        title=HOSTILE_TITLE,
        summary=HOSTILE_SUMMARY,
        source="Obtained by Jane {Doe} & Co. Translated by 李小龙 and A.I. Smith.",
        rights="CC BY 4.0: https://creativecommons.org/licenses/by/4.0/",
    )
    for order, (name, sort_name, kind) in enumerate(HOSTILE_AUTHORS):
        RoleFactory(document=document, person=PersonFactory(name=name, sort_name=sort_name, kind=kind), order=order)
    RoleFactory(document=document, person=PersonFactory(name="Zhou Enlai"), role=DocumentPerson.Role.MENTIONED)
    document.languages.add(*Language.objects.filter(code__in=["ru", "zh"]))
    document.subjects.add(Subject.objects.create(name="Советско-китайские отношения"))
    document.archives.add(Archive.objects.create(name="Архив Президента Российской Федерации (АПРФ)"))
    return document


# The Chicago citation.


@pytest.mark.django_db
def test_seed_citation_is_chicago_for_archival_material(demo):
    """The seed's citation: title, date, archive, credits from Source, access date and URL, exactly."""
    record = record_of(Document.objects.get(record_id=121773))
    assert chicago(record) == (
        "“Cable, Joseph Stalin to Anastas Mikoyan,” February 4, 1949, Digital Archive. "
        "Contributed by Sergo Mikoyan. Translated by Sergey Radchenko. "
        f"Accessed November 30, 2026. {SEED_URL}."
    )
    assert chicago_html(record) == (
        "“Cable, Joseph Stalin to Anastas Mikoyan,” February 4, 1949, Digital Archive. "
        "Contributed by Sergo Mikoyan. Translated by Sergey Radchenko. "
        f'Accessed November 30, 2026. <a href="{SEED_URL}">{SEED_URL}</a>.'
    )


@pytest.mark.django_db
def test_citation_names_original_archives_and_italicises_the_archive_only_when_configured(hostile, settings):
    """Original archives follow the archive's name; <cite> appears only with ITALIC_ARCHIVE_NAME."""
    record = record_of(hostile)
    assert ", Digital Archive, Архив Президента Российской Федерации (АПРФ). " in chicago(record)
    assert "<cite>" not in chicago_html(record)
    settings.CITATION = {**settings.CITATION, "ITALIC_ARCHIVE_NAME": True}
    assert "February 4, 1949, <cite>Digital Archive</cite>, Архив" in chicago_html(record)


@pytest.mark.django_db
def test_citation_html_escapes_everything_and_quotes_within_the_title_become_single(hostile):
    """User text is escaped in the HTML; the title's own double quotes become single ones (CMOS 6.11)."""
    hostile.title = 'Plan "<b>Bold</b>" & <script>alert(1)</script>'
    hostile.save()
    record = record_of(hostile)
    assert chicago(record).startswith("“Plan ‘<b>Bold</b>’ & <script>alert(1)</script>,” ")
    html = chicago_html(record)
    assert html.startswith("“Plan ‘&lt;b&gt;Bold&lt;/b&gt;’ &amp; &lt;script&gt;alert(1)&lt;/script&gt;,” ")
    assert "<script" not in html and "<b>" not in html


@pytest.mark.django_db
def test_undated_document_and_question_title(db):
    """Undated documents say "n.d."; a title ending in "?" takes no comma inside the quotes."""
    document = DocumentFactory(title="Who Lost China?", date=None)
    record = record_of(document)
    assert chicago(record).startswith("“Who Lost China?” n.d., Digital Archive. Accessed ")
    assert "issued" not in csl_item(record)
    assert "DA  -" not in ris(record)
    assert "citation_date" not in dict(meta_tags(record))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "Provided to the National Security Archive/Svetlana Savranskaya by Sergo Mikoyan. With permission "
            "of the National Security Archive. Translated by Sergey Radchenko.",
            (("Contributed by", ("Sergo Mikoyan",)), ("Translated by", ("Sergey Radchenko",))),
        ),
        (
            "Translated for CWIHP by A.I. Mikoyan and Gary Goldberg.",
            (("Translated by", ("A.I. Mikoyan", "Gary Goldberg")),),
        ),
        (
            "Obtained by the U.S. National Archives; translated by Jane Doe",
            (
                ("Contributed by", ("the U.S. National Archives",)),
                ("Translated by", ("Jane Doe",)),
            ),
        ),
        ("Translated by Smith, J.", (("Translated by", ("Smith, J.",)),)),
        ("Translated by Smith, J. and Doe, A.", (("Translated by", ("Smith, J.", "Doe, A.")),)),
        (
            "Contributed by Sergo Mikoyan and translated by Sergey Radchenko.",
            (("Contributed by", ("Sergo Mikoyan",)), ("Translated by", ("Sergey Radchenko",))),
        ),
        (
            "Donated by Jane Roe, and later translated by Sergey Radchenko, Gary Goldberg and Ann Poe; 2004.",
            (("Contributed by", ("Jane Roe",)), ("Translated by", ("Sergey Radchenko", "Gary Goldberg", "Ann Poe"))),
        ),
        (
            "Translated by Jane Doe. Revised and translated again by Jane Doe and John Roe.",
            (("Translated by", ("Jane Doe", "John Roe")),),
        ),
        ("APRF, f. 45, op. 1, d. 331, ll. 1-2.", ()),
        ("", ()),
    ],
)
def test_credits_are_read_from_the_source(source, expected):
    """Contributor and translator credits come from the Source text as lists of names: initials do not end
    a name, a credit ends where the next begins, and a name credited twice is named once."""
    assert credits(source) == expected


@pytest.mark.django_db
def test_a_credit_ending_in_an_initial_takes_one_full_stop(db):
    """ "Translated by Smith, J." is cited with its own full stop, not two."""
    record = record_of(DocumentFactory(source="Translated by Smith, J."))
    assert " Translated by Smith, J. Accessed " in chicago(record)


@pytest.mark.django_db
def test_credits_in_one_sentence_are_cited_once_and_each_translator_is_a_name(client):
    """ "Contributed by A and translated by B and C." is cited as one credit each, never "Translated by"
    twice, and B and C are two translators in the page, BibTeX, RIS, CSL-JSON and JSON-LD."""
    source = "Contributed by Sergo Mikoyan and translated by Sergey Radchenko and Gary Goldberg."
    document = DocumentFactory(source=source)
    record = record_of(document)
    credited = "Contributed by Sergo Mikoyan. Translated by Sergey Radchenko and Gary Goldberg."
    assert f" {credited} Accessed " in chicago(record)
    page = client.get(document.get_absolute_url())
    [citation] = lxml.html.fromstring(page.content).xpath('//*[@id="citation-text"]')
    assert citation.text_content().count("Translated by") == 1 and credited in citation.text_content()
    assert [person["name"] for person in json_ld(page)["translator"]] == ["Sergey Radchenko", "Gary Goldberg"]
    bib = bibtex(record)
    assert read_bibtex(bib)["note"] == credited
    assert read_bibtex_names(bib, "translator") == [("", "Sergey Radchenko"), ("", "Gary Goldberg")]
    [entry] = rispy.loads(ris(record))
    assert entry["notes"] == [credited]
    assert entry["subsidiary_authors"] == ["Sergey Radchenko", "Gary Goldberg"]  # A4: translators
    item = csl_item(record)
    assert item["note"] == credited
    assert item["translator"] == [{"literal": "Sergey Radchenko"}, {"literal": "Gary Goldberg"}]
    jsonschema.validate([item], CSL_SCHEMA)


# Exports re-read by real parsers.


def read_bibtex(text):
    library = bibtexparser.parse_string(text, append_middleware=[middlewares.LatexDecodingMiddleware()])
    assert not library.failed_blocks
    [entry] = library.entries
    return entry


def read_bibtex_names(text, field="author"):
    """Names split as BibTeX splits them, each part then decoded: [(given, family), ...]."""
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    )
    decode = LatexNodes2Text().latex_to_text
    return [(decode(" ".join(name.first)), decode(" ".join(name.last))) for name in library.entries[0][field]]


@pytest.mark.django_db
def test_bibtex_round_trips_through_bibtexparser(hostile):
    """Quotes, braces, backslashes, %, &, #, Cyrillic, Chinese and diacritics read back unchanged."""
    record = record_of(hostile)
    text = bibtex(record)
    entry = read_bibtex(text)
    assert entry.entry_type == "misc"
    assert entry.key == f"archive{hostile.record_id}"
    assert entry["title"] == HOSTILE_TITLE
    assert entry["abstract"] == HOSTILE_SUMMARY
    assert entry["date"] == "1949-02-04" and entry["year"] == "1949"
    assert entry["url"] == record.url
    assert entry["urldate"] == "2026-11-30"
    assert entry["note"] == "Contributed by Jane {Doe} & Co. Translated by 李小龙 and A.I. Smith."
    assert entry["addendum"] == "Архив Президента Российской Федерации (АПРФ)"
    assert read_bibtex_names(text) == [
        ('José "Pepe"', "Núñez {Jr}"),
        ("", "毛泽东"),
        ("Иван", "Ёлкин"),
        ("", "Ministry of Trade and Industry"),
    ]
    assert read_bibtex_names(text, "translator") == [("", "李小龙"), ("", "A.I. Smith")]
    # Non-Latin scripts stay UTF-8, not LaTeX escapes.
    assert "Ёлка и 中文 naïve Satō" in text


def test_bibtex_escape_of_tex_specials_reads_back():
    """Every character special to TeX is escaped so that a TeX-aware parser reads it back.
    (pylatexenc reads \\textasciicircum as the modifier letter ˆ, so "^" is checked as written.)"""
    value = r"\{}%&#$_~ -- --- `` '' !` ?` x^2"
    escaped = bibtex_escape(value)
    assert r"x\textasciicircum{}2" in escaped
    entry = read_bibtex("@misc{k,\n  title = {" + escaped + "},\n}\n")
    assert entry["title"] == value.replace("^", "ˆ")


@pytest.mark.django_db
def test_ris_round_trips_through_rispy(hostile):
    """rispy reads the RIS record back with every value unchanged, as a manuscript."""
    record = record_of(hostile)
    text = ris(record)
    assert text.endswith("ER  - \r\n") and "\r\n" in text
    [entry] = rispy.loads(text)
    assert entry["type_of_reference"] == "MANSCPT"
    assert entry["title"] == HOSTILE_TITLE
    assert entry["authors"] == ['Núñez {Jr}, José "Pepe"', "毛泽东", "Ёлкин, Иван", "Ministry of Trade and Industry"]
    assert entry["abstract"] == HOSTILE_SUMMARY
    assert entry["date"] == "1949/02/04/" and entry["year"] == "1949"
    assert entry["urls"] == [record.url]
    assert entry["access_date"] == "2026/11/30/"
    assert entry["publisher"] == "Digital Archive"
    assert entry["name_of_database"] == "Архив Президента Российской Федерации (АПРФ)"
    assert entry["keywords"] == ["Zhou Enlai", "Советско-китайские отношения"]
    assert entry["language"] == "zh, ru"  # languages in name order: Chinese, Russian
    assert entry["notes"] == ["Contributed by Jane {Doe} & Co. Translated by 李小龙 and A.I. Smith."]


@pytest.mark.django_db
def test_ris_values_are_one_line_each(hostile):
    """A line break in a value cannot start a new RIS tag (or end the record)."""
    hostile.summary = "First line\nER  - \nTY  - JOUR"
    hostile.save()
    [entry] = rispy.loads(ris(record_of(hostile)))
    assert entry["abstract"] == "First line ER - TY - JOUR"
    assert entry["type_of_reference"] == "MANSCPT"


@pytest.mark.django_db
def test_csl_json_validates_against_the_official_schema_and_round_trips(hostile):
    """The CSL-JSON is a list of one "manuscript" item, valid against csl-data.json, values unchanged."""
    record = record_of(hostile)
    data = json.loads(csl_json(record))
    jsonschema.validate(data, CSL_SCHEMA)
    [item] = data
    assert item["type"] == "manuscript"
    assert item["id"] == f"archive{hostile.record_id}"
    assert item["title"] == HOSTILE_TITLE
    assert item["abstract"] == HOSTILE_SUMMARY
    assert item["author"] == [
        {"family": "Núñez {Jr}", "given": 'José "Pepe"'},
        {"literal": "毛泽东"},
        {"family": "Ёлкин", "given": "Иван"},
        {"literal": "Ministry of Trade and Industry"},
    ]
    assert item["issued"] == {"date-parts": [[1949, 2, 4]]}
    assert item["accessed"] == {"date-parts": [[2026, 11, 30]]}
    assert item["archive"] == "Архив Президента Российской Федерации (АПРФ)"
    assert item["URL"] == record.url


@pytest.mark.django_db
def test_partial_and_approximate_dates_in_every_format(db):
    """A month date is "1949-02" in BibTeX, 1949/02// in RIS, [1949, 2] in CSL; circa is marked in CSL."""
    document = DocumentFactory(date=datetime.date(1949, 2, 1), date_precision="month", date_circa=True)
    record = record_of(document)
    assert read_bibtex(bibtex(record))["date"] == "1949-02"
    assert rispy.loads(ris(record))[0]["date"] == "1949/02//"
    item = csl_item(record)
    assert item["issued"] == {"date-parts": [[1949, 2]], "circa": True}
    jsonschema.validate([item], CSL_SCHEMA)
    assert dict(meta_tags(record))["citation_date"] == "1949/02"
    assert chicago(record).startswith(f"“{document.title},” circa February 1949, ")


@pytest.mark.django_db
def test_every_format_agrees_with_the_dublin_core_crosswalk(hostile, client):
    """Title, creators, date and identifier are the crosswalk's in BibTeX, RIS, CSL, meta tags and JSON-LD."""
    dc = dublin_core(detail(hostile), BASE)
    record = record_of(hostile)
    title, creators, date, identifier = dc["title"][0], dc["creator"], dc["date"][0], dc["identifier"][0]

    def joined(pairs):
        return [" ".join(part for part in pair if part) for pair in pairs]

    entry = read_bibtex(bibtex(record))
    assert (entry["title"], entry["date"], entry["url"]) == (title, date, identifier)
    assert joined(read_bibtex_names(bibtex(record))) == creators

    [entry] = rispy.loads(ris(record))
    assert (entry["title"], entry["date"], entry["urls"]) == (title, date.replace("-", "/") + "/", [identifier])
    assert [" ".join(reversed(name.split(", "))) for name in entry["authors"]] == creators

    [item] = json.loads(csl_json(record))
    assert (item["title"], item["URL"]) == (title, identifier)
    assert "-".join(str(part) for part in item["issued"]["date-parts"][0]) == "1949-2-4"
    assert [name.get("literal") or f"{name['given']} {name['family']}" for name in item["author"]] == creators

    page = client.get(hostile.get_absolute_url())
    tags = meta(page)
    assert tags["citation_title"] == [title]
    assert [" ".join(reversed(name.split(", "))) for name in tags["citation_author"]] == creators
    assert tags["citation_date"] == [date.replace("-", "/")]
    assert tags["citation_public_url"] == [identifier]
    assert tags["citation_language"] == dc["language"]
    data = json_ld(page)
    assert (data["name"], data["dateCreated"], data["url"]) == (title, date, identifier)
    assert [author["name"] for author in data["author"]] == creators


# The document page.


def meta(response):
    """{name: [content, ...]} of the page head's meta tags."""
    tree = lxml.html.fromstring(response.content)
    found = {}
    for element in tree.xpath("/html/head/meta[@name]"):
        found.setdefault(element.get("name"), []).append(element.get("content"))
    return found


def json_ld(response):
    tree = lxml.html.fromstring(response.content)
    [script] = tree.xpath('//script[@type="application/ld+json"]')
    return json.loads(script.text)


@pytest.mark.django_db
def test_page_head_carries_highwire_tags_for_zotero(demo, client):
    """citation_* tags give the seed's title, author (family name first), date, publisher and URL."""
    tags = meta(client.get(Document.objects.get(record_id=121773).get_absolute_url()))
    assert tags["citation_title"] == ["Cable, Joseph Stalin to Anastas Mikoyan"]
    assert tags["citation_author"] == ["Stalin, Joseph"]
    assert tags["citation_publication_date"] == tags["citation_date"] == ["1949/02/04"]
    assert tags["citation_publisher"] == ["Digital Archive"]
    assert tags["citation_public_url"] == tags["citation_abstract_html_url"] == [SEED_URL]
    assert tags["DC.type"] == ["manuscript"]
    assert "citation_pdf_url" not in tags


@pytest.mark.django_db
def test_page_head_links_the_original_pdf(client):
    """A document with a PDF of the original names it in citation_pdf_url, as an absolute URL."""
    document = DocumentFactory()
    Document.objects.filter(pk=document.pk).update(original_pdf="pdfs/2026/original.pdf")
    document.refresh_from_db()
    tags = meta(client.get(document.get_absolute_url()))
    assert tags["citation_pdf_url"] == ["http://testserver" + document.original_pdf.url]


@pytest.mark.django_db
def test_json_ld_describes_an_archive_component(hostile, client):
    """The JSON-LD block is schema.org ArchiveComponent with the document's description."""
    collection = CollectionFactory(name="Sino-Soviet Relations")
    hostile.collections.add(collection)
    data = json_ld(client.get(hostile.get_absolute_url()))
    record = record_of(hostile)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ArchiveComponent"
    assert data["name"] == HOSTILE_TITLE
    assert data["description"] == HOSTILE_SUMMARY
    assert data["author"][0] == {"@type": "Person", "name": 'José "Pepe" Núñez {Jr}'}
    assert data["author"][3] == {"@type": "Organization", "name": "Ministry of Trade and Industry"}
    assert data["inLanguage"] == ["zh", "ru"]
    assert data["holdingArchive"] == [
        {"@type": "ArchiveOrganization", "name": "Архив Президента Российской Федерации (АПРФ)"}
    ]
    assert data["isPartOf"] == [
        {
            "@type": "Collection",
            "name": "Sino-Soviet Relations",
            "url": "http://testserver" + collection.get_absolute_url(),
        }
    ]
    assert {"@type": "Person", "name": "Zhou Enlai"} in data["about"]
    assert {"@type": "PropertyValue", "propertyID": "record ID", "value": str(hostile.record_id)} in data["identifier"]
    assert data["url"] == record.url
    assert data["license"] == "http://creativecommons.org/licenses/by/4.0/"


@pytest.mark.django_db
def test_a_hostile_title_cannot_break_out_of_the_json_ld_block(client):
    """A title of </script><script>alert(1)</script> stays inside the JSON, and comes back exact."""
    title = "</script><script>alert(1)</script>"
    document = DocumentFactory(title=title, summary="<!-- & -->")
    response = client.get(document.get_absolute_url())
    content = response.content.decode()
    assert "</script><script>alert" not in content
    assert "<!--" not in content.split("<body")[0]
    data = json_ld(response)
    assert data["name"] == title
    assert data["description"] == "<!-- & -->"
    assert meta(response)["citation_title"] == [title]


@pytest.mark.django_db
def test_page_has_a_cite_section_with_copy_button_and_downloads(demo, client):
    """The section shows the citation, a button for cite.js (hidden until it runs), the three downloads and
    the PDF;
    no inline script, style or event handler."""
    document = Document.objects.get(record_id=121773)
    response = client.get(document.get_absolute_url())
    tree = lxml.html.fromstring(response.content)
    [section] = tree.xpath('//section[@aria-labelledby="cite-heading"]')
    assert section.xpath("string(.//h2)") == "Cite this document"
    [citation] = section.xpath('.//*[@id="citation-text"]')
    today = timezone.localdate()
    assert citation.text_content().startswith("“Cable, Joseph Stalin to Anastas Mikoyan,” February 4, 1949, ")
    assert f"Accessed {today:%B} {today.day}, {today.year}." in citation.text_content()
    [button] = section.xpath(".//button")
    assert button.get("type") == "button" and button.get("hidden") is not None
    assert button.get("data-cite-copy") == "citation-text"
    [status] = section.xpath(".//*[@data-cite-status]")
    assert status.get("aria-live") == "polite" and status.get("role") == "status"
    links = {a.text_content(): a.get("href") for a in section.xpath(".//a[@download]")}
    assert links == {
        "BibTeX": "/documents/121773/cite.bib",
        "RIS": "/documents/121773/cite.ris",
        "CSL-JSON": "/documents/121773/cite.json",
        "Download this document as PDF": "/documents/121773/document.pdf",
    }
    assert section.xpath(".//script/@src") == ["/static/documents/js/cite.js"]
    for script in tree.xpath("//script"):
        assert script.get("src") or script.get("type") == "application/ld+json"
    for element in section.iter():
        assert "style" not in element.attrib
        assert not [name for name in element.attrib if name.startswith("on")]


# Downloads.


@pytest.mark.django_db
def test_downloads_have_their_content_types_and_file_names(demo, client):
    """Each download answers with its media type and a file name made of the record id."""
    names = {"cite.bib": "archive121773.bib", "cite.ris": "archive121773.ris", "cite.json": "archive121773.json"}
    for path, content_type in DOWNLOADS.items():
        response = client.get(f"/documents/121773/{path}")
        assert response.status_code == 200
        assert response["Content-Type"] == f"{content_type}; charset=utf-8"
        assert response["Content-Disposition"] == f'attachment; filename="{names[path]}"'
    assert read_bibtex(client.get("/documents/121773/cite.bib").content.decode())["url"] == SEED_URL
    assert rispy.loads(client.get("/documents/121773/cite.ris").content.decode())[0]["urls"] == [SEED_URL]
    jsonschema.validate(json.loads(client.get("/documents/121773/cite.json").content), CSL_SCHEMA)


@pytest.mark.django_db
def test_drafts_citations_are_404_for_the_public_and_previewable_by_curators(client, curator):
    """A draft's citation downloads do not exist for anonymous readers; a curator may preview them."""
    draft = DocumentFactory(draft=True)
    for path in DOWNLOADS:
        assert client.get(f"/documents/{draft.record_id}/{path}").status_code == 404
    client.force_login(curator)
    for path in DOWNLOADS:
        response = client.get(f"/documents/{draft.record_id}/{path}")
        assert response.status_code == 200
        assert response["X-Robots-Tag"] == "noindex"
        assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_relations_in_a_draft_preview_are_published_documents_only(client, curator):
    """Staff previewing a page see draft neighbours, but its metadata relates published documents only."""
    document = DocumentFactory()
    draft = DocumentFactory(draft=True)
    published = DocumentFactory()
    RelationFactory(source=document, target=draft)
    RelationFactory(source=document, target=published)
    client.force_login(curator)
    context = client.get(document.get_absolute_url()).context
    related = [item.document for item in context["related_documents"] if item.document.is_published]
    assert related == [published]
    assert dublin_core(detail(document), BASE)["relation"] == ["http://testserver" + published.get_absolute_url()]


@pytest.mark.django_db
def test_download_queries_do_not_grow_with_people_or_relations(client, django_assert_num_queries):
    """Each download costs the same queries for a bare document and a rich one: the document, its
    prefetched people and terms, and its related documents."""
    small = rich_document()
    large = rich_document(people=6, donors=5, relations=6, scans=4)
    for path in DOWNLOADS:
        few = count_queries(client, f"/documents/{small.record_id}/{path}")
        assert count_queries(client, f"/documents/{large.record_id}/{path}") == few
    with django_assert_num_queries(10):
        client.get(f"/documents/{large.record_id}/cite.bib")


@pytest.mark.django_db
def test_citation_adds_no_queries_to_the_document_page(client, django_assert_num_queries):
    """The head's metadata and the cite section read only what the page has already loaded."""
    document = detail(rich_document(people=3, relations=2))
    related = [item.document for item in document.related_documents()]
    with django_assert_num_queries(0):
        record = citation_record(document, BASE, related=related)
        meta_tags(record), json_ld_script(record), chicago_html(record)
