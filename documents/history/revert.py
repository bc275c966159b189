"""Reverting a record to one of its versions, with its parts, as a new version."""

from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.utils.text import capfirst

from .. import roles
from ..models import Document
from ..search import enqueue
from .diff import diff, field_text
from .recording import recording, when, who
from .states import FOLLOW, current_state, m2m_fields, own_fields, part_link, version_state


class HistoryError(Exception):
    """A revert or restore that cannot be done; the message says why, for the curator."""


@dataclass
class Outcome:
    """A revert's or restore's result: the record, and what could not be done as asked."""

    obj: models.Model
    notes: list


def kept_fields(model, user):
    """Fields a revert or restore leaves alone for this user: the publication status, unless
    the user may publish (roles.py)."""
    return {"status"} if model is Document and not roles.can_publish(user) else set()


def is_missing(f, value):
    """Whether a foreign key value names a row that no longer exists."""
    return f.many_to_one and value is not None and not f.related_model._base_manager.filter(pk=value).exists()


def _existing(model, pks):
    return list(model._base_manager.filter(pk__in=pks).values_list("pk", flat=True))


def stamp(obj, user):
    if hasattr(obj, "modified_by_id") and user is not None and user.is_authenticated:
        obj.modified_by = user


def _restore_row(version, notes):
    """Put a part row back as its version has it; False (with a note) if it cannot come back."""
    row = version._object_version.object
    for f in row._meta.concrete_fields:
        if is_missing(f, getattr(row, f.attname)):
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


def restore_parts(obj, target, notes):
    """Make obj's parts those of the target state: remove the ones added since, put back the rest."""
    for name in FOLLOW.get(type(obj), ()):
        part_model, _ = part_link(type(obj), name)
        wanted = target.part_versions.get(name, [])
        keep = [part_model._meta.pk.to_python(v.object_id) for v in wanted]
        getattr(obj, name).exclude(pk__in=keep).delete()
        for version in wanted:
            _restore_row(version, notes)


def set_many_to_many(obj, values, notes):
    for m2m in m2m_fields(type(obj)):
        if m2m.attname not in values:
            continue
        pks = values[m2m.attname]
        existing = _existing(m2m.related_model, pks)
        if len(existing) < len(pks):
            notes.append(f"{capfirst(m2m.verbose_name)}: some no longer exist and were left out.")
        getattr(obj, m2m.name).set(existing)


def reindex(obj):
    if isinstance(obj, Document):
        enqueue([obj.pk])


def _keep_current(obj, target, user):
    """Give target the current values of the fields this user may not revert; a note for each
    that would otherwise have changed."""
    notes = []
    for name in kept_fields(type(obj), user):
        f = type(obj)._meta.get_field(name)
        current = getattr(obj, f.attname)
        if target.values.get(f.attname) != current:
            target.values[f.attname] = current
            notes.append(
                f"The {f.verbose_name} stays “{field_text(f, current, None)}”: only editors publish and unpublish."
            )
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
        for f in own_fields(model):
            if f.attname not in target.values:
                continue  # a field added since that version: left as it is
            value = target.values[f.attname]
            if is_missing(f, value):
                if not f.null:
                    raise HistoryError(f"Cannot revert: the {f.verbose_name} it had no longer exists.")
                notes.append(f"{capfirst(f.verbose_name)}: the one it had no longer exists; left empty.")
                value = None
            setattr(obj, f.attname, value)
        stamp(obj, user)
        obj.save()
        set_many_to_many(obj, target.values, notes)
        restore_parts(obj, target, notes)
    reindex(obj)
    return Outcome(obj, notes)
