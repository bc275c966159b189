"""Addresses of the IIIF manifests and image services, included under /iiif/."""

from django.urls import path

from . import views as iiif_views

app_name = "iiif"

urlpatterns = [
    path("<int:record_id>/manifest.json", iiif_views.manifest, name="manifest"),
    path("image/<uuid:key>", iiif_views.image_base, name="image_base"),
    path("image/<uuid:key>/info.json", iiif_views.image_info, name="image_info"),
    path(
        "image/<uuid:key>/<str:region>/<str:size>/<str:rotation>/<str:quality_format>",
        iiif_views.image,
        name="image",
    ),
]
