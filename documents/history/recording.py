"""History: every change to the archive's records kept as a version, with who, when and what.

django-reversion stores the versions (docs/history.md says why it and not django-simple-history).
A revision is one save: a document's version holds its own fields and many-to-many links, and
the same revision holds its parts (people in roles, relations in both directions, scans); a
person's holds its aliases. This module

- registers the models and records what reversion's signals cannot see: a part saved on its own
  (a relation edited from the other document) is a change to its document too, a deletion is
  recorded before the rows go, and bulk ``update()`` calls record through ``record_each()``;
- reads a record's history as readable, field-by-field changes (``entries``, ``diff``), usable for
  any two states of a record, past (``version_state``) or present (``current_state``);
- reverts a record to a version, and restores a deleted one, with its parts (``revert``, ``restore``).

Every write path opens a revision around its writes with ``recording(user, comment)``: the admin does
(HistoryAdmin), and so must any other (import, API)."""

import difflib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Prefetch
from django.db.models.signals import post_delete, post_save
from django.utils import formats, timezone
from django.utils.text import capfirst
from reversion.errors import RevisionManagementError
from reversion.models import Version

from .. import roles
from ..models import Collection, Document, DocumentPerson, Donor, Person, PersonAlias, Relation, RelationType, Scan
from ..text import normalize_text
from . import locking

# What each record's version carries along: its parts, by the reverse accessor's name.
FOLLOW = {
    Document: ("person_links", "outgoing_relations", "incoming_relations", "scans"),
    Person: ("aliases",),
}
# A part belongs to these records' histories (the foreign keys that name them).
PARENTS = {DocumentPerson: ("document",), Relation: ("source", "target"), Scan: ("document",), PersonAlias: ("person",)}
PEOPLE_LABELS = {
    DocumentPerson.Role.AUTHOR: "Authors",
    DocumentPerson.Role.RECIPIENT: "Recipients",
    DocumentPerson.Role.PARTICIPANT: "Participants",
    DocumentPerson.Role.MENTIONED: "People mentioned",
}
# Text longer than this is shown as the changed passages, not whole.
LONG_TEXT = 300


class HistoryError(Exception):
    """A revert or restore that cannot be done; the message says why, for the curator."""


# Registration --------------------------------------------------------------------------------

for _model in (Document, Person, Donor, Collection, Relation, DocumentPerson, Scan, PersonAlias):
    if not reversion.is_registered(_model):
        reversion.register(_model, follow=FOLLOW.get(_model, ()))


def _part_changed(sender, instance, **kwargs):
    """A part saved or deleted by itself (its own admin page, the other document's form, a script)
    changes its record: put the record, as it now is, in the open revision."""
    if not reversion.is_active():
        return
    for name in PARENTS[sender]:
        parent_field = sender._meta.get_field(name)
        parent = parent_field.related_model._base_manager.filter(pk=getattr(instance, parent_field.attname)).first()
        if parent is not None:
            reversion.add_to_revision(parent)


for _model in PARENTS:
    post_save.connect(_part_changed, sender=_model, dispatch_uid=f"history-part-saved-{_model.__name__}")
    post_delete.connect(_part_changed, sender=_model, dispatch_uid=f"history-part-deleted-{_model.__name__}")


# Recording -----------------------------------------------------------------------------------


@contextmanager
def recording(user=None, comment="", atomic=True):
    """Record every write to a registered model inside the block as one revision by user.

    Inside an open revision this joins it (one revision in all). atomic=False for a block whose
    writes must not be rolled back with it (e.g. Scan.append_to, which stores files)."""
    with reversion.create_revision(atomic=atomic):
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        if comment:
            reversion.set_comment(comment)
        yield


def set_comment(comment):
    """Say what the open revision did (no-op outside one)."""
    if reversion.is_active():
        reversion.set_comment(comment)


def record_each(objects, user=None, comment=""):
    """One revision per object, as it now is: for writes that send no signals (QuerySet.update)."""
    for obj in objects:
        with recording(user, comment):
            reversion.add_to_revision(obj)


@contextmanager
def deleting(objects, user=None):
    """Record objects as deleted by user, then delete them inside the block.

    Reversion keeps versions only of rows that exist when a revision closes, so the deleted records
    (with their parts) are recorded first, in a revision of their own: its version is the one that
    "recover deleted" restores. A second revision records what the deletion changes in records that
    stay (a document whose relation goes with the deleted one; documents that lose a deleted donor)."""
    if reversion.is_active():
        raise RevisionManagementError("deleting() records its own revisions: call it outside an open one.")
    objects = list(objects)
    if not objects:
        yield
        return
    opts = objects[0]._meta
    if len(objects) == 1:
        comment = f"Deleted {opts.verbose_name} “{objects[0]}”."
    else:
        comment = f"Deleted {len(objects)} {opts.verbose_name_plural}."
    with transaction.atomic():
        with recording(user, comment):
            for obj in objects:
                reversion.add_to_revision(obj)
        losing_links = _linked_by_many_to_many(objects)
        with recording(user, comment):
            yield
            for obj in losing_links:
                if type(obj)._base_manager.filter(pk=obj.pk).exists():
                    reversion.add_to_revision(obj)


def _linked_by_many_to_many(objects):
    """Registered records whose many-to-many fields point at objects (a donor's documents): the
    database drops those links without signals."""
    model, pks = type(objects[0]), [obj.pk for obj in objects]
    linked = []
    for owner in reversion.get_registered_models():
        for m2m in _m2m_fields(owner):
            if m2m.related_model is model:
                linked += owner._base_manager.filter(**{f"{m2m.name}__in": pks}).distinct()
    return linked


# Reading: states and the changes between them -------------------------------------------------


@dataclass
class State:
    """What a record held at one moment: its field values (attname → value, a many-to-many field's
    name → [pk]) and each part's rows, as field values. part_versions: the versions the part rows
    came from, for a past state."""

    model: type
    pk: object
    values: dict
    parts: dict
    part_versions: dict = field(default_factory=dict)


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


def _own_fields(model):
    """The fields curators edit, in form order: what a version shows and a revert restores.
    Not the record-keeping ones (timestamps, who changed it last, first publication)."""
    return [f for f in model._meta.concrete_fields if f.editable and not f.primary_key]


def _m2m_fields(model):
    """Many-to-many fields stored in the record's own version (not those with a through model)."""
    return [f for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]


def _part_link(model, name):
    """(part model, attname of its foreign key to model) for the reverse accessor name."""
    for rel in model._meta.related_objects:
        if rel.get_accessor_name() == name:
            return rel.related_model, rel.field.attname
    raise LookupError(f"{model.__name__} has no reverse relation {name!r}")


def _row_values(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def current_state(obj):
    """The record as it is in the database now, with its parts."""
    model = type(obj)
    values = _row_values(obj)
    for m2m in _m2m_fields(model):
        values[m2m.attname] = list(getattr(obj, m2m.name).values_list("pk", flat=True))
    parts = {name: [_row_values(part) for part in getattr(obj, name).all()] for name in FOLLOW.get(model, ())}
    return State(model, obj.pk, values, parts)


def _state_from(version, revision_versions):
    model = version._model
    pk = model._meta.pk.to_python(version.object_id)
    parts, part_versions = {}, {}
    for name in FOLLOW.get(model, ()):
        part_model, fk = _part_link(model, name)
        rows = [v for v in revision_versions if v._model is part_model and v.field_dict.get(fk) == pk]
        part_versions[name] = rows
        parts[name] = [v.field_dict for v in rows]
    return State(model, pk, dict(version.field_dict), parts, part_versions)


def _part_content_types(model):
    part_models = [_part_link(model, name)[0] for name in FOLLOW.get(model, ())]
    return list(ContentType.objects.get_for_models(*part_models).values()) if part_models else []


def version_states(versions):
    """The state each version records (its parts read from the same revision), in one query."""
    versions = list(versions)
    if not versions:
        return []
    by_revision = defaultdict(list)
    content_types = _part_content_types(versions[0]._model)
    if content_types:
        revision_ids = {v.revision_id for v in versions}
        for part in Version.objects.filter(revision_id__in=revision_ids, content_type__in=content_types):
            by_revision[part.revision_id].append(part)
    return [_state_from(v, by_revision[v.revision_id]) for v in versions]


def version_state(version):
    return version_states([version])[0]


def state_at(obj, number):
    """The state of a versioned record (VersionedModel) as it was saved at its version ``number``, from
    its history: what an edit that started from that version started from. None if no version of its
    history holds that number (a save from outside any revision, or before history was kept)."""
    if number is None or not hasattr(obj, "version"):
        return None
    for version in versions_of(obj).iterator(chunk_size=20):  # newest first
        saved = version.field_dict.get("version")
        if saved == number:
            return version_state(version)
        if saved is not None and saved < number:
            return None
    return None


def fingerprints_of(state):
    """A state's fields (those curators edit) as the fingerprints history/locking.py compares; None for no state."""
    if state is None:
        return None
    return {
        f.name: locking.fingerprint(locking.normalize(state.values[f.attname], f))
        for f in _own_fields(state.model) + _m2m_fields(state.model)
        if f.attname in state.values
    }


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
    for f in _own_fields(state.model) + _m2m_fields(state.model):
        value = state.values.get(f.attname)
        if f.many_to_many:
            yield from ((f.related_model, pk) for pk in value or ())
        elif f.many_to_one and value is not None:
            yield f.related_model, value
    for name, rows in state.parts.items():
        part_model = _part_link(state.model, name)[0]
        for f in part_model._meta.concrete_fields:
            if f.many_to_one:
                yield from ((f.related_model, row[f.attname]) for row in rows if row.get(f.attname) is not None)


def _text(f, value, names):
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
        (f.name, capfirst(f.verbose_name), _text(f, state.values.get(f.attname), names))
        for f in _own_fields(state.model) + _m2m_fields(state.model)
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
    fields = {f.name: f for f in _own_fields(new.model)}
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


def versions_of(obj):
    """The record's versions, newest first, with who made them."""
    return Version.objects.get_for_object(obj).select_related("revision__user").order_by("-pk")


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


# Reverting and restoring ---------------------------------------------------------------------


@dataclass
class Outcome:
    """A revert's or restore's result: the record, and what could not be done as asked."""

    obj: models.Model
    notes: list


def _kept_fields(model, user):
    """Fields a revert or restore leaves alone for this user: the publication status, unless
    the user may publish (roles.py)."""
    return {"status"} if model is Document and not roles.can_publish(user) else set()


def when(version):
    return formats.date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")


def who(version):
    user = version.revision.user
    return (user.get_full_name() or user.get_username()) if user else "the system"


def _missing(f, value):
    """Whether a foreign key value names a row that no longer exists."""
    return f.many_to_one and value is not None and not f.related_model._base_manager.filter(pk=value).exists()


def _existing(model, pks):
    return list(model._base_manager.filter(pk__in=pks).values_list("pk", flat=True))


def _stamp(obj, user):
    if hasattr(obj, "modified_by_id") and user is not None and user.is_authenticated:
        obj.modified_by = user


def _restore_row(version, notes):
    """Put a part row back as its version has it; False (with a note) if it cannot come back."""
    row = version._object_version.object
    for f in row._meta.concrete_fields:
        if _missing(f, getattr(row, f.attname)):
            if not f.null:
                notes.append(f"Not restored: {version.object_repr} (its {f.verbose_name} no longer exists).")
                return False
            setattr(row, f.attname, None)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        notes.append(f"Not restored: {version.object_repr} (it clashes with one added since).")
        return False
    return True


def _restore_parts(obj, target, notes):
    """Make obj's parts those of the target state: remove the ones added since, put back the rest."""
    for name in FOLLOW.get(type(obj), ()):
        part_model, _ = _part_link(type(obj), name)
        wanted = target.part_versions.get(name, [])
        keep = [part_model._meta.pk.to_python(v.object_id) for v in wanted]
        getattr(obj, name).exclude(pk__in=keep).delete()
        for version in wanted:
            _restore_row(version, notes)


def _set_many_to_many(obj, values, notes):
    for m2m in _m2m_fields(type(obj)):
        if m2m.attname not in values:
            continue
        pks = values[m2m.attname]
        existing = _existing(m2m.related_model, pks)
        if len(existing) < len(pks):
            notes.append(f"{capfirst(m2m.verbose_name)}: some no longer exist and were left out.")
        getattr(obj, m2m.name).set(existing)


def _reindex(obj):
    if isinstance(obj, Document):
        from ..search import enqueue

        enqueue([obj.pk])


def _keep_current(obj, target, user):
    """Give target the current values of the fields this user may not revert; a note for each
    that would otherwise have changed."""
    notes = []
    for name in _kept_fields(type(obj), user):
        f = type(obj)._meta.get_field(name)
        current = getattr(obj, f.attname)
        if target.values.get(f.attname) != current:
            target.values[f.attname] = current
            notes.append(f"The {f.verbose_name} stays “{_text(f, current, None)}”: only editors publish and unpublish.")
    return notes


def revert_plan(obj, version, user):
    """(changes, notes): what reverting obj to version would change, as diff() reads it, and what
    it leaves as it is for this user."""
    target = version_state(version)
    notes = _keep_current(obj, target, user)
    return diff(current_state(obj), target), notes


def revert(obj, version, user):
    """Make obj what it was in version, with its parts, as a new version by user.

    The fields curators edit, the many-to-many links and the parts come back; record-keeping
    fields (timestamps, first publication) stay current, and so does the status for a user who
    may not publish. Parts that name a row deleted since cannot come back: notes say which."""
    model = type(obj)
    if version._model is not model or version.object_id != str(obj.pk):
        raise HistoryError("That version belongs to another record.")
    target = version_state(version)
    notes = _keep_current(obj, target, user)
    with transaction.atomic(), recording(user, f"Reverted to the version of {when(version)} by {who(version)}."):
        for f in _own_fields(model):
            if f.attname not in target.values:
                continue  # a field added since that version: left as it is
            value = target.values[f.attname]
            if _missing(f, value):
                if not f.null:
                    raise HistoryError(f"Cannot revert: the {f.verbose_name} it had no longer exists.")
                notes.append(f"{capfirst(f.verbose_name)}: the one it had no longer exists; left empty.")
                value = None
            setattr(obj, f.attname, value)
        _stamp(obj, user)
        obj.save()
        _set_many_to_many(obj, target.values, notes)
        _restore_parts(obj, target, notes)
    _reindex(obj)
    return Outcome(obj, notes)


def deleted_versions(model):
    """The last version of each deleted record of model, most recently deleted first."""
    deleted = Version.objects.get_deleted(model).select_related("revision__user")
    return deleted.order_by("-revision__date_created", "-pk")


def restore_problems(version):
    """Why the deleted record of version cannot be restored, or None."""
    model = version._model
    obj = version._object_version.object
    if model._base_manager.filter(pk=obj.pk).exists():
        return f"“{version.object_repr}” exists: there is nothing to restore."
    for f in model._meta.concrete_fields:
        value = getattr(obj, f.attname)
        if f.unique and not f.primary_key and value not in (None, ""):
            other = model._base_manager.filter(**{f.attname: value}).first()
            if other is not None:
                return f"Its {f.verbose_name} {value} is now used by “{other}”."
        if not f.null and _missing(f, value):
            return f"Its {f.verbose_name} no longer exists."
    namesake = obj.namesake() if hasattr(obj, "namesake") else None  # a person: one record per name
    if namesake is not None:
        return f"Its name is now that of “{namesake}”, and two people may not share a name: rename that person first."
    return None


def restore(version, user):
    """Bring back the deleted record of version (its last), with its many-to-many links and parts,
    as a new version by user. A document comes back as a draft unless the user may publish; parts
    that name a row deleted since (a relation to a document that is gone) stay out: notes say which."""
    problem = restore_problems(version)
    if problem:
        raise HistoryError(f"Cannot restore “{version.object_repr}”: {problem}")
    target = version_state(version)
    obj = version._object_version.object
    model, notes = type(obj), []
    if "status" in _kept_fields(model, user) and obj.status == Document.Status.PUBLISHED:
        obj.status = Document.Status.DRAFT
        notes.append("It was published; it comes back as a draft, since only editors publish.")
    for f in model._meta.concrete_fields:
        if _missing(f, getattr(obj, f.attname)):
            notes.append(f"{capfirst(f.verbose_name)}: the one it had no longer exists; left empty.")
            setattr(obj, f.attname, None)
    with transaction.atomic(), recording(user, f"Restored from history (the version of {when(version)})."):
        _stamp(obj, user)
        created_at = getattr(obj, "created_at", None)
        obj.save()
        if created_at is not None:
            model._base_manager.filter(pk=obj.pk).update(created_at=created_at)  # save() stamps it as new
        _set_many_to_many(obj, target.values, notes)
        _restore_parts(obj, target, notes)
    _reindex(obj)
    return Outcome(obj, notes)


__all__ = [
    "FieldChange",
    "HistoryEntry",
    "HistoryError",
    "State",
    "current_state",
    "deleted_versions",
    "deleting",
    "diff",
    "entries",
    "history",
    "record_each",
    "recording",
    "restore",
    "revert",
    "revert_plan",
    "set_comment",
    "state_at",
    "version_state",
    "versions_of",
]


def documents_for_history(pks):
    """The documents with everything their version holds (links, people in roles, relations, scans),
    prefetched, so that recording a version costs no query per document: a list."""
    relations = Relation.objects.select_related("source", "target", "type").only(
        "note", "source__record_id", "target__record_id", "type__name"
    )
    many_to_many = [f.name for f in Document._meta.many_to_many if f.remote_field.through._meta.auto_created]
    documents = list(
        Document.objects.filter(pk__in=pks).prefetch_related(
            *many_to_many,
            "scans",
            Prefetch("person_links", queryset=DocumentPerson.objects.select_related("person")),
            Prefetch("outgoing_relations", queryset=relations),
            Prefetch("incoming_relations", queryset=relations),
        )
    )
    # Django's serializer clones each prefetched many-to-many queryset before reading it, which
    # applies the prefetch's pending filter: a query built per document and field (a quarter of the
    # cost of history in a 10,000-row import). A plain queryset holding the same rows, as
    # prefetch_related itself stores them, serializes alike without it.
    for document in documents:
        cache = document._prefetched_objects_cache
        for name in many_to_many:
            rows = cache[name]
            plain = rows.model._base_manager.none()
            plain._result_cache, plain._prefetch_done = list(rows), True
            cache[name] = plain
    return documents
