"""What the serializers share: absolute addresses (a record's page on the site, itself in the API,
its documents as a filtered list) and ``?fields=``."""

from urllib.parse import urlencode

from django.urls import reverse
from rest_framework import serializers


def absolute(context, path):
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def api_path(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs)


def documents_api_path(**params):
    """The API's document list with these filters (the same parameters as the /documents/ page)."""
    return f"{reverse('api:document-list')}?{urlencode(params)}"


def web_list_path(**params):
    return f"{reverse('documents:document_list')}?{urlencode(params)}"


class SelectableFieldsMixin:
    """``fields=[...]`` keeps only those fields (the view has checked the names: ?fields=)."""

    def __init__(self, *args, fields=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fields:
            for name in set(self.fields) - set(fields):
                self.fields.pop(name)


class WebURLField(serializers.URLField):
    """The record's page on the site, absolute."""

    def __init__(self, path=None, **kwargs):
        self.path = path or (lambda obj: obj.get_absolute_url())
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        path = self.path(value)
        return absolute(self.context, path) if path else None


class APIURLField(serializers.URLField):
    """The record in the API, absolute."""

    def __init__(self, view_name, lookup, **kwargs):
        self.view_name, self.lookup = view_name, lookup
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return absolute(self.context, api_path(self.view_name, **{self.lookup: getattr(value, self.lookup)}))


class DocumentsAPIURLField(serializers.URLField):
    """The API's document list filtered to this record (``?person=``, ``?donor=``, ``?type=`` …)."""

    def __init__(self, parameter, lookup="slug", **kwargs):
        self.parameter, self.lookup = parameter, lookup
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return absolute(self.context, documents_api_path(**{self.parameter: getattr(value, self.lookup)}))
