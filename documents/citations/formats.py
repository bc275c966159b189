"""How a document is cited: the Chicago citation the page shows, and its BibTeX, RIS and CSL-JSON
downloads, each made from the citation record (record.py)."""

import json
import re

from django.conf import settings
from django.utils.dateformat import format as format_date
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .record import CSL_TYPE, RIS_TYPE, credit_sentences, sentence

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
    sentences = [sentence(wording, names) for wording, names in record.credits]
    if record.version_text:
        sentences.insert(0, record.version_text + ".")
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


def _notes(record):
    """The version cited and the credits, as sentences."""
    return " ".join(filter(None, [record.version_text and record.version_text + ".", credit_sentences(record)]))


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
        ("version", str(record.version or "")),
        ("publisher", bibtex_escape(record.publisher)),
        ("howpublished", bibtex_escape(record.publisher)),
        ("note", bibtex_escape(_notes(record))),
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
        ("ET", record.version_text),
        ("AB", record.description),
        *(("KW", subject) for subject in record.subjects),
        ("LA", ", ".join(record.languages)),
        ("PB", record.publisher),
        ("DP", record.publisher),
        ("DB", "; ".join(record.archives)),
        ("N1", _notes(record)),
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
        "version": record.version_text,
        "abstract": record.description,
        "publisher": record.publisher,
        "source": record.publisher,
        "archive": "; ".join(record.archives),
        "note": _notes(record),
        "language": ", ".join(record.languages),
        "keyword": ", ".join(record.subjects),
        "URL": record.url,
        "accessed": {"date-parts": [[record.accessed.year, record.accessed.month, record.accessed.day]]},
    }
    if record.date:
        item["issued"] = {"date-parts": [record.date_parts], **({"circa": True} if record.circa else {})}
    return {key: value for key, value in item.items() if value}


def csl_json(record):
    return csl_json_file([record])


# Files of several citations (a reading list's download; one document's is a list of one).


def bibtex_file(records):
    return "\n".join(bibtex(record) for record in records)


def ris_file(records):
    return "".join(ris(record) for record in records)


def csl_json_file(records):
    return json.dumps([csl_item(record) for record in records], ensure_ascii=False, indent=2) + "\n"
