"""Datasette's side: its own copy of the benchmark file with an FTS5 table, and its metadata.

The copy is the peer's own setup: our app never reads it, and it carries its own full-text table
(external content over documents_document's title, summary and text, with the tokenizer our
SQLite search used: Porter stemming over unicode61, diacritics folded), so it does not depend on
whatever search index the app keeps. It is made once and remade only when the source's documents
change (a stamp of their count, newest change and corpus marker is stored in the copy).
"""

import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path

FTS_TABLE = "documents_fts"
FTS_COLUMNS = ("title", "summary", "text")
TOKENIZER = "porter unicode61 remove_diacritics 2"
TABLE = "documents_document"
STAMP_TABLE = "side_by_side_source"

# What a document list shows (our list rows and the API's short shape): Datasette would otherwise
# send every column, the full texts included, for each of the 20 rows.
LIST_COLUMNS = ("record_id", "title", "slug", "date", "date_precision", "date_circa", "doc_type_id", "summary")
TABLE_FACETS = ("doc_type_id", "classification_id")  # plain columns: Datasette's own ?_facet=
FACET_SIZE = 10  # our facets show their top 10 values (documents/search/facets.py TOP)
SQL_THREADS = 3  # Datasette's default pool of threads that run SQL; ours gets as many request threads


def _linked(table, column, parameter):
    return f"id IN (SELECT document_id FROM {table} WHERE {column} = :{parameter})"


# The rows each kind of list selects, for the canned facet queries (Datasette's table page says the
# same with its filters, ?_search= and ?_where=).
PUBLISHED = "status = 'published'"
WHERES = {
    "all": PUBLISHED,
    "search": f"{PUBLISHED} AND id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH escape_fts(:q))",
    "filters": f"{PUBLISHED} AND doc_type_id = :type"
    f" AND {_linked('documents_document_languages', 'language_id', 'language')}"
    f" AND {_linked('documents_document_donors', 'donor_id', 'donor')}"
    " AND date_end >= :date_from AND date <= :date_to",
    "type": f"{PUBLISHED} AND doc_type_id = :type",
    "person": f"{PUBLISHED} AND {_linked('documents_documentperson', 'person_id', 'person')}",
}

# The many-to-many facets that a table page cannot count: (name, link table, its column, term table, label).
LINKED_FACETS = (
    ("language", "documents_document_languages", "language_id", "documents_language", "code"),
    ("donor", "documents_document_donors", "donor_id", "documents_donor", "slug"),
    ("collection", "documents_document_collections", "collection_id", "documents_collection", "slug"),
    ("person", "documents_documentperson", "person_id", "documents_person", "slug"),
)


def facet_sql(where):
    """One canned query counting the linked facets of the rows `where` selects, top FACET_SIZE + 1
    each (the extra row tells that there are more, as ours asks for)."""
    parts = []
    for name, link, column, terms, label in LINKED_FACETS:
        parts.append(
            f"SELECT * FROM (SELECT '{name}' AS facet, t.{label} AS value, count(DISTINCT x.document_id) AS n"
            f" FROM {link} x JOIN {terms} t ON t.id = x.{column}"
            f" WHERE x.document_id IN (SELECT id FROM matching)"
            f" GROUP BY x.{column} ORDER BY n DESC, value LIMIT {FACET_SIZE + 1})"
        )
    return f"WITH matching AS MATERIALIZED (SELECT id FROM {TABLE} WHERE {where})\n" + "\nUNION ALL\n".join(parts)


def metadata(database):
    """Datasette's metadata: the list's order and page size, the FTS table, labels for the facet
    columns, and a canned facet query per kind of list (facets_all, facets_search, ...)."""
    return {
        "databases": {
            database: {
                "tables": {
                    TABLE: {"fts_table": FTS_TABLE, "fts_pk": "id", "sort_desc": "date", "size": 20},
                    "documents_documenttype": {"label_column": "name"},
                    "documents_classification": {"label_column": "name"},
                },
                "queries": {f"facets_{kind}": {"sql": facet_sql(where)} for kind, where in WHERES.items()},
            }
        }
    }


def settings():
    """Datasette's --setting pairs. Its limits are raised so that it finishes every query as ours
    does (by default a query stops after 1 s and a facet after 0.2 s, leaving it out of the page);
    facet suggestions are off because our pages suggest none."""
    return {
        "sql_time_limit_ms": 120_000,
        "facet_time_limit_ms": 120_000,
        "suggest_facets": "off",
        "default_facet_size": FACET_SIZE,
        "default_page_size": 20,
        "num_sql_threads": SQL_THREADS,
    }


def source_stamp(path):
    """What identifies the documents in a benchmark file: their count, newest change and the first
    synthetic record's rights statement (which names the generate_corpus command)."""
    with _read_only(path) as db:
        count, newest = db.execute(f"SELECT count(*), max(modified_at) FROM {TABLE}").fetchone()
        (marker,) = db.execute(f"SELECT rights FROM {TABLE} ORDER BY record_id DESC LIMIT 1").fetchone() or ("",)
    return f"{count}|{newest}|{marker}"


def copy_stamp(path):
    if not path.exists():
        return None
    try:
        with _read_only(path) as db:
            return db.execute(f"SELECT stamp FROM {STAMP_TABLE}").fetchone()[0]
    except sqlite3.Error:
        return None


def prepare_copy(source, target, log=print):
    """Datasette's copy of source at target, made (or remade) if it does not hold source's documents."""
    source, target = Path(source), Path(target)
    stamp = source_stamp(source)
    if copy_stamp(target) == stamp:
        log(f"Datasette's copy {target} is up to date")
        return target
    started = time.perf_counter()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with _read_only(source) as src, closing(sqlite3.connect(partial)) as dst:
        src.backup(dst)  # a consistent snapshot, WAL included
    log(f"copied {source} to {partial} in {time.perf_counter() - started:.0f} s; building its FTS5 table")
    db = sqlite3.connect(partial, isolation_level=None)
    try:
        # Datasette serves the copy immutable (-i): a rollback journal, nothing left in a WAL.
        db.execute("PRAGMA journal_mode=DELETE")
        build_fts(db)
        db.execute(f"CREATE TABLE {STAMP_TABLE} (stamp TEXT NOT NULL)")
        db.execute(f"INSERT INTO {STAMP_TABLE} VALUES (?)", (stamp,))
    finally:
        db.close()
    partial.replace(target)
    log(f"Datasette's copy {target} ready in {time.perf_counter() - started:.0f} s")
    return target


def build_fts(db):
    columns = ", ".join(FTS_COLUMNS)
    db.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    db.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({columns}, content='{TABLE}', content_rowid='id',"
        f" tokenize='{TOKENIZER}')"
    )
    db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")


def write_metadata(path, database):
    Path(path).write_text(json.dumps(metadata(database), indent=2), encoding="utf-8")


def _read_only(path):
    """A read-only connection, closed at the end of the with block."""
    return closing(sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True))
