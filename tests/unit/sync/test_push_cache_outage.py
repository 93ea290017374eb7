"""The internal system's push while the cache (Redis) is unreachable: the
replay guard and the refusals' count cannot be checked, so the push is
refused (fail closed: the schedule imports the export anyway) with 503 and
Retry-After, never 500, one warning a minute; the refused push's signature
is not spent, so the same call goes through once the cache answers. A
push accepted while the broker refuses the job is still 202."""

import logging
import time

import pytest
from django.core.cache import caches

from aquatiris_portal.security_log import cache_outage
from tests.unit.site.test_cache_outage import OutageError, flaky_cache  # noqa: F401  (fixture)
from tests.unit.sync.test_sync_push import _push_on, push, queued  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def warnings_again(monkeypatch):
    monkeypatch.setattr(cache_outage, "_last_warning", {})


def warnings(caplog):
    return [r for r in caplog.records if r.levelno == logging.WARNING and "cache is unreachable" in r.getMessage()]


def test_a_push_while_the_cache_is_down_is_refused_503_with_retry_after(
    stub_broker,
    flaky_cache,  # noqa: F811
    caplog,
):
    flaky_cache.down = True
    with caplog.at_level(logging.WARNING):
        answers = [push({"sequence": 1}) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [503] * 3, answers[0].content
    assert all(answer["Retry-After"] == "60" for answer in answers)
    assert queued(stub_broker) == []
    assert len(warnings(caplog)) == 1


def test_the_refused_push_is_not_spent(stub_broker, flaky_cache):  # noqa: F811
    sent_at = int(time.time())
    flaky_cache.down = True
    assert push({"sequence": 2}, timestamp=sent_at).status_code == 503
    flaky_cache.down = False
    assert push({"sequence": 2}, timestamp=sent_at).status_code == 202  # the same call, not "replayed"
    assert queued(stub_broker) == ["import_exports"]
    assert push({"sequence": 2}, timestamp=sent_at).status_code == 409  # the guard works again


def test_a_push_whose_replay_guard_alone_fails_is_refused_503(stub_broker, monkeypatch, caplog):
    def refused(*args, **kwargs):
        raise OutageError("Connection refused")

    monkeypatch.setattr(caches["default"], "add", refused)  # the refusals' read works, the guard's write not
    with caplog.at_level(logging.WARNING):
        answers = [push({"sequence": 3}) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [503, 503]
    assert answers[0]["Retry-After"] == "60"
    assert queued(stub_broker) == []
    assert len(warnings(caplog)) == 1


def test_a_push_accepted_while_the_broker_is_down_answers_202(stub_broker, broker_down):  # noqa: F811
    assert push({"sequence": 4}).status_code == 202  # the schedule's next tick imports
    assert queued(stub_broker) == []
