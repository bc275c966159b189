"""Merging duplicate people: one service for every write path (the admin's action now, the API later).

A person entered twice (a transliteration variant, a misspelling) is merged into the one to keep, in
one transaction:

- the documents that name a merged person name the kept one instead, in the same role and order; where
  the kept person already holds that role in that document, the merged person's link is dropped
  (one link per document, person and role);
- the merged person's aliases move to the kept person, and the merged name becomes an alias too (of the
  kind the editor chooses: transliteration or another name);
- fields the kept person leaves empty (life dates, biography, Wikidata and VIAF IDs) are filled in
  from the merged person; where both have a value, the kept person's stays;
- the merged person's page address, and every address it had before, answer 301 with the kept
  person's page (OldSlug);
- history: the merged people are recorded as deleted (history.recording.deleting: "recover deleted" can bring
  the record back), and one revision by the editor records the kept person and every document whose
  people changed, commented "Merged … into …";
- the kept person's version (documents/history/locking.py) and that of each changed document move on, so an
  edit opened before the merge is merged or refused, never lost;
- the search index is told of every document of the kept person (its outbox)."""

from dataclasses import dataclass, field

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext
from reversion.models import Revision

from ..history.recording import deleting, documents_for_history, set_comment
from ..history.states import versions_of
from ..models import Document, DocumentPerson, OldSlug, Person, PersonAlias
from ..search import enqueue, suspended
from ..text import name_key

# Rows per query where lists of primary keys are sent to the database.
CHUNK = 500
# The kept person's fields that a merge fills in when they are empty.
FILLED_FIELDS = ["birth_year", "death_year", "biography", "wikidata_id", "viaf_id"]
MERGE_PERMISSIONS = ["documents.change_person", "documents.delete_person"]
# What a merged name is to the kept person: another transliteration, or another form of the name.
MERGED_NAME_KINDS = [PersonAlias.Kind.TRANSLITERATION, PersonAlias.Kind.OTHER]


class MergeError(Exception):
    """A merge that cannot be done as asked; the message says why, for the editor."""


def can_merge_people(user):
    """Merging deletes the merged people and changes the kept one: editors (docs/roles.md)."""
    return user is not None and user.has_perms(MERGE_PERMISSIONS)


@dataclass
class MergeResult:
    """What a merge did: the kept person, the names merged into it and what moved."""

    keep: Person
    merged: list  # names of the merged people
    documents: list = field(default_factory=list)  # pks of the documents whose people changed
    links_moved: int = 0
    links_dropped: int = 0  # duplicate roles: the kept person already held them
    aliases_added: list = field(default_factory=list)
    filled: list = field(default_factory=list)  # labels of the fields filled in from the merged people

    def message(self):
        names = ", ".join(f"“{name}”" for name in self.merged)
        documents = len(self.documents)
        merged = ngettext(
            "Merged %(names)s into “%(keep)s”: %(count)d document now name %(keep)s",
            "Merged %(names)s into “%(keep)s”: %(count)d documents now name %(keep)s",
            documents,
        )
        parts = [merged % {"names": names, "keep": self.keep, "count": documents}]
        if self.links_dropped:
            dropped = ngettext(
                "%(count)d duplicate role was dropped", "%(count)d duplicate roles were dropped", self.links_dropped
            )
            parts.append(dropped % {"count": self.links_dropped})
        if self.aliases_added:
            parts.append(f"new aliases: {', '.join(self.aliases_added)}")
        if self.filled:
            parts.append(f"filled in: {', '.join(self.filled)}")
        return "; ".join(parts) + "."


def _chunks(items):
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def merge_people(keep, others, user, alias_kind=PersonAlias.Kind.TRANSLITERATION):
    """Merge others (people) into keep, as user; return a MergeResult. One transaction: all or nothing.

    Raises PermissionDenied unless user may merge (can_merge_people), and MergeError if the people
    given cannot be merged (none to merge, keep among them, or one no longer exists). Must be called
    outside an open history revision: it records its own (see history.recording.deleting)."""
    if not can_merge_people(user):
        raise PermissionDenied("Only editors may merge people.")
    other_pks = list(dict.fromkeys(person.pk for person in others))
    if not other_pks:
        raise MergeError("Choose at least one person to merge into the one you keep.")
    if keep.pk in other_pks:
        raise MergeError(f"“{keep}” cannot be merged into itself.")
    if alias_kind not in MERGED_NAME_KINDS:
        raise MergeError(f"A merged name becomes a transliteration or another name, not “{alias_kind}”.")
    with transaction.atomic():
        # Lock every row in the merge, in a fixed order, so that two merges at once cannot cross.
        rows = Person.objects.select_for_update().filter(pk__in=[keep.pk, *other_pks]).order_by("pk")
        locked = {person.pk: person for person in rows}
        missing = [pk for pk in [keep.pk, *other_pks] if pk not in locked]
        if missing:
            raise MergeError("One of the people to merge no longer exists: reload the list and try again.")
        keep = locked[keep.pk]
        merging = [locked[pk] for pk in other_pks]
        result = MergeResult(keep=keep, merged=[person.name for person in merging])
        comment = f"Merged {', '.join(f'“{name}”' for name in result.merged)} into “{keep}”."
        with suspended():
            changed_documents = _move_links(keep, merging, result)
            with deleting(merging, user):
                set_comment(comment)
                _move_aliases(keep, merging, alias_kind, result)
                _fill_in(keep, merging, result)
                _move_slugs(keep, merging)
                keep.modified_by = user if user.is_authenticated else None
                # The merged go first: one of them may hold the kept person's name key (one per name).
                Person.objects.filter(pk__in=other_pks).delete()
                keep.save()  # moves its version on (locking), even if no field of its own changed
                _touch_documents(changed_documents, user)
                _record(keep, changed_documents)
            # deleting() comments the merged people's last version "Deleted person …"; the list of
            # deleted people (Recover deleted) should say that they were merged, and into whom.
            last = versions_of(merging[0]).values_list("revision_id", flat=True).first()
            Revision.objects.filter(pk=last).update(comment=comment)
        result.documents = sorted(changed_documents)
        enqueue(_documents_of(keep))
    return result


def _move_links(keep, merging, result):
    """Give the merged people's roles to keep; a role keep already holds in a document is dropped.
    Returns the pks of the documents whose people changed."""
    held = set(DocumentPerson.objects.filter(person=keep).values_list("document_id", "role"))
    moved, dropped, documents = [], [], set()
    links = DocumentPerson.objects.filter(person__in=merging).order_by("document_id", "order", "pk")
    for pk, document_id, role in links.values_list("pk", "document_id", "role").iterator(chunk_size=2000):
        documents.add(document_id)
        if (document_id, role) in held:
            dropped.append(pk)
        else:
            held.add((document_id, role))
            moved.append(pk)
    for chunk in _chunks(dropped):
        DocumentPerson.objects.filter(pk__in=chunk).delete()
    for chunk in _chunks(moved):
        # update(), not a save per row: a person may be named in thousands of documents. It sends no
        # signals; _touch_documents, _record and enqueue do what they would have done.
        DocumentPerson.objects.filter(pk__in=chunk).update(person=keep)
    result.links_moved, result.links_dropped = len(moved), len(dropped)
    return documents


def _move_aliases(keep, merging, alias_kind, result):
    """keep's aliases gain the merged names and the merged people's aliases, each name once (whatever
    the case, spacing or Unicode form: text.name_key) and never keep's own name. New rows: the merged
    people's own go with them, so that recovering one from history brings its aliases back without
    taking them from keep."""
    taken = {name_key(keep.name)} | {name_key(name) for name in keep.aliases.values_list("name", flat=True)}
    wanted = []
    for person in merging:
        candidates = [(person.name, alias_kind)]
        candidates += list(person.aliases.order_by("name").values_list("name", "kind"))
        for name, kind in candidates:
            if name_key(name) not in taken:
                taken.add(name_key(name))
                wanted.append(PersonAlias(person=keep, name=name, kind=kind))
    for alias in wanted:
        alias.save()
    result.aliases_added = [alias.name for alias in wanted]


def _fill_in(keep, merging, result):
    """Fields keep leaves empty take the first merged person's value; keep's own values stay."""
    filled = []
    for name in FILLED_FIELDS:
        if getattr(keep, name) not in (None, ""):
            continue
        value = next((getattr(p, name) for p in merging if getattr(p, name) not in (None, "")), None)
        if value is not None:
            setattr(keep, name, value)
            filled.append(name)
    if keep.birth_year is not None and keep.death_year is not None and keep.birth_year > keep.death_year:
        # Life dates taken from two different people that contradict each other: leave them out.
        for name in ("birth_year", "death_year"):
            if name in filled:
                setattr(keep, name, None)
                filled.remove(name)
    result.filled = [str(Person._meta.get_field(name).verbose_name) for name in filled]


def _move_slugs(keep, merging):
    """The merged people's addresses, current and past, lead to keep (a 301 from the public page)."""
    content_type = ContentType.objects.get_for_model(Person)
    pks = [person.pk for person in merging]
    OldSlug.objects.filter(content_type=content_type, object_id__in=pks).update(object_id=keep.pk)
    for person in merging:
        OldSlug.remember(keep, person.slug)


def _touch_documents(pks, user):
    """The documents' people changed without a save: move their versions on (an edit opened before
    the merge is then merged or refused, not applied to the old people) and say who changed them."""
    for chunk in _chunks(pks):
        Document.objects.filter(pk__in=chunk).update(
            version=F("version") + 1,
            modified_at=timezone.now(),
            modified_by=user if user.is_authenticated else None,
        )


def _record(keep, document_pks):
    """Put keep (with its aliases) and the changed documents (with their parts), as they now are, in
    the open revision: the links moved by update() sent no signal to do it."""
    reversion.add_to_revision(keep)
    for chunk in _chunks(sorted(document_pks)):
        for document in documents_for_history(chunk):
            reversion.add_to_revision(document)


def _documents_of(person):
    return list(DocumentPerson.objects.filter(person=person).values_list("document_id", flat=True).distinct())
