"""The benchmark corpus: deterministic, with the words and skew the benchmark relies on."""

import pytest
from django.core.management import call_command

from documents import corpus
from documents.models import Document, FacetCount, FacetKind
from documents.search import facet_index, parse_query, search_documents


def make(n, seed):
    call_command("generate_corpus", documents=n, seed=seed, workers=1, verbosity=0)
    return list(Document.objects.order_by("record_id").values_list("record_id", "title", "date", "status"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_size_and_seed_make_the_same_archive_with_the_promised_words():
    first = make(60, 7)
    published = Document.objects.published()
    assert published.count() == 60 and Document.objects.count() > 60
    assert min(record_id for record_id, *_ in first) > corpus.RECORD_ID_BASE
    rare = search_documents(published, parse_query(corpus.RARE_WORD))
    assert rare.count() == corpus.RARE_WORD_DOCUMENTS
    common = search_documents(published, parse_query(corpus.COMMON_WORD)).count()
    assert 15 <= common <= 45  # about half
    # The facet table is filled too, exactly as a rebuild makes it.
    made = sorted(FacetCount.objects.values_list("facet", "value", "published", "total"))
    typed = published.filter(doc_type__isnull=False).count()
    assert sum(n for kind, _, n, _ in made if kind == FacetKind.TYPE) == typed > 50
    facet_index.rebuild()
    assert sorted(FacetCount.objects.values_list("facet", "value", "published", "total")) == made
    # Inserted in bulk, the corpus still moved the record ID sequence past itself.
    assert Document.objects.create(title="Added after the corpus").record_id > max(r for r, *_ in first)
    Document.objects.all().delete()
    assert make(60, 7) == first
