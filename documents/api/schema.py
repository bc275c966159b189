"""The OpenAPI schema of /api/v1/ (drf-spectacular): what the views cannot say for themselves.

- ``AutoSchema`` (settings.REST_FRAMEWORK) adds to every operation what every view shares: the
  error responses in errors.py's shape, the validators (ETag, Last-Modified) with their ``304``,
  ``301`` from an old slug, ``429`` with Retry-After, ``?fields=``, and CSV as text.
- ``relation_views``: the parameters of the relation list, set on its view with a decorator; the
  document resources have theirs in schema_documents.py.
- Hooks (settings.SPECTACULAR_SETTINGS): the catch-all JSON 404 is not an operation, ``?fields=``
  makes every field of a selectable resource optional, and the request bodies say what the write
  serializers check beyond what drf-spectacular reads from them."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from .errors import NotFoundView
from .parameters import MAX_RECORD_ID
from .serializers.fields import SelectableFieldsMixin

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# What DRF's CharField refuses whatever the schema's length says: a NUL, and (trimmed) nothing but spaces.
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
WEB_URL = r"^https?://"  # validators.validate_web_url

# -- errors ----------------------------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, again.")
    code = serializers.CharField(help_text="A stable, machine-readable code: not_found, invalid_filter, throttled …")
    message = serializers.CharField(help_text="What went wrong, in a sentence for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each faulty parameter (or body field) with its messages; empty when none is at fault.",
    )


class ErrorSerializer(serializers.Serializer):
    """Every API error, whatever raised it (documents/api/errors.py)."""

    error = ErrorDetailSerializer()


def error(description):
    return OpenApiResponse(ErrorSerializer, description=description)


ERRORS = {
    "400": "A parameter (or body field) is not valid: `fields` says which and why.",
    "401": "No valid credentials (a token, or a session of the site).",
    "403": "Signed in, but not allowed to do this (the admin's permissions apply).",
    "404": "Nothing at this address for this client (a draft is a 404, never a 403), or an unknown `format`.",
    "412": "`If-Match` names no version of this record, or someone changed a field you change since you read it.",
    "409": (
        "Not done: the body duplicates a record (a taken slug or record ID, a relation the two documents already "
        "have, a person's name another person has: `fields.existing` is their address); to delete, other records "
        "still name this one (remove those links first); or the write collided with another saved at the same "
        "moment (nothing was changed: read again and retry)."
    ),
    "410": "The document with this record ID was deleted; its record ID is never given to another document.",
    "428": "`If-Match` is missing: send the `ETag` of your last read of this record.",
    "429": "Too many requests from this address: wait `Retry-After` seconds.",
}


def header(description, schema=None):
    return {"description": description, "schema": schema or {"type": "string"}}


VALIDATORS = {
    "ETag": header(
        "The representation's version; send it back as `If-None-Match` (a document's starts with its version)."
    ),
    "Last-Modified": header("When the records shown last changed; send it back as `If-Modified-Since`."),
    "Cache-Control": header("`public, max-age=60` for anonymous clients, `private, no-store` for staff."),
}


# -- what every operation shares -------------------------------------------------------------------


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, with what every view of documents/api/ shares."""

    def is_read(self):
        return self.method == "GET"

    def get_response_serializers(self):
        """A write answers with the record as a read gives it (WritableMixin.written), not in the shape
        of its request body."""
        if self.method in ("POST", "PUT", "PATCH") and getattr(self.view, "write_serializer_class", None):
            return self.view.detail_serializer_class or self.view.serializer_class
        return super().get_response_serializers()

    def get_auth(self):
        """Reads are open to anyone: credentials are optional there (``{}``), required for writes."""
        auth = super().get_auth()
        if self.is_read() and auth and {} not in auth:
            auth.append({})
        return auth

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        names = {getattr(parameter, "name", None) for parameter in parameters}
        if self.is_read() and hasattr(self.view, "selected_fields") and "fields" not in names:
            parameters.append(fields_parameter(self.view.get_serializer_class()))
        if self.is_read():
            parameters += [
                OpenApiParameter(
                    "If-None-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="The `ETag` of your copy: `304 Not Modified` if it is still current.",
                ),
                OpenApiParameter(
                    "If-Modified-Since",
                    str,
                    OpenApiParameter.HEADER,
                    description="The `Last-Modified` of your copy (an HTTP date): `304` if nothing changed since.",
                ),
            ]
        if self.method in UNSAFE and self.method != "POST" and "If-Match" not in names:
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    # One strong entity tag, as a read's ETag gives it, or "*" (not a list, not W/).
                    {"type": "string", "pattern": r'^(\*|"[^"]*")$'},
                    OpenApiParameter.HEADER,
                    required=True,  # without it 428 (conditional.if_match_tags)
                    description=(
                        "The `ETag` of your last read, exactly as it came, or `*` (the current version). Without "
                        "it 428; a weak or unknown tag 412. An earlier version's tag is merged with the saves "
                        "since: 412 if both changed the same field."
                    ),
                )
            )
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        related = isinstance(field, serializers.RelatedField) and not field.allow_null
        if direction == "request" and related and schema.get("type") == "string":
            schema.setdefault("minLength", 1)  # DRF reads "" as no record at all ("may not be null")
        return schema

    def _get_format_parameters(self):
        parameters = super()._get_format_parameters()
        for parameter in parameters:
            parameter["description"] = (
                "`json` (the default) or `csv` (also `Accept: text/csv`). Errors are always JSON."
            )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        ok = responses.get("200")
        if self.is_read() and ok:
            csv = ok.get("content", {}).get("text/csv")
            if csv is not None:
                csv["schema"] = {"type": "string", "description": "A header row, then one row per result."}
            ok.setdefault("headers", {}).update(VALIDATORS)
            if self._is_list_view() and "Link" not in ok["headers"]:
                ok["headers"]["Link"] = header('`<next page>; rel="next"` while more pages follow.')
            responses.setdefault(
                "304",
                {
                    "description": "Not Modified: your copy (`If-None-Match` / `If-Modified-Since`) is current.",
                    "headers": {"ETag": VALIDATORS["ETag"]},
                },
            )
            if "{slug}" in self.path:
                responses.setdefault(
                    "301",
                    {
                        "description": "An old slug: the record now lives at `Location` (the query is kept).",
                        "headers": {"Location": header("The current address.", {"type": "string", "format": "uri"})},
                    },
                )
        codes = ["400", "404", "429"]
        if self.method in UNSAFE:
            codes[1:1] = ["401", "403"]
            if self.method != "POST":
                codes += ["412", "428"]
            codes.append("409")
        if "{record_id}" in self.path:
            codes.append("410")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    error(ERRORS[code]), code, media_types=["application/json"], direction=direction
                )
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = header(
                "Seconds to wait before the next request.", {"type": "integer"}
            )
        return responses


def names_parameter(name, names, description):
    """A query parameter holding some of these names, comma-separated (``?fields=record_id,title``): as the
    server reads it (parameters.listed_names), exactly these names, no spaces, at least one."""
    return OpenApiParameter(
        name,
        {"type": "array", "items": {"type": "string", "enum": list(names)}, "minItems": 1},
        style="form",
        explode=False,
        description=description,
    )


def fields_parameter(serializer_class):
    """``?fields=``: the names parameters.selected_fields() accepts, the serializer's own fields."""
    names = list(serializer_class().fields)
    return names_parameter(
        "fields", names, "Keep only these fields, comma-separated (`?fields=record_id,title`); any other is a 400."
    )


relation_views = extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "document",
                {"type": "integer", "minimum": 0, "maximum": MAX_RECORD_ID},
                description="Only the relations of this record ID (either end).",
            )
        ]
    )
)


# -- hooks (settings.SPECTACULAR_SETTINGS) ---------------------------------------------------------


def skip_catch_all(endpoints, **kwargs):
    """Any other address under /api/ answers a JSON 404 (errors.NotFoundView): not an operation."""
    return [endpoint for endpoint in endpoints if getattr(endpoint[3], "cls", None) is not NotFoundView]


def selectable_components():
    found, todo = set(), [SelectableFieldsMixin]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            found.add(subclass.__name__.removesuffix("Serializer"))
    return found


def request_rules(result, generator, request, public):
    """What the write serializers check beyond what drf-spectacular reads from them, in their request
    bodies: text without a NUL and not only spaces where required, web addresses http(s)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            for prop in component.get("properties", {}).values():
                _tighten(prop)
    return result


def _tighten(schema):
    for branch in schema.get("oneOf", []):
        _tighten(branch)
    if schema.get("type") == "array" and "items" in schema:
        # A list of slugs or codes: an empty one is read as no value at all ("may not be null").
        items = schema["items"]
        if items.get("type") == "string" and "enum" not in items:
            items.setdefault("minLength", 1)
        _tighten(items)
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
        if schema.get("format") == "uri":
            schema["pattern"] = WEB_URL
        elif "format" not in schema:
            schema["pattern"] = NOT_BLANK if schema.get("minLength", 0) >= 1 else NO_NUL


def optional_selected_fields(result, generator, request, public):
    """``?fields=`` may leave out any field of a selectable resource: none is required in its
    response. Results of the document list are a list entry or a change (anyOf, not oneOf: an
    ``updated`` change is both)."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in selectable_components():
        schemas.get(name, {}).pop("required", None)
    entry = schemas.get("DocumentListEntry")
    if entry and "oneOf" in entry:
        entry["anyOf"] = entry.pop("oneOf")
    return result
