"""No lost edits in the admin: change forms carry the version they started from, and a stale save
is merged or refused by the rule in documents/history/locking.py.

The change form carries three hidden values (templates/admin/documents/change_form.html):
``lock_version``, the version it was loaded at; ``lock_base``, a signed fingerprint of each field
and of each inline row as loaded; and, once a conflict has been shown, ``lock_seen``, the version
the editor then saw. The editor's choices come back as ``lock_keep-<key>`` = theirs or mine.

Inline rows are compared row by row and field by field in the same way: rows either side added are
kept; a row only one side changed or deleted takes that change; the same field of the same row
changed by both, or a row deleted by one side and changed by the other, is a conflict."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME, ORDERING_FIELD_NAME

from ..history import locking

VERSION, BASE, SEEN, KEEP = "lock_version", "lock_base", "lock_seen", "lock_keep-"


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class EditState:
    """One change-form request's view of the record: the Outcome, the carried base and the
    editor's choices (only those made after seeing the current version count)."""

    outcome: locking.Outcome
    base: dict | None
    resolutions: dict

    @property
    def stale(self):
        return self.outcome.stale

    def inline_base(self, prefix):
        return None if self.base is None else self.base.get("inlines", {}).get(prefix)


def form_fields(form):
    """The form's fields that are fields of its model (not an inline's parent key, order or delete box)."""
    names = {f.name for f in form._meta.model._meta.get_fields()}
    return [
        name
        for name in form.fields
        if name in names and not isinstance(form.fields[name], forms.models.InlineForeignKeyField)
    ]


def posted_values(form, names):
    """What the form would store, field by field; a file input left alone is no change, so it is left out."""
    values = {}
    for name in names:
        if name not in form.cleaned_data:
            continue
        if isinstance(form.fields[name], forms.FileField) and name not in form.changed_data:
            continue
        values[name] = form.cleaned_data[name]
    return values


def row_base_of(form, names):
    """Fingerprints of an inline row as the form was loaded."""
    model = form._meta.model
    return {
        name: locking.fingerprint(locking.normalize(form.initial.get(name), model._meta.get_field(name)))
        for name in names
    }


def carried_base(form, formsets):
    """The signed base a change form carries: each field's fingerprint and each inline row's, as loaded."""
    model = form._meta.model
    base = {
        "form": {
            name: locking.fingerprint(locking.normalize(form.initial.get(name), model._meta.get_field(name)))
            for name in form_fields(form)
        },
        "inlines": {},
    }
    for formset in formsets:
        rows = {}
        for row in formset.initial_forms:
            rows[str(row.instance.pk)] = row_base_of(row, row_fields(formset, row))
        base["inlines"][formset.prefix] = rows
    return locking.sign(base)


def row_fields(formset, form):
    skip = {formset.model._meta.pk.name, DELETION_FIELD_NAME, ORDERING_FIELD_NAME}
    if getattr(formset, "fk", None) is not None:
        skip.add(formset.fk.name)
    return [name for name in form_fields(form) if name not in skip]


class LockedModelForm(forms.ModelForm):
    """A change form that refuses or merges a save started from an older version of its record."""

    edit_state = None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or self._errors or not hasattr(self.instance, "expect_version"):
            return cleaned
        token = self.data.get(BASE)
        base = locking.unsign(token)
        resolutions = {key.removeprefix(KEEP): value for key, value in self.data.items() if key.startswith(KEEP)}
        names = form_fields(self)
        outcome = locking.reconcile(
            self.instance,
            _int(self.data.get(VERSION)),
            posted_values(self, names),
            base=None if base is None else base.get("form"),
            resolutions=resolutions,
            seen_version=_int(self.data.get(SEEN)),
            labels={name: str(self.fields[name].label or name) for name in names},
        )
        valid = resolutions if _int(self.data.get(SEEN)) == outcome.current_version else {}
        self.edit_state = self.instance._edit_state = EditState(outcome, base, valid)
        for name in outcome.keep_current:
            cleaned.pop(name, None)  # not constructed onto the instance: the stored value stays
        if outcome.conflicts:
            raise ValidationError(outcome.refusal(), code="stale")
        return cleaned


class LockedInlineFormSet:
    """Mixed into each inline formset of a LockedAdmin: compares its rows with the rows as loaded."""

    def clean(self):
        super().clean()
        try:
            self._reconcile_rows()
        finally:
            if any(form.instance.pk is None for form in self.initial_forms):
                # A row was deleted after the form was loaded. The admin shows the rows of the queryset
                # beside the posted rows: keep them in step, so that the row is shown again (with what
                # was posted) and the page posts back whole.
                self._queryset = [form.instance for form in self.initial_forms]

    def _reconcile_rows(self):
        state = getattr(self.instance, "_edit_state", None)
        rows_base = None if state is None else state.inline_base(self.prefix)
        # Rows are compared even when the record's version has not moved: a relation is also edited
        # from the other document's page, which changes the row but not this record.
        if state is None or (rows_base is None and not state.stale):
            return
        outcome = state.outcome
        plural = str(self.model._meta.verbose_name_plural)
        theirs_before, conflicts = len(outcome.theirs), []
        pk_name = self.model._meta.pk.name
        for form in self.initial_forms:
            pk = form.data.get(form.add_prefix(pk_name))
            if pk is None:
                continue
            row_base = None if rows_base is None else rows_base.get(str(pk))
            conflicts += self._reconcile_row(form, pk, row_base, state, plural)
        for form in self.extra_forms:
            if form.has_changed() and not self._should_delete_form(form):
                outcome.yours.append(plural)
        if rows_base is not None and any(str(row.pk) not in rows_base for row in self.get_queryset()):
            outcome.theirs.append(plural)
        self.__dict__.pop("_deleted_form_indexes", None)  # undeleted rows: count again
        if not outcome.stale and (conflicts or len(outcome.theirs) > theirs_before):
            outcome.moved = True
        if conflicts:
            outcome.conflicts.extend(conflicts)
            raise ValidationError(
                f"Not saved: {outcome.who_changed()} also changed these {plural} after you opened the form. "
                "Choose whether to keep their version or yours at the top of the page, then save again.",
                code="stale",
            )

    def _reconcile_row(self, form, pk, row_base, state, plural):
        """Merge one existing row, or return its conflicts."""
        outcome, model = state.outcome, self.model
        names = row_fields(self, form)
        deleting = self.can_delete and self._should_delete_form(form)
        row_label = self._row_label(form, pk)
        key = f"{self.prefix}-{pk}"
        if form.instance.pk is None:
            return self._deleted_row(form, key, row_base, names, deleting, row_label, state, plural)
        if set(form.errors) - {model._meta.pk.name}:
            return []  # not valid anyway: the form is shown again with its errors
        posted = {
            name: locking.normalize(value, model._meta.get_field(name))
            for name, value in posted_values(form, names).items()
        }
        current = {name: locking.normalize(form.initial.get(name), model._meta.get_field(name)) for name in names}
        if row_base is None:
            if not deleting and not form.has_changed():
                return []
            choice = state.resolutions.get(key)
            if choice == locking.KEEP_MINE:
                outcome.kept_mine.append(plural)
                return []
            if choice == locking.KEEP_THEIRS:
                self._keep_current(form, names)
                outcome.kept_theirs.append(plural)
                return []
            yours = "delete it" if deleting else self._describe_row(posted, names)
            return [locking.Conflict(key, row_label, self._describe_row(current, names), yours)]
        comparison = locking.compare(
            row_base,
            locking.fingerprints(current),
            locking.fingerprints(posted),
            {name: state.resolutions[f"{key}-{name}"] for name in names if f"{key}-{name}" in state.resolutions},
        )
        they_changed = [name for name in names if locking.fingerprint(current[name]) != row_base.get(name)]
        if deleting:
            if not they_changed:
                outcome.yours.append(plural)
                return []
            choice = state.resolutions.get(key)
            if choice == locking.KEEP_MINE:
                outcome.kept_mine.append(plural)
                return []
            if choice == locking.KEEP_THEIRS:
                self._keep_current(form, names)
                outcome.kept_theirs.append(plural)
                return []
            return [
                locking.Conflict(
                    key, row_label, f"changed it: {self._describe_row(current, they_changed)}", "delete it"
                )
            ]
        self._keep_current(form, [name for name in names if name in comparison.keep_current])
        if comparison.theirs:
            outcome.theirs.append(plural)
        if comparison.yours:
            outcome.yours.append(plural)
        outcome.kept_theirs += [plural for choice in comparison.resolved.values() if choice == locking.KEEP_THEIRS]
        outcome.kept_mine += [plural for choice in comparison.resolved.values() if choice == locking.KEEP_MINE]
        return [
            locking.Conflict(
                f"{key}-{name}",
                f"{row_label}: {form.fields[name].label}",
                locking.describe(model._meta.get_field(name), current[name]),
                locking.describe(model._meta.get_field(name), posted[name]),
            )
            for name in comparison.conflicts
        ]

    def _deleted_row(self, form, key, row_base, names, deleting, row_label, state, plural):
        """A row that someone deleted after the form was loaded: it stays deleted unless this edit
        changed it and the editor chooses to keep it."""
        outcome, model = state.outcome, self.model
        if set(form.errors) - {model._meta.pk.name}:
            return []
        posted = {
            name: locking.normalize(value, model._meta.get_field(name))
            for name, value in posted_values(form, names).items()
        }
        changed = row_base is None or any(
            locking.fingerprint(value) != row_base.get(name) for name, value in posted.items()
        )
        choice = state.resolutions.get(key)
        if deleting or not changed or choice == locking.KEEP_THEIRS:
            form._errors.clear()  # "no such row" is no error here: the row is skipped when saving
            (outcome.kept_theirs if choice == locking.KEEP_THEIRS else outcome.theirs).append(plural)
            return []
        if choice == locking.KEEP_MINE:
            form._errors.clear()
            form.lock_recreate = True
            outcome.kept_mine.append(plural)
            return []
        return [locking.Conflict(key, row_label, "deleted it", f"changed it: {self._describe_row(posted, names)}")]

    def _keep_current(self, form, names):
        """Put the stored values back on the row for the fields this edit must not overwrite."""
        if names and DELETION_FIELD_NAME in form.cleaned_data:
            form.cleaned_data[DELETION_FIELD_NAME] = False
        for name in names:
            model_field = self.model._meta.get_field(name)
            setattr(form.instance, model_field.attname, form.initial.get(name))

    def _describe_row(self, values, names):
        return "; ".join(
            f"{self.model._meta.get_field(name).verbose_name}: "
            f"{locking.describe(self.model._meta.get_field(name), values.get(name))}"
            for name in names
        )

    def _row_label(self, form, pk):
        try:
            shown = str(form.instance)
        except Exception:  # a half-built row may not print; its number will do
            shown = f"#{pk}"
        return f"{str(self.model._meta.verbose_name).capitalize()} “{shown}”"

    def save_new_objects(self, commit=True):
        saved = super().save_new_objects(commit)  # self.new_objects
        for form in self.initial_forms:
            if getattr(form, "lock_recreate", False):
                # The editor kept a row that someone deleted meanwhile: it comes back as a new row.
                self.new_objects.append(self.save_new(form, commit=commit))
                if not commit:
                    self.saved_forms.append(form)
        return saved


class LockedAdmin:
    """Mixed into a ModelAdmin (before it) whose model is a VersionedModel: no lost edits."""

    form = LockedModelForm

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            yield type(formset.__name__, (LockedInlineFormSet, formset), {}), inline

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and hasattr(obj, "version"):
            context["edit_lock"] = self._edit_lock_context(request, context)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _edit_lock_context(self, request, context):
        form = context["adminform"].form
        if request.method != "POST":
            formsets = [inline.formset for inline in context["inline_admin_formsets"]]
            return {"version": form.instance.version, "base": carried_base(form, formsets), "seen": ""}
        state = getattr(form.instance, "_edit_state", None)
        conflicts = state.outcome.conflicts if state else []
        return {
            "version": request.POST.get(VERSION, ""),
            "base": request.POST.get(BASE, ""),
            "seen": state.outcome.current_version if conflicts else request.POST.get(SEEN, ""),
            "conflicts": [
                {"conflict": c, "name": f"{KEEP}{c.key}", "choice": request.POST.get(f"{KEEP}{c.key}", "")}
                for c in conflicts
            ],
            "heading": f"{state.outcome.between()}." if conflicts else "",
            "theirs": locking.KEEP_THEIRS,
            "mine": locking.KEEP_MINE,
        }

    def save_model(self, request, obj, form, change):
        obj.modified_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        state = getattr(form.instance, "_edit_state", None)
        if state is not None and state.outcome.merged:
            self.message_user(request, state.outcome.merge_message(), messages.WARNING)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The check locks the row, so on PostgreSQL no save can land between check and write. Where
        # one still does (SQLite), the conditional write refuses and rolls back, and one more pass
        # checks against that save instead.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except locking.VersionChanged:
            return super().changeform_view(request, object_id, form_url, extra_context)
