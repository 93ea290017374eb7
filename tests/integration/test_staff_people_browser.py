"""« Personnes » in the Wagtail admin on the real stack (PostgreSQL, Redis
worker, SMTP sink, Chromium): a customer-service member opens the clients'
list, follows the row's « Personnes » button, reads the owner (no remove
button), a household member and a waiting invitation, invites a person
through the form (the invitation and the owner's notice leave through SMTP,
the notice signed « Un conseiller Aquatiris », never the staff member's
name), then removes the household member. axe-core at every impact level
is 0 at 360 and 1280 px. Screenshot (PORTAL_UPDATE_SCREENSHOTS=1):
staff-people-admin-1280.png."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.integration.screens import shoot
from tests.unit._pro_space import FAST_HASHERS

from .test_a11y import session_cookie
from .test_access_log_browser import axe_clean

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def _text(message):
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.django_db(transaction=True)
def test_customer_service_invites_and_removes_people_from_the_admin(
    live_server, wagtail_root, page, settings, smtp_settings, redis_worker, stack_report
):
    from django.contrib.auth.models import Group

    from aquatiris_portal.accounts import invitations
    from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE, ensure_groups
    from aquatiris_portal.models import Membership

    settings.PASSWORD_HASHERS = FAST_HASHERS
    base = live_server.url
    client = factories.client(first_name="Anne", last_name="Durand")
    factories.installation(client=client, city="Lannion")
    owner = factories.member(client, role=Membership.Role.OWNER, email=client.email, first_name="Anne")
    owner.last_name = "Durand"
    owner.save()
    member = factories.member(client, first_name="Paul", last_name="Durand", email="paul.durand@example.org")
    now = timezone.now()
    Membership.objects.filter(person=member).update(
        created_at=now - datetime.timedelta(days=40), last_seen_at=now - datetime.timedelta(days=2)
    )
    invitations.invite(client, "lea.durand@example.org", by=owner)
    ensure_groups()
    staff = factories.user(email="sylvie.conseil@aquatiris.example", first_name="Sylvie", last_name="Conseil")
    staff.is_staff = True
    staff.save()
    staff.groups.add(Group.objects.get(name=CUSTOMER_SERVICE))
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie(staff, verified=True), "url": base}]
    )
    smtp_settings.wait_for(2)  # the owner's own invitation and its notice
    smtp_settings.clear()

    # From the clients' list, the row's « Personnes » button.
    page.goto(base + reverse("aquatiris_portal_client_modeladmin_index"))
    page.get_by_role("link", name="Personnes").first.click()
    page.wait_for_url(f"**{reverse('aquatiris_portal_record_people', args=['client', client.pk])}")
    rows = page.locator("table.listing").first.locator("tbody tr")
    assert rows.count() == 2
    assert "Suit l’e-mail de la fiche" in rows.nth(0).inner_text()
    assert rows.nth(0).get_by_role("button").count() == 0  # the owner is never removed here
    assert "paul.durand@example.org" in rows.nth(1).inner_text()
    assert "lea.durand@example.org" in page.locator("table.listing").nth(1).inner_text()
    shoot(page, "staff-people-admin", widths=(1280,), overflow_widths=())
    assert axe_clean(page, "staff people admin") == []

    # Invite through the form: the invitation and the owner's notice go out by SMTP.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Adresse e-mail de la personne").fill("Claire.Martin@Example.org")
    page.get_by_role("button", name="Envoyer l’invitation").click()
    page.get_by_text("L’invitation est envoyée à claire.martin@example.org").wait_for()
    sent = smtp_settings.wait_for(2)
    notice = next(m for m in sent if client.email in m["To"])
    assert "Un conseiller Aquatiris a invité claire.martin@example.org" in _text(notice)
    assert all("Sylvie" not in _text(m) and "sylvie.conseil" not in _text(m) for m in sent)

    # Remove the household member.
    smtp_settings.clear()
    page.locator("table.listing").first.locator("tbody tr").nth(1).get_by_role("button").click()
    page.get_by_text("n’a plus accès").wait_for()
    assert Membership.objects.get(person=member).removed_at is not None
    removed = smtp_settings.wait_for(1)
    assert "Un conseiller Aquatiris a retiré paul.durand@example.org" in _text(removed[0])
    # Wagtail's message fades in (a 0.5 s transition): axe reads its colours once it has settled,
    # or a half-faded white-on-green fails the contrast rule.
    page.wait_for_function(
        "document.getAnimations().filter(a => a instanceof CSSTransition).every(a => a.playState !== 'running')"
    )
    assert axe_clean(page, "staff people admin after a removal") == []
