from django.urls import path

from ..citations import views as citation_views
from . import feeds, views

app_name = "documents"

urlpatterns = [
    path("", views.home, name="home"),
    path("documents/", views.document_list, name="document_list"),
    path(
        "feeds/documents/", feeds.SearchFeed(), name="document_feed"
    ),  # the address DESIGN.md gives; ?q=... follows a search
    path("documents/<int:record_id>/", views.document_detail, name="document_permalink"),
    path("documents/<int:record_id>/<str:slug>/", views.document_detail, name="document_detail"),
    path("documents/<int:record_id>/cite.bib", citation_views.citation, {"format": "bibtex"}, name="citation_bibtex"),
    path("documents/<int:record_id>/cite.ris", citation_views.citation, {"format": "ris"}, name="citation_ris"),
    path("documents/<int:record_id>/cite.json", citation_views.citation, {"format": "csl"}, name="citation_csl"),
    path("people/", views.person_list, name="person_list"),
    path("people/<slug:slug>/", views.person_detail, name="person_detail"),
    path("people/<slug:slug>/feed/", feeds.PersonFeed(), name="person_feed"),
    path("donors/", views.donor_list, name="donor_list"),
    path("donors/<slug:slug>/", views.donor_detail, name="donor_detail"),
    path("collections/", views.collection_list, name="collection_list"),
    path("collections/<slug:slug>/", views.collection_detail, name="collection_detail"),
    path("collections/<slug:slug>/feed/", feeds.CollectionFeed(), name="collection_feed"),
]
