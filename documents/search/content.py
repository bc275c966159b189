"""What the search index holds for a document, by weight: the same fields on every backend."""

from django.db.models import Prefetch

from ..models import Document, DocumentPerson, Person

# Columns in falling weight: title and record id; summary; people with their aliases; the text; the rest.
COLUMNS = ("title", "summary", "people", "body", "meta")
NO_MARKERS = str.maketrans("", "", "\ue000\ue001")


def documents_for_index(ids):
    people = Prefetch(
        "person_links",
        queryset=DocumentPerson.objects.select_related("person").prefetch_related(Prefetch("person__aliases")),
    )
    return (
        Document.objects.filter(pk__in=ids)
        .select_related("doc_type", "classification")
        .prefetch_related("languages", "donors", "collections", "subjects", "places", "archives", people)
    )


def index_content(document):
    """The document's searchable text, one string per column."""
    people = []
    for link in document.person_links.all():
        person: Person = link.person
        people.append(person.name)
        people.extend(alias.name for alias in person.aliases.all())
    meta = [document.source]
    meta += [term.name for term in (document.doc_type, document.classification) if term]
    for related in ("languages", "donors", "collections", "subjects", "places", "archives"):
        meta.extend(term.name for term in getattr(document, related).all())
    content = {
        "title": f"{document.title} {document.record_id} {document.alternative_titles}".strip(),
        "summary": document.summary,
        "people": " ; ".join(dict.fromkeys(people)),
        "body": f"{document.text}\n{document.transcript}".strip(),
        "meta": " ; ".join(part for part in meta if part),
    }
    # The snippet markers (backends.py) must never occur in the text itself.
    return {column: text.translate(NO_MARKERS) for column, text in content.items()}
