"""Real-browser tests: Playwright drives Debian's Chromium against pytest-django's live server
(docs/browser-tests.md).

The browser is never downloaded: it is the system's Chromium (`apt-get install chromium`), or the
one ARCHIVE_CHROMIUM names. Without it these tests fail and say how to get it, unless
ARCHIVE_BROWSER_TESTS=0 asks to skip them."""

import json
import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache

from documents.models import Document, Scan

from ..factories import DocumentFactory, image_upload

CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Failures come fast: nothing the live server does takes seconds.
TIMEOUT_MS = 10_000
PASSWORD = "a-long-test-password"  # tests/conftest.py's users


def browser_tests_off():
    return os.environ.get("ARCHIVE_BROWSER_TESTS", "1").strip().lower() in ("0", "false", "no", "off")


def missing(message):
    """Skip when ARCHIVE_BROWSER_TESTS=0 says so; otherwise fail, naming the fix, so that a missing
    browser never passes for a working one."""
    if browser_tests_off():
        pytest.skip("ARCHIVE_BROWSER_TESTS=0")
    pytest.fail(f"{message} (or set ARCHIVE_BROWSER_TESTS=0 to skip the browser tests)", pytrace=False)


try:
    import playwright  # noqa: F401
except ImportError as error:
    if not browser_tests_off():
        raise ImportError(
            "The browser tests need the playwright package: pip install -r tests/requirements.txt "
            "(or set ARCHIVE_BROWSER_TESTS=0 to skip them)"
        ) from error
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(autouse=True)
def _browser_tests_switch():
    if browser_tests_off():
        pytest.skip("ARCHIVE_BROWSER_TESTS=0")


@pytest.fixture
def browser():
    """A Chromium per test (it starts in well under a second). Not one per module or session:
    Playwright's sync API keeps an asyncio loop running in this thread while it lives, and Django's
    test machinery must not run under it: pytest-django's flush after a transactional test would
    then miss the serialized data and re-create content types, breaking the next test that
    restores them. Requested by the test, it is set up after the database and closed before it."""
    if not os.path.exists(CHROMIUM):
        missing(
            f"No Chromium at {CHROMIUM}: install Debian's (apt-get install chromium) "
            "or set ARCHIVE_CHROMIUM to another Chromium's executable"
        )
    from playwright.sync_api import sync_playwright

    # Django refuses database queries while an event loop runs in the thread; Playwright's loop
    # only waits for the browser, and the test's queries are ordinary synchronous ones.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser, live_server):
    """Opens browser contexts (separate cookie jars: separate people) on the live server; every
    dialog (alert, confirm, prompt) any page opens is recorded in context.dialogs and dismissed."""
    contexts = []

    def new_context(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.base_url = live_server.url
        context.set_default_timeout(TIMEOUT_MS)
        context.dialogs = []

        def on_page(page):
            def on_dialog(dialog):
                context.dialogs.append(f"{dialog.type}: {dialog.message}")
                dialog.dismiss()

            page.on("dialog", on_dialog)

        context.on("page", on_page)
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh context, as an anonymous reader with JavaScript and the site's CSP on."""
    return new_context().new_page()


def log_in(context, username):
    """Log in through the admin's login form, as a person would."""
    page = context.new_page()
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    return page


def sign_in(context, user):
    """Give the context a logged-in session cookie, skipping the login form (which
    test_curating.py drives once); returns a new, blank page."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": context.base_url}])
    return context.new_page()


@pytest.fixture
def axe_check():
    """Runs axe-core (from npm: `npm ci`) in a page and fails on serious or critical WCAG 2 A/AA
    violations, printing each one with the elements concerned."""
    if not AXE.exists():
        missing(f"axe-core is not installed at {AXE}: run `npm ci` in the repository's root")

    def check(page, allow=()):
        """allow: (rule id, pattern) pairs for known violations outside our code; a node whose
        target matches is left out. An allowance that matched nothing in the whole test fails it,
        so that a fixed violation's allowance is removed rather than left to hide a new one."""
        allowances.update(allow)
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol, which the page's CSP does not govern: the site's
            # real policy stays on (a <script> tag of test tooling would need bypass_csp).
            page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        results = page.evaluate(
            """() => axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                resultTypes: ["violations"],
            })"""
        )
        report = []
        for violation in results["violations"]:
            if violation["impact"] not in ("serious", "critical"):
                continue
            nodes = []
            for node in violation["nodes"]:
                target = " ".join(map(str, node["target"]))
                allowed = [
                    (rule, pattern) for rule, pattern in allow if rule == violation["id"] and re.search(pattern, target)
                ]
                used.update(allowed)
                if not allowed:
                    nodes.append({"target": target, "summary": node.get("failureSummary", "")})
            if nodes:
                report.append(
                    {
                        "id": violation["id"],
                        "impact": violation["impact"],
                        "help": violation["help"],
                        "nodes": nodes[:20],
                    }
                )
        assert not report, f"axe-core on {page.url}:\n{json.dumps(report, indent=2)}"
        return results

    allowances, used = set(), set()
    yield check
    stale = allowances - used
    assert not stale, f"allowed axe violations no longer found (remove them from the test): {sorted(stale)}"


@pytest.fixture
def archive(demo):
    """The demo archive, 21 more cables (two pages of results) and two scans on the seed record."""
    cache.clear()  # the cache table outlives the transactional tests' flush
    DocumentFactory.create_batch(21)
    seed = Document.objects.get(record_id=121773)
    for order in (1, 2):
        Scan.objects.create(
            document=seed,
            image=image_upload(f"page-{order}.png", color=(250, 250 - 60 * order, 220)),
            alt_text=f"Page {order} of the typed cable",
            order=order,
        )
    return seed
