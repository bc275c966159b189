"""The OpenAPI schema (drf-spectacular) is valid without a warning, names the authentication and
the errors, and its browsable docs load nothing from outside our host."""

import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

ERRORS = {
    "get": {"400", "404", "429"},
    "post": {"400", "401", "403", "404", "409", "429"},
    "put": {"400", "401", "403", "404", "409", "412", "428", "429"},
    "patch": {"400", "401", "403", "404", "409", "412", "428", "429"},
    "delete": {"400", "401", "403", "404", "409", "412", "428", "429"},
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path), stderr=StringIO())
    return yaml.safe_load(path.read_text())


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_auth_schemes_are_named(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    assert schemes["cookieAuth"]["in"] == "cookie"
    for path, method, operation in operations(schema):
        named = [next(iter(option), None) for option in operation["security"]]
        assert {"tokenAuth", "cookieAuth"} <= set(named), (method, path)
        assert (None in named) == (method == "get"), (method, path)  # reads need no credentials


def test_every_operation_describes_its_errors(schema):
    error = {"$ref": "#/components/schemas/Error"}
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"error"}
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        expected = ERRORS[method]
        assert expected <= set(responses), (method, path)
        for code in expected:
            assert responses[code]["content"]["application/json"]["schema"] == error, (method, path, code)
            assert responses[code]["description"]
        assert "Retry-After" in responses["429"]["headers"]
        if method == "get":
            assert {"ETag", "Last-Modified"} <= set(responses["200"]["headers"]), path
            assert "304" in responses, path


def test_the_document_list_is_one_page_not_a_page_of_pages(schema):
    ok = schema["paths"]["/api/v1/documents/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": "#/components/schemas/DocumentPage"}
    page = schema["components"]["schemas"]["DocumentPage"]
    assert set(page["properties"]) == {"next", "count", "facets", "results"}
    assert page["properties"]["results"]["type"] == "array"


@pytest.mark.django_db
def test_schema_is_served(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.django_db
def test_docs_load_nothing_from_a_cdn(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    outside = [url for url in re.findall(r"""https?://[^\s"'<>)]+""", html) if not url.startswith("http://testserver/")]
    assert outside == []
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    # The start-up script comes from the page's own address (?script), so no script is inline.
    assert "/api/v1/docs/?script=" in assets
    assert assets and all(a.startswith("/static/") or a == "/api/v1/docs/?script=" for a in assets), assets
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == [] and "<style" not in html
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


def test_a_write_answers_with_the_resource_as_a_read_gives_it(schema):
    """POST, PUT and PATCH answer with the record as GET shows it (WritableMixin.written): the schema says
    so, not the shape of the request body (a relation's type is an object there, not its slug)."""
    wrong = []
    for path, operations in schema["paths"].items():
        read = operations.get("get", {}).get("responses", {}).get("200")
        for method in ("put", "patch"):
            if method in operations and read is not None:
                written = operations[method]["responses"]["200"]["content"]["application/json"]["schema"]
                if written != read["content"]["application/json"]["schema"]:
                    wrong.append(f"{method.upper()} {path}: {written}")
        if "post" in operations and "{" not in path:
            created = operations["post"]["responses"]["201"]["content"]["application/json"]["schema"]
            detail = schema["paths"].get(path + "{id}/") or next(
                (ops for other, ops in schema["paths"].items() if other.startswith(path + "{")), {}
            )
            shown = detail.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
            if shown and created != shown["application/json"]["schema"]:
                wrong.append(f"POST {path}: {created}")
    assert not wrong, "\n".join(wrong)
