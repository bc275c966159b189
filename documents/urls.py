from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("", views.home, name="home"),
    path("documents/", views.document_list, name="document_list"),
    path("documents/<int:record_id>/", views.document_detail, name="document_permalink"),
    path("documents/<int:record_id>/<str:slug>/", views.document_detail, name="document_detail"),
    path("people/", views.person_list, name="person_list"),
    path("people/<slug:slug>/", views.person_detail, name="person_detail"),
    path("donors/", views.donor_list, name="donor_list"),
    path("donors/<slug:slug>/", views.donor_detail, name="donor_detail"),
    path("collections/", views.collection_list, name="collection_list"),
    path("collections/<slug:slug>/", views.collection_detail, name="collection_detail"),
]
