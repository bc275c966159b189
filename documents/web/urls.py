from django.urls import path

from ..citations import views as citation_views
from . import feeds, reading_list, views

app_name = "documents"

urlpatterns = [
    path("", views.home, name="home"),
    path("documents/", views.document_list, name="document_list"),
    path(
        "feeds/documents/", feeds.SearchFeed(), name="document_feed"
    ),  # the address DESIGN.md gives; ?q=... follows a search
    path("documents/<int:record_id>/", views.document_detail, name="document_permalink"),
    path("documents/<int:record_id>/v/<int:number>/", views.document_version, name="document_version"),
    path("documents/<int:record_id>/<str:slug>/", views.document_detail, name="document_detail"),
    path("documents/<int:record_id>/document.pdf", views.document_pdf, name="document_pdf"),
    path("documents/<int:record_id>/cite.bib", citation_views.citation, {"format": "bibtex"}, name="citation_bibtex"),
    path("documents/<int:record_id>/cite.ris", citation_views.citation, {"format": "ris"}, name="citation_ris"),
    path("documents/<int:record_id>/cite.json", citation_views.citation, {"format": "csl"}, name="citation_csl"),
    path(
        "documents/<int:record_id>/v/<int:number>/cite.bib",
        citation_views.citation,
        {"format": "bibtex"},
        name="version_citation_bibtex",
    ),
    path(
        "documents/<int:record_id>/v/<int:number>/cite.ris",
        citation_views.citation,
        {"format": "ris"},
        name="version_citation_ris",
    ),
    path(
        "documents/<int:record_id>/v/<int:number>/cite.json",
        citation_views.citation,
        {"format": "csl"},
        name="version_citation_csl",
    ),
    path("reading-list/", reading_list.reading_list, name="reading_list"),
    path(
        "reading-list/citations.bib",
        reading_list.reading_list_citations,
        {"format": "bibtex"},
        name="reading_list_bibtex",
    ),
    path("reading-list/citations.ris", reading_list.reading_list_citations, {"format": "ris"}, name="reading_list_ris"),
    path(
        "reading-list/citations.json", reading_list.reading_list_citations, {"format": "csl"}, name="reading_list_csl"
    ),
    path("reading-list/documents.zip", reading_list.reading_list_pdfs, name="reading_list_pdfs"),
    path("people/", views.person_list, name="person_list"),
    # Before people/<slug>/: "network" is no person's slug (Person.reserved_slugs).
    path("people/network/", views.people_network, name="people_network"),
    path("people/<slug:slug>/", views.person_detail, name="person_detail"),
    path("people/<slug:slug>/feed/", feeds.PersonFeed(), name="person_feed"),
    path("donors/", views.donor_list, name="donor_list"),
    path("donors/<slug:slug>/", views.donor_detail, name="donor_detail"),
    path("collections/", views.collection_list, name="collection_list"),
    path("collections/<slug:slug>/", views.collection_detail, name="collection_detail"),
    path("collections/<slug:slug>/feed/", feeds.CollectionFeed(), name="collection_feed"),
]
