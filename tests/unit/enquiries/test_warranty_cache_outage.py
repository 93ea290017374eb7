"""The superusers' alert about an unusable serial pattern while the cache
(Redis) is unreachable: the once-a-day guard kept in the cache cannot
answer, so the mail's own row decides (its key is unique): every serial is
still refused with the clear message, never an error page, and the alert
goes once, with one security event, however many clients try."""

from html import unescape

import pytest

from aquatiris_portal.enquiries.warranty import PATTERN_EVENT
from aquatiris_portal.models import OutgoingMail, WarrantyExtension
from aquatiris_portal.security_log.models import SecurityEvent
from tests import factories
from tests.unit.records.test_serial_patterns import owner, site_settings  # noqa: F401  (fixtures)
from tests.unit.site.test_cache_outage import flaky_cache  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_the_unusable_pattern_alert_goes_once_while_the_cache_is_down(owner, site_settings, flaky_cache):  # noqa: F811
    admin = factories.user(email="admin@aquatiris.example", is_superuser=True, is_staff=True)
    site_settings.serial_number_pattern = r"^(a+)+$"  # saved unchecked, as before the check existed
    site_settings.save()
    flaky_cache.down = True
    url = f"/espace-client/installations/{owner['installation'].pk}/garantie/"
    for _attempt in range(3):
        response = owner["http"].post(url, {"serial_number": "AQ-2024-012345", "confirm": "1"})
        assert response.status_code == 200
        assert "réseau Aquatiris" in unescape(response.content.decode())
    assert not WarrantyExtension.objects.exists()
    [mail] = OutgoingMail.objects.filter(key__startswith="serial_pattern_unusable:")
    assert mail.to == [admin.email]
    assert SecurityEvent.objects.filter(kind=PATTERN_EVENT).count() == 1
