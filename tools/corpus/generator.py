"""A deterministic synthetic archive for benchmarks: `python -m corpus --documents N --seed S` (tools/README.md).

The same N and S always give the same documents, people, texts and links (only database ids and
load timestamps differ), because every document is drawn from its own random generator seeded
with (S, its index), and every vocabulary from one seeded with S.

What the benchmark can rely on (its constants and checks in spec.py):

- Record ids are RECORD_ID_BASE + 1 upwards (1,000,001, 1,000,002, ...): above any demo or real
  record id an archive of this kind uses, so a corpus never clashes with them. The first N are
  published; DRAFT_SHARE of N more (1%) are drafts, so the public sees exactly N documents.
- COMMON_WORD ("delegation") is in about half of the published documents (each has it with
  probability 1/2), in the text only; no other word of the corpus shares its stem.
- RARE_WORD ("samizdat") is in exactly RARE_WORD_DOCUMENTS (3) published documents and nowhere else.
- People, donors, types, classifications, languages, collections, subjects, places and archives
  are chosen with Zipf-like weights: the first few of each list are very frequent, most are rare.
  frequent_values() names the most frequent of each, for benchmark filters.
- Dates run from 1917 to 1991, weighted to the early Cold War (1945-1962); about 12% have month
  and 10% year precision, some of those circa; 0.5% are undated.
- Texts have 300-3,000 words (log-normal, median about 550: most documents are short cables and
  memoranda, a few are long reports), built from a fixed vocabulary, a long tail of rare
  pseudo-words, and the document's own people and places.
- About a third of documents take part in a relation (the existing RelationType rows), always with
  a document at most 200 records earlier in the same block of BLOCK records.
- Every document's rights statement names the command that made it (corpus_marker()), so a
  script can tell whether a database already holds a given corpus.

Loading is batched (bulk_create inside search.suspended(); memory stays bounded by one batch),
with the big secondary indexes dropped before the load and rebuilt after, then ANALYZE and the
search index's rebuild (database.py). The vocabularies come first (vocabularies.py, from the word
lists of words.py); this module makes the documents.
Progress goes to stderr (progress.py).
"""

import bisect
import datetime
import gc
import itertools
import math
import multiprocessing
import os
import random
import sys
import time

from django.db import connection, connections, transaction

from documents import search
from documents.dates import DatePrecision, date_span
from documents.models import Document, DocumentPerson, Relation
from documents.models.base import slug_for
from documents.models.record_ids import advance_past_stored

from .database import DatabasePreparation, tune_postgresql_session
from .progress import Progress
from .spec import (
    COMMON_WORD,
    LAST_RECORD_ID,
    RARE_WORD,
    RARE_WORD_DOCUMENTS,
    RECORD_ID_BASE,
    CorpusError,
    corpus_marker,
    draft_count,
)
from .vocabularies import Vocabularies
from .words import COMMON_SENTENCES, CONTENT_WORDS, RARE_SENTENCE, TOPICS, VERBS

TEXT_EXTRA_WORDS = 60  # median words beyond the first 300
BLOCK = 1000  # relations stay within a block of this many records; batches are whole blocks


class Generator(DatabasePreparation, Vocabularies):
    """Makes a corpus of `documents` published documents (plus drafts) from `seed`.

    Batches of documents are inserted with bulk_create, on PostgreSQL by `workers` processes in
    parallel; the search index is rebuilt from the database once they are all in."""

    def __init__(self, documents, seed, batch_size=2000, workers=None, stream=None):
        if documents < 1:
            raise CorpusError("--documents must be at least 1.")
        self.documents, self.seed = documents, seed
        self.drafts = draft_count(documents)
        self.total = documents + self.drafts
        if RECORD_ID_BASE + self.total > LAST_RECORD_ID:
            raise CorpusError("At most ten million documents.")
        self.batch_size = max(BLOCK, batch_size // BLOCK * BLOCK)
        if connection.vendor != "postgresql":
            workers = 1  # SQLite has one writer at a time
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.stream = stream or sys.stderr
        self.rights = corpus_marker(documents, seed)
        self.timings = {}
        self.dropped = []

    def log(self, message):
        self.stream.write(message + "\n")
        self.stream.flush()

    def run(self):
        if Document.objects.filter(record_id__gt=RECORD_ID_BASE, record_id__lte=LAST_RECORD_ID).exists():
            raise CorpusError(
                "This database already holds synthetic documents (record ids above 1,000,000): "
                "generate into a fresh database."
            )
        started = time.monotonic()
        try:
            self.prepare_database()
            with self.phase("vocabularies"):
                self.make_vocabularies()
            with self.phase("documents"), search.suspended():
                self.load_documents()
            with self.phase("indexes"):
                self.restore_indexes()
        finally:
            self.restore_indexes()  # after a failure too: never leave the tables without them
        with self.phase("analyze"):
            self.analyze()
        with self.phase("search index"):
            progress = Progress("search index", self.total, self.stream)
            search.rebuild(progress=progress)
            progress.finish()
        self.timings["total"] = time.monotonic() - started
        return self.timings

    class _Phase:
        def __init__(self, generator, name):
            self.generator, self.name = generator, name

        def __enter__(self):
            self.start = time.monotonic()

        def __exit__(self, *exc):
            seconds = time.monotonic() - self.start
            self.generator.timings[self.name] = seconds
            if exc[0] is None:
                self.generator.log(f"{self.name}: {seconds:.1f}s")

    def phase(self, name):
        return self._Phase(self, name)

    def load_documents(self):
        rng = random.Random(f"corpus-plan-{self.seed}-{self.documents}")
        self.rare_documents = set(rng.sample(range(self.documents), min(RARE_WORD_DOCUMENTS, self.documents)))
        self.first_id = (Document.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        starts = range(0, self.total, self.batch_size)
        progress = Progress("documents", self.total, self.stream)
        done = 0
        # The vocabularies live as long as the load: keep the garbage collector from scanning them
        # again and again (and, in forked workers, from copying their memory by touching them).
        gc.collect()
        gc.freeze()
        if self.workers == 1:
            for start in starts:
                done += self.load_batch(start)
                progress(done)
        else:
            global _worker_generator
            _worker_generator = self
            connections.close_all()  # each worker opens its own connection
            context = multiprocessing.get_context("fork")
            with context.Pool(self.workers, initializer=_worker_start) as pool:
                for count in pool.imap_unordered(_worker_load_batch, starts):
                    done += count
                    progress(done)
            _worker_generator = None
            tune_postgresql_session()
        gc.unfreeze()
        progress.finish()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(_NoStyle(), [Document]):
                cursor.execute(sql)
        advance_past_stored()  # bulk_create bypasses save(): move the record ID sequence past the corpus

    def load_batch(self, start):
        """Make and insert the documents from start; return how many."""
        stop = min(start + self.batch_size, self.total)
        documents, people, relations, links = [], [], [], _empty_links()
        for index in range(start, stop):
            self.make_document(index, documents, people, relations, links)
        with transaction.atomic():
            Document.objects.bulk_create(documents, batch_size=1000)
            DocumentPerson.objects.bulk_create(people, batch_size=5000)
            for name, rows in links.items():
                through = getattr(Document, name).through
                column = getattr(Document, name).field.m2m_reverse_field_name() + "_id"
                through.objects.bulk_create(
                    [through(document_id=doc, **{column: term}) for doc, term in rows], batch_size=5000
                )
            Relation.objects.bulk_create(relations, batch_size=5000)
        return len(documents)

    def make_document(self, index, documents, people, relations, links):
        """Document `index` (0-based) with its links, from its own random generator. The document
        carries its related objects as if prefetched, so index_content() reads them without queries."""
        rng = random.Random((self.seed << 32) | index)
        pk = self.first_id + index
        published = index < self.documents

        doc_type = self.types.pick(rng)[0] if rng.random() > 0.01 else None
        classification = self.classifications.pick(rng)[0] if rng.random() > 0.12 else None
        date, precision, circa = _random_date(rng)
        date, date_end = date_span(date, precision)

        # People in roles; a person holds each role at most once.
        roles = {
            DocumentPerson.Role.AUTHOR: _count(rng, (0.03, 0.85, 0.12)),
            DocumentPerson.Role.RECIPIENT: _count(rng, (0.15, 0.70, 0.12, 0.03)),
            DocumentPerson.Role.PARTICIPANT: _count(rng, (0.85, 0.05, 0.05, 0.05)),
            DocumentPerson.Role.MENTIONED: _count(rng, (0.20, 0.25, 0.25, 0.15, 0.10, 0.05)),
        }
        named, person_links = {}, []
        for role, k in roles.items():
            for order, person in enumerate(self.people.pick_distinct(rng, k)):
                link = DocumentPerson(document_id=pk, person=self.people.objects[person], role=role, order=order)
                person_links.append(link)
                named.setdefault(role, []).append(self.people.names[person])
        people.extend(person_links)
        cache = {}
        for name, choices, counts in [
            ("languages", self.languages, (0, 0.85, 0.14, 0.01)),
            ("donors", self.donors, (0.1, 0.8, 0.1)),
            ("collections", self.collections, (0.55, 0.38, 0.07)),
            ("subjects", self.subjects, (0, 0.5, 0.35, 0.15)),
            ("places", self.places, (0.1, 0.5, 0.3, 0.1)),
            ("archives", self.archives, (0.1, 0.9)),
        ]:
            chosen = choices.pick_distinct(rng, _count(rng, counts))
            links[name].extend((pk, choices.ids[i]) for i in chosen)
            cache[name] = [choices.objects[i] for i in choices.in_database_order(chosen)]
        place_names = [place.name for place in cache["places"]]

        # About a third of documents take part in a relation: 18% point to one or two earlier
        # documents of the same block, and about as many are pointed to.
        if index % BLOCK and rng.random() < 0.18:
            back = min(200, index % BLOCK)
            for k in dict.fromkeys(rng.randint(1, back) for _ in range(_count(rng, (0, 0.8, 0.2)))):
                type_id = self.relation_types[min(int(rng.expovariate(0.8)), len(self.relation_types) - 1)]
                relations.append(Relation(source_id=pk, target_id=pk - k, type_id=type_id))

        authors = named.get(DocumentPerson.Role.AUTHOR, [])
        recipients = named.get(DocumentPerson.Role.RECIPIENT, [])
        type_name = self.types.names[doc_type] if doc_type is not None else "Document"
        if authors and recipients:
            title = f"{type_name} from {authors[0]} to {recipients[0]}"
        elif authors:
            title = f"{type_name} by {authors[0]}"
        else:
            title = f"{type_name} on {place_names[0] if place_names else 'the situation'}"
        if rng.random() < 0.4:
            title += f", on the {rng.choice(TOPICS)}"

        text = self._text(rng, index, named, place_names)
        summary = " ".join(rng.choice(self.sentences) for _ in range(rng.randint(1, 3)))
        if authors:
            summary = f"{authors[0]} {rng.choice(VERBS)}: {summary}"
        archive = cache["archives"][0].name if cache["archives"] else "Private papers"
        source = f"{archive}, fond {rng.randint(1, 120)}, opis {rng.randint(1, 30)}, delo {rng.randint(1, 900)}."
        published_at = datetime.datetime(2012, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
            minutes=7 * index + rng.randint(0, 6)
        )
        document = Document(
            id=pk,
            record_id=RECORD_ID_BASE + 1 + index,
            title=title[:500],
            slug=slug_for(title, 255) or "document",
            date=date,
            date_precision=precision,
            date_circa=circa,
            date_end=date_end,
            doc_type=self.types.objects[doc_type] if doc_type is not None else None,
            classification=self.classifications.objects[classification] if classification is not None else None,
            summary=summary,
            text=text,
            source=source,
            rights=self.rights,
            status=Document.Status.PUBLISHED if published else Document.Status.DRAFT,
            first_published_at=published_at if published else None,
        )
        documents.append(document)

    def _text(self, rng, index, named, place_names):
        """300-3,000 words in paragraphs: sentences from the pool, rare words from the long
        tail, sentences about the document's people and places, and the benchmark words."""
        words = min(3000, 300 + int(rng.lognormvariate(math.log(TEXT_EXTRA_WORDS), 1.1)))
        sentences = rng.choices(self.sentences, k=max(1, words // 16))
        extra = []
        tail = [self.tail.names[i] for i in self.tail.pick(rng, max(3, words // 40))]
        for start in range(0, len(tail), 6):
            extra.append(" ".join(tail[start : start + 6]).capitalize() + ".")
        for names in named.values():
            for name in names:
                extra.append(f"{name} {rng.choice(VERBS)} that the {rng.choice(CONTENT_WORDS)} was ready.")
        for place in place_names:
            extra.append(f"In {place} the {rng.choice(CONTENT_WORDS)} {rng.choice(VERBS)} nothing new.")
        if index < self.documents and index in self.rare_documents:
            extra.append(RARE_SENTENCE.format(w=RARE_WORD))
        if rng.random() < 0.5:
            extra.append(rng.choice(COMMON_SENTENCES).format(w=COMMON_WORD))
        for sentence in extra:
            sentences.insert(rng.randint(0, len(sentences)), sentence)
        paragraphs, position = [], 0
        while position < len(sentences):
            step = rng.randint(3, 8)
            paragraphs.append(" ".join(sentences[position : position + step]))
            position += step
        return "\n\n".join(paragraphs)


_worker_generator = None


def _worker_start():
    tune_postgresql_session()


def _worker_load_batch(start):
    return _worker_generator.load_batch(start)


def _empty_links():
    return {name: [] for name in ("languages", "donors", "collections", "subjects", "places", "archives")}


class _NoStyle:
    def __getattr__(self, name):
        return lambda text: text


def _count(rng, weights):
    """How many (0, 1, 2, ...) with these probabilities."""
    draw, total = rng.random(), 0.0
    for k, weight in enumerate(weights):
        total += weight
        if draw < total:
            return k
    return len(weights) - 1


YEARS = list(range(1917, 1992))
YEAR_WEIGHTS = list(
    itertools.accumulate(
        1.0
        if year < 1939
        else 2.0
        if year < 1945
        else 7.0
        if year < 1954
        else 5.0
        if year < 1963
        else 2.5
        if year < 1976
        else 1.5
        for year in YEARS
    )
)


def _random_date(rng):
    """(first day, precision, circa); None for the undated 0.5%."""
    if rng.random() < 0.005:
        return None, DatePrecision.DAY, False
    year = YEARS[bisect.bisect(YEAR_WEIGHTS, rng.random() * YEAR_WEIGHTS[-1])]
    day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
    draw = rng.random()
    if draw < 0.10:
        return day, DatePrecision.YEAR, rng.random() < 0.3
    if draw < 0.22:
        return day, DatePrecision.MONTH, rng.random() < 0.05
    return day, DatePrecision.DAY, False
