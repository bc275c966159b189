"""The archive's data model; see docs/data-model.md for how it maps onto a document page."""

from .base import OldSlug
from .changes import DocumentChange
from .documents import Document, DocumentPerson, Relation, Scan
from .groups import Collection, Donor
from .imports import ImportBatch, ImportedRecord
from .people import Person, PersonAlias
from .querysets import RelatedDocument
from .search import SearchOutbox
from .versions import PublicVersion
from .vocabularies import Archive, Classification, DocumentType, Language, Place, RelationType, Subject

__all__ = [
    "Archive",
    "Classification",
    "Collection",
    "Document",
    "DocumentChange",
    "DocumentPerson",
    "DocumentType",
    "Donor",
    "ImportBatch",
    "ImportedRecord",
    "Language",
    "OldSlug",
    "Person",
    "PersonAlias",
    "Place",
    "PublicVersion",
    "RelatedDocument",
    "Relation",
    "RelationType",
    "Scan",
    "SearchOutbox",
    "Subject",
]
