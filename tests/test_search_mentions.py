"""The matcher that links a document's people where its text names them (documents/search/mentions.py)."""

import re

import nh3

from documents.sanitize import clean_html
from documents.search.mentions import Mentioned, Mentions

STALIN = Mentioned(
    "joseph-stalin",
    "Joseph Stalin",
    "/people/joseph-stalin/",
    "1878–1953",
    ["author"],
    ["Joseph Stalin", "Instantsiya", "Filippov", "Stalin", "Сталин", "斯大林"],
)
MAO = Mentioned(
    "mao-zedong",
    "Mao Zedong",
    "/people/mao-zedong/",
    "1893–1976",
    ["recipient"],
    ["Mao Zedong", "Mao Tse-tung", "Мао Цзэдун", "毛泽东"],
)
ZHOU = Mentioned("zhou-enlai", "Zhōu Ēnlái", "/people/zhou-enlai/", "", ["mentioned"], ["Zhōu Ēnlái"])
LINK = re.compile(r'<a class="person-mention" href="/people/([a-z-]+)/"[^>]*>(.*?)</a>', re.DOTALL)


def linked(html, people=(STALIN, MAO, ZHOU), off=()):
    """[(slug, linked words)] in the text's order."""
    return LINK.findall(Mentions(people, off).link(clean_html(html)))


def test_a_codename_and_an_editorial_bracket_link_to_the_person():
    assert linked("Instantsiya [codename for Stalin] is demanding an answer.") == [
        ("joseph-stalin", "Instantsiya"),
        ("joseph-stalin", "Stalin"),
    ]
    assert linked("Cable, Filippov [Stalin] to Mao Zedong") == [
        ("joseph-stalin", "Filippov"),
        ("joseph-stalin", "Stalin"),
        ("mao-zedong", "Mao Zedong"),
    ]


def test_case_and_accents_do_not_matter_either_way():
    assert linked("I.V. STALIN to MAO ZEDONG; zhou enlai; Zhōu Ēnlái; FILIPPÓV") == [
        ("joseph-stalin", "STALIN"),
        ("mao-zedong", "MAO ZEDONG"),
        ("zhou-enlai", "zhou enlai"),
        ("zhou-enlai", "Zhōu Ēnlái"),
        ("joseph-stalin", "FILIPPÓV"),
    ]


def test_whole_words_only():
    assert linked("At Stalingrad, the Stalinist line; Maoism; unMao Zedongs") == []
    assert linked("Stalin's cable, (Stalin) and Stalin.") == [("joseph-stalin", "Stalin")] * 3


def test_the_longest_name_wins_where_names_overlap():
    assert linked("Joseph Stalin wrote; Stalin signed") == [
        ("joseph-stalin", "Joseph Stalin"),
        ("joseph-stalin", "Stalin"),
    ]
    assert linked("Mao Tse-tung and Mao") == [("mao-zedong", "Mao Tse-tung")]


def test_a_name_broken_across_lines_is_still_one_name():
    assert linked("to Mao\nZedong") == [("mao-zedong", "Mao\nZedong")]


def test_never_inside_an_existing_link_or_an_attribute():
    html = (
        '<p>See <a href="https://example.org/Stalin?Mao%20Zedong" title="Stalin">Stalin\'s <b>Stalin</b></a>'
        " and Stalin.</p>"
    )
    result = Mentions([STALIN, MAO]).link(clean_html(html))
    assert LINK.findall(result) == [("joseph-stalin", "Stalin")]
    assert 'href="https://example.org/Stalin?Mao%20Zedong"' in result
    assert result.count("<a ") == 2


def test_the_result_stays_valid_and_safe():
    html = (
        "<p>Stalin &amp; Mao Zedong &lt;script&gt;alert(1)&lt;/script&gt; <script>alert(2)</script>"
        " Fish &lt; Stalin</p>"
    )
    result = Mentions([STALIN, MAO]).link(clean_html(html))
    assert "<script" not in result and "&lt;script&gt;" in result
    assert LINK.findall(result) == [
        ("joseph-stalin", "Stalin"),
        ("mao-zedong", "Mao Zedong"),
        ("joseph-stalin", "Stalin"),
    ]
    # Parsed and written back by an HTML cleaner, the result is the same markup: well formed.
    allowed = {"a": {"href", "class", "data-person-card", "aria-describedby", "rel"}}
    assert nh3.clean(result, tags={"p", "a"}, attributes=allowed, link_rel=None) == result


def test_plain_text_is_escaped_as_before_and_left_alone_without_names():
    assert Mentions([STALIN]).link(clean_html("a < b & 'c'")) == clean_html("a < b & 'c'")
    assert Mentions([STALIN]).link(clean_html("x < Stalin & 'Stalin'")).count("person-mention") == 2


def test_cyrillic_and_chinese_names():
    assert linked("Товарищ СТАЛИН, Мао Цзэдун; Сталинград") == [
        ("joseph-stalin", "СТАЛИН"),
        ("mao-zedong", "Мао Цзэдун"),
    ]
    # Chinese is written without spaces: a name needs no word boundary there.
    assert linked("斯大林同志致毛泽东主席") == [("joseph-stalin", "斯大林"), ("mao-zedong", "毛泽东")]


def test_switched_off_names_are_not_linked_whatever_their_case():
    assert linked("Filippov [Stalin] to Mao Zedong", off=["filippov", " MAO  zedong "]) == [("joseph-stalin", "Stalin")]


def test_a_name_two_people_share_links_to_neither():
    kovalev = Mentioned("ivan-kovalev", "Ivan Kovalev", "/people/ivan-kovalev/", names=["Ivan Kovalev", "Kovalev"])
    other = Mentioned("e-kovalev", "E. Kovalev", "/people/e-kovalev/", names=["E. Kovalev", "Kovalev"])
    assert linked("Kovalev to Ivan Kovalev", people=[kovalev, other]) == [("ivan-kovalev", "Ivan Kovalev")]


def test_only_the_people_given_are_linked_and_each_is_remembered_once():
    mentions = Mentions([MAO])
    assert LINK.findall(mentions.link("Stalin to Mao Zedong, Mao Zedong")) == [("mao-zedong", "Mao Zedong")] * 2
    assert list(mentions.found) == ["mao-zedong"]
    assert not Mentions([]) and Mentions([]).link("Stalin") == "Stalin"


def test_letters_that_fold_to_two_keep_the_links_on_the_right_words():
    strauss = Mentioned("franz-strauss", "Franz Strauß", "/people/franz-strauss/", names=["Franz Strauß"])
    html = Mentions([strauss]).link(clean_html("Die Straße: ﬁnal Franz Strauß, FRANZ STRAUSS und Ärger."))
    assert LINK.findall(html) == [("franz-strauss", "Franz Strauß"), ("franz-strauss", "FRANZ STRAUSS")]
    assert html.startswith("Die Straße: ﬁnal <a ") and html.endswith("</a> und Ärger.")
