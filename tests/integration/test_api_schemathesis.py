"""Schemathesis against the live schema (/api/v1/schema/), in process through the WSGI app: every
operation, for an anonymous client and for a staff client with a token, on the demo archive
plus a draft. No 5xx, and every response conforms to the schema (status code, content type,
body). A bounded run with a fixed seed; its numbers are printed whatever pytest captures."""

import contextlib
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config._checks import (
    NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
    NegativeDataRejectionConfig,
    PositiveDataAcceptanceConfig,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from documents.models import Document
from tests.factories import DocumentFactory

# The rules no OpenAPI schema can state, which the schema says in words: which records exist (a slug,
# code or record ID that names none this client may see), and rules across fields or parameters. A 400
# whose every message is one of these is not a schema-valid request refused; any other 400 is.
BEYOND_THE_SCHEMA = (
    "Select a valid choice.",  # a filter's slug or code that names no record (the /documents/ page's own)
    "Object with ",  # "… does not exist": a write naming no record
    "The year of death cannot be before the year of birth.",
    "An alias is named twice.",
    "Not with updated_since",  # the changes take no filters (docs/api.md)
    "Choose at most",  # values in all filters together
    "The start of the date range is after its end.",
    # Duplicates, which are 409 when they are the only fault (errors.py).
    "These two documents are already linked",
    "Another document has this record ID.",
)
TAKEN = " already exists."  # "person with this slug already exists."


def valid_request_accepted(ctx, response, case):
    """positive_data_acceptance, except a 400 for a rule beyond the schema (BEYOND_THE_SCHEMA)."""
    if response.status_code == 400:
        with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
            fields = json.loads(response.content)["error"]["fields"]
            messages = [message for messages in fields.values() for message in messages]
            beyond = [m.lstrip("0123456789: ").startswith(BEYOND_THE_SCHEMA) or m.endswith(TAKEN) for m in messages]
            if messages and all(beyond):
                return None
    return positive_data_acceptance(ctx, response, case)


# The schema says exactly what the server accepts: a request it allows is not refused as malformed
# (positive_data_acceptance), a request it forbids is (negative_data_rejection).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    valid_request_accepted,
    negative_data_rejection,
]
# 412 Precondition Failed is how HTTP refuses an If-Match that names no current version: a well-formed
# tag of another version (a stale edit, not a malformed request), or one that is not a tag at all.
POSITIVE_STATUSES = [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, "412"]
NEGATIVE_STATUSES = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "412"]
MAX_EXAMPLES = 20
SEED = 1949


@pytest.fixture(autouse=True)
def no_throttle(settings):
    """The anonymous rate is the throttle test's business, not this one's."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"}}


@pytest.fixture(autouse=True)
def keep_connection():
    """As Django's test client does: the WSGI app must not close the test's database connection
    at the end of each request (on PostgreSQL that would end the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def conformance_test(operation, headers, seen, mode):
    """A Hypothesis test of one operation, with data the schema allows (positive mode) or forbids
    (negative), that calls it with headers and records each case in seen."""

    @seed(SEED)
    @settings(
        max_examples=MAX_EXAMPLES,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        seen.append(case)
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    return check


def run(headers):
    """Every operation of the live schema, MAX_EXAMPLES cases each in each mode: (operations, cases,
    failures)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(expected_statuses=POSITIVE_STATUSES)
    schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(expected_statuses=NEGATIVE_STATUSES)
    operations, cases, failures = 0, 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in GenerationMode:
            seen = []
            try:
                conformance_test(operation, headers, seen, mode)()
            except (Exception, FailureGroup) as failure:  # collected, then reported together
                failures.append(f"{operation.label} ({mode}): {failure}")
            cases += len(seen)
    return operations, cases, failures


@pytest.fixture
def draft(demo):
    return DocumentFactory(title="A draft nobody outside may see", status=Document.Status.DRAFT)


@pytest.mark.django_db
@pytest.mark.parametrize("client", ["anonymous", "staff"])
def test_every_operation_conforms(client, draft, django_user_model, capsys):
    headers = {}
    if client == "staff":
        user = django_user_model.objects.create_superuser("schemathesis", "s@example.org", "a-long-test-password")
        headers["Authorization"] = f"Token {Token.objects.create(user=user).key}"
    operations, cases, failures = run(headers)
    with capsys.disabled():  # CI shows the numbers, with or without -s
        print(f"\nSchemathesis ({client}): {operations} operations, {cases} cases, {len(failures)} failures")
        for failure in failures:
            print(f"  FAILED {failure.splitlines()[0]}")
    assert operations > 0 and cases > 0
    assert not failures, "\n\n".join(failures)
