"""« Qui a consulté mes documents »: the owner sees who else opened their
documents (the SPANC agent by name, the franchisee's link and when it was
sent, staff by a reference only, another person of the household), newest
first, paginated, in a bounded number of queries; never their own openings,
never the internal system's, never another client's rows. The retention is
stated on the page and enforced by a job of the schedule."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aquatiris_portal import schedule
from aquatiris_portal.pages import document_accesses
from aquatiris_portal.security_log import access_retention
from aquatiris_portal.security_log.access_models import DocumentAccess
from aquatiris_portal.security_log.document_access import entry
from tests.unit._access_log import BASE, CASES, Actor, body, logged_in, make_people
from tests.unit.enquiries.test_threads import space  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url", "space")]

PAGE = BASE + "qui-a-consulte-mes-documents/"


def read_as(people, reader):
    """Open the document (or attachment) as each reader of the table named ``reader``."""
    for case in CASES:
        if case.reader == reader and case.route.startswith(
            ("aquatiris_portal:document", "aquatiris_portal:franchisee", "aquatiris_portal:sync_document")
        ):
            http, url = case.request(people)
            body(http.get(url))
            return


def text(response):
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def rows_of(html):
    return re.findall(r'<tr data-aqp-access-actor="(\w+)">(.*?)</tr>', html)


def test_the_owner_sees_the_spanc_the_franchisee_staff_and_the_household_but_not_themselves_nor_the_system():
    people = make_people()
    for reader in (
        "owner",
        "SPANC agent",
        "franchisee (document link)",
        "back-office staff",
        "household member",
        "internal system",
    ):
        read_as(people, reader)
    assert DocumentAccess.objects.count() == 6
    response = logged_in(people.owner).get(PAGE)
    assert response.status_code == 200
    html = text(response)
    rows = rows_of(html)
    # Newest first: the household member read last (the system is not listed, nor the owner).
    assert [actor for actor, _cells in rows] == ["household", "staff", "franchisee", "spanc"]
    cells = dict(rows)
    assert "SPANC de Lannion — Claire Martin" in cells["spanc"]
    sent = timezone.localdate().strftime("%d/%m/%Y")
    assert f"votre installateur, Aquatiris Trégor (lien envoyé le {sent})" in cells["franchisee"]
    ref = DocumentAccess.objects.get(actor=Actor.STAFF).staff_ref
    assert f"un conseiller Aquatiris, réf. {ref}" in cells["staff"]
    assert "Sophie" not in html and "Conseil" not in html  # staff are never named
    assert "une autre personne de votre foyer : Paul Durand" in cells["household"]
    # Which document, linked while the owner may open it; Paris time.
    assert f'href="/portail/documents/{people.document.pk}/">Rapport de contrôle</a>' in cells["spanc"]
    moment = timezone.localtime(DocumentAccess.objects.get(actor=Actor.SPANC).created_at)
    assert moment.strftime("%d/%m/%Y %H:%M") in cells["spanc"]
    assert "Nous conservons cet historique 1 an." in html
    assert "<caption" in html and 'scope="col"' in html and 'data-label="Qui"' in html


def test_a_household_member_sees_the_owners_openings_and_not_their_own():
    people = make_people()
    read_as(people, "owner")
    read_as(people, "household member")
    html = text(logged_in(people.household).get(PAGE))
    rows = rows_of(html)
    assert [actor for actor, _cells in rows] == ["owner"]
    assert "une autre personne de votre foyer : Anne Durand" in rows[0][1]


def test_another_clients_accesses_are_never_shown():
    people = make_people()
    other = make_people()
    read_as(other, "SPANC agent")
    read_as(other, "back-office staff")
    html = text(logged_in(people.owner).get(PAGE))
    assert rows_of(html) == [] and "Personne d'autre n'a encore ouvert vos documents." in html
    assert other.document.title not in html or f"/portail/documents/{other.document.pk}/" not in html
    # Nor through the other client's document id: the page takes none.
    assert logged_in(people.owner).get(PAGE + f"{other.document.pk}/").status_code == 404


def test_a_deleted_document_is_named_without_a_link():
    people = make_people()
    read_as(people, "SPANC agent")
    people.document.deleted_at = timezone.now()
    people.document.save()
    html = text(logged_in(people.owner).get(PAGE))
    assert re.search(r"Rapport de contrôle <span[^>]*>\(n'est plus dans vos documents\)</span>", html)
    assert f"/portail/documents/{people.document.pk}/" not in html


def test_the_page_is_for_clients_only():
    people = make_people()
    assert logged_in(people.spanc_agent, second_factor=True).get(PAGE).status_code in (403, 302)
    from django.test import Client as HttpClient

    assert HttpClient().get(PAGE).status_code == 302


def _bulk(people, count):
    now = timezone.now()
    rows = []
    for n in range(count):
        row = entry(
            route="test",
            actor=Actor.SPANC,
            file_kind="document",
            file_id=people.document.pk,
            title=f"Doc {n}",
            client_id=people.client.pk,
            actor_name="SPANC de Lannion — Claire Martin",
        )
        row.created_at = now - datetime.timedelta(minutes=n)
        rows.append(row)
    DocumentAccess.objects.bulk_create(rows)


def _queries(http):
    with CaptureQueriesContext(connection) as captured:
        assert http.get(PAGE).status_code == 200
    return len(captured)


def test_paginated_newest_first_in_a_bounded_number_of_queries():
    people = make_people()
    http = logged_in(people.owner)
    _bulk(people, 3)
    _queries(http)  # warm: the session, the site and the shell's links read once
    few = _queries(http)
    _bulk(people, 2 * document_accesses.PER_PAGE)
    many = _queries(http)
    assert many == few <= 12, (few, many)
    html = text(http.get(PAGE))
    titles = re.findall(r">Doc (\d+)</a>", html)
    assert len(titles) == document_accesses.PER_PAGE and titles[:2] == ["0", "0"]  # two bulks, newest first
    assert "Page 1 sur 3" in html or "Page 1 of 3" in html
    assert len(re.findall(r">Doc \d+</a>", text(http.get(PAGE + "?page=3")))) == 3


def test_the_page_states_the_retention_setting(settings):
    people = make_people()
    settings.AQUATIRIS_PORTAL_DOCUMENT_ACCESS_RETENTION_DAYS = 30
    assert "Nous conservons cet historique 30 jours." in text(logged_in(people.owner).get(PAGE))
    settings.AQUATIRIS_PORTAL_DOCUMENT_ACCESS_RETENTION_DAYS = 730
    assert "Nous conservons cet historique 2 ans." in text(logged_in(people.owner).get(PAGE))


def test_the_documents_page_and_the_account_menu_link_to_it():
    people = make_people()
    http = logged_in(people.owner)
    html = text(http.get(f"{BASE}installations/{people.installation.pk}/documents/"))
    assert html.count(f'href="{PAGE}"') == 2  # the page's link and the account menu's
    assert 'aria-current="page">Qui a consulté mes documents' in text(http.get(PAGE))


def test_retention_deletes_rows_past_the_setting_and_keeps_the_rest(settings):
    people = make_people()
    _bulk(people, 2)
    old = DocumentAccess.objects.order_by("pk").first()
    DocumentAccess.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=366))
    assert str(access_retention.send_due()) == "1 document access(es) past retention deleted"
    assert not DocumentAccess.objects.filter(pk=old.pk).exists() and DocumentAccess.objects.count() == 1
    settings.AQUATIRIS_PORTAL_DOCUMENT_ACCESS_RETENTION_DAYS = 0  # kept for ever
    DocumentAccess.objects.update(created_at=timezone.now() - datetime.timedelta(days=4000))
    assert access_retention.send_due() == 0 and DocumentAccess.objects.count() == 1


def test_the_retention_job_is_in_the_schedule():
    job = schedule.job_named("document_access_retention")
    assert job.path == "aquatiris_portal.security_log.access_retention.send_due" and job.tick == "notify_tick"
    assert any(path == job.path for path, _report in schedule.run_due(force=True))


def test_a_file_of_no_documents_list_is_named_without_the_deleted_note():
    """An archive (the installation's dossier) another person of the household downloaded: named, not « deleted »."""
    people = make_people()
    entry(
        route="test",
        actor=Actor.HOUSEHOLD,
        file_kind="archive",
        file_id=1,
        title="dossier-installation.zip",
        client_id=people.client.pk,
        user=people.household,
        actor_name="Paul Durand",
    ).save()
    html = text(logged_in(people.owner).get(PAGE))
    assert "dossier-installation.zip</td>" in html and "n'est plus dans vos documents" not in html
