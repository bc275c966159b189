"""One search interface, a backend per database: SQLite FTS5 and PostgreSQL full-text search.

Both index the same weighted columns (content.py), read the same query syntax (query.py),
fold accents, rank, and return highlighted snippets; what differs is only SQL."""

import difflib

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .content import COLUMNS, documents_for_index, index_content
from .query import FOLD_NON_LATIN_MARKS, WORD, ParsedQuery, fold

# Snippet markers from Unicode's private use area; content.py strips them from indexed text, so
# the snippet can be escaped as a whole and the markers turned into <mark> afterwards.
START, STOP = "\ue000", "\ue001"
MAX_SUGGESTED_WORDS = 8


def highlight(snippet):
    """Escape a snippet and turn its markers into <mark> elements."""
    return mark_safe(escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>"))


class Backend:
    """What both backends share: reindexing, the lexicon for suggestions, filtering and ranking."""

    table = key = ""

    def reindex(self, ids):
        """Bring the index up to date for these document ids (deleted ones are dropped)."""
        ids = list(ids)
        if not ids:
            return
        documents = list(documents_for_index(ids))
        rows = [(document.pk, index_content(document)) for document in documents]
        with transaction.atomic():
            self.delete(sorted(set(ids) - {pk for pk, _ in rows}))
            self.upsert(rows)
        # Only published documents lend words to "did you mean": a draft's words never reach a reader.
        self.add_words(
            [content for document, (_, content) in zip(documents, rows, strict=True) if document.is_published]
        )

    def add_words(self, contents):
        from ..models import SearchWord

        words = set()
        for content in contents:
            for column in ("title", "people", "meta"):
                words.update(
                    word for word in WORD.findall(fold(content[column])) if word.isalpha() and 2 < len(word) <= 60
                )
        SearchWord.objects.bulk_create([SearchWord(word=word) for word in words], ignore_conflicts=True)

    def delete(self, ids):
        if ids:
            with connection.cursor() as cursor:
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    placeholders = ",".join("%s" for _ in chunk)
                    cursor.execute(f"DELETE FROM {self.table} WHERE {self.key} IN ({placeholders})", chunk)

    def indexed_ids(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {self.key} FROM {self.table}")
            return {row[0] for row in cursor.fetchall()}

    def _ids_matching(self, parsed):
        sql, params = self.match_sql(parsed)
        return RawSQL(f"SELECT {self.key} FROM {self.table} WHERE {self.match_where.format(match=sql)}", params)

    def apply(self, queryset, parsed, ranked=False):
        """Documents matching the parsed query.

        Unranked, the match is a subquery, so the result can itself be used as a subquery (facet
        counts). Ranked, the index is joined once and search_rank (higher is better) annotated,
        for ordering the results list; that queryset is never used as a subquery."""
        if parsed.groups and ranked:
            sql, params = self.match_sql(parsed)
            queryset = queryset.extra(
                select={"search_rank": self.rank_select.format(match=sql)},
                select_params=params,
                tables=[self.table],
                where=[self.join_where, self.match_where.format(match=sql)],
                params=params,
            )
        elif parsed.groups:
            queryset = queryset.filter(pk__in=self._ids_matching(parsed))
        if parsed.excluded:
            queryset = queryset.exclude(pk__in=self._ids_matching(ParsedQuery(groups=[parsed.excluded])))
        return queryset

    def only_common_words(self, parsed):
        """Whether every term of the query is a word the index leaves out as too common."""
        return False

    def corrections(self, parsed):
        """{word: closest known word} for the query's unknown words (the first few only)."""
        from ..models import SearchWord

        words = [fold(word) for word in parsed.words if word.isalpha() and len(word) > 2][:MAX_SUGGESTED_WORDS]
        known = set(SearchWord.objects.filter(word__in=words).values_list("word", flat=True))
        found = {word: self.closest_word(word) for word in words if word not in known}
        return {word: better for word, better in found.items() if better and better != word}

    def closest_word(self, word):
        from ..models import SearchWord

        candidates = (
            SearchWord.objects.annotate(length=Length("word"))
            .filter(word__startswith=word[0], length__gte=len(word) - 2, length__lte=len(word) + 2)
            .values_list("word", flat=True)[:20000]
        )
        matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.75)
        return matches[0] if matches else None


class SQLiteBackend(Backend):
    """FTS5 with the unicode61 tokenizer folding diacritics and Porter stemming; bm25 ranks.

    The tokenizer lower-cases and folds Latin letters in the text and the query alike, so both keep
    their accents here (a snippet shows "Zhōu"). It leaves other scripts' marks ("Пётр", "Αθήνα"):
    those are folded in Python, in the indexed text and in every term, as fold() does on PostgreSQL."""

    table, key = "documents_search", "rowid"
    join_where = "documents_search.rowid = documents_document.id"
    # bm25 weights follow COLUMNS: title, summary, people, body, meta. bm25 is lower-better.
    rank_select = "-bm25(documents_search, 10.0, 5.0, 5.0, 2.0, 1.0)"
    match_where = "documents_search MATCH {match}"

    def create_schema(self):
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table} USING fts5("
                + ", ".join(COLUMNS)
                + ", tokenize = 'porter unicode61 remove_diacritics 2')"
            )

    def drop_schema(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    @staticmethod
    def quote(term):
        # Every term is quoted, so no input can be an FTS5 syntax error.
        return '"' + term.replace('"', '""') + '"'

    def fts_expression(self, parsed):
        return " AND ".join(
            "(" + " OR ".join(self.quote(term.translate(FOLD_NON_LATIN_MARKS)) for term in group) + ")"
            for group in parsed.groups
        )

    def match_sql(self, parsed):
        return "%s", [self.fts_expression(parsed)]

    def upsert(self, rows):
        # Within one transaction, after delete(): SQLite has one writer at a time, so no race.
        self.delete([pk for pk, _ in rows])
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (rowid, {', '.join(COLUMNS)}) VALUES (%s{', %s' * len(COLUMNS)})",
                [
                    (pk, *(content[column].translate(FOLD_NON_LATIN_MARKS) for column in COLUMNS))
                    for pk, content in rows
                ],
            )

    def snippets(self, ids, parsed):
        """A passage of the text around the matches, or of the summary when only it matches."""
        if not ids or not parsed.groups:
            return {}
        placeholders = ",".join("%s" for _ in ids)
        body, summary = COLUMNS.index("body"), COLUMNS.index("summary")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, snippet({self.table}, {body}, %s, %s, '…', 32), "
                f"snippet({self.table}, {summary}, %s, %s, '…', 32) FROM {self.table} "
                f"WHERE {self.table} MATCH %s AND rowid IN ({placeholders})",
                [START, STOP, START, STOP, self.fts_expression(parsed), *ids],
            )
            rows = cursor.fetchall()
        found = {}
        for pk, *passages in rows:
            passage = next((text for text in passages if START in text), None)
            if passage:
                found[pk] = highlight(passage)
        return found


class PostgresBackend(Backend):
    """A weighted tsvector per document in its own table with a GIN index; ts_rank_cd ranks,
    ts_headline highlights, pg_trgm similarity suggests corrections. Text and terms are folded in
    Python, so accents match whatever the database's extensions."""

    table, key = "documents_searchindex", "document_id"
    join_where = "documents_searchindex.document_id = documents_document.id"
    rank_select = "ts_rank_cd(documents_searchindex.vector, {match})"
    match_where = "documents_searchindex.vector @@ {match}"
    config = "english"

    def create_schema(self):
        # No foreign key: it would stop `flush` and TRUNCATE; deletions reach the index through
        # signals, and rebuild_index sweeps what is left.
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (document_id bigint PRIMARY KEY, vector tsvector NOT NULL)"
            )
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {self.table}_vector ON {self.table} USING gin (vector)")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS documents_searchword_trgm "
                "ON documents_searchword USING gin (word gin_trgm_ops)"
            )

    def drop_schema(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute("DROP INDEX IF EXISTS documents_searchword_trgm")

    def match_sql(self, parsed):
        groups, params = [], []
        for group in parsed.groups:
            groups.append("(" + " || ".join(f"phraseto_tsquery('{self.config}', %s)" for _ in group) + ")")
            params += [fold(term) for term in group]
        return "(" + " && ".join(groups) + ")", params

    def only_common_words(self, parsed):
        # The english configuration drops stop words ("the", "of"): a query of only those
        # becomes empty and matches nothing, where FTS5 (which keeps them) matches nearly all.
        terms = [fold(term) for group in parsed.groups for term in group]
        if not terms:
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT bool_and(numnode(phraseto_tsquery('{self.config}', term)) = 0) FROM unnest(%s::text[]) term",
                [terms],
            )
            return bool(cursor.fetchone()[0])

    def upsert(self, rows):
        weights = {"title": "A", "summary": "B", "people": "B", "body": "C", "meta": "D"}
        vector = " || ".join(f"setweight(to_tsvector('{self.config}', %s), '{weight}')" for weight in weights.values())
        # ON CONFLICT: two editors saving at once must not collide on the same document.
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (document_id, vector) VALUES (%s, {vector}) "
                "ON CONFLICT (document_id) DO UPDATE SET vector = EXCLUDED.vector",
                [(pk, *(fold(content[column]) for column in weights)) for pk, content in rows],
            )

    def snippets(self, ids, parsed):
        if not ids or not parsed.groups:
            return {}
        match, params = self.match_sql(parsed)
        options = f"StartSel={START}, StopSel={STOP}, MaxFragments=2, MaxWords=35, MinWords=12"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, ts_headline('{self.config}', translate(summary || E'\\n' || text, %s, ''), "
                f"{match}, %s) FROM documents_document WHERE id = ANY(%s)",
                [START + STOP, *params, options, list(ids)],
            )
            return {pk: highlight(text) for pk, text in cursor.fetchall() if START in text}

    def closest_word(self, word):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word FROM documents_searchword WHERE word %% %s "
                "ORDER BY similarity(word, %s) DESC, word LIMIT 1",
                [word, word],
            )
            row = cursor.fetchone()
            return row[0] if row else None


def get_backend():
    return PostgresBackend() if connection.vendor == "postgresql" else SQLiteBackend()
