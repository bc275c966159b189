"""Finding the records a row names, by slug and by name: NameIndex, read once and kept up to date
with what the import writes; New, a name that matched nothing; and Names, which turns the names in a
document row's cells into primary keys and makes the records new names call for."""

from collections import defaultdict
from typing import NamedTuple

from ..models import Language, OldSlug, Person, PersonAlias
from ..models.base import slug_for
from ..text import loose_key, name_key
from .format import REFERENCE
from .state import entity_kind
from .writes import has_field


class NameIndex:
    """The records of one model by slug (or code) and by name, whatever its case, spacing or Unicode
    form (text.name_key); people also by their name without accents, their sort name and their
    aliases (with or without accents). Read from the database once, then kept up to date with what
    the import writes."""

    BY_NAME, NO_ACCENTS, SORT_NAME, ALIAS = "name", "name without accents", "sort name", "alias"

    def __init__(self, model):
        self.model = model
        self.key_field = "code" if model is Language else "slug"
        self.loaded = False

    def _load(self):
        self.by_key, self.by_name, self.by_other = {}, defaultdict(set), defaultdict(set)
        self.names, self.sort_names, self.aliases = {}, {}, defaultdict(set)
        columns = ["pk", "name", self.key_field] + (["sort_name"] if self.model is Person else [])
        for row in self.model.objects.values_list(*columns).iterator(chunk_size=5000):
            self._put(*row)
        if self.model is Person:
            for person_id, alias in PersonAlias.objects.values_list("person_id", "name").iterator(chunk_size=5000):
                self._put_alias(person_id, alias)
        self.loaded = True

    def _ready(self):
        if not self.loaded:
            self._load()

    def _variants(self, name, sort_name):
        """(key, how) under which a person is also found: their name without accents, their sort name."""
        if self.model is not Person:
            return []
        found = [(loose_key(name), self.NO_ACCENTS)]
        if sort_name:
            found += [(name_key(sort_name), self.SORT_NAME), (loose_key(sort_name), self.SORT_NAME)]
        return found

    def _put(self, pk, name, key, sort_name=""):
        self.names[pk], self.sort_names[pk] = (name, key), sort_name
        self.by_key[key] = pk
        self.by_name[name_key(name)].add(pk)
        for variant, how in self._variants(name, sort_name):
            self.by_other[variant].add((pk, how))

    def _put_alias(self, pk, alias):
        for variant in (name_key(alias), loose_key(alias)):
            self.by_other[variant].add((pk, self.ALIAS))
            self.aliases[pk].add(variant)

    def put(self, obj, aliases=None):
        """Note a record the import created or changed (and, for a person, their aliases now)."""
        self._ready()
        self.remove(obj.pk, aliases=aliases is not None)
        self._put(obj.pk, obj.name, getattr(obj, self.key_field), getattr(obj, "sort_name", ""))
        for alias in aliases or []:
            self._put_alias(obj.pk, alias)

    def remove(self, pk, aliases=True):
        if pk in self.names:
            name, key = self.names.pop(pk)
            self.by_key.pop(key, None)
            self.by_name[name_key(name)].discard(pk)
            for variant, how in self._variants(name, self.sort_names.pop(pk, "")):
                self.by_other[variant].discard((pk, how))
        if aliases:
            for variant in self.aliases.pop(pk, set()):
                self.by_other[variant].discard((pk, self.ALIAS))

    def get_key(self, key):
        self._ready()
        return self.by_key.get(key)

    def match(self, name):
        """[(pk, how)] of the records this name names: the one with this name if there is one, else
        (people) every one it names without accents, as a sort name or as an alias. Two or more:
        the name is ambiguous."""
        self._ready()
        found = self.by_name.get(name_key(name))
        if found:
            return [(pk, self.BY_NAME) for pk in sorted(found)]
        hits = {}
        for variant in (name_key(name), loose_key(name)):
            for pk, how in sorted(self.by_other.get(variant, ())):
                hits.setdefault(pk, how)
        return sorted(hits.items())

    def find(self, name):
        """The primary keys of the records this name names (see match)."""
        return [pk for pk, _ in self.match(name)]

    def name_of(self, pk):
        self._ready()
        return self.names[pk]


class New(NamedTuple):
    """A name that matched nothing: the record is created when the row is written."""

    model: type
    name: str


def holds_new(value):
    return isinstance(value, New) or (isinstance(value, list) and any(isinstance(item, New) for item in value))


def sort_key(value):
    return (isinstance(value, New), value.name if isinstance(value, New) else value)


def unique(values):
    """The values without repeats, in a fixed order (primary keys sorted, then new names)."""
    found = []
    for value in values:
        if value not in found:
            found.append(value)
    return sorted(found, key=sort_key)


class Names:
    """What the names in a document row's cells stand for: the primary keys of terms, languages,
    people, donors and collections, or New for a name that matched nothing, whose record is made
    (once per name) when the row is written."""

    def __init__(self, context):
        self.context = context
        self.created_by_name = {}  # (model, name key) → pk of a record this import created for a name
        self.matched_names = set()  # name keys of the people names already in report.matched_people
        self.created_pks = set()  # people this import created (by a row or by name): not matches
        self.old_slugs = {}  # model → slugs its records used to have

    def term(self, model, name):
        if len(name) > 255:
            raise ValueError(f"“{name[:40]}…” is longer than 255 characters")
        found = self.context.index(model).find(name)
        return found[0] if found else self.new(model, name)

    def language(self, item):
        index = self.context.index(Language)
        pk = index.get_key(item.lower())
        if pk is None:
            found = index.find(item)
            pk = found[0] if len(found) == 1 else None
        if pk is None:
            raise ValueError(f"“{item}” is not a language of the archive: use its ISO code, or add a language row")
        return pk

    def reference(self, model, item, row=None):
        """A person, donor or collection named in a list cell: "Name" or "Name <slug>". A person is
        found by name, else by name without accents, sort name or alias (NameIndex.match); the
        report notes whom each name was taken for."""
        match = REFERENCE.match(item)
        index = self.context.index(model)
        noun = model._meta.verbose_name
        if match:
            pk = index.get_key(match["slug"])
            if pk is None:
                raise ValueError(f"no {noun} has the slug “{match['slug']}”")
            return pk
        if len(item) > 255:
            raise ValueError(f"“{item[:40]}…” is longer than 255 characters")
        found = index.match(item)
        if len(found) > 1:
            listed = "; ".join(f"{index.name_of(pk)[0]} by {how}" for pk, how in found)
            slugs = ", ".join(index.name_of(pk)[1] for pk, _ in found)
            raise ValueError(
                f"{len(found)} {model._meta.verbose_name_plural} go by “{item}” ({listed}): "
                f"write “{item} <slug>”, with one of {slugs}"
            )
        if not found:
            return self.new(model, item)
        pk, how = found[0]
        if model is Person and name_key(item) not in self.matched_names and pk not in self.created_pks:
            self.matched_names.add(name_key(item))
            name, slug = index.name_of(pk)
            self.context.report.matched_people.append((item, f"{name} <{slug}>", how, row))
        return pk

    def new(self, model, name):
        pk = self.created_by_name.get((model, name_key(name)))
        if pk is not None:
            return pk
        if not self.context.may("add", model):
            raise ValueError(f"“{name}” is a new {model._meta.verbose_name}, and you do not have permission to add one")
        return New(model, name)

    def free_slug(self, model, name):
        """The slug SluggedModel.save would choose (unique_slug), from the index instead of a query per record."""
        if model not in self.old_slugs:
            self.old_slugs[model] = set(OldSlug.objects.for_model(model).values_list("slug", flat=True))
        index = self.context.index(model)
        base = slug_for(name) or model._meta.model_name
        slug, n = base, 2
        while index.get_key(slug) is not None or slug in self.old_slugs[model]:
            slug = f"{base}-{n}"
            n += 1
        return slug

    def create_new(self, value, result):
        """value with each New replaced by the primary key of the record it makes (made once per name)."""
        if isinstance(value, New):
            key = (value.model, name_key(value.name))
            if key not in self.created_by_name:
                obj = value.model(name=value.name, slug=self.free_slug(value.model, value.name))
                if has_field(value.model, "modified_by"):
                    obj.modified_by = self.context.saved_by()
                obj.save()
                self.created_by_name[key] = obj.pk
                if value.model is Person:
                    self.created_pks.add(obj.pk)
                self.context.index(value.model).put(obj, aliases=[] if value.model is Person else None)
                kind = entity_kind(obj)
                self.context.record(result, obj, "created", label=f"{kind} {obj.name}")
                self.context.report.new_records.append((kind, obj.name, result.row))
            return self.created_by_name[key]
        if isinstance(value, list):
            return [self.create_new(item, result) for item in value]
        return value
