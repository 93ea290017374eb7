"""A request a client sends while Redis (cache and broker) is down is
stored, answered with its confirmation (never an error page), and its mails
go out once, by the periodic sweep, when Redis is back.

The error page came from the mails' link to the client's thread: a space
page's URL outside a request asks Wagtail for the site root paths, which
Wagtail reads from the default cache with no fallback (pages/routing.py
now computes them from the database while the cache is down)."""

import logging

import pytest
from django.test import Client as HttpClient

from aquatiris_portal import sites
from aquatiris_portal.models import OutgoingMail, PortalRequest, RequestSubject
from aquatiris_portal.notifications import tasks as mail_tasks
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories
from tests.unit.site.test_cache_outage import LOGGER, flaky_cache, outage_warnings  # noqa: F401  (fixture)

# Committed for real: the mails are enqueued on commit, and the worker thread reads them.
pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "aquatiris_mail"


@pytest.fixture
def contact(wagtail_tree):
    space = wagtail_tree.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    subject = RequestSubject.objects.create(name="Question")
    client = factories.client()
    installation = factories.installation(client=client)
    http = HttpClient()
    http.force_login(factories.client_user(client))
    assert http.get("/espace-client/contact/").status_code == 200
    data = {"installation": installation.pk, "subject": subject.pk, "message": "Le voyant clignote."}
    return space, http, data


def cache_down_after_the_site_look_up(monkeypatch, flaky_cache):
    """Redis stops while the request runs: the site was found, the mails fail."""
    route = sites.route_from_cache

    def then_down(*args, **kwargs):
        found = route(*args, **kwargs)
        flaky_cache.down = True
        return found

    monkeypatch.setattr(sites, "route_from_cache", then_down)


@pytest.mark.parametrize("stops", ["before the request", "during the request"])
def test_a_request_sent_while_redis_is_down_is_stored_and_mailed_once_when_it_is_back(
    contact, flaky_cache, broker_down, stub_broker, worker, mailoutbox, monkeypatch, caplog, stops
):
    space, http, data = contact
    if stops == "before the request":
        flaky_cache.down = True
    else:
        cache_down_after_the_site_look_up(monkeypatch, flaky_cache)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        response = http.post("/espace-client/contact/", data)
    assert response.status_code == 302  # the request's own page, not an error page
    request = PortalRequest.objects.get()
    assert response["Location"].endswith(f"/espace-client/demandes/{request.reference}/")
    assert len(outage_warnings(caplog)) == 1
    mails = OutgoingMail.objects.filter(key__startswith=f"request:{request.reference}:")
    assert mails.count() >= 2  # the franchisee's and the client's copy
    assert set(mails.values_list("status", flat=True)) == {OutgoingMail.Status.PENDING}
    copy = mails.get(key=f"request:{request.reference}:client_copy")
    assert f"{space.url.rstrip('/')}/demandes/{request.reference}/" in copy.body_text  # the thread's link, right
    assert mailoutbox == []
    assert stub_broker.queues.get(QUEUE) is None or stub_broker.queues[QUEUE].qsize() == 0  # nothing queued

    flaky_cache.down = False
    broker_down.up()
    for _sweep in range(2):  # the schedule's sweep, each minute: the second finds nothing left
        mail_tasks.sweep_unsent_mail.fn()
        stub_broker.join(QUEUE, timeout=30_000)
        worker.join()
    assert set(mails.values_list("status", flat=True)) == {OutgoingMail.Status.SENT}
    sent = sorted(message.subject for message in mailoutbox)
    assert len(sent) == mails.count()  # each mail once
