"""The archive's data model; see docs/data-model.md for how it maps onto a document page."""

from .base import OldSlug
from .changes import DocumentChange
from .documents import Document, DocumentPerson, RelatedDocument, Relation, Scan
from .facets import DocumentFacet, FacetCount, FacetKind
from .groups import Collection, Donor
from .imports import ImportBatch, ImportedRecord
from .people import Person, PersonAlias
from .search import SearchWord
from .vocabularies import Archive, Classification, DocumentType, Language, Place, RelationType, Subject

__all__ = [
    "Archive",
    "Classification",
    "Collection",
    "Document",
    "DocumentChange",
    "DocumentFacet",
    "DocumentPerson",
    "DocumentType",
    "Donor",
    "FacetCount",
    "FacetKind",
    "ImportBatch",
    "ImportedRecord",
    "Language",
    "OldSlug",
    "Person",
    "PersonAlias",
    "Place",
    "RelatedDocument",
    "Relation",
    "RelationType",
    "Scan",
    "SearchWord",
    "Subject",
]
