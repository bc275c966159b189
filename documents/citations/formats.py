"""How a document is cited: the Chicago citation the page shows, its BibTeX, RIS and CSL-JSON downloads,
and the Highwire ``citation_*`` tags and schema.org JSON-LD of the page's head.

Every one is made from ``citation_record()``, which reads the Dublin Core crosswalk and adds only what it
does not carry (record id, original archives, credits, authors' name parts), so no two can disagree.
The style's details are settings (``CITATION``); docs/citations.md says what each format holds."""

import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from ..crosswalk import dublin_core
from ..iiif.manifests import rights_uri

# Credits read from the Source field: the wording a citation gives them, and the verbs that name them.
CREDITS = (
    ("Contributed by", r"provided|contributed|donated|obtained"),
    ("Translated by", r"translated"),
)
_VERBS = "|".join(verbs for wording, verbs in CREDITS)
# A list of names runs to the end of its sentence or clause, or to the next credit ("…, and later translated
# by"); a full stop after a lone capital is an initial ("A.I. Mikoyan").
_END = rf"(?=\s*(?:;|(?<![\s.][A-Z])\.(?:\s|$)|$)|,?\s+(?:and\s+(?:\w+\s+){{0,2}})?(?:{_VERBS})\b)"
CREDIT_PATTERNS = tuple(
    (wording, re.compile(rf"\b(?:{verbs})\b[^.;]*?\bby\s+(?P<names>.+?){_END}", re.I)) for wording, verbs in CREDITS
)
TRANSLATED_BY = "Translated by"

# The type every export gives a document: CSL's and Zotero's "manuscript", RIS's "MANSCPT" (an
# unpublished archival document, as Chicago cites it).
CSL_TYPE = "manuscript"
RIS_TYPE = "MANSCPT"


@dataclass(frozen=True)
class Name:
    """A creator as the crosswalk names it (``literal``), with family and given names where the person's
    sort name splits it exactly ("Stalin, Joseph" for "Joseph Stalin"); otherwise cited as written."""

    literal: str
    family: str = ""
    given: str = ""
    organisation: bool = False

    @property
    def inverted(self):
        """ "Family, Given", or the name as written: what RIS and Highwire tags expect."""
        return f"{self.family}, {self.given}" if self.family else self.literal


@dataclass(frozen=True)
class CitationRecord:
    """One document as every citation format reads it."""

    key: str
    record_id: int
    title: str
    creators: tuple
    date: str  # W3C-DTF at the date's precision, "" if undated
    display_date: str
    circa: bool
    publisher: str
    url: str
    languages: tuple
    description: str
    subjects: tuple
    genre: str
    archives: tuple
    credits: tuple  # ((wording, (name, ...)), ...) in CREDITS order
    rights: str
    accessed: object  # datetime.date
    pdf_url: str
    mentioned: tuple  # names among ``subjects`` that are people mentioned
    places: tuple
    collections: tuple  # ((name, absolute URL), ...)

    @property
    def date_parts(self):
        return [int(part) for part in self.date.split("-")] if self.date else []

    @property
    def translators(self):
        return tuple(name for wording, names in self.credits if wording == TRANSLATED_BY for name in names)


def _first(dc, element):
    return dc.get(element, [""])[0]


def _absolute(base_url, url):
    return base_url.rstrip("/") + url if url.startswith("/") else url


def _name(literal, people):
    person = people.get(literal)
    if person is None:
        return Name(literal)
    organisation = person.kind == person.Kind.ORGANISATION
    family, comma, given = (person.sort_name or "").partition(", ")
    if organisation or not comma or f"{given} {family}" != literal:
        return Name(literal, organisation=organisation)
    return Name(literal, family=family, given=given)


def _split_names(names):
    """ "A and B", "A, B and C" as separate names; a comma inside one inverted name ("Smith, J.") does not
    split it, so a comma splits only where every part is a full name of several words."""
    split = []
    for part in re.split(r",?\s+and\s+", names):
        pieces = [piece.strip() for piece in part.split(",")]
        split += pieces if len(pieces) > 1 and all(" " in piece for piece in pieces) else [part.strip()]
    return [name for name in split if name]


def credits(source):
    """((wording, names), ...) read from a Source text, one per wording, each name once, e.g.
    (("Translated by", ("A.I. Mikoyan", "Gary Goldberg")),)."""
    found = []
    for wording, pattern in CREDIT_PATTERNS:
        names = []
        for match in pattern.finditer(source or ""):
            names += [name for name in _split_names(match.group("names")) if name not in names]
        if names:
            found.append((wording, tuple(names)))
    return tuple(found)


def citation_record(document, base_url, related=None, accessed=None):
    """The citation data of a ``Document.objects.for_detail()`` row. ``base_url`` and ``related`` are as
    for ``dublin_core()``; ``accessed`` is the access date, today by default."""
    dc = dublin_core(document, base_url, related=related)
    people = {person.name.strip(): person for person in document.authors}
    types = dc.get("type", [])
    mentioned = {person.name.strip() for person in document.people_mentioned}
    collections = [(c.name.strip(), _absolute(base_url, c.get_absolute_url())) for c in document.collections.all()]
    collection_names = {name for name, url in collections}
    return CitationRecord(
        key=f"{settings.CITATION['KEY_PREFIX']}{document.record_id}",
        record_id=document.record_id,
        title=_first(dc, "title"),
        creators=tuple(_name(literal, people) for literal in dc.get("creator", [])),
        date=_first(dc, "date"),
        display_date=document.display_date,
        circa=document.date_circa,
        publisher=_first(dc, "publisher"),
        url=_first(dc, "identifier"),
        languages=tuple(dc.get("language", [])),
        description=_first(dc, "description"),
        subjects=tuple(subject for subject in dc.get("subject", []) if subject not in collection_names),
        genre=types[1] if len(types) > 1 else "",
        archives=tuple(name for name in (archive.name.strip() for archive in document.archives.all()) if name),
        credits=credits(document.source),
        rights=_first(dc, "rights"),
        accessed=accessed or timezone.localdate(),
        pdf_url=_absolute(base_url, document.original_pdf.url) if document.original_pdf else "",
        mentioned=tuple(sorted(mentioned)),
        places=tuple(dc.get("coverage", [])),
        collections=tuple(collections),
    )


def _sentence(wording, names):
    """ "Translated by A, B, and C." (a serial comma, as Chicago has it); a name may end in an initial's
    full stop ("Smith, J."): no second one then."""
    listed = " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + ", and " + names[-1]
    return f"{wording} {listed}" + ("" if listed.endswith(".") else ".")


def credit_sentences(record):
    """ "Contributed by … Translated by …": the credits as the citation words them."""
    return " ".join(_sentence(wording, names) for wording, names in record.credits)


# Chicago: the formatted citation.


def _quoted_title(title):
    """The title in double quotes, its own double quotes made single (CMOS 6.11), and a comma inside the
    closing quote unless the title ends in its own question or exclamation mark."""
    inner = title.replace("“", "‘").replace("”", "’")
    inner = re.sub(r'(^|(?<=[\s(\[—–-]))"', "‘", inner).replace('"', "’")
    return f"“{inner}{'' if inner[-1:] in '?!' else ','}”"


def _chicago_parts(record):
    """(quoted title, [the rest of the first sentence], [credit sentences], accessed)."""
    first = [record.display_date or settings.CITATION["UNDATED"], record.publisher, *record.archives]
    sentences = [_sentence(wording, names) for wording, names in record.credits]
    accessed = "Accessed " + format_date(record.accessed, settings.CITATION["ACCESSED_FORMAT"]) + "."
    return _quoted_title(record.title), [part for part in first if part], sentences, accessed


def chicago(record):
    """The citation as plain text, for copying."""
    title, first, sentences, accessed = _chicago_parts(record)
    return " ".join([f"{title} {', '.join(first)}.", *sentences, accessed, f"{record.url}."])


def chicago_html(record):
    """The same citation as safe HTML: the archive's name in italics if the settings say so, the URL a link."""
    title, first, sentences, accessed = _chicago_parts(record)
    italic = settings.CITATION["ITALIC_ARCHIVE_NAME"]
    # The first part is the date; the archive's name comes next.
    shown = [
        format_html("<cite>{}</cite>" if italic and index == 1 else "{}", part) for index, part in enumerate(first)
    ]
    return format_html(
        '{} {}. {}{} <a href="{}">{}</a>.',
        title,
        mark_safe(", ".join(shown)),  # each part escaped above
        format_html_join("", "{} ", ((sentence,) for sentence in sentences)),
        accessed,
        record.url,
        record.url,
    )


# BibTeX.

_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}


def bibtex_escape(value):
    """A value for inside a braced BibTeX field: LaTeX's special characters escaped, the ligatures TeX
    would make of "--", "``" and "''" broken up, and everything else (Cyrillic, Chinese, diacritics)
    left as UTF-8."""
    value = re.sub(r"[\\{}%&#$_^~]", lambda match: _BIBTEX_SPECIAL[match.group()], value)
    value = re.sub(r"(?<=[-`'!?])(?=[-`'])", "{}", value)
    return " ".join(value.split())


def _bibtex_name(name):
    # Braces keep a name that is not split ("Mao Zedong", an organisation) whole, and its "and" a word.
    if name.family:
        return f"{bibtex_escape(name.family)}, {bibtex_escape(name.given)}"
    return "{" + bibtex_escape(name.literal) + "}"


def bibtex(record):
    """One ``@misc`` entry (biblatex fields, which BibTeX ignores where it lacks them), keyed by record id."""
    fields = [
        ("author", " and ".join(_bibtex_name(name) for name in record.creators)),
        ("translator", " and ".join("{" + bibtex_escape(name) + "}" for name in record.translators)),
        # Double braces keep the title's capitals as they are.
        ("title", "{" + bibtex_escape(record.title) + "}"),
        ("date", record.date),
        ("year", record.date[:4]),
        ("type", bibtex_escape(record.genre)),
        ("publisher", bibtex_escape(record.publisher)),
        ("howpublished", bibtex_escape(record.publisher)),
        ("note", bibtex_escape(credit_sentences(record))),
        ("addendum", bibtex_escape("; ".join(record.archives))),
        ("language", bibtex_escape(", ".join(record.languages))),
        ("keywords", bibtex_escape(", ".join(record.subjects))),
        ("abstract", bibtex_escape(record.description)),
        ("url", bibtex_escape(record.url)),
        ("urldate", record.accessed.isoformat()),
    ]
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields if value)
    return f"@misc{{{record.key},\n{body}}}\n"


# RIS.


def _ris_date(parts):
    """RIS dates are "YYYY/MM/DD/" with unknown parts left empty."""
    padded = [f"{parts[0]:04d}", *(f"{part:02d}" for part in parts[1:])] + [""] * (3 - len(parts))
    return "/".join(padded) + "/"


def ris(record):
    """One ``MANSCPT`` (manuscript) record: Zotero and EndNote read it as a manuscript, the type CSL
    and Chicago use for archival documents. Values are one line each; CRLF ends lines, as the spec asks."""
    lines = [("TY", RIS_TYPE), ("ID", record.key), ("TI", record.title)]
    lines += [("AU", name.inverted) for name in record.creators]
    lines += [("A4", name) for name in record.translators]
    if record.date:
        lines += [("DA", _ris_date(record.date_parts)), ("PY", record.date[:4])]
    lines += [
        ("M3", record.genre),
        ("AB", record.description),
        *(("KW", subject) for subject in record.subjects),
        ("LA", ", ".join(record.languages)),
        ("PB", record.publisher),
        ("DP", record.publisher),
        ("DB", "; ".join(record.archives)),
        ("N1", credit_sentences(record)),
        ("UR", record.url),
        ("Y2", _ris_date([record.accessed.year, record.accessed.month, record.accessed.day])),
    ]
    if record.pdf_url:
        lines.append(("L1", record.pdf_url))
    text = "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines if value)
    return text + "ER  - \r\n"


# CSL-JSON.


def _csl_name(name):
    return {"family": name.family, "given": name.given} if name.family else {"literal": name.literal}


def csl_item(record):
    """One CSL-JSON item of type "manuscript" (CSL's type for archival documents)."""
    item = {
        "id": record.key,
        "type": CSL_TYPE,
        "title": record.title,
        "author": [_csl_name(name) for name in record.creators],
        "translator": [{"literal": name} for name in record.translators],
        "genre": record.genre,
        "abstract": record.description,
        "publisher": record.publisher,
        "source": record.publisher,
        "archive": "; ".join(record.archives),
        "note": credit_sentences(record),
        "language": ", ".join(record.languages),
        "keyword": ", ".join(record.subjects),
        "URL": record.url,
        "accessed": {"date-parts": [[record.accessed.year, record.accessed.month, record.accessed.day]]},
    }
    if record.date:
        item["issued"] = {"date-parts": [record.date_parts], **({"circa": True} if record.circa else {})}
    return {key: value for key, value in item.items() if value}


def csl_json(record):
    return json.dumps([csl_item(record)], ensure_ascii=False, indent=2) + "\n"


# The page's head: Highwire tags and schema.org JSON-LD.


def highwire_date(record):
    """ "1949/02/04", "1949/02" or "1949": the form Google Scholar documents and Zotero reads."""
    return record.date.replace("-", "/")


def meta_tags(record):
    """[(name, content), ...] for the head's ``<meta name content>``: Highwire ``citation_*`` tags, which
    Zotero and Google Scholar read, and a ``DC.type`` naming Zotero's item type: with Highwire tags
    alone Zotero's Embedded Metadata guesses a journal article (docs/citations.md)."""
    tags = [("citation_title", record.title)]
    tags += [("citation_author", name.inverted) for name in record.creators]
    if record.date:
        tags += [("citation_publication_date", highwire_date(record)), ("citation_date", highwire_date(record))]
    tags += [("citation_publisher", record.publisher)]
    tags += [("citation_language", language) for language in record.languages]
    tags += [("citation_keywords", "; ".join(record.subjects))] if record.subjects else []
    tags += [("citation_abstract", record.description)] if record.description else []
    tags += [("citation_public_url", record.url), ("citation_abstract_html_url", record.url)]
    tags += [("citation_pdf_url", record.pdf_url)] if record.pdf_url else []
    return [*tags, ("DC.type", CSL_TYPE)]


def _agents(names, person_type="Person"):
    return [{"@type": "Organization" if name.organisation else person_type, "name": name.literal} for name in names]


def json_ld(record):
    """The document as a schema.org ``ArchiveComponent``: plain data, for ``json_ld_script()``."""
    mentioned = set(record.mentioned)
    data = {
        "@context": "https://schema.org",
        "@type": "ArchiveComponent",
        "@id": record.url,
        "url": record.url,
        "identifier": [
            record.url,
            {"@type": "PropertyValue", "propertyID": "record ID", "value": str(record.record_id)},
        ],
        "name": record.title,
        "dateCreated": record.date,
        "author": _agents(record.creators),
        "translator": [{"@type": "Person", "name": name} for name in record.translators],
        "description": record.description,
        "genre": record.genre,
        "about": [
            {"@type": "Person" if subject in mentioned else "Thing", "name": subject} for subject in record.subjects
        ],
        "spatialCoverage": [{"@type": "Place", "name": place} for place in record.places],
        "inLanguage": list(record.languages),
        "isPartOf": [{"@type": "Collection", "name": name, "url": url} for name, url in record.collections],
        "holdingArchive": [{"@type": "ArchiveOrganization", "name": archive} for archive in record.archives],
        "publisher": {"@type": "Organization", "name": record.publisher},
        "copyrightNotice": record.rights,
        "license": rights_uri(record.rights) or "",
        "associatedMedia": (
            [{"@type": "MediaObject", "contentUrl": record.pdf_url, "encodingFormat": "application/pdf"}]
            if record.pdf_url
            else []
        ),
    }
    return {key: value for key, value in data.items() if value}


# Inside <script>, "</script>" or "<!--" in a string would end or confuse the element: JSON allows
# these characters as \u escapes, which HTML never reads as markup (as Django's json_script does).
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld_script(record):
    """The JSON-LD block, safe to put in a page whatever the document's text."""
    text = json.dumps(json_ld(record), ensure_ascii=False, indent=2).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
