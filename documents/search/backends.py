"""One search interface, a backend per database: SQLite FTS5 and PostgreSQL full-text search.

Both index the same weighted columns (content.py), read the same query syntax (query.py),
fold accents, rank, and return highlighted snippets; what differs is only SQL."""

import difflib

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .content import COLUMNS, documents_for_index, index_content
from .query import ParsedQuery, fold

# Snippet markers from Unicode's private use area: no text contains them, so the snippet can be
# escaped as a whole and the markers turned into <mark> afterwards.
START, STOP = "\ue000", "\ue001"


def highlight(snippet):
    """Escape a snippet and turn its markers into <mark> elements."""
    return mark_safe(escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>"))


class Backend:
    """What both backends share: keeping the lexicon of suggestion words and reindexing in batches."""

    vendor = None
    rank_select = ""
    match_where = ""

    def reindex(self, ids):
        """Bring the index up to date for these document ids (deleted ones are dropped)."""
        ids = list(ids)
        if not ids:
            return
        documents = list(documents_for_index(ids))
        rows = [(document.pk, index_content(document)) for document in documents]
        with transaction.atomic():
            self.delete(ids)
            self.insert(rows)
            self.add_words(rows)

    def add_words(self, rows):
        from ..models import SearchWord

        words = set()
        for _, content in rows:
            for column in ("title", "people", "meta"):
                words.update(word for word in fold(content[column]).split() if word.isalpha() and 2 < len(word) <= 60)
        SearchWord.objects.bulk_create([SearchWord(word=word) for word in words], ignore_conflicts=True)

    def apply(self, queryset, parsed):
        """Documents matching the parsed query. A subquery, so that the result can itself be
        used as a subquery (facet counts)."""
        if parsed.groups:
            sql, params = self.match_sql(parsed)
            queryset = queryset.filter(pk__in=RawSQL(self.ids_sql.format(match=sql), params))
        for term in parsed.excluded:
            sql, params = self.match_sql(ParsedQuery(groups=[[term]]))
            queryset = queryset.exclude(pk__in=RawSQL(self.ids_sql.format(match=sql), params))
        return queryset

    def rank(self, queryset, parsed):
        """The queryset joined to the index and annotated with search_rank (higher is better),
        for ordering the results list; never used as a subquery."""
        sql, params = self.match_sql(parsed)
        return queryset.extra(
            select={"search_rank": self.rank_select.format(match=sql)},
            select_params=params,
            tables=[self.table],
            where=[self.join_where, self.match_where.format(match=sql)],
            params=params,
        )

    def suggest(self, parsed):
        """A query with each unknown word replaced by the closest known one, or None."""
        from ..models import SearchWord

        changed, words = False, []
        for word in parsed.words:
            if SearchWord.objects.filter(word=word).exists() or not word.isalpha():
                words.append(word)
                continue
            better = self.closest_word(word)
            changed |= bool(better)
            words.append(better or word)
        return " ".join(words) if changed else None

    def closest_word(self, word):
        from ..models import SearchWord

        candidates = SearchWord.objects.filter(word__startswith=word[0]).values_list("word", flat=True)[:20000]
        matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.75)
        return matches[0] if matches else None


class SQLiteBackend(Backend):
    """FTS5 with the unicode61 tokenizer folding diacritics and Porter stemming; bm25 ranks."""

    vendor = "sqlite"
    table = "documents_search"
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
        return " AND ".join("(" + " OR ".join(self.quote(term) for term in group) + ")" for group in parsed.groups)

    def match_sql(self, parsed):
        return "%s", [self.fts_expression(parsed)]

    ids_sql = "SELECT rowid FROM documents_search WHERE documents_search MATCH {match}"

    def delete(self, ids):
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cursor.execute(f"DELETE FROM {self.table} WHERE rowid IN ({','.join('%s' for _ in chunk)})", chunk)

    def insert(self, rows):
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (rowid, {', '.join(COLUMNS)}) VALUES (%s{', %s' * len(COLUMNS)})",
                [(pk, *(content[column] for column in COLUMNS)) for pk, content in rows],
            )

    def indexed_ids(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid FROM {self.table}")
            return {row[0] for row in cursor.fetchall()}

    def snippets(self, ids, parsed):
        if not ids or not parsed.groups:
            return {}
        placeholders = ",".join("%s" for _ in ids)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, snippet({self.table}, -1, %s, %s, '…', 32) FROM {self.table} "
                f"WHERE {self.table} MATCH %s AND rowid IN ({placeholders})",
                [START, STOP, self.fts_expression(parsed), *ids],
            )
            return {pk: highlight(text) for pk, text in cursor.fetchall()}


class PostgresBackend(Backend):
    """A weighted tsvector per document in its own table with a GIN index; ts_rank_cd ranks,
    ts_headline highlights, pg_trgm similarity suggests corrections."""

    vendor = "postgresql"
    table = "documents_searchindex"
    join_where = "documents_searchindex.document_id = documents_document.id"
    rank_select = "ts_rank_cd(documents_searchindex.vector, {match})"
    match_where = "documents_searchindex.vector @@ {match}"
    config = "english"

    def create_schema(self):
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                "document_id bigint PRIMARY KEY REFERENCES documents_document(id) "
                "ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, vector tsvector NOT NULL)"
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

    def tsquery(self, term):
        return f"phraseto_tsquery('{self.config}', %s)", [term]

    def match_sql(self, parsed):
        groups, params = [], []
        for group in parsed.groups:
            parts = [self.tsquery(term) for term in group]
            groups.append("(" + " || ".join(sql for sql, _ in parts) + ")")
            params += [param for _, part_params in parts for param in part_params]
        return "(" + " && ".join(groups) + ")", params

    ids_sql = "SELECT document_id FROM documents_searchindex WHERE vector @@ {match}"

    def delete(self, ids):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE document_id = ANY(%s)", [ids])

    def insert(self, rows):
        weights = {"title": "A", "summary": "B", "people": "B", "body": "C", "meta": "D"}
        vector = " || ".join(f"setweight(to_tsvector('{self.config}', %s), '{weight}')" for weight in weights.values())
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (document_id, vector) VALUES (%s, {vector})",
                [(pk, *(fold(content[column]) for column in weights)) for pk, content in rows],
            )

    def indexed_ids(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT document_id FROM {self.table}")
            return {row[0] for row in cursor.fetchall()}

    def snippets(self, ids, parsed):
        if not ids or not parsed.groups:
            return {}
        match, params = self.match_sql(parsed)
        options = f"StartSel={START}, StopSel={STOP}, MaxFragments=2, MaxWords=35, MinWords=12"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, ts_headline('{self.config}', summary || E'\\n' || text, {match}, %s) "
                "FROM documents_document WHERE id = ANY(%s)",
                [*params, options, list(ids)],
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
