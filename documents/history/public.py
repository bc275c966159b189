"""Public versions: every published state of a document that readers saw, numbered 1, 2, … for good.

A revision (recording.py) that leaves a document published with something readers see changed
(its text, translation, metadata, people, links to terms, scans) makes the next PublicVersion, in the
revision's own transaction (documents/signals.py hands every committed revision here). A draft's
states are never numbered, so nothing a reader is shown comes from a state that was never public;
a revert, a merge or a restore only adds versions, and pruning reversion's history removes none:
each PublicVersion keeps its own copy of the serialized state (docs/history.md says why)."""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max, Q
from reversion.models import Version

from ..models import Document, DocumentPerson, PublicVersion, Relation, Scan
from ..text import normalize_text
from .diff import diff
from .recording import record_each
from .states import m2m_fields, own_fields, state_from, version_states, versions_of

# What a version page does not show as a change: the address (a new slug or record ID redirects),
# the status (a public version is published by definition), and relations, which may name drafts.
HIDDEN = {"record_id", "slug", "status", "relations"}
# The foreign keys by which a part's row names its documents (states.FOLLOW's parts).
PART_KEYS = ("document_id", "source_id", "target_id")
# The parts a reader sees, and what of each row they see.
SHOWN_PARTS = {
    "person_links": ("person_id", "role", "order"),
    "scans": ("id", "order", "alt_text", "image"),
}


def _plain(value):
    value = getattr(value, "name", value)  # a file: its stored name
    return normalize_text(value) if isinstance(value, str) else value


def fingerprint(state):
    """sha256 of what readers see of a document's state: equal fingerprints, no new version."""
    fields = [f for f in own_fields(Document) + m2m_fields(Document) if f.name not in HIDDEN]
    seen = {
        f.attname: sorted(state.values.get(f.attname) or []) if f.many_to_many else _plain(state.values.get(f.attname))
        for f in fields
    }
    for name, keys in SHOWN_PARTS.items():
        seen[name] = sorted([_plain(row.get(key)) for key in keys] for row in state.parts.get(name, []))
    text = json.dumps(seen, cls=DjangoJSONEncoder, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _snapshot(version, state):
    rows = [version, *(part for parts in state.part_versions.values() for part in parts)]
    return [
        {
            "model": part.content_type.natural_key()[0] + "." + part.content_type.natural_key()[1],
            "object_id": part.object_id,
            "format": part.format,
            "data": part.serialized_data,
        }
        for part in rows
    ]


def record(revision, versions):
    """Number the published documents of a committed revision whose public state changed; the new
    PublicVersions. Called in the revision's transaction, after its versions are saved."""
    documents, parts = [], defaultdict(list)
    for version in versions:
        if version._model is Document:
            documents.append(version)
            continue
        # A part's version by the documents it names: a revision of an import holds a hundred
        # documents' parts, and each document's state needs only its own.
        for attname in PART_KEYS:
            if version.field_dict.get(attname) is not None:
                parts[version.field_dict[attname]].append(version)
    return _number([(v, state_from(v, parts[state_pk(v)]), revision.date_created) for v in documents])


def state_pk(version):
    return Document._meta.pk.to_python(version.object_id)


def _number(saved):
    """PublicVersions for those of saved [(version, its state, when)], in the order they were saved,
    that are published and differ from their document's last public version."""
    saved = [item for item in saved if item[1].values.get("status") == Document.Status.PUBLISHED]
    if not saved:
        return []
    ids = {state.pk for version, state, when in saved}
    latest = dict(
        PublicVersion.objects.filter(document_id__in=ids)
        .values("document_id")
        .annotate(last=Max("number"))
        .values_list("document_id", "last")
    )
    newest = Q(pk__in=[])
    for document_id, number in latest.items():
        newest |= Q(document_id=document_id, number=number)
    last_prints = dict(PublicVersion.objects.filter(newest).values_list("document_id", "fingerprint"))
    made = []
    for version, state, when in saved:
        printed = fingerprint(state)
        if last_prints.get(state.pk) == printed:
            continue
        latest[state.pk] = latest.get(state.pk, 0) + 1
        last_prints[state.pk] = printed
        made.append(
            PublicVersion(
                document_id=state.pk,
                number=latest[state.pk],
                published_at=when,
                records=_snapshot(version, state),
                fingerprint=printed,
            )
        )
    return PublicVersion.objects.bulk_create(made)


def number_history(documents, user=None):
    """Number the public versions of documents that have none yet (a database whose history predates
    public versions), from their recorded history, oldest first; a published one without any
    history gets its present state recorded as its first version. The number of versions made."""
    made = 0
    for document in documents.filter(public_versions__isnull=True).iterator(chunk_size=100):
        versions = list(versions_of(document).select_related("revision").order_by("pk"))
        if versions:
            states = version_states(versions)
            made += len(_number([(v, s, v.revision.date_created) for v, s in zip(versions, states, strict=True)]))
        elif document.is_published:
            record_each([document], user, "Initial version.")
            made += 1
    return made


def state_of(public_version):
    """The document's state a public version recorded (states.State), from its own copy."""
    versions = [
        Version(
            content_type=ContentType.objects.get_by_natural_key(*row["model"].split(".")),
            object_id=row["object_id"],
            format=row["format"],
            serialized_data=row["data"],
        )
        for row in public_version.records
    ]
    return state_from(versions[0], versions[1:])


def public_changes(old, new):
    """What readers see changed from one public version's state to the next ([diff.FieldChange]);
    everything the first one holds when old is None."""
    return [change for change in diff(old, new) if change.name not in HIDDEN]


@dataclass(frozen=True)
class VersionInfo:
    """What a page and a citation say of a public version."""

    number: int
    count: int
    published_at: object  # an aware datetime
    path: str  # its URL's path

    @property
    def is_latest(self):
        return self.number == self.count


def info(public_version, count, record_id):
    path = public_version.get_absolute_url(record_id)
    return VersionInfo(public_version.number, count, public_version.published_at, path)


def _cached(model, rows):
    """A queryset holding rows, as prefetch_related stores one, so ``obj.<relation>.all()`` reads no row."""
    queryset = model._base_manager.none()
    queryset._result_cache, queryset._prefetch_done = list(rows), True
    return queryset


def document_as_it_was(document, state):
    """An unsaved Document holding a past state, for the document page's templates: its own fields,
    its terms, people and scans as that state held them (a scan deleted since is left out), at the
    document's current address and with its current status. A fixed number of queries."""
    concrete = {f.attname for f in Document._meta.concrete_fields}
    old = Document(**{name: value for name, value in state.values.items() if name in concrete})
    old._state.adding, old._state.db = False, document._state.db
    old.pk, old.record_id, old.slug = document.pk, document.record_id, document.slug
    # Its status now: staff previewing a withdrawn document's version see the draft banner.
    old.status, old.first_published_at = document.status, document.first_published_at
    for name in ("doc_type", "classification"):
        field = Document._meta.get_field(name)
        pk = state.values.get(field.attname)
        setattr(old, name, field.related_model._base_manager.filter(pk=pk).first() if pk else None)
    cache = {}
    for field in m2m_fields(Document):
        cache[field.name] = _cached(
            field.related_model, field.related_model._base_manager.filter(pk__in=state.values.get(field.attname) or [])
        )
    links = sorted(state.parts.get("person_links", []), key=lambda row: (row["order"], row["id"]))
    people = _people(row["person_id"] for row in links)
    person_links = []
    for row in links:
        if row["person_id"] in people:
            link = DocumentPerson(id=row["id"], document=old, role=row["role"], order=row["order"])
            link.person = people[row["person_id"]]
            person_links.append(link)
    cache["person_links"] = _cached(DocumentPerson, person_links)
    rows = sorted(state.parts.get("scans", []), key=lambda row: (row["order"], row["id"]))
    existing = set(Scan.objects.filter(pk__in=[row["id"] for row in rows]).values_list("pk", flat=True))
    scan_fields = {f.attname for f in Scan._meta.concrete_fields}
    scans = [Scan(**{k: v for k, v in row.items() if k in scan_fields}) for row in rows if row["id"] in existing]
    cache["scans"] = _cached(Scan, scans)
    old._prefetched_objects_cache = cache
    return old


def _people(pks):
    """{pk: Person} for pks: as they are now, or, for one deleted since (merged into another, whose page
    its old slug now leads to), as last recorded; with their aliases, which the text links (none for one
    deleted since). Three queries."""
    person_model = DocumentPerson._meta.get_field("person").related_model
    pks = set(pks)
    people = person_model._base_manager.prefetch_related("aliases").in_bulk(pks)
    gone = [str(pk) for pk in pks - people.keys()]
    if gone:
        content_type = ContentType.objects.get_for_model(person_model)
        alias_model = person_model._meta.get_field("aliases").related_model
        for version in Version.objects.filter(content_type=content_type, object_id__in=gone).order_by("pk"):
            person = version._object_version.object
            person._prefetched_objects_cache = {"aliases": _cached(alias_model, [])}
            people[person_model._meta.pk.to_python(version.object_id)] = person
    return people


def related_as_it_was(document, state, user):
    """The document's related documents (Relation.objects.related_to: what user may see) that the
    state's relations name."""
    ids = {row["id"] for name in ("outgoing_relations", "incoming_relations") for row in state.parts.get(name, [])}
    return [item for item in Relation.objects.related_to([document], user)[document.pk] if item.relation.pk in ids]


# Numbers beyond this are no version of anything (and would overflow a database integer).
MAX_NUMBER = 2**31 - 1


@dataclass
class PastDocument:
    """A document as one of its public versions held it, ready for the page's templates and citations."""

    document: Document  # unsaved: document_as_it_was()
    related: list  # [RelatedDocument] that user may see
    info: VersionInfo
    state: object
    previous: PublicVersion | None

    def changes(self):
        """What this version changed from the one before ([diff.FieldChange])."""
        return public_changes(state_of(self.previous) if self.previous else None, self.state)


def version_of(document, number, user):
    """Public version ``number`` of a document (a current row user may see) as a PastDocument; None
    if it has no such version."""
    if not 1 <= number <= MAX_NUMBER:
        return None
    found = {v.number: v for v in document.public_versions.filter(number__in=[number - 1, number])}
    if number not in found:
        return None
    count = document.public_versions.aggregate(count=Max("number"))["count"]
    state = state_of(found[number])
    return PastDocument(
        document=document_as_it_was(document, state),
        related=related_as_it_was(document, state, user),
        info=info(found[number], count, document.record_id),
        state=state,
        previous=found.get(number - 1),
    )
