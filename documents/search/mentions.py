"""Where a document's text names its people: each name or alias of a person linked to the document
becomes a link to the person's page, found as search finds names (query.fold: any case, no accents).

A function of (cleaned HTML, the people with their roles and names, the names switched off), so that
any state of a document, current or past, is linked alike. One compiled pattern per document, run
once over each piece of text: the cost grows with the text, not with the number of people."""

import html
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from django.utils.html import escape, format_html

from ..models import Person
from .query import fold

# Scripts written without spaces between words (Chinese, Japanese): a name in them has no word
# boundary to wait for ("斯大林同志" names 斯大林).
UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
# A tag of the cleaner's output (nh3 quotes every attribute value, which may hold a ">").
TAG = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")
TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
END = None  # in a node of the names' letter tree (_tree): where a name ends, and what may follow it


def name_key(name):
    """A name as the text is matched: folded as search folds it, spaces collapsed."""
    return " ".join(fold(name).split())


@dataclass
class Mentioned:
    """A person of the document as the text's links and cards show them."""

    slug: str
    name: str
    url: str
    life_dates: str = ""
    roles: list = field(default_factory=list)  # their roles in this document, as shown ("author")
    names: list = field(default_factory=list)  # the forms that link to them: name, aliases, surname

    @property
    def card_id(self):
        return f"person-card-{self.slug}"


class Mentions:
    """The people a document's text may name, and the one pattern that finds them."""

    def __init__(self, people, switched_off=()):
        off = {name_key(name) for name in switched_off} - {""}
        owners = {}
        for person in people:
            for key in {name_key(name) for name in person.names} - off - {""}:
                owners.setdefault(key, []).append(person)
        # A name two of the document's people share ("Kovalev" for two Kovalevs) is linked to neither.
        self.by_key = {key: found[0] for key, found in owners.items() if len(found) == 1}
        self.found = {}  # slug → Mentioned: the people linked so far, in the order first linked
        self.pattern = _pattern(self.by_key)

    def __bool__(self):
        return self.pattern is not None

    def link(self, cleaned):
        """Cleaned HTML (sanitize.clean_html) with the people's names linked: in text only, never
        inside a tag, an attribute or a link already there."""
        if not self.pattern or not cleaned:
            return cleaned
        out, in_link = [], 0
        for piece in TAG.split(str(cleaned)):
            if piece.startswith("<") and TAG.fullmatch(piece):
                tag = TAG_NAME.match(piece)
                if tag and tag.group(2).lower() == "a":
                    in_link = max(0, in_link + (-1 if tag.group(1) else 1))
                out.append(piece)
            else:
                out.append(piece if in_link else self._link_text(piece))
        return "".join(out)

    def _link_text(self, escaped):
        text = html.unescape(escaped)
        matches = list(_find(self.pattern, text))
        if not matches:
            return escaped
        out, last = [], 0
        for start, end, key in matches:
            person = self.by_key[key]
            self.found.setdefault(person.slug, person)
            out.append(escape(text[last:start]))
            out.append(
                format_html(
                    '<a class="person-mention" href="{}" data-person-card="{}" aria-describedby="{}-about">{}</a>',
                    person.url,
                    person.card_id,
                    person.card_id,
                    text[start:end],
                )
            )
            last = end
        out.append(escape(text[last:]))
        return "".join(out)


def for_document(document):
    """The Mentions of a document: its people (``person_links`` with each person and their aliases,
    as ``Document.objects.for_page()`` prefetches them) less the names its curators switched off."""
    people = {}
    for link in document.person_links.all():
        person = link.person
        if person.pk not in people:
            names = [person.name, *(alias.name for alias in person.aliases.all())]
            surname, comma, _ = person.sort_name.partition(",")
            if comma and person.kind == Person.Kind.PERSON:
                names.append(surname)  # "Stalin, Joseph": the text says "STALIN"
            people[person.pk] = Mentioned(
                person.slug, person.name, person.get_absolute_url(), person.life_dates, [], names
            )
        role = link.get_role_display().lower()
        if role not in people[person.pk].roles:
            people[person.pk].roles.append(role)
    return Mentions(people.values(), document.names_not_linked.splitlines())


@lru_cache(maxsize=8192)
def _fold_letter(char):
    return fold(char)


def _pattern(keys):
    """One pattern for all the folded names, as a tree of their letters: at each place in the text the
    engine follows one branch instead of trying every name (the cost grows with the text, not with
    the names), and the longest name wins ("Joseph Stalin" over "Joseph"). Whole words only, except
    in a script written without spaces."""
    spaced = [key for key in keys if not UNSPACED.match(key[0])]
    unspaced = [key for key in keys if UNSPACED.match(key[0])]
    parts = ([rf"(?<!\w){_tree(spaced)}"] if spaced else []) + ([_tree(unspaced)] if unspaced else [])
    return re.compile("|".join(parts)) if parts else None


def _tree(keys):
    root = {}
    for key in sorted(keys):
        node = root
        for char in key:
            node = node.setdefault(char, {})
        node[END] = "" if UNSPACED.match(key[-1]) else r"(?!\w)"
    return _branches(root)


def _branches(node):
    # A name's words are matched with any spacing between them (a name broken across lines).
    branches = [
        (r"\s+" if char == " " else re.escape(char)) + _branches(child)
        for char, child in node.items()
        if char is not END
    ]
    if END in node:
        branches.append(node[END])  # last: a longer name through this node is tried first
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


def _find(pattern, text):
    """(start, end, name key) of each name in text, as offsets into text (folding may change the
    length of a letter: "ß" folds to "ss", "ﬁ" to "fi")."""
    if text.isascii():
        folded, starts = text.lower(), None
    else:
        # Each distinct letter folded once; the text folded and measured at C speed.
        table = {ord(char): _fold_letter(char) for char in set(text)}
        folded = text.translate(table)
        starts = None
        if any(len(letter) != 1 for letter in table.values()):
            starts = list(accumulate((len(table[ord(char)]) for char in text), initial=0))
    for match in pattern.finditer(folded):
        start, end = match.span()
        if starts is not None:
            start, end = bisect_right(starts, start) - 1, bisect_left(starts, end)
        yield start, end, " ".join(match.group().split())
