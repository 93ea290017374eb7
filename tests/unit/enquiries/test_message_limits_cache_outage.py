"""The send limits while the cache (Redis) is unreachable: the limits are
counted from the stored messages (no cache), so they hold as before; the
refusal's security event, once per account, kind and hour, is then kept
once by the log's own rows instead of the cache's flag; no error page."""

from html import unescape

import pytest

from aquatiris_portal.enquiries import limits
from aquatiris_portal.models import PortalRequest, RequestSubject
from aquatiris_portal.security_log.models import SecurityEvent
from tests.unit.enquiries.test_message_limits import _settings, hour_refusal, owner  # noqa: F401  (fixtures)
from tests.unit.site.test_cache_outage import flaky_cache  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_the_hour_limit_holds_and_is_logged_once_while_the_cache_is_down(owner, settings, flaky_cache):  # noqa: F811
    settings.AQUATIRIS_PORTAL_SEND_LIMIT_PER_HOUR = 2
    subject = RequestSubject.objects.create(name="Question")
    flaky_cache.down = True
    statuses = []
    for number in range(4):
        response = owner["http"].post(
            "/espace-client/contact/",
            {"installation": owner["installation"].pk, "subject": subject.pk, "message": f"Question {number}"},
        )
        statuses.append(response.status_code)
        if response.status_code == 200:
            assert hour_refusal(2) in unescape(response.content.decode())
    assert statuses == [302, 302, 200, 200]
    assert PortalRequest.objects.filter(submitted_by=owner["user"]).count() == 1 + 2  # the fixture's, two sent
    assert SecurityEvent.objects.filter(kind=limits.SECURITY_EVENT, user=owner["user"]).count() == 1
