"""The rows that describe people, organisations, donors, collections, languages, terms and relation
types: each found by code, slug or name, checked, and created or changed. They are applied before
any document row, so that documents can name what they describe."""

from django.core.exceptions import ValidationError

from ..models import Person, PersonAlias
from ..text import name_key
from .format import (
    ALIAS,
    ENTITY_FIELDS,
    ENTITY_MODELS,
    KINDS,
    LANGUAGE,
    PEOPLE,
    RELATION_TYPE,
    TERMS,
    default_acknowledgement,
)
from .readers import parse_row, row_kind
from .report import RowResult
from .state import documents_naming, entity_state
from .writes import has_field


class EntityRows:
    def __init__(self, context, names):
        self.context, self.names = context, names
        self.seen = {}  # (model, pk) → the row that describes it

    def apply(self, raw):
        kind = row_kind(raw.cells)
        label = str(raw.cells.get("name") or raw.cells.get("code") or "")[:300]
        result = RowResult(raw.number, kind if kind in KINDS else str(kind), label, "error")
        self.context.tick()
        if kind not in KINDS:
            result.errors.append(("kind", f"“{kind}” is not a kind of row: use one of {', '.join(KINDS)}"))
            return self.context.report.add(result)
        values, errors = parse_row(kind, raw.cells)
        result.errors += errors
        model = ENTITY_MODELS[kind]
        obj = self._find(kind, values, result)
        if obj is not None:
            first = self.seen.setdefault((model, obj.pk), raw.number)
            if first != raw.number:
                result.errors.append(("", f"row {first} describes the same {model._meta.verbose_name}: one row each"))
        if result.errors:
            return self.context.report.add(result)
        current = entity_state(kind, obj) if obj else None
        desired = self._desired(kind, values, obj, result)
        if result.errors:
            return self.context.report.add(result)
        changed = [name for name, value in desired.items() if current is None or current.get(name) != value]
        if obj is not None and not changed:
            result.status = "unchanged"
            return self.context.report.add(result)
        action = "add" if obj is None else "change"
        if not self.context.may(action, model):
            result.errors.append(("", f"you do not have permission to {action} {model._meta.verbose_name_plural}"))
            return self.context.report.add(result)

        def write():
            target = obj or model()
            for name in ENTITY_FIELDS[kind]:
                if name in desired:
                    setattr(target, name, desired[name])
            if kind in PEOPLE:
                target.kind = kind
            if has_field(model, "modified_by"):
                target.modified_by = self.context.saved_by()
            target.save()
            if "aliases" in desired:
                PersonAlias.objects.filter(person=target).delete()
                PersonAlias.objects.bulk_create(
                    PersonAlias(person=target, name=name, kind=alias_kind) for name, alias_kind in desired["aliases"]
                )
            return target

        saved = self.context.write(result, write)
        self.seen.setdefault((model, saved.pk), raw.number)
        if obj is None and model is Person:
            self.names.created_pks.add(saved.pk)
        self.context.index(model).put(
            saved, aliases=[a for a, _ in desired["aliases"]] if "aliases" in desired else None
        )
        if obj is not None and {"name", "aliases"} & set(changed):
            self.context.touched |= set(documents_naming(saved))  # their search entries hold the names
        result.label = saved.name
        result.status = "created" if obj is None else "updated"
        result.changed = [] if obj is None else changed
        before = None if obj is None else {name: current[name] for name in changed}
        self.context.record(result, saved, result.status, before, label=f"{kind} {saved.name}")
        self.context.report.add(result)

    def _find(self, kind, values, result):
        """The record an entity row describes: by code (languages), by slug, else by name; None if new."""
        model = ENTITY_MODELS[kind]
        index = self.context.index(model)
        if kind == LANGUAGE:
            code = values.get("code", "").lower()
            if not code:
                result.errors.append(("code", "required: languages are matched by their ISO 639 code"))
                return None
            pk = index.get_key(code)
            return model.objects.get(pk=pk) if pk else None
        slug = values.get("slug", "")
        if slug:
            pk = index.get_key(slug)
            if pk:
                return model.objects.get(pk=pk)
            if kind not in (*TERMS, RELATION_TYPE):
                return None  # another record may share the name: the slug says this is a new one
        name = values.get("name", "")
        if not name:
            result.errors.append(("name", "required"))
            return None
        found = index.match(name)
        if len(found) > 1:
            slugs = ", ".join(index.name_of(pk)[1] for pk, _ in found)
            result.errors.append(("name", f"{len(found)} records are called “{name}” ({slugs}): give the slug"))
            return None
        if found and found[0][1] != index.BY_NAME:
            # Another person's name without accents, sort name or alias: which one is meant, and
            # whether the row renames them, only a slug says.
            pk, how = found[0]
            other, slug = index.name_of(pk)
            result.errors.append(
                (
                    "name",
                    f"“{name}” is the {how} of {other} <{slug}>: give slug {slug} to change that person, "
                    "or a new slug to add another",
                )
            )
            return None
        return model.objects.get(pk=found[0][0]) if found else None

    def _desired(self, kind, values, obj, result):
        """The entity's state as the row wants it (only the columns the row has), checked."""
        model = ENTITY_MODELS[kind]
        desired = {name: values[name] for name in ENTITY_FIELDS[kind] if name in values}
        if "code" in desired:
            desired["code"] = desired["code"].lower()
        name = desired.get("name", obj.name if obj else "")
        if not name and "name" not in desired:
            result.errors.append(("name", "required"))
        if "slug" in desired and not desired["slug"]:
            del desired["slug"]  # empty: keep the slug, or make one from the name
        # An empty cell (or, for a new record, no column) means the usual default, worked out from the name.
        defaults = {
            "sort_name": name,
            "acknowledgement": default_acknowledgement(name),
            "inverse_name": name,
        }
        for column, default in defaults.items():
            if column in ENTITY_FIELDS[kind] and (column in values or obj is None):
                desired[column] = values.get(column) or default
        if kind in PEOPLE:
            desired["kind"] = kind
            if "aliases" in values:
                desired["aliases"] = self._aliases(values["aliases"], result)
        # The model's own checks: lengths, slugs, Wikidata and VIAF formats, URLs.
        probe = model(**{field_: desired[field_] for field_ in ENTITY_FIELDS[kind] if field_ in desired})
        if "name" not in desired:
            probe.name = name
        try:
            probe.clean_fields(exclude=[f.name for f in model._meta.fields if f.name not in desired or f.name == "id"])
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                result.errors += [(field_name, message) for message in messages]
        slug = desired.get("slug")
        if slug:
            other = self.context.index(model).get_key(slug)
            if other and (obj is None or other != obj.pk):
                result.errors.append(("slug", f"“{slug}” is another {model._meta.verbose_name}'s slug"))
        # Terms' and people's names are unique whatever the case (people: Person.name_key).
        unique_names = kind in (*TERMS, RELATION_TYPE, LANGUAGE, *PEOPLE) and "name" in desired
        index = self.context.index(model)
        namesakes = [pk for pk, how in index.match(name) if how == index.BY_NAME and (obj is None or pk != obj.pk)]
        if unique_names and namesakes:
            other, slug = index.name_of(namesakes[0])
            result.errors.append(("name", f"another {model._meta.verbose_name} is called “{other}” <{slug}>"))
        if kind in PEOPLE:
            born = desired.get("birth_year", obj.birth_year if obj else None)
            died = desired.get("death_year", obj.death_year if obj else None)
            if born is not None and died is not None and born > died:
                result.errors.append(("death_year", "is before the year of birth"))
        return desired

    def _aliases(self, items, result):
        aliases, seen = [], set()
        for item in items:
            match = ALIAS.match(item)
            alias_name, kind = (match["name"].strip(), match["kind"].lower()) if match else (item, "other")
            if len(alias_name) > 255:
                result.errors.append(("aliases", f"“{alias_name[:40]}…” is longer than 255 characters"))
            elif name_key(alias_name) not in seen:
                seen.add(name_key(alias_name))
                aliases.append([alias_name, kind])
        return sorted(aliases)
