"""Abuse and bad input: sign-in throttling, safe redirects, sanitized HTML, web-only links,
request limits, and hostile text escaped on every public surface (docs/security.md)."""

import csv
import datetime
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.utils.http import url_has_allowed_host_and_scheme
from freezegun import freeze_time

from documents import sanitize
from documents.models import (
    Archive,
    DocumentPerson,
    Donor,
    Language,
    PersonAlias,
    Place,
    Scan,
    Subject,
)

from .factories import (
    ClassificationFactory,
    CollectionFactory,
    DocumentFactory,
    DonorFactory,
    PersonFactory,
    RoleFactory,
    image_upload,
)
from .pages import pdf_text
from .test_visibility import crawl

PASSWORD = "a-long-test-password"
LOGIN = "/admin/login/"

# --- HTML sanitizing ---------------------------------------------------------------------------


def render(template, **context):
    return Template("{% load archive_html %}" + template).render(Context(context))


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "<svg onload=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<iframe src="https://evil.example/"></iframe>',
        "<style>body{display:none}</style>",
        '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
        "<!--<script>alert(1)</script>-->",
        "<scr<script>ipt>alert(1)</script>",
        "</script><script>alert(1)</script>",
        '<form action="https://evil.example/"><input name=x></form>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        '<base href="https://evil.example/">',
    ],
)
@pytest.mark.parametrize("filter_name", ["rich_text", "rich_paragraphs", "rich_lines"])
def test_hostile_markup_leaves_no_script_or_handler(hostile, filter_name):
    """No allow-listed filter lets script, an event handler or a script URL through."""
    out = render("{{ value|" + filter_name + " }}", value=hostile).lower()
    assert "<script" not in out and "<svg" not in out and "<iframe" not in out and "<style" not in out
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", out)
    assert not re.search(r"href=\"(?:javascript|data):", out)
    assert "<form" not in out and "<meta" not in out and "<base" not in out and "style=" not in out


def test_allowed_markup_is_kept_and_links_get_rel():
    """The allow-list: emphasis, lists, quotations and web or mail links stay."""
    value = (
        "<p>A <em>cable</em> and <strong>a</strong> <i>b</i> <b>c</b> x<sup>1</sup> H<sub>2</sub>O</p>"
        "<ul><li>one</li></ul><blockquote>q</blockquote><h3>h</h3>"
        '<a href="https://example.org/a">w</a> <a href="mailto:x@example.org">m</a>'
    )
    out = render("{{ value|rich_paragraphs }}", value=value)
    for tag in ["<em>cable</em>", "<strong>a</strong>", "<i>b</i>", "<b>c</b>", "<sup>1</sup>", "<sub>2</sub>"]:
        assert tag in out
    assert "<ul><li>one</li></ul>" in out and "<blockquote>q</blockquote>" in out and "<h3>h</h3>" in out
    assert '<a href="https://example.org/a" rel="noopener nofollow">w</a>' in out
    assert '<a href="mailto:x@example.org" rel="noopener nofollow">m</a>' in out


def test_relative_and_non_web_links_lose_their_address():
    """A link from curator text never points into this site or runs anything."""
    out = render("{{ value|rich_lines }}", value='<a href="/admin/">a</a> <a href="ftp://x.example/">f</a>')
    assert "href" not in out


def test_plain_text_is_shown_as_today():
    """Text without markup keeps its lines: escaped, paragraphs and line breaks as Django's filters make them."""
    text = 'He said "yes" & left.\nNext line.\n\nNew paragraph with a < b.'
    assert render("{{ v|rich_paragraphs }}", v=text) == render("{{ v|linebreaks }}", v=text)
    assert render("{{ v|rich_lines }}", v=text) == render("{{ v|linebreaksbr }}", v=text)
    assert render("{{ v|rich_text }}", v=text) == render("{{ v }}", v=text)


def test_text_written_as_html_keeps_no_blank_lines_between_blocks():
    """In a pre-wrap block, the newlines between <p>s of an HTML text would show as blank lines."""
    assert render("{{ v|rich_text }}", v="<p>One</p>\n\n<p>Two\nlines</p>\n") == "<p>One</p><p>Two\nlines</p>"


def test_summary_inside_a_paragraph_keeps_only_inline_markup():
    """A summary is shown inside <p>: a block in it would break the page's structure."""
    out = render("{{ v|rich_lines }}", v="<p>One <em>two</em></p><ul><li>three</li></ul>")
    assert out == "One <em>two</em>three"


def test_plain_text_filter_drops_all_markup():
    assert sanitize.plain_text("<script>alert(1)</script><b>Tom</b> &amp; Jerry") == "Tom & Jerry"
    assert render("{{ v|plain_text }}", v="<b>a</b> <x") == "a "


@pytest.mark.django_db
def test_document_page_shows_sanitized_html(client):
    """Markup in the text shows as formatting; script and handlers never reach the page."""
    document = DocumentFactory(
        text="<p>The <em>first</em> line.</p><script>alert(1)</script>",
        summary="A <strong>short</strong> summary <img src=x onerror=alert(1)>",
        rights="<p>Use <a href='javascript:alert(1)'>freely</a>.</p>",
        source="Translated by <i>A. Translator</i>.",
        date_note="Dated <b>wrongly</b>.",
        transcript="<p>Оригинал</p>",
    )
    content = client.get(document.get_absolute_url()).content.decode()
    assert "<p>The <em>first</em> line.</p>" in content
    assert "A <strong>short</strong> summary" in content
    assert "Translated by <i>A. Translator</i>." in content and "Dated <b>wrongly</b>." in content
    assert "<p>Оригинал</p>" in content
    assert not unsafe_html(content)
    # The translation, read beside its original (parallel reading), is the cleaned markup and nothing else.
    translation = r'<div class="parallel-cell" data-column="translation">.*?<div class="document-text"[^>]*>(.*?)</div>'
    assert re.search(translation, content, re.S).group(1) == "<p>The <em>first</em> line.</p>"
    # The meta description is plain text.
    assert '<meta name="description" content="A short summary">' in content


# --- Links: only http and https ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.org/", True),
        ("http://example.org/a?b=c", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)//http://x", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("ftp://example.org/", False),
        ("//evil.example/", False),
        ("/relative/", False),
        ("vbscript:msgbox(1)", False),
    ],
)
@pytest.mark.django_db
def test_donor_link_accepts_only_http_and_https(url, ok):
    """The only URL field a record has (a donor's web site) takes web addresses only."""
    donor = Donor(name="Foundation", url=url)
    if ok:
        donor.full_clean()
    else:
        with pytest.raises(ValidationError) as error:
            donor.full_clean()
        assert "url" in error.value.message_dict


@pytest.mark.django_db
def test_a_bad_link_that_reached_the_database_is_not_shown(client):
    """The page drops a non-web address even if a raw write stored it."""
    donor = DonorFactory(name="Foundation")
    DocumentFactory().donors.add(donor)
    Donor.objects.filter(pk=donor.pk).update(url="javascript:alert(1)")
    content = client.get(donor.get_absolute_url()).content.decode()
    assert "javascript:" not in content and "website" not in content
    good = DonorFactory(name="Other Foundation", url="https://example.org/")
    DocumentFactory().donors.add(good)
    assert 'href="https://example.org/"' in client.get(good.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_field_checks_refuse_a_non_web_link():
    """clean_fields, which the importer runs on every row, applies the same rule to batches."""
    donor = Donor(name="Foundation", url="javascript:alert(1)")
    with pytest.raises(ValidationError):
        donor.clean_fields()


# --- Sign-in throttling --------------------------------------------------------------------------


@pytest.fixture
def throttle(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=300)
    return {"FAILURES": 3, "LOCKOUT": 300}


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("archivist", password=PASSWORD, is_staff=True)


def sign_in(client, username, password, address="203.0.113.5", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_a_user_name_is_locked_after_too_many_failures_even_with_the_right_password(client, staff, throttle):
    """After FAILURES wrong passwords the right one is refused too, with a message saying when to retry."""
    for _ in range(throttle["FAILURES"]):
        assert sign_in(client, "archivist", "wrong").status_code == 200
    response = sign_in(client, "archivist", PASSWORD)
    assert not signed_in(client)
    content = response.content.decode()
    assert "Too many failed sign-in attempts" in content and "try again in 5 minutes" in content


@pytest.mark.django_db
def test_the_lock_follows_the_name_to_another_address(client, staff, throttle):
    """Changing address does not reopen a locked user name."""
    for n in range(throttle["FAILURES"]):
        sign_in(client, "archivist", "wrong", address=f"198.51.100.{n}")
    sign_in(client, "archivist", PASSWORD, address="192.0.2.99")
    assert not signed_in(client)


@pytest.mark.django_db
def test_an_address_is_locked_after_failures_for_many_names(client, staff, throttle):
    """Guessing across many user names from one address locks the address."""
    for n in range(throttle["FAILURES"]):
        sign_in(client, f"nobody{n}", "wrong")
    sign_in(client, "archivist", PASSWORD)
    assert not signed_in(client)
    # The same user from another address is not locked: the name itself had no failures.
    sign_in(client, "archivist", PASSWORD, address="192.0.2.7")
    assert signed_in(client)


@pytest.mark.django_db
def test_a_made_up_x_forwarded_for_does_not_make_a_fresh_client(client, staff, throttle):
    """The address is REMOTE_ADDR (no proxies configured): X-Forwarded-For is the client's own claim."""
    for n in range(throttle["FAILURES"]):
        sign_in(client, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    sign_in(client, "archivist", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert not signed_in(client)


@pytest.mark.django_db
def test_behind_our_proxy_the_address_it_saw_counts(client, staff, throttle, settings):
    """With API_NUM_PROXIES=1 the address our proxy appended is the client (as for the API throttle)."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for n in range(throttle["FAILURES"]):
        # A client's made-up entry on the left, the proxy's view of it on the right.
        sign_in(client, f"nobody{n}", "wrong", address="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.9")
    sign_in(client, "archivist", PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert not signed_in(client)
    sign_in(client, "archivist", PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert signed_in(client)


@pytest.mark.django_db
def test_the_message_does_not_tell_whether_the_user_exists(client, staff, throttle):
    """A locked real account and a locked made-up name read the same."""

    def lock_and_read(username, address):
        for _ in range(throttle["FAILURES"]):
            sign_in(client, username, "wrong", address=address)
        content = sign_in(client, username, "wrong", address=address).content.decode()
        return re.search(r"Too many failed sign-in attempts[^<]*", content).group(0)

    assert lock_and_read("archivist", "192.0.2.1") == lock_and_read("no-such-user", "192.0.2.2")


@pytest.mark.django_db
def test_sign_in_works_again_after_the_cooling_off_period(client, staff, throttle):
    """The lock ends by itself LOCKOUT seconds after the failure that set it."""
    with freeze_time() as clock:
        for _ in range(throttle["FAILURES"]):
            sign_in(client, "archivist", "wrong")
        clock.tick(throttle["LOCKOUT"] - 1)
        sign_in(client, "archivist", PASSWORD)
        assert not signed_in(client)
        clock.tick(2)
        sign_in(client, "archivist", PASSWORD)
        assert signed_in(client)


@pytest.mark.django_db
def test_tries_while_locked_do_not_extend_the_lock(client, staff, throttle):
    """A guesser who keeps trying during the lock does not keep the real user out for longer."""
    with freeze_time() as clock:
        for _ in range(throttle["FAILURES"]):
            sign_in(client, "archivist", "wrong")
        clock.tick(throttle["LOCKOUT"] // 2)
        content = sign_in(client, "archivist", "wrong").content.decode()
        assert "try again in 2 minutes" in content  # 150 s left of 300
        clock.tick(throttle["LOCKOUT"] // 2 + 1)
        sign_in(client, "archivist", PASSWORD)
        assert signed_in(client)


@pytest.mark.django_db
def test_failures_further_apart_than_the_lockout_are_forgotten(client, staff, throttle):
    """Only FAILURES failures each within LOCKOUT seconds of the last lock: a slow typist is never locked out."""
    with freeze_time() as clock:
        for _ in range(throttle["FAILURES"] - 1):
            sign_in(client, "archivist", "wrong")
        clock.tick(throttle["LOCKOUT"] + 1)
        for _ in range(throttle["FAILURES"] - 1):
            sign_in(client, "archivist", "wrong")
        sign_in(client, "archivist", PASSWORD)
        assert signed_in(client)


@pytest.mark.django_db
def test_steady_slow_guessing_is_locked_too(client, staff, throttle):
    """Failures count while each comes within LOCKOUT seconds of the one before: no fixed window to
    wait out between bursts (the hand-written throttle forgot them WINDOW seconds after the first)."""
    with freeze_time() as clock:
        for _ in range(throttle["FAILURES"]):
            sign_in(client, "archivist", "wrong")
            clock.tick(throttle["LOCKOUT"] - 1)
        sign_in(client, "archivist", PASSWORD)
        assert not signed_in(client)


@pytest.mark.django_db
def test_a_successful_sign_in_clears_the_names_failures(client, staff, throttle):
    """Failures before a good sign-in do not add up with failures after it."""
    for n in range(throttle["FAILURES"] - 1):
        sign_in(client, "archivist", "wrong", address=f"198.51.100.{n}")
    sign_in(client, "archivist", PASSWORD, address="192.0.2.50")
    assert signed_in(client)
    client.logout()
    for n in range(throttle["FAILURES"] - 1):
        sign_in(client, "archivist", "wrong", address=f"198.51.100.{n + 10}")
    sign_in(client, "archivist", PASSWORD, address="192.0.2.51")
    assert signed_in(client)


@pytest.mark.django_db
def test_a_good_sign_in_does_not_forget_the_addresss_failures_for_other_names(client, staff, throttle):
    """One good account must not buy unlimited guesses at others from the same address."""
    for n in range(throttle["FAILURES"] - 1):
        sign_in(client, f"nobody{n}", "wrong")
    sign_in(client, "archivist", PASSWORD)
    assert signed_in(client)
    client.logout()
    sign_in(client, "somebody-else", "wrong")
    sign_in(client, "archivist", PASSWORD)
    assert not signed_in(client)


@pytest.mark.django_db
def test_user_names_are_counted_whatever_their_case(client, staff, throttle):
    """ "Archivist" and "ARCHIVIST " are the same name to a guesser."""
    for n, name in enumerate(["Archivist", "ARCHIVIST", "archivist "][: throttle["FAILURES"]]):
        sign_in(client, name, "wrong", address=f"198.51.100.{n}")
    sign_in(client, "archivist", PASSWORD, address="192.0.2.60")
    assert not signed_in(client)


def test_default_throttle_settings_lock_after_five_failures_for_fifteen_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


# --- The redirect after sign-in stays on the site ------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example/admin/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example/",
        "javascript:alert(1)",
        "https:evil.example",
        " https://evil.example/",
        "https://testserver@evil.example/",
    ],
)
@pytest.mark.parametrize("via", ["GET", "POST"])
@pytest.mark.django_db
def test_next_never_leads_off_the_site(client, staff, target, via):
    """Whatever `next` says, the admin's sign-in redirects only within this site."""
    data = {"username": "archivist", "password": PASSWORD}
    query = ""
    if via == "POST":
        data["next"] = target
    else:
        query = "?" + urlencode({"next": target})
    response = client.post(LOGIN + query, data)
    assert response.status_code == 302 and signed_in(client)
    location = response["Location"]
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}, require_https=False)
    assert "evil.example" not in location.split("?")[0] or location.startswith("/admin/")
    assert location == "/admin/"


@pytest.mark.django_db
def test_next_within_the_site_is_followed(client, staff):
    response = client.post(LOGIN + "?next=/admin/documents/document/", {"username": "archivist", "password": PASSWORD})
    assert response["Location"] == "/admin/documents/document/"


# --- Request limits -----------------------------------------------------------------------------


def test_limits_are_set_and_fit_the_scan_upload(settings):
    """The admin's multiple scan upload allows 100 files: the request limit must let them through."""
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 100
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 5000
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 10 * 1024 * 1024


@pytest.mark.django_db
def test_too_many_query_parameters_on_a_public_page_is_a_400(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    query = "&".join(f"type=t{n}" for n in range(60))
    assert client.get(f"/documents/?{query}").status_code == 400
    assert client.get(f"/api/v1/documents/?{query}").status_code == 400


@pytest.mark.django_db
def test_too_many_fields_in_an_admin_post_is_a_400(staff_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    data = {f"field{n}": "x" for n in range(60)}
    assert staff_client.post("/admin/documents/document/add/", data).status_code == 400


@pytest.mark.django_db
def test_too_large_an_admin_post_is_a_400(staff_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = staff_client.post("/admin/documents/document/add/", {"title": "t", "text": "x" * 20_000})
    assert response.status_code == 400


@pytest.mark.django_db
def test_too_large_an_api_write_is_a_400(staff_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"title": "t", "text": "x" * 20_000})
    response = staff_client.post("/api/v1/documents/", body, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_too_many_files_in_an_admin_post_is_a_400(staff_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [SimpleUploadedFile(f"page-{n}.png", b"x", content_type="image/png") for n in range(3)]
    response = staff_client.post("/admin/documents/document/add/", {"title": "t", "original_pdf": files})
    assert response.status_code == 400


# --- Hostile text on every public surface ---------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
SCRIPT_URL = "javascript:alert(1)"
TEMPLATE = "{{7*7}}{% debug %}"
END_SCRIPT = "</script>"
FORMULA = '=HYPERLINK("https://evil.example/","click")'
HOSTILE = f"{SCRIPT} {ATTRIBUTE} {SCRIPT_URL} {TEMPLATE} {END_SCRIPT}"


# For names of at most 100 characters (vocabulary terms).
SHORT = f"{SCRIPT}{ATTRIBUTE}{END_SCRIPT}"


def hostile(label):
    """A payload that is also told apart from the others (so that its slug is unique)."""
    return f"{label} {HOSTILE}"


def short_hostile(label):
    return f"{label} {SHORT}"


@pytest.fixture
def hostile_records(db):
    """A published document and everything linked to it, every curator-settable text hostile."""
    person = PersonFactory(name=hostile("Person"), sort_name=hostile("Sort"), biography=hostile("Biography"))
    PersonAlias.objects.create(person=person, name=hostile("Alias"))
    donor = DonorFactory(name=hostile("Donor"), description=hostile("Description"), acknowledgement=hostile("Thanks"))
    # A raw write, as a broken import might have made: the page must still not link it.
    Donor.objects.filter(pk=donor.pk).update(url=SCRIPT_URL)
    collection = CollectionFactory(name=hostile("Collection"), description=hostile("About"))
    document = DocumentFactory(
        record_id=666001,
        title=hostile("Title"),
        alternative_titles=hostile("Other"),
        date_note=hostile("Note"),
        summary=f"{FORMULA} {HOSTILE}",
        text=hostile("Text"),
        transcript=hostile("Transcript"),
        source=hostile("Source"),
        rights=hostile("Rights"),
        doc_type__name=short_hostile("Type"),
        classification=ClassificationFactory(name=short_hostile("Classification")),
    )
    document.languages.add(Language.objects.create(code="zxx", name=short_hostile("Language")))
    document.archives.add(Archive.objects.create(name=short_hostile("Archive")))
    document.subjects.add(Subject.objects.create(name=short_hostile("Subject")))
    document.places.add(Place.objects.create(name=short_hostile("Place")))
    document.donors.add(donor)
    document.collections.add(collection)
    RoleFactory(document=document, person=person, role=DocumentPerson.Role.AUTHOR)
    other = DocumentFactory(record_id=666002, title=FORMULA, summary=hostile("Other summary"))
    RoleFactory(document=other, person=person, role=DocumentPerson.Role.RECIPIENT)
    Scan.append_to(document, [image_upload("page-1.png", size=(60, 80))], description=hostile("Alt"))
    return {"document": document, "person": person, "donor": donor, "collection": collection}


class ScriptFinder(HTMLParser):
    """What in an HTML page would run, as a browser parses it: script from a payload, an event
    handler attribute, a script URL, a payload's </script> closing a script block early."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.problems, self.script_type, self.script = [], None, []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and re.match(
                r"\s*(javascript|data|vbscript):", value or "", re.I
            ):
                self.problems.append(f"<{tag} {name}={value[:30]!r}>")
        # Tags no page of ours has, or (an img with src=x) that only a payload makes.
        if tag in ("iframe", "object", "embed", "base") or (tag == "img" and dict(attrs).get("src") == "x"):
            self.problems.append(f"<{tag}>")
        if tag == "script":
            self.script_type, self.script = dict(attrs).get("type") or "text/javascript", []

    def handle_endtag(self, tag):
        if tag == "script" and self.script_type:
            code = "".join(self.script)
            if self.script_type == "application/ld+json":
                try:
                    json.loads(code)
                except ValueError:
                    self.problems.append(f"JSON-LD cut short: {code[:40]!r}")
            elif "alert(" in code:
                self.problems.append(f"script {code[:40]!r}")
            self.script_type = None

    def handle_data(self, data):
        if self.script_type:
            self.script.append(data)


def unsafe_html(content):
    finder = ScriptFinder()
    finder.feed(content)
    finder.close()
    # Each script block must end where it was meant to: a JSON-LD block cut short by a payload's
    # </script> leaves the rest of it as page text, which the finder would see as more tags.
    lowered = content.lower()
    if lowered.count("<script") != lowered.count("</script"):
        finder.problems.append("unbalanced script tags")
    return finder.problems


def json_strings(value):
    """Every string in parsed JSON."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def xml_texts(content):
    root = ET.fromstring(content)  # Well-formed, or this raises.
    return {text for element in root.iter() for text in (element.text, element.tail) if text and text.strip()}


@pytest.mark.django_db
def test_hostile_text_never_appears_unescaped_anywhere(client, hostile_records):
    """Every public page, feed, sitemap, API response, export, OAI-PMH record, IIIF manifest and
    citation: HTML escapes the payloads, XML stays well-formed with the payload as its text, JSON and
    CSV carry the text as data, and no CSV cell starts a formula."""
    document, person = hostile_records["document"], hostile_records["person"]
    donor, collection = hostile_records["donor"], hostile_records["collection"]
    start = [
        "/",
        "/documents/",
        document.get_absolute_url(),
        person.get_absolute_url(),
        donor.get_absolute_url(),
        collection.get_absolute_url(),
        "/people/",
        "/donors/",
        "/collections/",
        "/feeds/documents/",
        f"/people/{person.slug}/feed/",
        f"/collections/{collection.slug}/feed/",
        "/sitemap.xml",
        f"/documents/?q={SCRIPT}",
        "/documents/?q=Title",
    ]
    pages = crawl(client, start)
    extra = [
        f"/documents/{document.record_id}/cite.bib",
        f"/documents/{document.record_id}/cite.ris",
        f"/documents/{document.record_id}/cite.json",
        f"/iiif/{document.record_id}/manifest.json",
        "/api/v1/documents/",
        f"/api/v1/documents/{document.record_id}/",
        f"/api/v1/people/{person.slug}/",
        f"/api/v1/donors/{donor.slug}/",
        f"/api/v1/collections/{collection.slug}/",
        "/api/v1/documents/?format=csv",
        "/api/v1/people/?format=csv",
        "/api/v1/donors/?format=csv",
        "/api/v1/collections/?format=csv",
        "/api/v1/documents/export.jsonl",
        "/oai/?verb=ListRecords&metadataPrefix=oai_dc",
        "/oai/?verb=ListRecords&metadataPrefix=archive",
        f"/oai/?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:testserver:{document.record_id}",
    ]
    for path in extra:
        pages[path] = client.get(path)

    kinds = {"html": 0, "xml": 0, "json": 0, "csv": 0, "pdf": 0, "other": 0}
    failures = []
    for path, response in pages.items():
        if response.status_code in (301, 302):
            continue
        if response.status_code != 200:
            failures.append((path, response.status_code))
            continue
        content_type = response.get("Content-Type", "")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if content_type == "application/pdf":
            # The document's PDF (reached from its page): the payload printed as text, nothing run.
            kinds["pdf"] += 1
            if " ".join(HOSTILE.split()) not in " ".join(pdf_text(body).split()):
                failures.append((path, "payload missing from the PDF's text"))
            continue
        content = body.decode()
        if "html" in content_type:
            kinds["html"] += 1
            failures += [(path, problem) for problem in unsafe_html(content)]
        elif "xml" in content_type:
            kinds["xml"] += 1
            texts = xml_texts(content)
            if not path.startswith("/sitemap") and not any(HOSTILE in text for text in texts):
                failures.append((path, "payload missing from the XML's text"))
            if any("<script" in element.tag for element in ET.fromstring(content).iter()):
                failures.append((path, "script element"))
        elif "csv" in content_type:
            kinds["csv"] += 1
            cells = [cell for row in csv.reader(io.StringIO(content)) for cell in row]
            failures += [(path, f"formula cell {cell[:20]!r}") for cell in cells if cell[:1] in ("=", "+", "@")]
            if not any(HOSTILE in cell for cell in cells):
                failures.append((path, "payload missing from the CSV"))
        elif "json" in content_type and path.endswith(".jsonl"):
            kinds["json"] += 1
            records = [json.loads(line) for line in content.splitlines() if line.strip()]
            if not any(HOSTILE in text for text in json_strings(records)):
                failures.append((path, "payload missing from the export"))
        elif "json" in content_type:
            kinds["json"] += 1
            if not any(HOSTILE in text for text in json_strings(json.loads(content))) and "manifest" not in path:
                failures.append((path, "payload missing from the JSON"))
        else:
            kinds["other"] += 1
            # Citation downloads: plain text, never served as something a browser renders as HTML.
            assert response.get("X-Content-Type-Options") == "nosniff", path
            assert "html" not in content_type, path
    assert not failures, "\n".join(map(str, failures))
    assert kinds["html"] >= 8 and kinds["xml"] >= 5 and kinds["json"] >= 6 and kinds["csv"] == 4, kinds
    assert kinds["pdf"] >= 1, kinds


@pytest.mark.django_db
def test_hostile_text_is_escaped_on_the_document_page_as_readers_see_it(client, hostile_records):
    """Readers see the payload's harmless parts as text: the template syntax is not evaluated."""
    content = client.get(hostile_records["document"].get_absolute_url()).content.decode()
    assert "{{7*7}}" in content and "Title " in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content  # The title, escaped.
    assert not unsafe_html(content)


@pytest.mark.django_db
def test_hostile_text_is_escaped_in_the_admin(staff_client, hostile_records):
    """Curators see each other's text escaped too: lists, change forms, history and autocomplete."""
    document, person = hostile_records["document"], hostile_records["person"]
    paths = [
        "/admin/documents/document/",
        f"/admin/documents/document/{document.pk}/change/",
        f"/admin/documents/document/{document.pk}/history/",
        "/admin/documents/person/",
        f"/admin/documents/person/{person.pk}/change/",
        f"/admin/documents/donor/{hostile_records['donor'].pk}/change/",
        f"/admin/documents/collection/{hostile_records['collection'].pk}/change/",
    ]
    for path in paths:
        response = staff_client.get(path)
        assert response.status_code == 200, path
        assert not unsafe_html(response.content.decode()), path
