"""What every citation of a document is made from: ``citation_record()``, which reads the Dublin Core
crosswalk and adds only what it does not carry (record id, original archives, credits, authors' name
parts), so that no two formats can disagree. The style's details are settings (``CITATION``);
docs/citations.md says what each format holds."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as format_date

from ..crosswalk import dublin_core

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
    version: int | None = None  # the public version cited (history/public.py), if any
    version_date: object = None  # datetime.date it was published

    @property
    def version_text(self):
        """ "Version 2, March 3, 2026": the version as every format names it; "" for none."""
        if self.version is None:
            return ""
        return f"Version {self.version}, " + format_date(self.version_date, settings.CITATION["ACCESSED_FORMAT"])

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


def citation_key(record_id):
    """A document's key in every citation format ("archive121773"), and the name of its downloads."""
    return f"{settings.CITATION['KEY_PREFIX']}{record_id}"


def citation_record(document, base_url, related=None, accessed=None, version=None):
    """The citation data of a ``Document.objects.for_detail()`` row. ``base_url`` and ``related`` are as
    for ``dublin_core()``; ``accessed`` is the access date, today by default. ``version``
    (history.public.VersionInfo) cites that public version, at its own URL."""
    dc = dublin_core(document, base_url, related=related)
    people = {person.name.strip(): person for person in document.authors}
    types = dc.get("type", [])
    mentioned = {person.name.strip() for person in document.people_mentioned}
    collections = [(c.name.strip(), _absolute(base_url, c.get_absolute_url())) for c in document.collections.all()]
    collection_names = {name for name, url in collections}
    return CitationRecord(
        key=citation_key(document.record_id),
        record_id=document.record_id,
        title=_first(dc, "title"),
        creators=tuple(_name(literal, people) for literal in dc.get("creator", [])),
        date=_first(dc, "date"),
        display_date=document.display_date,
        circa=document.date_circa,
        publisher=_first(dc, "publisher"),
        url=_absolute(base_url, version.path) if version else _first(dc, "identifier"),
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
        version=version.number if version else None,
        version_date=timezone.localdate(version.published_at) if version else None,
    )


def sentence(wording, names):
    """ "Translated by A, B, and C." (a serial comma, as Chicago has it); a name may end in an initial's
    full stop ("Smith, J."): no second one then."""
    listed = " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + ", and " + names[-1]
    return f"{wording} {listed}" + ("" if listed.endswith(".") else ".")


def credit_sentences(record):
    """ "Contributed by … Translated by …": the credits as the citation words them."""
    return " ".join(sentence(wording, names) for wording, names in record.credits)
