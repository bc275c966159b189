"""What a request chooses (words, filters, dates, readers' visibility) as Criteria, and the Tantivy query
that selects it. The FilterSet makes Criteria, or a person's page; searching.py asks the index with them."""

import dataclasses
import datetime
from dataclasses import dataclass, field

import tantivy

from .query import ParsedQuery
from .schema import EXACT, SCHEMA, STEMMED, STEMMED_WEIGHT, STEMS, TEXT_FIELDS, words


@dataclass(frozen=True)
class Criteria:
    """What a request selects: words, values (OR within a field, AND across), a date range."""

    parsed: ParsedQuery = field(default_factory=ParsedQuery)
    values: tuple = ()  # ((index field, (database ids...)), ...)
    start: datetime.date | None = None
    end: datetime.date | None = None
    published_only: bool = True

    def without(self, *names):
        """The same criteria with these cleared: field names, "q" and "date"."""
        return dataclasses.replace(
            self,
            parsed=ParsedQuery() if "q" in names else self.parsed,
            values=tuple((name, ids) for name, ids in self.values if name not in names),
            start=None if "date" in names else self.start,
            end=None if "date" in names else self.end,
        )

    def choosing(self, name, value):
        """The same criteria with this one value chosen for the field, instead of its own selection."""
        return dataclasses.replace(self, values=(*self.without(name).values, (name, (value,))))

    @property
    def ranked(self):
        return bool(self.parsed.groups)


def term(name, value):
    return tantivy.Query.term_query(SCHEMA, name, value)


def _words_query(name, tokens):
    if len(tokens) == 1:
        return tantivy.Query.term_query(SCHEMA, name, tokens[0])
    return tantivy.Query.phrase_query(SCHEMA, name, tokens)


# Added to a document's score for each word it says itself (anywhere but a person's aliases): more
# than any alias match can score, so that a document saying "Instantsiya" ranks above every document
# found only because it names someone known by that codename, however long or short their texts.
DIRECT_BONUS = 1000.0
DIRECT_FIELDS = tuple(name for name in TEXT_FIELDS if name != "aliases")


def term_query(term, fields=TEXT_FIELDS):
    """One word or phrase in any of these text fields, weighted by field; the stemmed forms weigh less.
    In every field, a match anywhere but in the aliases earns DIRECT_BONUS."""
    alternatives = []
    exact = words(term, EXACT)
    stems = words(term, STEMS)
    if not exact:
        return None
    for name in fields:
        weight = TEXT_FIELDS[name]
        alternatives.append((tantivy.Occur.Should, tantivy.Query.boost_query(_words_query(name, exact), weight)))
        if name in STEMMED and stems:
            stemmed = _words_query(f"{name}_{STEMS}", stems)
            alternatives.append((tantivy.Occur.Should, tantivy.Query.boost_query(stemmed, weight * STEMMED_WEIGHT)))
    if fields is TEXT_FIELDS:
        direct = term_query(term, DIRECT_FIELDS)
        alternatives.append((tantivy.Occur.Should, tantivy.Query.const_score_query(direct, DIRECT_BONUS)))
    return tantivy.Query.boolean_query(alternatives)


def text_query(parsed):
    """An AND of groups, each an OR of terms, minus the excluded terms; None for no words at all."""
    clauses = []
    for group in parsed.groups:
        terms = [query for query in map(term_query, group) if query is not None]
        if terms:
            clauses.append(
                (tantivy.Occur.Must, tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in terms]))
            )
    if not clauses:
        return None
    for term in parsed.excluded:
        excluded = term_query(term)
        if excluded is not None:
            clauses.append((tantivy.Occur.MustNot, excluded))
    return tantivy.Query.boolean_query(clauses)


def _filters(criteria):
    """The criteria's filters, as clauses that select without scoring."""
    clauses = []
    if criteria.published_only:
        clauses.append(term("published", 1))
    for name, ids in criteria.values:
        clauses.append(tantivy.Query.term_set_query(SCHEMA, name, list(ids)))
    if criteria.start is not None or criteria.end is not None:
        clauses.append(_date_overlap(criteria.start, criteria.end))
    return clauses


def _date_overlap(start, end):
    """Documents whose span of days overlaps the range: a document dated "1949" is found by a search
    for February 1949. A document's date and the last day it can mean fall in the same year, so the
    years wholly inside the range are a few terms of the year field (an index read); only a partly
    covered first or last year is checked day by day (a read of every document's date, and slow)."""
    years = []
    whole_from = None if start is None else start.year + (start.timetuple().tm_yday != 1)
    whole_to = None if end is None else end.year - ((end.month, end.day) != (12, 31))
    if whole_from is None or whole_to is None:
        bounds = {"lower_bound": whole_from} if whole_to is None else {"upper_bound": whole_to}
        years.append(
            tantivy.Query.range_query(SCHEMA, "year", tantivy.FieldType.Integer, use_inverted_index=True, **bounds)
        )
    elif whole_from <= whole_to:
        years.append(tantivy.Query.term_set_query(SCHEMA, "year", list(range(whole_from, whole_to + 1))))
    partly = {day.year for day, whole in ((start, whole_from), (end, whole_to)) if day and day.year != whole}
    years += [_partial_year(year, start, end) for year in sorted(partly)]
    if not years:
        return tantivy.Query.empty_query()
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, clause) for clause in years])


def _partial_year(year, start, end):
    """The documents of one year, partly covered by the range, that overlap it."""
    clauses = [term("year", year)]
    if start is not None and start.year == year:
        bound = {"lower_bound": start.toordinal()}
        clauses.append(tantivy.Query.range_query(SCHEMA, "date_end", tantivy.FieldType.Integer, **bound))
    if end is not None and end.year == year:
        bound = {"upper_bound": end.toordinal()}
        clauses.append(tantivy.Query.range_query(SCHEMA, "date", tantivy.FieldType.Integer, **bound))
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, clause) for clause in clauses])


def build_query(criteria):
    filters = [(tantivy.Occur.Must, tantivy.Query.const_score_query(clause, 0.0)) for clause in _filters(criteria)]
    words_query = text_query(criteria.parsed) if criteria.parsed else None
    if words_query is None and criteria.parsed.groups:
        return tantivy.Query.empty_query()  # words that are no words (only punctuation) find nothing
    if words_query is not None:
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, words_query), *filters])
    if criteria.parsed.excluded:
        excluded = [q for q in map(term_query, criteria.parsed.excluded) if q is not None]
        filters += [(tantivy.Occur.MustNot, q) for q in excluded]
    if not filters:
        return tantivy.Query.all_query()
    if all(occur == tantivy.Occur.MustNot for occur, _ in filters):
        filters.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    return tantivy.Query.boolean_query(filters)
