"""No lost edits: a save that started from an older version of a record is merged or refused.

Every versioned record (documents/models/base.py, VersionedModel) counts its saves in ``version``.
An edit remembers the version it started from and a fingerprint of each field's value then (the
*base*). When it is saved and the record has moved on, three values of each field are compared:
the base, the record's current value (*theirs*) and the edit's value (*yours*):

- a field only they changed keeps their value; a field only you changed takes yours;
- a field you both changed to different values is a conflict: the save is refused (StaleEdit)
  with their value and yours, until the editor says which to keep (``resolutions``);
- a field you both changed to the same value is no conflict.

The admin's form carries its base; the API reads it from the record's history at the version its
If-Match names (history.state_at). Without a base (a version the history does not hold), nobody can
tell whose change a difference is, so every field the edit would change is a conflict.

The admin (documents/admin/locking.py) and save_from() below both decide through reconcile(),
so every write path follows the same rule. The final write is a conditional UPDATE ... WHERE
version = the version checked, so even a save racing past the check cannot overwrite."""

import hashlib
import json
from dataclasses import dataclass, field

from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import ngettext

from ..models.base import VersionChanged
from ..text import normalize_text

SIGNING_SALT = "documents.history.locking.base"
KEEP_THEIRS, KEEP_MINE = "theirs", "mine"


class StaleEdit(VersionChanged):
    """An edit from an older version changed fields that someone else changed too: nothing was saved.

    ``outcome`` names who saved in between and when, and holds one Conflict per field."""

    def __init__(self, outcome):
        self.outcome = outcome
        self.obj, self.expected = outcome.current, outcome.base_version
        Exception.__init__(self, outcome.refusal())

    @property
    def conflicts(self):
        return self.outcome.conflicts


@dataclass(frozen=True)
class Conflict:
    """One field (or inline row) that both edits changed: its label, their value and yours, as text."""

    key: str
    label: str
    theirs: str
    yours: str


@dataclass
class Outcome:
    """What reconcile() found: whether the edit is stale, who saved in between, and what each side changed."""

    current: models.Model
    base_version: int
    current_version: int
    saved_by: object = None
    saved_at: object = None
    theirs: list = field(default_factory=list)
    yours: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    kept_theirs: list = field(default_factory=list)
    kept_mine: list = field(default_factory=list)
    keep_current: set = field(default_factory=set)
    # Parts of the record (rows in the admin's inlines) changed elsewhere, though its version did not.
    moved: bool = False

    @property
    def stale(self):
        return self.current_version != self.base_version

    @property
    def merged(self):
        """An edit from an older state saved anyway: nothing overlapped, or the editor chose for each overlap."""
        return (self.stale or self.moved) and not self.conflicts

    @property
    def saves_between(self):
        return max(self.current_version - self.base_version, 0)

    def who(self):
        return user_name(self.saved_by)

    def who_changed(self):
        return self.who() if self.stale else "someone"

    def when(self):
        if self.saved_at is None:
            return "an unrecorded time"
        return formats.date_format(timezone.localtime(self.saved_at), "DATETIME_FORMAT")

    def between(self):
        """Who saved in between, and when: "Ada saved this document at ..., after you opened it"."""
        if not self.stale:
            return f"some of its parts were changed elsewhere after you opened this {self.current._meta.verbose_name}"
        others = self.saves_between - 1
        also = ""
        if others > 0:
            also = ngettext(" (and %(count)d earlier save)", " (and %(count)d earlier saves)", others) % {
                "count": others
            }
        return f"{self.who()} saved this {self.current._meta.verbose_name} at {self.when()}{also}, after you opened it"

    def refusal(self):
        labels = join_labels(conflict.label for conflict in self.conflicts)
        return (
            f"Not saved: {self.between()}. You both changed {labels}. "
            "For each, choose whether to keep their value or yours, then save again."
        )

    def merge_message(self):
        if self.stale:
            parts = [f"Merged with {user_name(self.saved_by, possessive=True)} save at {self.when()}"]
        else:
            parts = ["Merged with changes saved elsewhere after you opened the form"]
        if self.theirs:
            parts.append(f"they changed {join_labels(self.theirs)}")
        if self.yours:
            parts.append(f"you changed {join_labels(self.yours)}")
        if self.kept_theirs:
            parts.append(f"kept their {join_labels(self.kept_theirs)}")
        if self.kept_mine:
            parts.append(f"kept your {join_labels(self.kept_mine)}")
        return f"{parts[0]}: {'; '.join(parts[1:])}." if len(parts) > 1 else f"{parts[0]}."


def user_name(user, possessive=False):
    if user is None:
        return "someone's" if possessive else "someone (not recorded)"
    name = user.get_full_name() or user.get_username()
    if possessive:
        return f"{name}’" if name.endswith("s") else f"{name}’s"
    return name


def join_labels(labels):
    labels = list(dict.fromkeys(labels))
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} and {labels[-1]}"


# Values: one comparable form for what the database holds and what a form or an API posts ----------


def normalize(value, model_field=None):
    """A JSON-able form of a model or form value in which equal contents compare equal:
    related objects by primary key, many-to-many sets sorted, files by name (a new upload as
    "upload:<name>"), empty as None, and text as stored (documents/text.py: CRLF and LF, NFD and NFC alike)."""
    if isinstance(value, UploadedFile):
        return f"upload:{value.name}"
    if isinstance(value, FieldFile) or isinstance(model_field, models.FileField):
        return getattr(value, "name", value) or None  # a cleared file input gives False
    if isinstance(value, models.Model):
        return normalize(value.pk)
    if isinstance(value, (models.QuerySet, list, tuple, set)):
        return sorted(str(item.pk if isinstance(item, models.Model) else item) for item in value)
    if value == "" or value is None:
        return None
    if isinstance(value, str):
        return normalize_text(value)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def fingerprint(value):
    """A short hash of a normalized value: what a form carries instead of the value itself."""
    text = json.dumps(value, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def snapshot(obj, names):
    """The normalized current values of obj's fields ``names`` (many-to-many ones included)."""
    values = {}
    for name in names:
        model_field = obj._meta.get_field(name)
        if model_field.many_to_many:
            values[name] = normalize(list(getattr(obj, name).values_list("pk", flat=True)))
        else:
            values[name] = normalize(model_field.value_from_object(obj), model_field)
    return values


def fingerprints(values):
    return {name: fingerprint(value) for name, value in values.items()}


def sign(data):
    """The base an edit form carries, signed so that it comes back as it was sent."""
    return signing.dumps(data, salt=SIGNING_SALT, compress=True)


def unsign(token):
    """The carried base, or None if it is missing or was tampered with (no base: nothing is merged)."""
    if not token:
        return None
    try:
        return signing.loads(token, salt=SIGNING_SALT)
    except signing.BadSignature:
        return None


def describe(model_field, value):
    """A normalized value as a curator reads it."""
    if value is None or value == []:
        return "(empty)"
    if isinstance(value, str) and value.startswith("upload:") and isinstance(model_field, models.FileField):
        return f"a new file “{value.removeprefix('upload:')}”"
    if model_field.is_relation:
        pks = value if isinstance(value, list) else [value]
        related = {str(pk): obj for pk, obj in model_field.related_model._base_manager.in_bulk(pks).items()}
        return ", ".join(str(related.get(str(pk), f"#{pk} (deleted)")) for pk in pks)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return "yes" if value else "no"
    return str(value)


def label(model_field):
    return str(capfirst(model_field.verbose_name)) if hasattr(model_field, "verbose_name") else model_field.name


# The rule ------------------------------------------------------------------------------------------


@dataclass
class Comparison:
    """Keys changed by the others, keys changed by this edit, keys in conflict (unresolved), keys
    resolved by the editor's choice, and keys whose current value must stay."""

    theirs: list
    yours: list
    conflicts: list
    resolved: dict
    keep_current: set


def compare(base, current, posted, resolutions=None):
    """Three-way comparison of fingerprints, key by key.

    ``base``: what the edit started from (None if unknown); ``current``: what is stored now;
    ``posted``: what the edit would store (only the keys it sends). ``resolutions`` maps a
    conflicting key to KEEP_THEIRS or KEEP_MINE. Keys that only the others changed keep their
    current value; keys both changed to different values are conflicts until resolved."""
    resolutions = resolutions or {}
    if base is None:
        # Nobody can tell whose change a difference is: each one the edit would make is a conflict.
        theirs = []
        yours = [key for key in posted if posted[key] != current.get(key)]
        both = list(yours)
    else:
        theirs = [key for key in current if key in base and current[key] != base[key]]
        yours = [key for key in posted if posted[key] != base.get(key)]
        both = [key for key in yours if key in theirs and posted[key] != current.get(key)]
    keep_current = {key for key in theirs if key not in yours}
    resolved = {key: resolutions[key] for key in both if resolutions.get(key) in (KEEP_THEIRS, KEEP_MINE)}
    keep_current |= {key for key, choice in resolved.items() if choice == KEEP_THEIRS}
    conflicts = [key for key in both if key not in resolved]
    settled = set(conflicts) | set(resolved)
    return Comparison(
        theirs=[key for key in theirs if key not in settled],
        yours=[key for key in yours if key not in settled],
        conflicts=conflicts,
        resolved=resolved,
        keep_current=keep_current,
    )


def reconcile(obj, base_version, posted, *, base=None, resolutions=None, seen_version=None, labels=None):
    """Lock obj's row and compare an edit that started at ``base_version`` with what is stored now.

    ``posted`` maps field names to the values the edit would store (model or form values: objects,
    querysets, files, dates...); ``base`` maps field names to fingerprints at base_version (None if
    unknown). ``resolutions`` count only if ``seen_version`` is the current version, i.e. the editor
    chose after seeing the latest save. Brings obj's stored fields up to date if they are older, sets
    obj to expect the current version on its next save, and returns an Outcome: the caller refuses
    if ``outcome.conflicts``, else applies the edit except ``outcome.keep_current``. Runs in the
    caller's transaction, which keeps the row locked (on PostgreSQL) until the save."""
    model = type(obj)
    with transaction.atomic(using=obj._state.db):
        rows = model._base_manager.select_for_update(of=("self",)).select_related("modified_by")
        current = rows.get(pk=obj.pk)
    outcome = Outcome(
        current=current,
        base_version=current.version if base_version is None else base_version,
        current_version=current.version,
        saved_by=current.modified_by,
        saved_at=getattr(current, "modified_at", None),
    )
    if obj.version != current.version and obj is not current:
        for model_field in model._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(current, model_field.attname))
    obj.expect_version(current.version)
    if not outcome.stale:
        return outcome
    names = list(dict.fromkeys([*(base or {}), *posted]))
    current_values = snapshot(current, names)
    posted_values = {name: normalize(value, model._meta.get_field(name)) for name, value in posted.items()}
    valid = (resolutions or {}) if seen_version == current.version else {}
    result = compare(base, fingerprints(current_values), fingerprints(posted_values), valid)
    labels = labels or {}

    def label_of(name):
        return labels.get(name) or label(model._meta.get_field(name))

    outcome.theirs = [label_of(name) for name in result.theirs]
    outcome.yours = [label_of(name) for name in result.yours]
    outcome.kept_theirs = [label_of(name) for name, choice in result.resolved.items() if choice == KEEP_THEIRS]
    outcome.kept_mine = [label_of(name) for name, choice in result.resolved.items() if choice == KEEP_MINE]
    outcome.keep_current = result.keep_current
    outcome.conflicts = [
        Conflict(
            key=name,
            label=label_of(name),
            theirs=describe(model._meta.get_field(name), current_values[name]),
            yours=describe(model._meta.get_field(name), posted_values[name]),
        )
        for name in result.conflicts
    ]
    return outcome


def save_from(obj, base_version, changes, *, user=None, base=None, resolutions=None, seen_version=None):
    """Save ``changes`` ({field name: value}; many-to-many values as iterables of objects or keys)
    to obj's row as an edit that started from ``base_version``. The write path for everything but
    the admin: the API passes the version its If-Match names as base_version, that version's fields
    from the history as base, and answers a StaleEdit with 412.

    The changes go onto the row as stored now, not onto obj's possibly older values, and fields
    that only others changed keep their values. Raises StaleEdit, with nothing written, if a field
    this edit changes was changed by someone else too (unless ``resolutions`` says which to keep).
    Validating the values is the caller's job (a form or a serializer). Returns the Outcome;
    ``outcome.current`` is the saved record."""
    with transaction.atomic(using=obj._state.db):
        outcome = reconcile(obj, base_version, changes, base=base, resolutions=resolutions, seen_version=seen_version)
        if outcome.conflicts:
            raise StaleEdit(outcome)
        current = outcome.current
        current.expect_version(outcome.current_version)
        many = {}
        for name, value in changes.items():
            if name in outcome.keep_current:
                continue
            model_field = current._meta.get_field(name)
            if model_field.many_to_many:
                many[name] = value
            elif model_field.is_relation and value is not None and not isinstance(value, models.Model):
                setattr(current, model_field.attname, value)
            else:
                model_field.save_form_data(current, value)
        if user is not None:
            current.modified_by = user
        current.save()
        for name, value in many.items():
            getattr(current, name).set(value)
    return outcome
