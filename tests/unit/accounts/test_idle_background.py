"""The idle logout fires while a Wagtail page editor is left open: the
editor's editing-session pings (every 10 s, sent by the page itself) are
not activity (accounts/middleware.py, IdleTimeoutMiddleware)."""

import datetime

import pytest
import time_machine
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.models import EditingSession
from wagtail.models import Page

from aquatiris_portal.accounts.middleware import LAST_SEEN_SESSION_KEY
from tests import factories

pytestmark = pytest.mark.django_db

IDLE = 30 * 60


@pytest.fixture
def editor(settings):
    settings.AQUATIRIS_PORTAL_SESSION_IDLE_SECONDS = IDLE
    settings.AQUATIRIS_PORTAL_SESSION_MAX_SECONDS = 12 * 3600
    boss = factories.user(email="editor@example.org", is_staff=True, is_superuser=True)
    http = HttpClient()
    factories.otp_login(http, boss)
    return boss, http


def _ping_url(user):
    page = Page.objects.filter(depth=2).first()
    session = EditingSession.objects.create(user=user, content_object=page.specific, last_seen_at=timezone.now())
    return reverse("wagtailadmin_editing_sessions:ping", args=["wagtailcore", "page", page.pk, session.pk])


def test_an_editor_left_open_is_logged_out_whatever_its_pings(editor):
    boss, http = editor
    ping = _ping_url(boss)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert http.get(reverse("wagtailadmin_home")).status_code == 200  # the last gesture
        seen = http.session[LAST_SEEN_SESSION_KEY]
        for minute in range(1, 30):  # the page pings on its own for half an hour
            clock.move_to(start + datetime.timedelta(minutes=minute))
            assert http.post(ping).status_code == 200
        assert http.session[LAST_SEEN_SESSION_KEY] == seen
        clock.move_to(start + datetime.timedelta(seconds=IDLE + 5))
        http.post(ping)
        assert "_auth_user_id" not in http.session
        response = http.get(reverse("wagtailadmin_home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("aquatiris_portal:login"))


def test_a_page_opened_still_counts_as_activity(editor):
    boss, http = editor
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        http.get(reverse("wagtailadmin_home"))
        for minute in (20, 40, 60):
            clock.move_to(start + datetime.timedelta(minutes=minute))
            assert http.get(reverse("wagtailadmin_home")).status_code == 200
        # The "Stay logged in" of the idle warning, a click: activity too.
        clock.move_to(start + datetime.timedelta(minutes=80))
        assert http.get(reverse("aquatiris_portal:keep_alive")).status_code == 204
        clock.move_to(start + datetime.timedelta(minutes=100))
        assert http.get(reverse("wagtailadmin_home")).status_code == 200
