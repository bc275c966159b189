"""The OAI-PMH endpoint: one URL, six verbs, GET or POST (docs/oai-pmh.md).

Each verb first reads and checks everything it will send, raising OAIError on any fault, and only
then writes: an error response never carries half a list. Errors are XML with HTTP 200, as the
protocol requires; only published documents and the tombstones of once-public ones are seen."""

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from . import records, sets, tokens
from .formats import FORMATS, XSI
from .protocol import (
    GRANULARITY,
    OAIError,
    bad_argument,
    datestamp,
    item_identifier,
    parse_range,
    parse_request,
    record_id_of,
)
from .writer import Writer

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
CONTENT_TYPE = "text/xml; charset=utf-8"
SCHEMAS = Path(__file__).resolve().parent / "schemas"


def base_url(request):
    return request.build_absolute_uri(reverse("oai:endpoint"))


# Harvesters POST without a CSRF token, as the protocol allows; nothing here writes.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request):
    now = timezone.now()
    params = request.POST if request.method == "POST" else request.GET
    try:
        verb, arguments = parse_request(params)
        body = VERBS[verb](request, arguments, now)
        echoed = {"verb": verb, **arguments}
    except OAIError as error:
        body = _error_body(error)
        echoed = {} if error.hides_request else _echo(params)
    w = Writer()
    attrs = {"xmlns": OAI, "xmlns:xsi": XSI, "xsi:schemaLocation": f"{OAI} {OAI_SCHEMA}"}
    with w.element("OAI-PMH", attrs):
        w.text("responseDate", datestamp(now))
        w.text("request", base_url(request), echoed)
        body(w)
    return HttpResponse(w.getvalue(), content_type=CONTENT_TYPE)


def _echo(params):
    # Only reached when the arguments parsed: each is single and legal for the verb.
    return {name: params.get(name) for name in params}


def _error_body(error):
    def body(w):
        w.text("error", error.message, {"code": error.code})

    return body


def identify(request, arguments, now):
    earliest = records.earliest_datestamp() or now

    def body(w):
        with w.element("Identify"):
            w.text("repositoryName", settings.ARCHIVE_NAME)
            w.text("baseURL", base_url(request))
            w.text("protocolVersion", "2.0")
            for email in settings.OAI_ADMIN_EMAILS:
                w.text("adminEmail", email)
            w.text("earliestDatestamp", datestamp(earliest))
            w.text("deletedRecord", "persistent")
            w.text("granularity", GRANULARITY)

    return body


def list_metadata_formats(request, arguments, now):
    if "identifier" in arguments:
        record = records.get(record_id_of(request, arguments["identifier"]), bundle=records.headers)
        if record is None:
            raise OAIError("idDoesNotExist", "No record has this identifier.")
        if record.deleted:
            raise OAIError("noMetadataFormats", "This record is deleted: it has no metadata in any format.")

    def body(w):
        with w.element("ListMetadataFormats"):
            for fmt in FORMATS.values():
                with w.element("metadataFormat"):
                    w.text("metadataPrefix", fmt.prefix)
                    w.text("schema", fmt.schema_url(request))
                    w.text("metadataNamespace", fmt.namespace)

    return body


def list_sets(request, arguments, now):
    if "resumptionToken" in arguments:
        raise OAIError("badResumptionToken", "The list of sets comes whole: it has no resumption tokens.")
    found = sets.all_sets()

    def body(w):
        with w.element("ListSets"):
            for spec, name in found:
                with w.element("set"):
                    w.text("setSpec", spec)
                    w.text("setName", name)

    return body


def _list(verb):
    def answer(request, arguments, now):
        if "resumptionToken" in arguments:
            state = tokens.load(arguments["resumptionToken"], verb)
            if state["prefix"] not in FORMATS:
                raise OAIError("badResumptionToken", "The resumption token names no format of ours.")
        else:
            lower, upper = parse_range(arguments)
            spec = arguments.get("set")
            if spec is not None and not sets.SET_SPEC.match(spec):
                raise bad_argument("set is not a setSpec.")
            if arguments["metadataPrefix"] not in FORMATS:
                raise OAIError("cannotDisseminateFormat", "This repository has no such metadata format.")
            # The bound is frozen for the whole list: records changing while it is harvested leave it
            # instead of shifting its pages (tokens.py).
            upper = min(upper, now) if upper else now
            state = {"prefix": arguments["metadataPrefix"], "set": spec, "from": lower, "until": upper}
            state.update(after=None, cursor=0)
        fmt = FORMATS[state["prefix"]]
        bundle = fmt.bundle if verb == "ListRecords" else records.headers
        items, more = records.page(
            settings.OAI_PAGE_SIZE, state["set"], state["from"], state["until"], state["after"], bundle
        )
        if not items:
            raise OAIError("noRecordsMatch", "No records match these arguments.")
        context = None
        if verb == "ListRecords":
            context = fmt.prepare([record.document for record in items if not record.deleted])
        cursor = state["cursor"]
        token = None
        if more:
            last = (items[-1].datestamp, items[-1].record_id)
            token = tokens.dump(
                verb, fmt.prefix, state["set"], state["from"], state["until"], last, cursor + len(items)
            )
        site = request.build_absolute_uri("/")

        def body(w):
            with w.element(verb):
                for record in items:
                    if verb == "ListRecords":
                        _record(w, request, record, fmt, site, context)
                    else:
                        _header(w, request, record)
                if token or cursor:
                    # The last page of a list given in parts has an empty token.
                    w.text("resumptionToken", token, {"cursor": str(cursor)})

        return body

    return answer


def get_record(request, arguments, now):
    record_id = record_id_of(request, arguments["identifier"])
    fmt = FORMATS.get(arguments["metadataPrefix"])
    if fmt is None:
        raise OAIError("cannotDisseminateFormat", "This repository has no such metadata format.")
    record = records.get(record_id, bundle=fmt.bundle)
    if record is None:
        raise OAIError("idDoesNotExist", "No record has this identifier.")
    context = fmt.prepare([record.document] if record.document else [])
    site = request.build_absolute_uri("/")

    def body(w):
        with w.element("GetRecord"):
            _record(w, request, record, fmt, site, context)

    return body


def _header(w, request, record):
    with w.element("header", {"status": "deleted"} if record.deleted else None):
        w.text("identifier", item_identifier(request, record.record_id))
        w.text("datestamp", datestamp(record.datestamp))
        for spec in record.set_specs:
            w.text("setSpec", spec)


def _record(w, request, record, fmt, site, context):
    with w.element("record"):
        _header(w, request, record)
        if not record.deleted:
            with w.element("metadata"):
                fmt.write(w, record.document, site, context)


VERBS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "ListIdentifiers": _list("ListIdentifiers"),
    "ListRecords": _list("ListRecords"),
    "GetRecord": get_record,
}


@require_safe
def schema(request, name):
    """The XML Schema of our own metadata format, kept beside this module."""
    if name not in {fmt.schema_file for fmt in FORMATS.values() if hasattr(fmt, "schema_file")}:
        raise Http404("No such schema.")
    return HttpResponse((SCHEMAS / name).read_bytes(), content_type="application/xml; charset=utf-8")
