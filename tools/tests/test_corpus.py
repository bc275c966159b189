"""The benchmark corpus: deterministic, with the words and skew the benchmark relies on."""

import pytest
from django.core.management import call_command

from corpus import spec as corpus
from corpus.command import Command as GenerateCorpus
from documents import search
from documents.models import Document
from documents.search import Criteria, Search, parse_query


def make(n, seed):
    call_command(GenerateCorpus(), documents=n, seed=seed, workers=1, verbosity=0)
    return list(Document.objects.order_by("record_id").values_list("record_id", "title", "date", "status"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_size_and_seed_make_the_same_archive_with_the_promised_words():
    first = make(60, 7)
    published = Document.objects.published()
    assert published.count() == 60 and Document.objects.count() > 60
    assert min(record_id for record_id, *_ in first) > corpus.RECORD_ID_BASE
    assert Search(Criteria(parse_query(corpus.RARE_WORD))).count() == corpus.RARE_WORD_DOCUMENTS
    common = Search(Criteria(parse_query(corpus.COMMON_WORD))).count()
    assert 15 <= common <= 45  # about half
    # The search index is made too, exactly as the database holds the documents.
    typed = published.filter(doc_type__isnull=False).count()
    assert sum(n for _, n in Search(Criteria()).counts(["type"])["type"]) == typed > 50
    assert not search.check()
    # Inserted in bulk, the corpus still moved the record ID sequence past itself.
    assert Document.objects.create(title="Added after the corpus").record_id > max(r for r, *_ in first)
    Document.objects.all().delete()
    assert make(60, 7) == first
