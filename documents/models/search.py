"""The search index's lexicon; the index itself is backend SQL (documents/search/backends.py)."""

from django.db import models


class SearchWord(models.Model):
    """A word from titles, names and vocabulary terms, for "did you mean" suggestions."""

    word = models.CharField(max_length=60, primary_key=True)

    class Meta:
        ordering = ["word"]

    def __str__(self):
        return self.word
