"""The values the queries cycle through, read straight from Datasette's copy of the benchmark file
(the same documents as ours; the tool imports nothing of the app).

Every query kind gets a pool of variants, so that a run asks each server for many different pages
and no cache (ours, or any in front of SQLite) turns a number into the time of a lookup.
"""

import random
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .peer import FTS_TABLE

COMMON_WORD = "delegation"  # tools/corpus/generator.py: in about half the documents
RARE_WORD = "samizdat"  # in exactly 3
WORD = re.compile(r"[a-z]{5,}")


@dataclass
class Values:
    documents: int
    records: list  # (id, record_id, slug) of published documents, shuffled
    types: list  # (id, slug, documents), most frequent first
    languages: list  # (id, code, documents)
    donors: list  # (id, slug, documents)
    people: list  # (id, slug, documents)
    common_words: list  # (word, documents)
    rare_words: list  # (word, documents)


def read_values(path, seed=1, samples=400):
    rng = random.Random(seed)
    with closing(sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)) as db:
        documents = db.execute("SELECT count(*) FROM documents_document WHERE status = 'published'").fetchone()[0]
        published_rows = db.execute(
            "SELECT id, record_id, slug FROM documents_document WHERE status = 'published'"
        ).fetchall()
        records = rng.sample(published_rows, min(samples, len(published_rows)))
        # Words come from texts of their own: the more texts, the more words found in one only.
        texts = [row[0] for row in rng.sample(published_rows, min(1000, len(published_rows)))]
        published = "d.status = 'published'"
        types = _top(db, f"SELECT t.id, t.slug, count(*) FROM documents_document d JOIN documents_documenttype t "
                         f"ON t.id = d.doc_type_id WHERE {published} GROUP BY t.id")  # fmt: skip
        languages = _top(db, _linked("documents_document_languages", "language_id", "documents_language", "code"))
        donors = _top(db, _linked("documents_document_donors", "donor_id", "documents_donor", "slug"))
        people = _top(
            db,
            "SELECT t.id, t.slug, count(DISTINCT x.document_id) FROM documents_documentperson x "
            "JOIN documents_person t ON t.id = x.person_id JOIN documents_document d ON d.id = x.document_id "
            f"WHERE {published} GROUP BY t.id",
            limit=200,
        )
        common, rare = pick_words(db, documents, texts, rng)
    return Values(documents, records, types, languages, donors, people, common, rare)


def _linked(link, column, terms, label):
    return (
        f"SELECT t.id, t.{label}, count(*) FROM {link} x JOIN {terms} t ON t.id = x.{column} "
        f"JOIN documents_document d ON d.id = x.document_id WHERE d.status = 'published' GROUP BY t.id"
    )


def _top(db, sql, limit=20):
    return db.execute(f"{sql} ORDER BY 3 DESC, 2 LIMIT {limit}").fetchall()


def pick_words(db, documents, sample_ids, rng, wanted=24):
    """Common words (in 35-65% of the documents, like COMMON_WORD in half) and rare ones (in 1 to 5, like
    RARE_WORD), drawn from a sample of texts and counted with the copy's FTS5 table (the same
    stemming as the search it stands for)."""
    marks = ",".join("?" * len(sample_ids))
    texts = db.execute(
        f"SELECT title || ' ' || summary || ' ' || text FROM documents_document WHERE id IN ({marks})", sample_ids
    ).fetchall()
    seen = {}
    for (text,) in texts:
        for word in set(WORD.findall(text.lower())):
            seen[word] = seen.get(word, 0) + 1
    candidates = sorted(seen, key=lambda word: (-seen[word], word))
    common = [(COMMON_WORD, _matches(db, COMMON_WORD))]
    for word in candidates[:400]:
        if len(common) >= wanted:
            break
        n = _matches(db, word)
        if word != COMMON_WORD and 0.35 * documents <= n <= 0.65 * documents:
            common.append((word, n))
    rare = [(RARE_WORD, _matches(db, RARE_WORD))]
    singles = [word for word in candidates if seen[word] == 1]
    rng.shuffle(singles)
    for word in singles:
        if len(rare) >= wanted:
            break
        n = _matches(db, word)
        if word != RARE_WORD and 1 <= n <= 5:
            rare.append((word, n))
    return common, rare


def _matches(db, word):
    return db.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", (f'"{word}"',)).fetchone()[0]
