"""A document page reached from a list of results: the way back, and the search's words marked."""

import re
from urllib.parse import urlencode

import pytest

from .factories import DocumentFactory
from .test_queries import count_queries

SEED = "/documents/121773/cable-joseph-stalin-to-anastas-mikoyan/"


def card_links(response):
    return [
        link.replace("&amp;", "&")
        for link in re.findall(r'class="document-card-title"><a href="([^"]+)"', response.content.decode())
    ]


def marks(response):
    return re.findall(r"<mark>([^<]*)</mark>", response.content.decode())


def back_link(response):
    found = re.search(r'<a href="([^"]*)">← Back to results</a>', response.content.decode())
    return found and found.group(1).replace("&amp;", "&")


@pytest.mark.django_db
def test_a_result_opens_with_the_words_marked_and_a_way_back_to_the_same_results(client, demo):
    listed = client.get(
        "/documents/", {"q": "Instantsiya demanding", "type": "cable", "sort": "relevance", "page": "1"}
    )
    seed = next(link for link in card_links(listed) if link.startswith(SEED))
    page = client.get(seed)
    assert page.status_code == 200
    # The word as written, and another form of the other one (its stem), as search matched them.
    assert {"Instantsiya", "demanding", "demands"} <= set(marks(page)) - {"marked"}
    assert back_link(page) == "/documents/?q=Instantsiya+demanding&type=cable&sort=relevance&page=1"
    body = page.content.decode()
    # The canonical address and the citation know nothing of the search.
    assert f'<link rel="canonical" href="http://testserver{SEED}">' in body
    head = body.split("</head>")[0]
    assert "Instantsiya" not in head and "results=" not in head
    # The page as everyone else reads it: no marks, no way back.
    plain = client.get(SEED)
    assert marks(plain) == [] and back_link(plain) is None


@pytest.mark.django_db
def test_marks_fold_accents_and_case_as_search_does(client):
    document = DocumentFactory(title="Talks", text="Zhōu Ēnlái met MÜLLER in Xinjiang.", summary="Zhou and Muller.")
    page = client.get(document.get_absolute_url() + "?" + urlencode({"results": "q=zhou müller"}))
    assert set(marks(page)) == {"Zhōu", "MÜLLER", "marked", "Zhou", "Muller"}


@pytest.mark.django_db
def test_only_the_documents_own_texts_are_marked(client, demo):
    page = client.get(SEED + "?" + urlencode({"results": "q=Mikoyan"}))
    body = page.content.decode()
    title = re.search(r'<h1 id="document-title">(.*?)</h1>', body).group(1)
    assert "<mark>" not in title  # headings, names and the citation are left as they are
    assert "Mikoyan" in marks(page)


@pytest.mark.django_db
def test_the_page_reached_from_results_still_reads_its_body_from_the_cache(client, demo):
    reached = SEED + "?" + urlencode({"results": "q=Instantsiya"})
    client.get(reached)  # the index catches up with the demo once
    canonical = count_queries(client, SEED)
    # One more: whether this host's index has caught up, before it says which words it holds.
    assert count_queries(client, reached) == canonical + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("results", "back"),
    [
        ("//evil.example/", "/documents/"),
        ("next=https://evil.example&q=x", "/documents/?q=x"),
        (
            'q="><script>alert(1)</script>&type=cable',
            "/documents/?q=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E&type=cable",
        ),
        ("q=" + "mikoyan " * 600, None),  # longer than a list's query string: no way back, nothing marked
        ("q=%%%&page=999999999999", "/documents/?q=%25%25%25&page=999999999999"),
        ("", "/documents/"),
    ],
)
def test_a_hostile_or_absurd_way_back_injects_nothing_and_stays_on_the_site(client, demo, results, back):
    page = client.get(SEED, {"results": results})
    assert page.status_code == 200
    body = page.content.decode()
    assert "<script>alert" not in body and "evil.example" not in body
    assert back_link(page) == back
    if back is None:
        assert marks(page) == []
