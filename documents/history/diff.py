"""A record's history as a curator reads it: field-by-field changes between any two states
(states.py), with names, not ids, and the changed passages of long texts."""

import difflib
from collections import defaultdict
from dataclasses import dataclass, field

import reversion
from django.db import models
from django.utils.text import capfirst
from reversion.models import Version

from ..models import Document, DocumentPerson, Person, PersonAlias, RelationType
from ..text import normalize_text
from .states import m2m_fields, own_fields, part_link, version_states, versions_of

PEOPLE_LABELS = {
    DocumentPerson.Role.AUTHOR: "Authors",
    DocumentPerson.Role.RECIPIENT: "Recipients",
    DocumentPerson.Role.PARTICIPANT: "Participants",
    DocumentPerson.Role.MENTIONED: "People mentioned",
}
# Text longer than this is shown as the changed passages, not whole.
LONG_TEXT = 300


@dataclass
class Fragment:
    """One changed passage of a long text, with a few words around it."""

    before: str
    old: str
    new: str
    after: str


@dataclass
class FieldChange:
    """One field (or list of parts) whose readable value changed."""

    name: str
    label: str
    old: str
    new: str
    fragments: list = field(default_factory=list)  # for long texts: the changed passages

    def __str__(self):
        return f"{self.label}: {self.old or '—'} → {self.new or '—'}"


@dataclass
class HistoryEntry:
    """A version of a record with what it changed from the version before (first: there was none)."""

    version: Version
    changes: list
    first: bool
    latest: bool

    @property
    def revision(self):
        return self.version.revision


class _Names:
    """The rows that a set of states refers to (people, vocabulary terms, documents), one query per model."""

    LABEL_FIELDS = {Document: ("record_id", "title")}  # a document's label needs no long text

    def __init__(self, states):
        wanted = defaultdict(set)
        for state in states:
            for model, pk in _references(state):
                wanted[model].add(pk)
        self.rows = {}
        for model, pks in wanted.items():
            queryset = model._base_manager.filter(pk__in=pks)
            if model in self.LABEL_FIELDS:
                queryset = queryset.only(*self.LABEL_FIELDS[model])
            self.rows[model] = {obj.pk: obj for obj in queryset}

    def get(self, model, pk):
        return self.rows.get(model, {}).get(pk)

    def label(self, model, pk):
        obj = self.get(model, pk)
        if obj is not None:
            return str(obj)
        last = Version.objects.get_for_object_reference(model, pk).first() if reversion.is_registered(model) else None
        return f"{last.object_repr} (deleted)" if last else f"deleted {model._meta.verbose_name} #{pk}"


def _references(state):
    """(model, pk) of every row a state names through a foreign key or many-to-many field."""
    for f in own_fields(state.model) + m2m_fields(state.model):
        value = state.values.get(f.attname)
        if f.many_to_many:
            yield from ((f.related_model, pk) for pk in value or ())
        elif f.many_to_one and value is not None:
            yield f.related_model, value
    for name, rows in state.parts.items():
        part_model = part_link(state.model, name)[0]
        for f in part_model._meta.concrete_fields:
            if f.many_to_one:
                yield from ((f.related_model, row[f.attname]) for row in rows if row.get(f.attname) is not None)


def field_text(f, value, names):
    """A field's value as a curator reads it: names, not ids; labels, not codes."""
    if value is None or value == "" or (f.many_to_many and not value):
        return ""
    if f.many_to_many:
        return ", ".join(sorted(names.label(f.related_model, pk) for pk in value))
    if f.many_to_one:
        return names.label(f.related_model, value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return "yes" if value else "no"
    if isinstance(f, models.FileField):
        return getattr(value, "name", value) or ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return normalize_text(str(value))  # a version saved before text was normalized: \r\n is no change


def _document_parts(state, names):
    links = sorted(state.parts["person_links"], key=lambda row: (row["order"], row["id"]))
    for role, label in PEOPLE_LABELS.items():
        people = [names.label(Person, row["person_id"]) for row in links if row["role"] == role]
        yield f"people:{role}", label, ", ".join(people)
    related = []
    directions = [("outgoing_relations", "target_id", "name"), ("incoming_relations", "source_id", "inverse_name")]
    for name, other, wording in directions:
        for row in state.parts[name]:
            relation_type = names.get(RelationType, row["type_id"])
            text = f"{getattr(relation_type, wording, 'related to')} {names.label(Document, row[other])}"
            related.append(f"{text} ({row['note']})" if row.get("note") else text)
    yield "relations", "Related documents", "; ".join(sorted(related))
    scans = sorted(state.parts["scans"], key=lambda row: (row["order"], row["id"]))
    # A scan is named as it was uploaded (it is stored under a name of the server's); older versions
    # recorded no uploaded name.
    pages = [
        f"{row['order']}. {row['alt_text']} ({row.get('original_filename') or _text_of_file(row['image'])})"
        for row in scans
    ]
    yield "scans", "Scans", "; ".join(pages)


def _text_of_file(value):
    return (getattr(value, "name", value) or "").rsplit("/", 1)[-1]


def _person_parts(state, names):
    kinds = dict(PersonAlias.Kind.choices)
    aliases = sorted(state.parts["aliases"], key=lambda row: row["name"])
    listed = [f"{row['name']} ({kinds.get(row['kind'], row['kind']).lower()})" for row in aliases]
    yield "aliases", "Aliases", ", ".join(listed)


PART_VIEWS = {Document: _document_parts, Person: _person_parts}


def readable(state, names):
    """[(name, label, text)] for a state: its fields in form order, then its parts."""
    rows = [
        (f.name, capfirst(f.verbose_name), field_text(f, state.values.get(f.attname), names))
        for f in own_fields(state.model) + m2m_fields(state.model)
    ]
    if state.model in PART_VIEWS:
        rows += list(PART_VIEWS[state.model](state, names))
    return rows


def _fragments(old, new, context=8, limit=20):
    """The changed passages between two long texts, word by word."""
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    found = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before = " ".join(a[max(0, i1 - context) : i1])
        after = " ".join(a[i2 : i2 + context])
        found.append(Fragment(before, " ".join(a[i1:i2]), " ".join(b[j1:j2]), after))
    return found[:limit]


def _changes(old, new, names):
    before = {name: text for name, _, text in readable(old, names)} if old is not None else {}
    fields = {f.name: f for f in own_fields(new.model)}
    changes = []
    for name, label, text in readable(new, names):
        was = before.get(name, "")
        if was == text:
            continue
        change = FieldChange(name, label, was, text)
        if isinstance(fields.get(name), models.TextField) and max(len(was), len(text)) > LONG_TEXT and was and text:
            change.fragments = _fragments(was, text)
        changes.append(change)
    return changes


def diff(old, new):
    """What changed from state old to state new (old None: everything new holds), field by field:
    [FieldChange(name, label, old text, new text)]. States come from current_state() or
    version_state(); e.g. diff(version_state(v), current_state(obj)) is what changed since v."""
    names = _Names([s for s in (old, new) if s is not None])
    return _changes(old, new, names)


def entries(versions, older=None, latest=None):
    """A HistoryEntry for each of versions (newest first), compared with the version after it in the
    list; older is the version before the last one (None: the last is the first recorded), latest
    the record's newest version."""
    versions = list(versions)
    states = version_states(versions + ([older] if older is not None else []))
    names = _Names(states)
    result = []
    for index, version in enumerate(versions):
        previous = states[index + 1] if index + 1 < len(states) else None
        changes = _changes(previous, states[index], names)
        result.append(HistoryEntry(version, changes, first=previous is None, latest=version == latest))
    return result


def history(obj):
    """Every version of the record, newest first, with what each changed."""
    versions = list(versions_of(obj))
    return entries(versions, latest=versions[0] if versions else None)
