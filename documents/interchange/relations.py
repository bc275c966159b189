"""A document row's relations: its ``related`` cell read as (type, record ID, note), compared with
what the document has, and written once every document of the file exists (a relation may name a
document later in the file). A symmetric link entered from the other document counts as this one."""

from ..models import Document, Relation, RelationType
from .format import RELATED
from .state import CHUNK, document_label


class Relations:
    def __init__(self, context):
        self.context = context
        self.pending = []  # (row, created?, source pk, ((type pk, record id, note), ...))
        self.ends = set()  # pks of documents that gained or lost a relation (history records them)
        self.known_record_ids = set()  # record IDs of the chunk's targets that are not in the file
        self.symmetric_types = None

    # -- reading a related cell -------------------------------------------------------------

    def targets(self, items):
        """The record IDs that a related cell names and that are not in the file."""
        found = set()
        for item in items:
            match = RELATED.match(item)
            if match and int(match["record_id"]) not in self.context.record_rows:
                found.add(int(match["record_id"]))
        return found

    def look_up(self, targets):
        """Note which of the record IDs that a chunk's rows name outside the file are in the archive."""
        self.known_record_ids = set(
            Document.objects.filter(record_id__in=targets).values_list("record_id", flat=True).order_by()
        )

    def wanted(self, items, source_record_id):
        """[[type pk, record ID, note], ...]: the relations a related cell asks for. ValueError says why not."""
        wanted, seen = [], set()
        index = self.context.index(RelationType)
        for item in items:
            match = RELATED.match(item)
            if not match:
                raise ValueError(f"“{item}” is not a relation: write TYPE:RECORD_ID, e.g. reply:121773")
            slug, record_id, note = match["type"] or "related", int(match["record_id"]), (match["note"] or "").strip()
            type_id = index.get_key(slug)
            if type_id is None:
                found = index.find(slug)
                type_id = found[0] if found else None
            if type_id is None:
                raise ValueError(f"“{slug}” is not a relation type: use the slug of one (e.g. related, reply)")
            if record_id not in self.context.record_rows and record_id not in self.known_record_ids:
                raise ValueError(f"record {record_id} is neither in the file nor in the archive")
            if record_id == source_record_id:
                raise ValueError("a document cannot be related to itself")
            if len(note) > 500:
                raise ValueError("a relation's note is longer than 500 characters")
            if (type_id, record_id) not in seen:
                seen.add((type_id, record_id))
                wanted.append([type_id, record_id, note])
        return sorted(wanted)

    def same(self, wanted, current):
        """Whether the document (its state ``current``) already has the relations wanted."""
        have = {(type_id, record_id): note for type_id, record_id, note in current["related"]}
        want = {(type_id, record_id): note for type_id, record_id, note in wanted}
        if have == want:
            return True
        # A symmetric link entered from the other document counts as this one (see apply).
        missing = {key: note for key, note in want.items() if key not in have}
        if any(key not in want or want[key] != note for key, note in have.items()) or not missing:
            return False
        source = Document.objects.filter(record_id=current["record_id"]).values_list("pk", flat=True).first()
        reverse = Relation.objects.filter(
            target_id=source, source__record_id__in=[record_id for _, record_id in missing]
        ).values_list("type_id", "source__record_id", "note")
        found = {(type_id, record_id): note for type_id, record_id, note in reverse if self.symmetric(type_id)}
        return all(found.get(key) == note for key, note in missing.items())

    def symmetric(self, type_id):
        if self.symmetric_types is None:
            self.symmetric_types = {
                pk
                for pk, name, inverse in RelationType.objects.values_list("pk", "name", "inverse_name")
                if name == inverse
            }
        return type_id in self.symmetric_types

    # -- writing, once every document of the file exists -----------------------------------

    def add(self, row, created, source, wanted):
        """Note that the document ``source`` (written from ``row``) is to have the relations wanted."""
        # Tuples of numbers, not the row's result: this list is the import's only memory per row.
        self.pending.append((row, created, source, tuple(tuple(relation) for relation in wanted)))

    def apply(self):
        report = self.context.report
        if not self.pending or report.has_errors:
            return  # nothing to write, or nothing will be kept
        # Remove first, then add: a link may move from one document of the file to another.
        for start in range(0, len(self.pending), CHUNK):
            chunk = self.pending[start : start + CHUNK]
            removed = Relation.objects.filter(source_id__in=[source for *_, source, _ in chunk])
            self.ends |= set(removed.values_list("target_id", flat=True).order_by())
            removed.delete()
        linked = set()  # (lower pk, higher pk, type pk) written by this import
        for start in range(0, len(self.pending), CHUNK):
            chunk = self.pending[start : start + CHUNK]
            record_ids = {record_id for *_, wanted in chunk for _, record_id, _ in wanted}
            pks = dict(Document.objects.filter(record_id__in=record_ids).values_list("record_id", "pk").order_by())
            sources = [source for *_, source, _ in chunk]
            reverse = {
                (source, target, type_id)
                for source, target, type_id in Relation.objects.filter(target_id__in=sources)
                .values_list("source_id", "target_id", "type_id")
                .order_by()
            }
            relations = []
            for row, created, source, wanted in chunk:
                for type_id, record_id, note in wanted:
                    target = pks.get(record_id)
                    if target is None:  # its row failed: the import will not be kept anyway
                        continue
                    pair = (min(source, target), max(source, target), type_id)
                    if (target, source, type_id) in reverse or pair in linked:
                        if self.symmetric(type_id):
                            continue  # the same link, entered from the other document
                        wording = RelationType.objects.get(pk=type_id).name
                        label = document_label(*Document.objects.values_list("record_id", "title").get(pk=source))
                        report.fail(
                            row,
                            "created" if created else "updated",
                            label,
                            "related",
                            f"record {record_id} already has “{wording}” to this document: one link per type and pair",
                        )
                        continue
                    linked.add(pair)
                    self.ends.add(target)
                    relations.append(Relation(source_id=source, target_id=target, type_id=type_id, note=note))
            Relation.objects.bulk_create(relations)
