"""Curators saving through the API at once on PostgreSQL: no 500, no lost edit.

Each curator is a thread with its own database connection and its own API token. They create and
edit documents that share people, donors, collections, a type and languages, in different orders,
so that their saves touch the same shared rows at the same moment, and each save's commit updates
the one search index (documents/search/outbox.py). Before record IDs came from a sequence and the
shared rows were locked in one order, 6 of 8 creates and 6 of 46 edits answered 500 (a unique
violation on the record ID, deadlocks).

PostgreSQL only: SQLite runs one writer at a time (settings: IMMEDIATE transactions), and its
in-memory test database cannot be shared by threads. It runs in .ci/run's PostgreSQL pass."""

import random
import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import Client
from rest_framework.authtoken.models import Token

from documents import roles, search
from documents.models import Document, Donor

from ..factories import CollectionFactory, DocumentFactory, DonorFactory, LanguageFactory, PersonFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers need PostgreSQL (SQLite serializes writers); runs in .ci/run's PostgreSQL pass",
    ),
]

CURATORS = 8
EDITS = 6
API = "/api/v1/documents/"


def test_eight_curators_creating_and_editing_at_once_get_no_500_and_lose_no_edit(role_groups):
    people = [PersonFactory(name=f"Shared person {n}").slug for n in range(4)]
    donors = [DonorFactory(name=f"Shared donor {n}").slug for n in range(2)]
    collections = [CollectionFactory(name=f"Shared collection {n}").slug for n in range(2)]
    languages = [LanguageFactory(code="ru", name="Russian").code, LanguageFactory(code="zh", name="Chinese").code]
    curators = []
    for number in range(CURATORS):
        user = User.objects.create_user(f"curator-{number}", is_staff=True)
        user.groups.add(role_groups[roles.CURATOR])
        existing = DocumentFactory(title=f"Curator {number}'s draft", draft=True)
        curators.append({"token": Token.objects.create(user=user).key, "documents": [existing.record_id]})

    answers, acknowledged = [], {}
    start = threading.Barrier(CURATORS)

    def shuffled(rng, values):
        chosen = rng.sample(values, rng.randint(1, len(values)))
        rng.shuffle(chosen)
        return chosen

    def work(number, curator):
        rng = random.Random(number)
        client = Client(HTTP_AUTHORIZATION=f"Token {curator['token']}", raise_request_exception=False)

        def body(title):
            return {
                "title": title,
                "type": "cable",
                "summary": title,
                "languages": shuffled(rng, languages),
                "authors": shuffled(rng, people),
                "donors": shuffled(rng, donors),
                "collections": shuffled(rng, collections),
            }

        try:
            start.wait()
            created = client.post(API, body(f"Created by curator {number}"), content_type="application/json")
            answers.append(("create", created.status_code, created.content[:300]))
            if created.status_code == 201:
                curator["documents"].append(created.json()["record_id"])
            for edit in range(EDITS):
                record_id = curator["documents"][edit % len(curator["documents"])]
                url = f"{API}{record_id}/"
                etag = client.get(url)["ETag"]
                change = body(f"Edit {edit} by curator {number}")
                del change["type"]
                reply = client.patch(url, change, content_type="application/json", HTTP_IF_MATCH=etag)
                answers.append(("edit", reply.status_code, reply.content[:300]))
                if reply.status_code == 200:
                    acknowledged[record_id] = (change["summary"], change["authors"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n, curator)) for n, curator in enumerate(curators)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    failures = [answer for answer in answers if answer[1] >= 500]
    assert failures == []
    assert sorted({status for _, status, _ in answers}) == [200, 201], answers
    assert len(answers) == CURATORS * (1 + EDITS)
    # Every acknowledged edit is what the database holds.
    for record_id, (summary, authors) in acknowledged.items():
        document = Document.objects.get(record_id=record_id)
        assert document.summary == summary
        assert [person.slug for person in document.authors] == authors
    # Each save's commit brought the index up to date: it is what a rebuild makes, with nothing left over.
    assert not search.check()


def test_the_same_address_saved_at_once_is_one_donor_and_409s_never_a_500(django_user_model):
    """Eight curators add a donor with the same address at the same moment, half through the API, half
    through the admin: both check that the address is free before saving, so all pass the check and the
    database refuses all but one. The others answer 409 and nothing of theirs is saved."""
    start = threading.Barrier(CURATORS)
    answers = []

    def work(number):
        user = django_user_model.objects.create_superuser(f"admin-{number}", f"admin-{number}@example.org")
        client = Client(raise_request_exception=False)
        try:
            if number % 2:
                client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=user).key}"
                start.wait()
                body = {"name": f"Donor of curator {number}", "slug": "the-same-donor"}
                reply = client.post("/api/v1/donors/", body, content_type="application/json")
            else:
                client.force_login(user)
                start.wait()
                body = {"name": f"Donor of curator {number}", "slug": "the-same-donor"}
                reply = client.post("/admin/documents/donor/add/", body)
            answers.append((number % 2, reply.status_code, reply.content[:500]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(CURATORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer for answer in answers if answer[1] >= 500] == []
    saved = [answer for answer in answers if answer[1] in (201, 302)]
    refused = [answer for answer in answers if answer[1] not in (201, 302)]
    assert len(saved) == 1 and Donor.objects.filter(slug="the-same-donor").count() == 1
    for _, status, content in refused:
        # Refused before saving (the address was taken by then: a form error, a 400) or by the database (409).
        assert status in (200, 400, 409), (status, content)
        if status == 409:
            assert b"Not saved" in content and b"at the same moment" in content
