"""The protocol's grammar: verbs and their arguments, datestamps, identifiers and error codes.

Everything a request can get wrong is found here, before any record is read, so that an error
response never follows half a list."""

import datetime
import re

from django.conf import settings

VERBS = {
    # verb: (required arguments, optional arguments, whether a resumptionToken may replace them)
    "Identify": (set(), set(), False),
    "ListMetadataFormats": (set(), {"identifier"}, False),
    "ListSets": (set(), set(), True),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, True),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, True),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), False),
}
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
MAX_RECORD_ID = 2**31 - 1  # the largest record id a database column holds
METADATA_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+\Z")


class OAIError(Exception):
    """An error the protocol names: answered as <error code="..."> with HTTP 200."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message

    @property
    def hides_request(self):
        # For these two the response must echo the base URL only: the arguments were not understood.
        return self.code in ("badVerb", "badArgument")


def bad_argument(message):
    return OAIError("badArgument", message)


def parse_request(params):
    """(verb, {argument: value}) from a QueryDict, or OAIError badVerb / badArgument."""
    verbs = params.getlist("verb")
    if not verbs:
        raise OAIError("badVerb", "The verb argument is missing.")
    if len(verbs) > 1:
        raise OAIError("badVerb", "The verb argument is repeated.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OAIError("badVerb", f"{verb!r} is not an OAI-PMH verb.")
    required, optional, resumable = VERBS[verb]
    arguments = {}
    for name, values in params.lists():
        if name == "verb":
            continue
        if len(values) > 1:
            raise bad_argument(f"The argument {name} is repeated.")
        arguments[name] = values[0]
    allowed = required | optional | ({"resumptionToken"} if resumable else set())
    illegal = sorted(set(arguments) - allowed)
    if illegal:
        raise bad_argument(f"{verb} does not take {', '.join(illegal)}.")
    if "resumptionToken" in arguments:
        if len(arguments) > 1:
            raise bad_argument("resumptionToken is an exclusive argument: it cannot come with others.")
        return verb, arguments
    missing = sorted(required - set(arguments))
    if missing:
        raise bad_argument(f"{verb} requires {', '.join(missing)}.")
    if "metadataPrefix" in arguments and not METADATA_PREFIX.match(arguments["metadataPrefix"]):
        raise bad_argument("metadataPrefix has characters a prefix cannot have.")
    return verb, arguments


def parse_datestamp(name, text):
    """(first instant, last instant) a datestamp stands for, in UTC, and its granularity ("day"/"second")."""
    if DAY.match(text):
        granularity, form, step = "day", "%Y-%m-%d", datetime.timedelta(days=1)
    elif SECOND.match(text):
        granularity, form, step = "second", "%Y-%m-%dT%H:%M:%SZ", datetime.timedelta(seconds=1)
    else:
        raise bad_argument(f"{name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC).")
    try:
        first = datetime.datetime.strptime(text, form).replace(tzinfo=datetime.UTC)
    except ValueError:
        raise bad_argument(f"{name} is not a real date or time.") from None
    try:
        last = first + step - datetime.timedelta(microseconds=1)
    except OverflowError:  # the last day of year 9999
        last = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    return first, last, granularity


def parse_range(arguments):
    """(from, until) as inclusive instants, either None, or OAIError badArgument."""
    lower = upper = None
    granularities = set()
    if "from" in arguments:
        lower, _, granularity = parse_datestamp("from", arguments["from"])
        granularities.add(granularity)
    if "until" in arguments:
        _, upper, granularity = parse_datestamp("until", arguments["until"])
        granularities.add(granularity)
    if len(granularities) > 1:
        raise bad_argument("from and until must have the same granularity.")
    if lower and upper and lower > upper:
        raise bad_argument("from is later than until.")
    return lower, upper


def datestamp(moment):
    """A datestamp at the repository's granularity, seconds, in UTC."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def repository_identifier(request):
    """The namespace part of our item identifiers: OAI_REPOSITORY_IDENTIFIER, else the host asked for."""
    return settings.OAI_REPOSITORY_IDENTIFIER or request.get_host().rsplit(":", 1)[0].strip("[]")


def item_identifier(request, record_id):
    return f"oai:{repository_identifier(request)}:{record_id}"


def record_id_of(request, identifier):
    """The record id in one of our identifiers, or OAIError idDoesNotExist."""
    prefix = f"oai:{repository_identifier(request)}:"
    number = identifier[len(prefix) :] if identifier.startswith(prefix) else ""
    if not (number.isascii() and number.isdigit() and not number.startswith("0") and int(number) <= MAX_RECORD_ID):
        raise OAIError("idDoesNotExist", f"{identifier!r} is not an identifier of this repository.")
    return int(number)
