"""What the viewsets of views.py are made of.

ReadableMixin: list and retrieve, with what every resource shares: ``?fields=``, cursor pages
(pagination.py), CSV (renderers.py), validators and 304s (conditional.py), and an old slug's 301.

WritableMixin: create, update, partial_update and destroy, with the admin's rules.

- Who: active staff with the admin's add/change/delete permission on the model (permissions.py).
- Which version: a change or a delete names the version it started from in ``If-Match`` (the
  ETag of a read, conditional.py); none is a 428. A change from an earlier version is merged with
  the saves since, from that version as the history holds it; a field both changed is a 412 naming
  the field, their value and yours, with nothing changed (documents/history/locking.py).
- What is kept: every write is one revision in the record's history (documents/history/recording.py).

How each resource is read from a body and written is its own (writes.py)."""

from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import ngettext
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ..history.locking import StaleEdit, VersionChanged, save_from, user_name
from ..history.recording import deleting, recording, set_comment
from ..history.states import fingerprints_of, state_at
from ..ops.stamps import request_stamp
from .conditional import ConditionalMixin, PreconditionFailed, if_match_version
from .errors import Moved, still_named
from .pagination import CursorPagination
from .parameters import selected_fields
from .permissions import StaffWrites
from .renderers import CSVRenderer

WRITE_ACTIONS = ("create", "update", "partial_update", "destroy")


# -- the read side of a viewset ------------------------------------------------------------------------


class ReadableMixin(ConditionalMixin):
    """list and retrieve, and the parts every resource shares: ?fields=, cursor pages, CSV,
    validators and JSON errors. A record is found by its ``lookup_field`` in get_queryset() (what
    the client may see); by an old slug, it is a 301 to its address now."""

    pagination_class = CursorPagination
    renderer_classes = [JSONRenderer, CSVRenderer]
    detail_serializer_class = None

    # -- ?fields= -------------------------------------------------------------------------------

    def get_serializer_class(self):
        if self.action == "retrieve" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return self.serializer_class

    def selected_fields(self):
        if self.request is None:  # e.g. a schema generator
            return None
        return selected_fields(self.request, self.get_serializer_class(), self.get_serializer_context())

    def get_serializer(self, *args, **kwargs):
        kwargs.setdefault("fields", self.selected_fields())
        return super().get_serializer(*args, **kwargs)

    # -- lists ----------------------------------------------------------------------------------

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        fields = self.selected_fields()  # checked before the page is read
        page = self.paginate_queryset(queryset)
        self.last_modified = self.list_last_modified(page)
        data = self.get_serializer(page, many=True, fields=fields).data
        return self.get_paginated_response(data)

    def list_last_modified(self, page):
        stamps = [request_stamp(self.request), *(getattr(row, "modified_at", None) for row in page)]
        return max((stamp for stamp in stamps if stamp is not None), default=None)

    # -- one record -------------------------------------------------------------------------------

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        return Response(self.get_serializer(record).data)

    def public_queryset(self, model):
        return model.objects.visible_to(self.request.user)

    def get_object(self):
        """The record at this address, with its validators set; Moved (a 301) from an old slug."""
        value = self.kwargs[self.lookup_field]
        queryset = self.get_queryset()
        found = queryset.filter(**{self.lookup_field: value}).first()
        if found is None:
            moved = queryset.resolve_old_slug(value) if self.lookup_field == "slug" else None
            if moved is not None:
                raise Moved(self.address_of(moved))
            raise Http404(f"No {queryset.model._meta.verbose_name} at this address.")
        self.last_modified = max(
            (s for s in (getattr(found, "modified_at", None), request_stamp(self.request)) if s), default=None
        )
        self.versioned = found if hasattr(found, "version") else None
        return found

    def address_of(self, record):
        """The record's address in the API, with this request's query (?fields= …)."""
        target = self.reverse_action("detail", kwargs={self.lookup_field: getattr(record, self.lookup_field)})
        query = self.request.GET.urlencode()
        return f"{target}?{query}" if query else target


# -- merging an edit from an older version ----------------------------------------------------------


KEEP, TAKE, CONFLICT = "keep", "take", "conflict"


def merge_part(was, current, yours):
    """How an edit from an older version changes a list of parts (a role's people, the aliases), by
    the rule of documents/history/locking.py for fields: KEEP (yours is no change: theirs stays), TAKE (only
    you changed it) or CONFLICT (you both did, differently; or the base is unknown, was None)."""
    if yours == current or (was is not None and yours == was):
        return KEEP
    return TAKE if was is not None and current == was else CONFLICT


def stale(outcome, conflicts=None):
    """A StaleEdit's outcome as a 412: who saved in between, and each field both changed, with
    their value and yours."""
    conflicts = outcome.conflicts if conflicts is None else conflicts
    labels = ", ".join(conflict.label for conflict in conflicts)
    return PreconditionFailed(
        f"Not saved: {outcome.between()}. You both changed {labels}. "
        "Read it again for its current ETag and values, then send your change with that ETag.",
        {conflict.key: [f"Theirs: {conflict.theirs}. Yours: {conflict.yours}."] for conflict in conflicts},
    )


# -- the write side of a viewset ----------------------------------------------------------------------


class WritableMixin:
    """create, update, partial_update and destroy for a viewset of views.py.

    A subclass says how to read its body (write_serializer_class), how to find the record to change
    (``writable(key)``) and how to write (``write(record, data, base_version, base)``; base: the state
    the edit started from, history.states.State or None). Every answer to a write is the resource as a GET
    gives it (with its new ETag); a create is a 201 with Location."""

    permission_classes = [StaffWrites]
    write_serializer_class = None
    verb = {"create": "Added", "update": "Changed", "partial_update": "Changed"}

    def get_serializer_class(self):
        if self.action in WRITE_ACTIONS and self.write_serializer_class is not None:
            return self.write_serializer_class
        return super().get_serializer_class()

    def writable(self, key):
        found = self.get_serializer_class().Meta.model.objects.filter(**{self.lookup_field: key}).first()
        if found is None:
            raise Http404("Nothing at this address.")
        return found

    def read_body(self, instance=None, partial=False):
        serializer = self.write_serializer_class(
            instance, data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def comment(self, record, data):
        names = ", ".join(sorted(data)) or "nothing"
        return f"{self.verb.get(self.action, 'Changed')} through the API: {names}."

    # -- the actions --------------------------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        data = self.read_body()
        self.check_write(None, data)
        with recording(request.user):
            record = self.write(None, data, None, None)
            set_comment(f"Added through the API ({', '.join(sorted(data))}).")
        response = self.written(request, record, status.HTTP_201_CREATED)
        response["Location"] = response.data.get("api_url", "")
        return response

    def update(self, request, *args, partial=False, **kwargs):
        record = self.writable(kwargs[self.lookup_field])
        data = self.read_body(record, partial=partial)
        self.check_write(record, data)
        base_version = self.base_version(request, record)
        base = state_at(record, base_version)
        try:
            with recording(request.user, self.comment(record, data)):
                record = self.write(record, data, base_version, base)
        except StaleEdit as refused:
            raise stale(refused.outcome) from refused
        except VersionChanged as refused:
            raise PreconditionFailed(f"Not saved: {refused}") from refused
        return self.written(request, record, status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        record = self.writable(kwargs[self.lookup_field])
        self.check_delete(record)
        try:
            with transaction.atomic():
                locked = type(record)._base_manager.select_for_update().get(pk=record.pk)
                self.check_current(request, locked)
                with deleting([locked], request.user):
                    locked.delete()
        except ProtectedError as refused:
            raise still_named(record, refused.protected_objects) from refused
        return Response(status=status.HTTP_204_NO_CONTENT)

    # -- the rules --------------------------------------------------------------------------------

    def check_write(self, record, data):
        """Rules beyond the model permissions (DocumentViewSet: the status)."""

    def check_delete(self, record):
        """Rules beyond the delete permission (DocumentViewSet: published documents)."""

    def base_version(self, request, record):
        """The version the If-Match names (428 without one); save_from decides whether it is stale."""
        return if_match_version(request, record)

    def check_current(self, request, record):
        """For a delete: a 412 unless If-Match names the record's current version."""
        base = self.base_version(request, record)
        if base != record.version:
            saves = record.version - base if base else None
            raise PreconditionFailed(
                f"Not deleted: {user_name(record.modified_by)} saved this {record._meta.verbose_name} "
                f"at version {record.version}"
                + (
                    ngettext(", %(count)d save after yours", ", %(count)d saves after yours", saves) % {"count": saves}
                    if saves and saves > 0
                    else ""
                )
                + ". Read it again, then delete with its current ETag."
            )

    def written(self, request, record, status_code):
        """The resource as a GET now gives it, with the ETag a GET would send."""
        self.kwargs[self.lookup_field] = str(getattr(record, self.lookup_field))
        self.action = "retrieve"
        response = self.retrieve(request)
        response.status_code = status_code
        response["ETag"] = self.etag_of(request, response.data)
        return response

    # -- helpers for write() ------------------------------------------------------------------------

    @staticmethod
    def save_fields(record, data, base_version, user, base=None):
        """A new record saved with data, or an existing one changed by save_from from base_version,
        whose state (history.states.State) base is (StaleEdit if a field both changed)."""
        many = {name: value for name, value in data.items() if record._meta.get_field(name).many_to_many}
        simple = {name: value for name, value in data.items() if name not in many}
        if record.pk is None:
            for name, value in simple.items():
                setattr(record, name, value)
            if hasattr(record, "modified_by_id"):
                record.modified_by = user
            record.save()
            for name, value in many.items():
                getattr(record, name).set(value)
            return record, None
        outcome = save_from(record, base_version, data, user=user, base=fingerprints_of(base))
        return outcome.current, outcome
