"""The OAI-PMH endpoint and the schema of our own metadata format, included under /oai/."""

from django.urls import path

from . import views

app_name = "oai"

urlpatterns = [
    path("", views.endpoint, name="endpoint"),
    path("schemas/<str:name>", views.schema, name="schema"),
]
