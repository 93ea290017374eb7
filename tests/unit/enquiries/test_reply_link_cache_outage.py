"""The franchisee's reply link while the cache (Redis) is unreachable: its
throttle and the refused-token counts cannot count, so the link is refused
(fail closed) with a "try again in a few minutes" page, never an error
page; nothing of the request is shown or changed, no security row is
written per attempt, one warning a minute is logged; once the cache
answers the same link works again."""

import logging
from html import unescape

import pytest
from django.test import Client as HttpClient
from django.utils import translation

from aquatiris_portal.models import DocumentLinkUse, ReplyLinkUse, RequestMessage, SecurityEvent
from aquatiris_portal.security_log import cache_outage
from tests.unit.enquiries.test_franchisee_page import uploaded  # noqa: F401  (fixture)
from tests.unit.enquiries.test_reply_link import open_link, sent  # noqa: F401  (fixture)
from tests.unit.enquiries.test_threads import space  # noqa: F401  (fixture)
from tests.unit.site.test_cache_outage import flaky_cache  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]

TRY_AGAIN = "This page cannot be opened right now. Please try again in a few minutes."


@pytest.fixture(autouse=True)
def warnings_again(monkeypatch):
    monkeypatch.setattr(cache_outage, "_last_warning", {})


def warnings(caplog):
    return [r for r in caplog.records if r.levelno == logging.WARNING and "cache is unreachable" in r.getMessage()]


def test_the_mails_link_is_refused_with_try_again_while_the_cache_is_down(sent, flaky_cache, caplog):  # noqa: F811
    flaky_cache.down = True
    with caplog.at_level(logging.WARNING):
        answers = [HttpClient().get(sent["url"]) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [429] * 3
    body = unescape(answers[-1].content.decode())
    with translation.override("fr"):
        assert translation.gettext(TRY_AGAIN) in body and sent["request"].installation.address_line1 not in body
    assert not ReplyLinkUse.objects.exists()
    assert len(warnings(caplog)) == 1  # not one per request
    flaky_cache.down = False
    _http, page = open_link(sent["url"])  # back: the same link works
    assert page.status_code == 200


def test_an_open_page_is_refused_and_a_reply_not_stored_while_the_cache_is_down(sent, flaky_cache):  # noqa: F811
    http, page = open_link(sent["url"])
    assert page.status_code == 200
    flaky_cache.down = True
    assert http.get(sent["page"]).status_code == 429
    posted = http.post(sent["page"], {"body": "Je passe demain."})
    assert posted.status_code == 429
    assert not RequestMessage.objects.filter(body="Je passe demain.").exists()
    assert ReplyLinkUse.objects.filter(action=ReplyLinkUse.Action.REPLY).count() == 0


def test_forged_links_write_no_row_each_while_the_cache_is_down(sent, flaky_cache):  # noqa: F811
    before = SecurityEvent.objects.count()
    flaky_cache.down = True
    for index in range(5):
        assert HttpClient().get(f"/portail/reponse/forged-{index}/").status_code == 429
    assert SecurityEvent.objects.count() == before


def test_the_spanc_documents_link_says_try_again_while_the_cache_is_down(uploaded, flaky_cache):  # noqa: F811
    http, page = open_link(uploaded["url"])
    assert page.status_code == 200
    flaky_cache.down = True
    for url in (uploaded["url"], uploaded["page"]):
        response = http.get(url)
        assert response.status_code == 429
        with translation.override("fr"):
            assert translation.gettext(TRY_AGAIN) in unescape(response.content.decode())
    assert DocumentLinkUse.objects.count() == 1  # the view before the outage
