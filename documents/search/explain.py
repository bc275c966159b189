"""Why a hit matched, where a reader could not tell: a document found only because it names someone
known by the word searched ("matched Instantsiya, an alias of Joseph Stalin").

Read from the cards the index keeps (their people's aliases) and one question to the index per word
that names an alias on the page, never one per card."""

from dataclasses import dataclass

import tantivy

from .cards import PersonRef
from .criteria import DIRECT_FIELDS, term_query
from .query import WORD, fold
from .schema import EXACT, SCHEMA, words


@dataclass(frozen=True)
class AliasMatch:
    typed: str  # the words as the reader typed them
    alias: str  # the alias as written
    person: PersonRef

    @property
    def whole(self):
        """Whether the reader typed the whole alias (else only some of its words)."""
        return fold(self.typed) == fold(self.alias)


def alias_matches(search, cards, typed_query):
    """Set card.alias_matches on each card that a term of the query matched only through an alias of
    one of its people, not in its title, text, summary, names or other fields."""
    terms = [term for group in search.criteria.parsed.groups for term in group]
    candidates = {}  # term → [(card, alias, person)]
    for term in dict.fromkeys(terms):
        wanted = words(term, EXACT)
        for card in cards:
            for alias, person in card.aliases:
                if wanted and _contains(words(alias, EXACT), wanted):
                    candidates.setdefault(term, []).append((card, alias, person))
    typed = WORD.findall(typed_query)
    for term, found in candidates.items():
        literal = _literal(search, term, {card.pk for card, _, _ in found})
        for card, alias, person in found:
            match = AliasMatch(_as_typed(term, typed), alias, person)
            if card.pk not in literal and match not in card.alias_matches:
                card.alias_matches.append(match)


def _contains(tokens, wanted):
    """Whether wanted occurs in tokens, in order and together (a phrase)."""
    size = len(wanted)
    return any(tokens[start : start + size] == wanted for start in range(len(tokens) - size + 1))


def _literal(search, term, ids):
    """The ids among these whose documents match the term outside the aliases."""
    direct = term_query(term, DIRECT_FIELDS)
    among = tantivy.Query.term_set_query(SCHEMA, "id", sorted(ids))
    query = tantivy.Query.boolean_query([(tantivy.Occur.Must, direct), (tantivy.Occur.Must, among)])
    hits = search.searcher.search(query, limit=len(ids)).hits
    return set(search.ids_of(hits))


def _as_typed(term, typed):
    """The term (lower-cased by the parser) as the reader wrote it: "Instantsiya", not "instantsiya"."""
    size = len(term.split())
    for start in range(len(typed) - size + 1):
        if " ".join(typed[start : start + size]).lower() == term:
            return " ".join(typed[start : start + size])
    return term
