"""How the API reads the query parameters that several resources share, exactly as the schema
describes them (schema.py): anything else is a 400 that names the parameter."""

import re

from django.utils.translation import ngettext

from ..search.facets import PERSON_FACETS
from .errors import InvalidParameters

# The facets a document list may ask for (?facets=), in the schema's order.
FACET_NAMES = ("type", "classification", "language", "donor", "collection", *PERSON_FACETS)
TRUE, FALSE = "true", "false"  # a boolean in the schema: exactly these
# A record ID as the API reads it (record_id_parameter) and the schema says it (schema.relation_views).
RECORD_ID = re.compile(r"[0-9]{1,10}")
MAX_RECORD_ID = 2**31 - 1  # a PositiveIntegerField's largest on every database


def listed_names(request, name):
    """The names of ?name=a,b as given (None without the parameter): the schema's comma-separated array
    (schema.names_parameter), so an empty value names nothing and is a 400."""
    given = request.query_params.get(name)
    if given is None:
        return None
    if not given:
        raise InvalidParameters({name: ["Name at least one, or leave the parameter out."]}, message=f"{name} is empty.")
    return given.split(",")


def selected_fields(request, serializer_class, context=None):
    """The field names of ?fields=a,b (None: all), each exactly a name the serializer has, as the schema
    lists them; else a 400."""
    names = listed_names(request, "fields")
    if names is None:
        return None
    known = list(serializer_class(context=context or {"request": request}).fields)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InvalidParameters(
            {"fields": [f"Unknown field: {name}." for name in unknown] + [f"Choose from: {', '.join(known)}."]},
            message=ngettext("Unknown field: %(names)s.", "Unknown fields: %(names)s.", len(unknown))
            % {"names": ", ".join(unknown)},
            code="unknown_field",
        )
    return names


def requested_facets(request):
    """The facets of ?facets=a,b (none without it): names of FACET_NAMES, one facet of people at most."""
    names = listed_names(request, "facets") or []
    unknown = [name for name in names if name not in FACET_NAMES]
    if unknown:
        raise InvalidParameters(
            {"facets": [f"Unknown facet: {name}." for name in unknown] + [f"Choose from: {', '.join(FACET_NAMES)}."]},
            message=f"Unknown facet: {', '.join(unknown)}.",
            code="unknown_facet",
        )
    people = [name for name in names if name in PERSON_FACETS]
    if len(people) > 1:
        raise InvalidParameters(
            {
                "facets": [
                    "One facet of people at a time: person (any role), author, recipient, participant or mentioned."
                ]
            },
            message="One facet of people at a time.",
        )
    return names


def flag(request, name):
    value = request.query_params.get(name, FALSE)
    if value not in (TRUE, FALSE):
        raise InvalidParameters({name: ["true or false."]}, message=f"{name} is true or false.")
    return value == TRUE


def record_id_parameter(request, name):
    """The record ID in ?name=: ASCII digits (not "²" nor "١", which str.isdigit() takes), no
    larger than a record ID can be; else a 400 naming the parameter."""
    value = request.query_params.get(name, "").strip()
    if not RECORD_ID.fullmatch(value) or int(value) > MAX_RECORD_ID:
        raise InvalidParameters(
            {name: ["A record ID: a whole number, e.g. 121773."]}, message=f"{name} is not a record ID."
        )
    return int(value)
