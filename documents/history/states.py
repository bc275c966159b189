"""A record's state at one moment, past (a version and its revision's parts) or present (the
database now), in one shape that diff.py compares and revert.py restores."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from reversion.models import Version

from ..models import Document, Person
from . import locking

# What each record's version carries along: its parts, by the reverse accessor's name.
FOLLOW = {
    Document: ("person_links", "outgoing_relations", "incoming_relations", "scans"),
    Person: ("aliases",),
}


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


def own_fields(model):
    """The fields curators edit, in form order: what a version shows and a revert restores.
    Not the record-keeping ones (timestamps, who changed it last, first publication)."""
    return [f for f in model._meta.concrete_fields if f.editable and not f.primary_key]


def m2m_fields(model):
    """Many-to-many fields stored in the record's own version (not those with a through model)."""
    return [f for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]


def part_link(model, name):
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
    for m2m in m2m_fields(model):
        values[m2m.attname] = list(getattr(obj, m2m.name).values_list("pk", flat=True))
    parts = {name: [_row_values(part) for part in getattr(obj, name).all()] for name in FOLLOW.get(model, ())}
    return State(model, obj.pk, values, parts)


def state_from(version, revision_versions):
    """The state version records, its parts read from revision_versions (the versions of its revision)."""
    model = version._model
    pk = model._meta.pk.to_python(version.object_id)
    parts, part_versions = {}, {}
    for name in FOLLOW.get(model, ()):
        part_model, fk = part_link(model, name)
        rows = [v for v in revision_versions if v._model is part_model and v.field_dict.get(fk) == pk]
        part_versions[name] = rows
        parts[name] = [v.field_dict for v in rows]
    return State(model, pk, dict(version.field_dict), parts, part_versions)


def _part_content_types(model):
    part_models = [part_link(model, name)[0] for name in FOLLOW.get(model, ())]
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
    return [state_from(v, by_revision[v.revision_id]) for v in versions]


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
        for f in own_fields(state.model) + m2m_fields(state.model)
        if f.attname in state.values
    }


def versions_of(obj):
    """The record's versions, newest first, with who made them."""
    return Version.objects.get_for_object(obj).select_related("revision__user").order_by("-pk")
