"""Reading a reader's query: web-search syntax ("quoted phrases", -exclusion, or),
the same on every database backend."""

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 500
TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Letters, digits and inner apostrophes or hyphens; everything else separates words.
WORD = re.compile(r"\w+(?:['’-]\w+)*")


def fold(text):
    """Lower-case and strip accents, so that "Zhōu Ēnlái" and "Zhou Enlai", "Müller" and
    "Muller" index and match alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _non_latin_marks():
    """{letter: the letter without its marks} for every letter outside the Latin script that is a base
    letter with combining marks ("ё" → "е", "й" → "и", "ά" → "α"), case kept."""
    table = {}
    for code in range(0x370, 0x10000):
        char = chr(code)
        base, *marks = unicodedata.normalize("NFD", char)
        latin = unicodedata.name(char, "").startswith("LATIN")
        if marks and all(unicodedata.combining(mark) for mark in marks) and not latin:
            table[code] = base
    return table


# SQLite's unicode61 tokenizer folds marks from Latin letters only; this folds the rest as fold() does.
FOLD_NON_LATIN_MARKS = _non_latin_marks()


@dataclass
class ParsedQuery:
    """An AND of groups, each an OR of terms (a word or a phrase), minus excluded terms."""

    groups: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def __bool__(self):
        return bool(self.groups or self.excluded)

    @property
    def words(self):
        return [word for group in self.groups for term in group for word in term.split()]


def clean_term(text):
    # Lower case only: each backend folds accents its own way, the same on text and query.
    return " ".join(WORD.findall(text.lower()))


def parse_query(text):
    """Parse web-search syntax; anything unparseable is read as plain words."""
    parsed = ParsedQuery()
    join_next = False
    for match in TOKEN.finditer(text[:MAX_QUERY_LENGTH]):
        negative, phrase, word = match.groups()
        if word is not None and word.lower() == "or" and parsed.groups:
            join_next = True
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negative, word = "-", word[1:]
        term = clean_term(phrase if phrase is not None else word)
        if not term:
            continue
        if negative:
            parsed.excluded.append(term)
        elif join_next:
            parsed.groups[-1].append(term)
        else:
            parsed.groups.append([term])
        join_next = False
    return parsed
