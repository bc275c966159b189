"""A deterministic synthetic archive for benchmarks: `python -m corpus --documents N --seed S` (tools/README.md).

The same N and S always give the same documents, people, texts and links (only database ids and
load timestamps differ), because every document is drawn from its own random generator seeded
with (S, its index), and every vocabulary from one seeded with S.

What the benchmark can rely on:

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
search index's rebuild.
Progress goes to stderr.
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, connections, transaction

from documents import search
from documents.dates import DatePrecision, date_span
from documents.models import (
    Archive,
    Classification,
    Collection,
    Document,
    DocumentPerson,
    DocumentType,
    Donor,
    Language,
    Person,
    PersonAlias,
    Place,
    Relation,
    RelationType,
    Subject,
)
from documents.models.base import slug_for
from documents.models.record_ids import advance_past_stored

RECORD_ID_BASE = 1_000_000
COMMON_WORD = "delegation"
RARE_WORD = "samizdat"
RARE_WORD_DOCUMENTS = 3
DRAFT_SHARE = 0.01
TEXT_EXTRA_WORDS = 60  # median words beyond the first 300
BLOCK = 1000  # relations stay within a block of this many records; batches are whole blocks
# Every synthetic document's rights statement, which --if-missing reads to recognise a corpus already made:
# kept word for word (it still names the command by its name before tools/), or every corpus made so far
# would be taken for another one.
RIGHTS = (
    "Synthetic benchmark data made by `manage.py generate_corpus --documents {n} --seed {seed}`; not a real document."
)

# Tables the load writes to: their non-unique indexes are dropped during the load and rebuilt after.
LOADED_TABLES = [
    "documents_document",
    "documents_document_languages",
    "documents_document_donors",
    "documents_document_collections",
    "documents_document_subjects",
    "documents_document_places",
    "documents_document_archives",
    "documents_documentperson",
    "documents_relation",
]


def _words(text):
    return text.split()


# ---------------------------------------------------------------------------------------------
# Word lists. Order is rank: the first of each list is the most frequent.

FUNCTION_WORDS = _words("""the of and to in that is was for on with as by at from this it be are were which
not have has had its their they we our he his will would an or but all been also there these
would should may must other any into more than such only about between over after before""")

CONTENT_WORDS = _words("""government party soviet union committee central comrade question meeting
american chinese military economic political situation people state states war peace forces
minister foreign ministry policy relations cooperation security support proposal agreement
negotiations talks conference council secretary general embassy ambassador report information
development question socialist communist national international world leadership decision
position problem army troops border territory region country countries republic democratic
workers production industry plan trade aid assistance loan credit delivery weapons nuclear
missile atomic treaty alliance bloc western eastern capitalist imperialist struggle revolution
movement congress plenum resolution directive instruction telegram message letter memorandum
conversation discussion exchange views opinion attitude measures steps action response reply
request consent approval refusal demand pressure threat crisis conflict settlement withdrawal
occupation reunification independence sovereignty intervention aggression defense strategy
tactics operation intelligence agents sources data materials documents archive record copy
translation original text content matter issue matters affairs interests friendship unity
solidarity fraternal mutual common joint bilateral multilateral regional global future
present past history period year years month months week days time moment stage phase
process progress results success failure difficulties shortcomings errors mistakes tasks
goals objectives principles basis foundation framework conditions circumstances factors
influence role importance significance attention concern interest hope confidence trust
doubt suspicion hostility tension détente coexistence competition rivalry balance power
strength weakness advantage superiority parity reduction limitation control inspection
verification compliance violation protest note statement declaration communique announcement
press newspaper radio broadcast propaganda campaign public opinion masses population
peasants collective farms grain harvest food supply shortage prices wages budget finance
currency reserves gold oil coal steel machinery equipment factories construction railway
transport port shipping fleet navy air force aircraft submarine division regiment officers
soldiers volunteers advisers specialists experts engineers scientists technicians students
youth women education culture science research technology program project commission
bureau department section office staff personnel cadres members leaders chairman premier
president king prince general marshal admiral colonel captain deputy representative
envoy consul attaché counselor interpreter stenographer minutes draft final version points
paragraph article clause annex protocol appendix enclosure attached following above
mentioned previously already still yet again further however therefore moreover although
because since while during until unless whether either neither both each every several
many much most some few little less least great large small high low new old first last
next second third important necessary possible impossible difficult easy clear certain
serious grave urgent immediate direct indirect open secret confidential personal official
formal informal friendly unfriendly positive negative correct wrong true false real actual
main chief principal basic essential special particular general specific concrete detailed
brief long short full complete partial additional further similar different same whole
entire proper appropriate reasonable acceptable unacceptable favorable unfavorable
said stated declared announced explained noted stressed emphasized pointed remarked replied
answered asked proposed suggested agreed accepted rejected refused considered believed
thought expressed informed reported confirmed denied insisted requested demanded promised
warned threatened welcomed thanked congratulated assured recognized admitted understood
discussed examined studied reviewed approved adopted signed ratified implemented fulfilled
carried received sent delivered transmitted forwarded handed presented submitted prepared
organized established created founded formed appointed elected dismissed arrested released
returned arrived departed visited met invited hosted attended participated represented
""")

FIRST_NAMES = _words("""Ivan Nikolai Andrei Vyacheslav Anastas Georgy Lavrenty Kliment Nikita Leonid
Alexei Mikhail Yuri Dmitri Sergei Vladimir Boris Pavel Fyodor Grigory Zhou Mao Liu Deng Chen
Wang Zhang Li Kang Peng Kim Pak Choe Ho Pham Le Nguyen Vo Walter Erich Otto Wilhelm Konrad
Willy Helmut Klaus Josip Edvard Milovan Wladyslaw Józef Bolesław Mátyás Imre János Ernő
Antonín Klement Gustáv Alexander Enver Mehmet Todor Georgi Vasil Nicolae Gheorghe Ion Harry
Dwight John Robert Dean Henry Averell George Charles Winston Clement Anthony Harold Jawaharlal
Gamal Fidel Ernesto Raúl Sukarno Kwame Patrice Ahmed Hafez Yasser Golda Moshe David Indira
Zulfikar Ayub Muhammad Reza Shah Norodom Souvanna Ngo Jean Pierre Maurice Charles Georges
Konstantin Andrei Ekaterina Valentina Nina Elena Anna Maria Madeleine Eleanor Jiang Song
Chiang Syngman Yoshida Shigeru Nobusuke Hayato Eisaku Kakuei Juan Salvador Augusto Tito
""")

LAST_NAMES = _words("""Stalin Molotov Mikoyan Malenkov Beria Voroshilov Khrushchev Brezhnev Kosygin
Gromyko Andropov Suslov Ponomarev Ustinov Grechko Zhukov Bulganin Kaganovich Vyshinsky Zorin
Dobrynin Semyonov Yudin Chervonenko Puzanov Ignatiev Shtykov Razuvaev Kovalev Roshchin
Zedong Enlai Shaoqi Xiaoping Yi Biao Dehuai Kang Sheng Xiannian Zemin Il-sung Chong-il
Hon-yong Chi Minh Van Dong Giap Duan Ulbricht Honecker Pieck Grotewohl Adenauer Brandt
Gomułka Bierut Cyrankiewicz Gierek Jaruzelski Rákosi Nagy Kádár Gerő Münnich Gottwald
Novotný Dubček Husák Svoboda Tito Kardelj Djilas Ranković Hoxha Shehu Zhivkov Chervenkov
Gheorghiu-Dej Ceaușescu Maurer Truman Eisenhower Kennedy Johnson Nixon Ford Carter Reagan
Acheson Dulles Rusk Kissinger Vance Harriman Kennan Marshall Bohlen Thompson Churchill Attlee
Eden Macmillan Bevin Nehru Nasser Castro Guevara Sukarno Nkrumah Lumumba Ben-Bella Assad
Arafat Meir Dayan Ben-Gurion Gandhi Bhutto Khan Mossadegh Pahlavi Sihanouk Phouma Diem
Monnet Schuman Mendès-France Müller Schröder Dvořák Łukasiewicz Gyárfás Nguyễn Ortega
Allende Pinochet Perón Batista Somoza Arbenz Yoshida Kishi Ikeda Sato Tanaka Rhee Park
Ivanov Petrov Sidorov Smirnov Kuznetsov Popov Sokolov Lebedev Kozlov Novikov Morozov Volkov
Fedorov Mikhailov Belov Tarasov Orlov Kiselev Makarov Andreev Zaitsev Pavlov Semenov Golubev
Vinogradov Bogdanov Vorobyov Frolov Gusev Titov Kuzmin Baranov Medvedev Egorov Nikitin
""")

DOCUMENT_TYPES = """Cable|Memorandum of Conversation|Letter|Report|Telegram|Minutes|Memorandum|
Diary Entry|Speech|Notes|Information|Record of Conversation|Transcript|Intelligence Report|
Directive|Resolution|Draft|Circular|Note Verbale|Instruction|Protocol|Statement|Memoir|
Interview|Study""".replace("\n", "").split("|")

CLASSIFICATIONS = """Secret|Top Secret|Strictly Secret|Confidential|Unclassified|Restricted|
Top Secret — Special Importance|Eyes Only|Limited Official Use|Sensitive|For Official Use Only|
Declassified""".replace("\n", "").split("|")

# Language codes in order of frequency; the migrations create these rows.
LANGUAGES = _words("ru en zh de ko hu pl cs ro bg fr vi ja sr mn es it uk pt fa ar")

DONOR_PATTERNS = [
    "{} Foundation",
    "{} Family Foundation",
    "{} Trust",
    "{} Fund",
    "The {} Institute",
    "{} Charitable Trust",
    "Friends of the {} Archive",
]
COLLECTION_PATTERNS = [
    "The {} Crisis",
    "{} and the Cold War",
    "{} Relations",
    "The {} Files",
    "{}: Origins and Aftermath",
    "Diplomacy of {}",
    "The {} Question",
]
SUBJECT_PATTERNS = ["{}--Foreign relations", "{}--History", "{}--Politics and government", "{}--Economic policy"]
ARCHIVE_PATTERNS = ["Archive of the {}", "{} State Archive", "Central Archive of {}", "{} Party Archive"]
PLACE_SEEDS = _words("""Moscow Beijing Washington London Paris Berlin Bonn Warsaw Prague Budapest Bucharest
Sofia Belgrade Tirana Pyongyang Seoul Hanoi Saigon Tokyo Havana Cairo Delhi Karachi Tehran Baghdad
Damascus Jerusalem Geneva Vienna Helsinki Stockholm Oslo Copenhagen Rome Madrid Lisbon Ankara
Athens Ulaanbaatar Vientiane Phnom-Penh Jakarta Manila Rangoon Colombo Kabul Beirut Amman Algiers
Tunis Rabat Khartoum Addis-Ababa Nairobi Accra Conakry Leopoldville Luanda Maputo Santiago Lima
Buenos-Aires Mexico Caracas Bogota Managua Panama Ottawa Canberra Wellington Shanghai Harbin
Port-Arthur Dairen Leningrad Kiev Minsk Tashkent Vladivostok Dresden Leipzig Krakow Gdansk""")

SYLLABLES = _words("""ka ri no va te lo mi sa du ne po zi ra ko vi le ta mo ru si na de fa gu be lu ro
chi tsa zho kha shi ya yo yu vo bo pa ga di ni ma ke so tu""")

TOPICS = """border question|trade agreement|nuclear tests|armistice talks|economic aid|party congress|
military assistance|peace treaty|refugees|grain deliveries|united front|five-year plan|summit meeting|
disarmament proposals|fishing rights|railway construction|student exchange|oil concession""".replace("\n", "").split(
    "|"
)
VERBS = ["said", "stressed", "noted", "reported", "proposed", "insisted", "replied", "remarked"]
# Sentences that carry the common word; each appears in about half the documents (one of them).
COMMON_SENTENCES = [
    "The {w} arrived on the morning train and was met at the station.",
    "Members of the {w} asked for the text of the draft agreement.",
    "The head of the {w} said that the question would be decided at home.",
    "A {w} of specialists will be sent within the month.",
    "The {w} expressed its thanks for the reception.",
]
RARE_SENTENCE = "Copies of the {w} text were found among the papers of the accused."
LAST_RECORD_ID = RECORD_ID_BASE + 10_000_000  # room for ten million documents


def corpus_marker(documents, seed):
    return RIGHTS.format(n=documents, seed=seed)


def draft_count(documents):
    return round(documents * DRAFT_SHARE)


def zipf_cum_weights(n, exponent=1.0, offset=1.5):
    """Cumulative Zipf-Mandelbrot weights for ranks 0..n-1 (1 / (rank + offset) ** exponent)."""
    return list(itertools.accumulate(1.0 / (rank + offset) ** exponent for rank in range(n)))


@dataclass
class Choices:
    """Rows of a vocabulary in rank order, with Zipf weights to draw them by."""

    ids: list
    names: list
    cum_weights: list = field(default_factory=list)
    objects: list = field(default_factory=list)  # unsaved instances with pk and name
    rank: list = field(default_factory=list)  # each row's position in the database's order of the rows

    def in_database_order(self, indexes):
        return sorted(indexes, key=self.rank.__getitem__)

    def pick(self, rng, k=1):
        total, weights, hi = self.cum_weights[-1], self.cum_weights, len(self.ids) - 1
        return [bisect.bisect(weights, rng.random() * total, 0, hi) for _ in range(k)]

    def pick_distinct(self, rng, k):
        return list(dict.fromkeys(self.pick(rng, k)))


# ---------------------------------------------------------------------------------------------
# Progress


class Progress:
    """A simple text progress bar on stderr: redrawn in place on a terminal; otherwise a line per 5%
    or per minute, whichever comes first."""

    def __init__(self, label, total, stream=None):
        self.label, self.total, self.stream = label, max(total, 1), stream or sys.stderr
        self.start = self.last = time.monotonic()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last_step = -1

    def __call__(self, done, total=None):
        if total:
            self.total = max(total, 1)
        now = time.monotonic()
        step = 20 * done // self.total
        if self.tty and (now - self.last < 0.25 and done < self.total):
            return
        if not self.tty and step == self.last_step and now - self.last < 60 and done < self.total:
            return
        self.last, self.last_step = now, step
        elapsed = now - self.start
        fraction = done / self.total
        eta = elapsed / fraction - elapsed if fraction else 0
        bar = "#" * int(30 * fraction) + "." * (30 - int(30 * fraction))
        line = (
            f"{self.label:<14} [{bar}] {100 * fraction:5.1f}% {done:,}/{self.total:,} "
            f"{_duration(elapsed)} elapsed, {_duration(eta)} left"
        )
        self.stream.write(("\r" + line) if self.tty else (line + "\n"))
        self.stream.flush()

    def finish(self):
        if self.tty:
            self.stream.write("\n")
        return time.monotonic() - self.start


def _duration(seconds):
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


# ---------------------------------------------------------------------------------------------
# The generator


class CorpusError(Exception):
    pass


class Generator:
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

    # -- database preparation -------------------------------------------------------------------

    def prepare_database(self):
        """Speed the load up: SQLite without fsync; PostgreSQL without synchronous commits or
        foreign-key triggers. Either way without the indexes of the tables being filled, except
        primary keys (and SQLite's inline unique constraints): restore_indexes() builds them after.
        self.dropped holds the SQL that builds each again."""
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-262144")  # 256 MB
                placeholders = ",".join("%s" for _ in LOADED_TABLES)
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    f"AND tbl_name IN ({placeholders})",
                    LOADED_TABLES,
                )
                self.dropped = [(f'DROP INDEX "{name}"', sql) for name, sql in cursor.fetchall()]
            elif connection.vendor == "postgresql":
                _tune_postgresql_session()
                # Unique constraints (dropped and added again as constraints) ...
                cursor.execute(
                    "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                    "JOIN pg_class t ON t.oid = k.conrelid WHERE t.relname = ANY(%s) AND k.contype = 'u'",
                    [LOADED_TABLES],
                )
                self.dropped = []
                for table, name, sql in cursor.fetchall():
                    drop = f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'
                    self.dropped.append((drop, f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {sql}'))
                # ... and the other indexes but primary keys.
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                    "WHERE t.relname = ANY(%s) AND NOT i.indisprimary "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
                    [LOADED_TABLES],
                )
                self.dropped += [(f'DROP INDEX "{name}"', sql) for name, sql in cursor.fetchall()]
            else:
                raise CorpusError(f"Unsupported database: {connection.vendor}")
            for drop, _ in self.dropped:
                cursor.execute(drop)
        if self.dropped:
            self.log(f"dropped {len(self.dropped)} indexes and unique constraints for the load")
        self.log(f"loading into {connection.vendor} database {connection.settings_dict['NAME']}")

    def restore_indexes(self, which=None):
        """Build again what prepare_database() dropped (those `which(sql)` selects, or all). On
        PostgreSQL in two sessions at once."""
        chosen = [sql for _, sql in self.dropped if which is None or which(sql)]
        self.dropped = [(drop, sql) for drop, sql in self.dropped if sql not in chosen]
        if connection.vendor == "postgresql" and len(chosen) > 1:
            _run_in_parallel([chosen[::2], chosen[1::2]])
        else:
            _run_in_parallel([chosen])

    def analyze(self):
        if connection.vendor == "postgresql":
            # VACUUM sets the visibility map (index-only scans) and hint bits, as autovacuum would
            # some time after the load; PROCESS_TOAST off skips the texts' TOAST table.
            tables = LOADED_TABLES
            vacuum = [f"VACUUM (ANALYZE, PROCESS_TOAST FALSE) {table}" for table in tables]
            _run_in_parallel([vacuum[:1], vacuum[1:]])
            _run_in_parallel([["ANALYZE"]])
        else:
            _run_in_parallel([["ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"]])

    # -- vocabularies ---------------------------------------------------------------------------

    def make_vocabularies(self):
        rng = random.Random(f"corpus-vocabularies-{self.seed}")
        n = self.documents
        self.pseudo_words = self._pseudo_words(rng, 20_000)
        self.types = self._terms(DocumentType, DOCUMENT_TYPES, exponent=1.3)
        self.classifications = self._terms(Classification, CLASSIFICATIONS, exponent=1.4)
        self.languages = self._languages()
        places = [name.replace("-", " ") for name in PLACE_SEEDS]
        rng.shuffle(places)
        self.places = self._terms(Place, places + self._invented(rng, "{} Province", max(0, n // 2000)))
        countries = self._invented(rng, "{}", 120)
        self.subjects = self._terms(
            Subject, [pattern.format(country) for country in countries for pattern in SUBJECT_PATTERNS][:400]
        )
        self.archives = self._terms(Archive, [ARCHIVE_PATTERNS[i % 4].format(c) for i, c in enumerate(countries[:40])])
        self.donors = self._terms(
            Donor, [DONOR_PATTERNS[i % 7].format(w) for i, w in enumerate(self._invented(rng, "{}", 60))], 1.2
        )
        collections = max(50, min(2000, n // 500))
        self.collections = self._terms(
            Collection,
            [COLLECTION_PATTERNS[i % 7].format(w) for i, w in enumerate(self._invented(rng, "{}", collections))],
        )
        self.relation_types = list(RelationType.objects.order_by("pk").values_list("pk", flat=True))
        if not self.relation_types:
            raise CorpusError("No relation types: run the migrations first.")
        # Sentences the texts are built from, drawn once.
        words = Choices(FUNCTION_WORDS + CONTENT_WORDS, FUNCTION_WORDS + CONTENT_WORDS)
        words.cum_weights = zipf_cum_weights(len(words.ids), 1.0, 2.7)
        self.sentences = []
        for _ in range(6000):
            picked = [words.names[i] for i in words.pick(rng, rng.randint(6, 26))]
            self.sentences.append(" ".join(picked).capitalize() + ".")
        self.people = self._people(rng, max(200, min(25_000, n // 40)))
        self.tail = Choices(self.pseudo_words, self.pseudo_words, zipf_cum_weights(len(self.pseudo_words), 0.9))

    def _pseudo_words(self, rng, count):
        """Invented words for a long tail of rare terms; none shares a stem with the benchmark words."""
        reserved = (COMMON_WORD[:5], RARE_WORD[:5])
        known = set(FUNCTION_WORDS) | set(CONTENT_WORDS)
        words = {}
        while len(words) < count:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word not in known and not word.startswith(reserved):
                words[word] = None
        return list(words)

    def _invented(self, rng, pattern, count):
        names = [pattern.format(word.capitalize()) for word in self.pseudo_words[len(self.pseudo_words) - count :]]
        rng.shuffle(names)
        return names

    def _terms(self, model, names, exponent=1.0):
        """Rows for these names (existing ones, matched by name, are reused), in this order."""
        names = list(dict.fromkeys(names))
        existing = {name.lower(): pk for pk, name in model.objects.values_list("pk", "name")}
        taken = set(model.objects.values_list("slug", flat=True))
        new = []
        for name in names:
            if name.lower() not in existing:
                new.append(model(name=name, slug=_free_slug(name, taken)))
                if model is Donor:
                    new[-1].acknowledgement = f"This document was made possible with support from {name}"
        model.objects.bulk_create(new, batch_size=1000)
        existing = {name.lower(): (pk, name) for pk, name in model.objects.values_list("pk", "name")}
        rows = [existing[name.lower()] for name in names]
        order = _database_order(model)
        return Choices(
            [pk for pk, _ in rows],
            [name for _, name in rows],
            zipf_cum_weights(len(rows), exponent),
            [model(pk=pk, name=name) for pk, name in rows],
            [order[pk] for pk, _ in rows],
        )

    def _languages(self):
        rows = {code: (pk, name) for pk, code, name in Language.objects.values_list("pk", "code", "name")}
        missing = [code for code in LANGUAGES if code not in rows]
        if missing:
            raise CorpusError(f"Languages missing (run the migrations): {', '.join(missing)}")
        order = _database_order(Language)
        return Choices(
            [rows[code][0] for code in LANGUAGES],
            [rows[code][1] for code in LANGUAGES],
            zipf_cum_weights(len(LANGUAGES), 1.6),
            [Language(pk=rows[code][0], code=code, name=rows[code][1]) for code in LANGUAGES],
            [order[rows[code][0]] for code in LANGUAGES],
        )

    def _people(self, rng, count):
        """People with Zipf-distributed prominence; some with transliterations and codenames."""
        combos = len(FIRST_NAMES) * len(LAST_NAMES)
        names = []
        for index in rng.sample(range(combos * 3), count):
            variant, combo = divmod(index, combos)
            first, last = FIRST_NAMES[combo % len(FIRST_NAMES)], LAST_NAMES[combo // len(FIRST_NAMES)]
            middle = "" if variant == 0 else f" {'ABCDEFGHIKLMNOPRSTVZ'[index % 20]}."
            names.append((f"{first}{middle} {last}", f"{last}, {first}{middle}"))
        taken = set(Person.objects.values_list("slug", flat=True))
        people = []
        for rank, (name, sort_name) in enumerate(names):
            birth = rng.randint(1860, 1945)
            death = birth + rng.randint(35, 90)
            people.append(
                Person(
                    name=name,
                    sort_name=sort_name,
                    slug=_free_slug(name, taken),
                    birth_year=birth,
                    death_year=death if death < 2020 else None,
                    biography=" ".join(rng.choice(self.sentences) for _ in range(3)) if rank < 500 else "",
                )
            )
        Person.objects.bulk_create(people, batch_size=2000)
        by_slug = dict(Person.objects.filter(slug__in=[p.slug for p in people]).values_list("slug", "pk"))
        aliases = {}
        for rank, person in enumerate(people):
            person.pk = by_slug[person.slug]
            mine = aliases.setdefault(person.pk, {})
            if rng.random() < (0.9 if rank < 50 else 0.25):
                variant = _transliterate(person.name)
                if variant != person.name:
                    mine[variant] = PersonAlias(person_id=person.pk, name=variant, kind="transliteration")
            if rng.random() < (0.6 if rank < 50 else 0.05):
                codename = rng.choice(self.pseudo_words[:5000]).capitalize() + rng.choice(["", "ov", "iya", "a"])
                mine.setdefault(codename, PersonAlias(person_id=person.pk, name=codename, kind="codename"))
        PersonAlias.objects.bulk_create([a for mine in aliases.values() for a in mine.values()], batch_size=2000)
        return Choices(
            [p.pk for p in people], [p.name for p in people], zipf_cum_weights(len(people), 1.05, 3.0), people
        )

    # -- documents ------------------------------------------------------------------------------

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
            _tune_postgresql_session()
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
    _tune_postgresql_session()


def _worker_load_batch(start):
    return _worker_generator.load_batch(start)


def _tune_postgresql_session():
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        try:
            # Skips foreign-key triggers, as pg_restore --disable-triggers does; the generator
            # makes consistent rows. Only a superuser may: otherwise the checks just run.
            with transaction.atomic():
                cursor.execute("SET session_replication_role = replica")
        except DatabaseError:
            pass


def _run_in_parallel(groups):
    """Run each group of SQL statements in order, the groups at the same time on their own
    connections (threads); the current connection runs the first group."""

    def run(statements, own_connection):
        try:
            if own_connection and connection.vendor == "postgresql":
                _tune_postgresql_session()
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
        finally:
            if own_connection:
                connection.close()

    groups = [group for group in groups if group]
    if not groups:
        return
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        others = [pool.submit(run, group, True) for group in groups[1:]]
        run(groups[0], False)
        for future in others:
            future.result()


def _empty_links():
    return {name: [] for name in ("languages", "donors", "collections", "subjects", "places", "archives")}


def _database_order(model, queryset=None):
    """{pk: position} in the model's default ordering, as the database sorts (its collation)."""
    queryset = queryset if queryset is not None else model.objects.all()
    return {
        pk: position
        for position, pk in enumerate(queryset.order_by(*model._meta.ordering).values_list("pk", flat=True))
    }


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


TRANSLITERATIONS = [
    ("Zh", "J"),
    ("zh", "j"),
    ("Kh", "Ch"),
    ("kh", "ch"),
    ("ts", "tz"),
    ("Yu", "Ju"),
    ("ya", "ja"),
    ("ao", "au"),
    ("v", "w"),
    ("sh", "sch"),
    ("Ch", "Tsch"),
    ("y", "i"),
]


def _transliterate(name):
    """Another romanisation of a name (Khrushchev → Chruschtschow-like; Mao Zedong → Mao Tse-tung-like)."""
    variant = name
    for old, new in TRANSLITERATIONS:
        if old in variant:
            variant = variant.replace(old, new)
    return variant


def _free_slug(name, taken):
    base = slug_for(name) or "term"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def frequent_values():
    """The most frequent type, language, donor, collection and person of the published documents,
    and the dates of the busiest decade: for benchmark filters."""
    from django.db.models import Count

    published = Document.objects.published()

    def top(queryset, key):
        return queryset.values(key).annotate(n=Count("pk")).order_by("-n").values_list(key, flat=True).first()

    return {
        "type": top(published.exclude(doc_type=None), "doc_type__slug"),
        "language": top(Document.languages.through.objects.filter(document__status="published"), "language__code"),
        "donor": top(Document.donors.through.objects.filter(document__status="published"), "donor__slug"),
        "person": top(DocumentPerson.objects.filter(document__status="published"), "person__slug"),
    }


def corpus_state(documents, seed):
    """'complete' if the database holds exactly this corpus, fully indexed; 'unindexed' if it does but its
    search index is missing or short; 'absent' if it holds no synthetic documents; otherwise a sentence
    saying what it holds instead."""
    synthetic = Document.objects.filter(record_id__gt=RECORD_ID_BASE, record_id__lte=LAST_RECORD_ID)
    first = synthetic.order_by("record_id").values_list("rights", flat=True).first()
    if first is None:
        return "absent"
    if first != corpus_marker(documents, seed):
        return f"it holds another corpus ({first})"
    published = synthetic.filter(status=Document.Status.PUBLISHED).count()
    drafts = synthetic.filter(status=Document.Status.DRAFT).count()
    try:
        indexed = search.engine.searcher().num_docs
    except search.SearchUnavailable:
        indexed = 0
    if published != documents or drafts != draft_count(documents):
        return f"its corpus is incomplete ({published:,} published, {drafts:,} drafts): an interrupted load"
    if indexed < published + drafts:
        return "unindexed"
    return "complete"
