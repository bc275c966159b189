"""The side-by-side benchmark against Datasette (tools/side_by_side/, not part of the app): its SQL
on the app's real schema, and the parts of it that no server checks."""

import sqlite3
from contextlib import closing

import pytest
from django.core.management import call_command
from django.db import connection

from corpus.command import Command as GenerateCorpus
from side_by_side import peer, queries, report
from side_by_side.values import read_values


def escape_fts(query):
    """Datasette's escape_fts for one plain word: quoted, so it is never FTS5 syntax."""
    return f'"{query}"'


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the tool reads SQLite files")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_copy_values_and_canned_facet_queries_work_on_the_apps_schema(tmp_path):
    call_command(GenerateCorpus(), documents=80, seed=3, workers=1, verbosity=0)
    source, copy = tmp_path / "bench.sqlite3", tmp_path / "bench-datasette.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(source)) as target:
        connection.connection.backup(target)
    peer.prepare_copy(source, copy, log=lambda message: None)
    assert peer.copy_stamp(copy) == peer.source_stamp(source)

    values = read_values(copy)
    assert values.documents == 80 and values.types and values.languages and values.people
    assert values.rare_words[0] == ("samizdat", 3)
    built = {query.key: query for query in queries.build(values, copy, copy.stem)}
    assert set(built) == {"list", "document", "common", "rare", "filters", "deep", "person"}

    with closing(sqlite3.connect(copy)) as db:
        db.create_function("escape_fts", 1, escape_fts)
        facets = db.execute(peer.facet_sql(peer.WHERES["all"])).fetchall()
        _, code, documents = values.languages[0]
        assert ("language", code, documents) in facets
        found = db.execute(peer.facet_sql(peer.WHERES["search"]), {"q": "samizdat"}).fetchall()
        assert found and all(n <= 3 for _, _, n in found)
        person_id, _, person_documents = values.people[0]
        people = db.execute(peer.facet_sql(peer.WHERES["person"]), {"person": person_id}).fetchall()
        assert max(n for facet, _, n in people if facet == "person") == person_documents


def test_next_tokens_are_tilde_encoded_as_datasette_does():
    assert queries.tilde("1950-03-01") == "1950-03-01"
    assert queries.tilde("a b/c.d") == "a~20b~2Fc~2Ed"
    assert queries.tilde(7222) == "7222"


def test_a_deep_page_is_page_500_or_the_last():
    assert queries.deep_page(28_834) == 500
    assert queries.deep_page(5_796) == 290
    assert queries.deep_page(0) == 1


def test_the_section_replaces_only_its_markers(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\n<!-- bench:sqlite:start -->\nkept\n<!-- bench:sqlite:end -->\n")
    report.update_markdown(path, "first")
    report.update_markdown(path, "second")
    text = path.read_text()
    assert "kept" in text and "second" in text and "first" not in text
    assert text.count("<!-- bench:side-by-side:start -->") == 1


def test_percentiles_are_nearest_rank():
    assert report.percentile([3, 1, 2], 0.5) == 2
    assert report.percentile(list(range(1, 21)), 0.95) == 19
