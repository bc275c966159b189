"""/api/v1/: one router for every resource (views.py), the JSON Lines export, and a JSON 404 for
any other address."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views
from .errors import NotFoundView
from .export import DocumentExportView

app_name = "api"


class Router(DefaultRouter):
    include_format_suffixes = False  # ?format=csv instead of .csv addresses
    APIRootView = views.RootView


router = Router()
router.register("documents", views.DocumentViewSet, basename="document")
router.register("people", views.PersonViewSet, basename="person")
router.register("donors", views.DonorViewSet, basename="donor")
router.register("collections", views.CollectionViewSet, basename="collection")
router.register("relations", views.RelationViewSet, basename="relation")
router.register("types", views.DocumentTypeViewSet, basename="documenttype")
router.register("classifications", views.ClassificationViewSet, basename="classification")
router.register("languages", views.LanguageViewSet, basename="language")
router.register("relation-types", views.RelationTypeViewSet, basename="relationtype")

urlpatterns = [
    path("documents/export.jsonl", DocumentExportView.as_view(), name="document-export"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from ?script, so the page needs no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    re_path(r"^[\s\S]*$", NotFoundView.as_view(), name="not-found"),  # any path, a line break in it too
]
