"""The corpus's vocabularies (generator.py): the rows of each term model (types, classifications,
languages, places, subjects, archives, donors, collections), its people and their aliases, the
sentences and rare words its texts are made of, each with Zipf-like weights to draw them by."""

import bisect
import itertools
import random
from dataclasses import dataclass, field

from documents.models import (
    Archive,
    Classification,
    Collection,
    DocumentType,
    Donor,
    Language,
    Person,
    PersonAlias,
    Place,
    RelationType,
    Subject,
)
from documents.models.base import slug_for

from .spec import COMMON_WORD, RARE_WORD, CorpusError
from .words import (
    ARCHIVE_PATTERNS,
    CLASSIFICATIONS,
    COLLECTION_PATTERNS,
    CONTENT_WORDS,
    DOCUMENT_TYPES,
    DONOR_PATTERNS,
    FIRST_NAMES,
    FUNCTION_WORDS,
    LANGUAGES,
    LAST_NAMES,
    PLACE_SEEDS,
    SUBJECT_PATTERNS,
    SYLLABLES,
)


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


class Vocabularies:
    """The Generator's part that makes the vocabularies, from its seed and for its number of documents
    (self.seed, self.documents); make_vocabularies() sets them as its attributes."""

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


def _database_order(model, queryset=None):
    """{pk: position} in the model's default ordering, as the database sorts (its collation)."""
    queryset = queryset if queryset is not None else model.objects.all()
    return {
        pk: position
        for position, pk in enumerate(queryset.order_by(*model._meta.ordering).values_list("pk", flat=True))
    }


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
