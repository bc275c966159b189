"""Recovering deleted records: the last version of each, and bringing one back with its parts."""

from django.db import transaction
from django.utils.text import capfirst
from reversion.models import Version

from ..models import Document
from .recording import recording, when
from .revert import HistoryError, Outcome, is_missing, kept_fields, reindex, restore_parts, set_many_to_many, stamp
from .states import version_state


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
        if not f.null and is_missing(f, value):
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
    if "status" in kept_fields(model, user) and obj.status == Document.Status.PUBLISHED:
        obj.status = Document.Status.DRAFT
        notes.append("It was published; it comes back as a draft, since only editors publish.")
    for f in model._meta.concrete_fields:
        if is_missing(f, getattr(obj, f.attname)):
            notes.append(f"{capfirst(f.verbose_name)}: the one it had no longer exists; left empty.")
            setattr(obj, f.attname, None)
    with transaction.atomic(), recording(user, f"Restored from history (the version of {when(version)})."):
        stamp(obj, user)
        created_at = getattr(obj, "created_at", None)
        obj.save()
        if created_at is not None:
            model._base_manager.filter(pk=obj.pk).update(created_at=created_at)  # save() stamps it as new
        set_many_to_many(obj, target.values, notes)
        restore_parts(obj, target, notes)
    reindex(obj)
    return Outcome(obj, notes)
