"""What the synthetic corpus promises those who use it (generator.py describes it in full): its record
IDs, its two benchmark words, its share of drafts, the rights statement that marks it, and what a
database holds of it (corpus_state(), which `--if-missing` reads; frequent_values(), which the
benchmark's filters use)."""

from django.db.models import Count

from documents import search
from documents.models import Document, DocumentPerson

RECORD_ID_BASE = 1_000_000
COMMON_WORD = "delegation"
RARE_WORD = "samizdat"
RARE_WORD_DOCUMENTS = 3
DRAFT_SHARE = 0.01
LAST_RECORD_ID = RECORD_ID_BASE + 10_000_000  # room for ten million documents

# Every synthetic document's rights statement, which --if-missing reads to recognise a corpus already made:
# kept word for word (it still names the command by its name before tools/), or every corpus made so far
# would be taken for another one.
RIGHTS = (
    "Synthetic benchmark data made by `manage.py generate_corpus --documents {n} --seed {seed}`; not a real document."
)


class CorpusError(Exception):
    pass


def corpus_marker(documents, seed):
    return RIGHTS.format(n=documents, seed=seed)


def draft_count(documents):
    return round(documents * DRAFT_SHARE)


def frequent_values():
    """The most frequent type, language, donor, collection and person of the published documents,
    and the dates of the busiest decade: for benchmark filters."""
    published = Document.objects.published()

    def top(queryset, key):
        return queryset.values(key).annotate(n=Count("pk")).order_by("-n").values_list(key, flat=True).first()

    return {
        "type": top(published.exclude(doc_type=None), "doc_type__slug"),
        "language": top(Document.languages.through.objects.filter(document__status="published"), "language__code"),
        "donor": top(Document.donors.through.objects.filter(document__status="published"), "donor__slug"),
        "person": top(DocumentPerson.objects.filter(document__status="published"), "person__slug"),
    }


def corpus_state(documents, seed):
    """'complete' if the database holds exactly this corpus, fully indexed; 'unindexed' if it does but its
    search index is missing or short; 'absent' if it holds no synthetic documents; otherwise a sentence
    saying what it holds instead."""
    synthetic = Document.objects.filter(record_id__gt=RECORD_ID_BASE, record_id__lte=LAST_RECORD_ID)
    first = synthetic.order_by("record_id").values_list("rights", flat=True).first()
    if first is None:
        return "absent"
    if first != corpus_marker(documents, seed):
        return f"it holds another corpus ({first})"
    published = synthetic.filter(status=Document.Status.PUBLISHED).count()
    drafts = synthetic.filter(status=Document.Status.DRAFT).count()
    try:
        indexed = search.engine.searcher().num_docs
    except search.SearchUnavailable:
        indexed = 0
    if published != documents or drafts != draft_count(documents):
        return f"its corpus is incomplete ({published:,} published, {drafts:,} drafts): an interrupted load"
    if indexed < published + drafts:
        return "unindexed"
    return "complete"
