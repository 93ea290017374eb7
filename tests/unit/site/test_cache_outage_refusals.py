"""Refused link tokens while the cache (Redis) is unreachable: nothing can
be counted, so the routes that count them refuse (fail closed: 429, the
internal system retries), never an error page, and write no security row
per attempt (a script could otherwise fill the log during the outage); one
warning per route and minute."""

import logging

import pytest
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from aquatiris_portal.security_log import cache_outage, record_refused_token, refusals_blocked
from aquatiris_portal.security_log.models import SecurityEvent
from aquatiris_portal.security_log.refusals import CANNOT_COUNT
from tests.unit.site.test_cache_outage import flaky_cache  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def warnings_again(monkeypatch):
    monkeypatch.setattr(cache_outage, "_last_warning", {})


def test_refusals_fail_closed_and_count_nothing_while_the_cache_is_down(flaky_cache):  # noqa: F811
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    flaky_cache.down = True
    assert refusals_blocked(request, "sync_download") is CANNOT_COUNT and bool(CANNOT_COUNT)
    assert record_refused_token(request, "sync_download") is None
    assert not SecurityEvent.objects.exists()
    flaky_cache.down = False
    assert refusals_blocked(request, "sync_download") is False
    assert record_refused_token(request, "sync_download") == 1  # counted again, from one


@pytest.mark.parametrize(
    "url",
    [
        reverse("aquatiris_portal:sync_document_download", args=["forged"]),
        reverse("aquatiris_portal:request_attachment_download", args=["forged"]),
    ],
)
def test_the_internal_systems_links_answer_429_while_the_cache_is_down(flaky_cache, caplog, url):  # noqa: F811
    flaky_cache.down = True
    with caplog.at_level(logging.WARNING, logger="aquatiris_portal.security_log.refusals"):
        answers = [HttpClient().get(url) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [429] * 5
    assert not SecurityEvent.objects.exists()
    assert len([r for r in caplog.records if r.name == "aquatiris_portal.security_log.refusals"]) == 1
