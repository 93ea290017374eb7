"""An editor in Chromium: edits the client space's welcome text on the space
page in the Wagtail admin, previews the draft, publishes it; then « Voir
comme un client »: the demo client's dashboard under the read-only banner,
and a form's POST refused. Screenshots of the editor's space page and of the
dashboard viewed as a client under docs/screenshots/."""

import re

import pytest

from tests.factories import run_portal_demo
from tests.integration import screens

pytestmark = [pytest.mark.integration, pytest.mark.browser]

INTRO = "Bienvenue ! Texte écrit par la rédaction sur la page de l'espace."


def editor_session(page, live_server):
    """A member of the editors' group past the second factor, as a session cookie in the browser."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from aquatiris_portal.backoffice.groups import EDITORS, ensure_groups
    from tests import factories

    ensure_groups()
    user = factories.user(email="redaction@aquatiris.example", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    http = Client()
    factories.otp_login(http, user)
    page.context.add_cookies([{"name": "sessionid", "value": http.cookies["sessionid"].value, "url": live_server.url}])
    return user


@pytest.mark.django_db(transaction=True)
def test_editor_edits_previews_publishes_then_views_as_a_client(live_server, wagtail_root, page, settings, tmp_path):
    from aquatiris_portal.enquiries.models import PortalRequest
    from aquatiris_portal.models import OutgoingMail, SecurityEvent
    from aquatiris_portal.pages.client_space import ClientSpacePage

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AQUATIRIS_PORTAL_VIEW_AS_TEST_CLIENTS = ["C-10001"]
    run_portal_demo()
    space = ClientSpacePage.objects.get()
    editor_session(page, live_server)

    # The texts are on the space's own page, in the page editor.
    page.goto(f"{live_server.url}/admin/pages/{space.pk}/edit/")
    intro = page.locator("textarea[name=intro]")
    intro.fill(INTRO)
    assert page.locator("textarea[name=emergency_text]").input_value()  # the demo's emergency text is there
    screens.shoot(page, "editor-space-page", widths=(1280, 360), overflow_widths=())

    # Save a draft, preview it: the client's screens are not changed yet.
    with page.expect_navigation():
        page.locator("#page-edit-form button.action-save").first.evaluate("b => b.click()")
    draft = ClientSpacePage.objects.get(pk=space.pk)
    assert draft.get_latest_revision_as_object().intro == INTRO, page.locator(
        ".messages, .error-message"
    ).all_inner_texts()
    assert draft.intro != INTRO
    page.goto(f"{live_server.url}/admin/pages/{space.pk}/view_draft/")
    assert INTRO in page.locator("body").inner_text()

    # Publish.
    page.goto(f"{live_server.url}/admin/pages/{space.pk}/edit/")
    with page.expect_navigation():
        page.locator("button[name=action-publish]").evaluate("b => b.click()")
    assert ClientSpacePage.objects.get(pk=space.pk).intro == INTRO

    # Without a client chosen, the space says how to view it as one.
    response = page.goto(f"{live_server.url}/espace-client/")
    assert response.status == 403
    page.locator("a[href$='/voir-comme-un-client/']").first.click()

    # « Voir comme un client »: the demo's test client.
    page.wait_for_url(re.compile(r".*/voir-comme-un-client/$"))
    page.locator("form[action$='/commencer/'] button").first.click()
    page.wait_for_url(re.compile(r".*/espace-client/$"))
    banner = page.locator(".aqp-view-as")
    assert "lecture seule" in banner.inner_text() and "Durand" in banner.inner_text()
    assert INTRO in page.locator("body").inner_text()
    assert page.locator(".aqp-installation-card").count() >= 1
    screens.shoot(page, "view-as-client-dashboard", widths=(360,))  # the banner on a phone, no sideways scroll

    # A form's POST is refused: nothing sent.
    requests_before, mails_before = PortalRequest.objects.count(), OutgoingMail.objects.count()
    page.goto(f"{live_server.url}/espace-client/contrat-entretien/")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("form.aqp-form button[type=submit]").first.click()
    assert posted.value.status == 403
    assert "Rien n'a été envoyé" in page.locator("h1").inner_text()
    assert (PortalRequest.objects.count(), OutgoingMail.objects.count()) == (requests_before, mails_before)

    # Leaving the view: logged with its start.
    page.locator(".aqp-view-as form button").click()
    page.wait_for_url(re.compile(r".*/voir-comme-un-client/$"))
    kinds = list(SecurityEvent.objects.filter(kind__startswith="view_as_client").values_list("kind", flat=True))
    assert kinds.count("view_as_client_start") == 1 and kinds.count("view_as_client_end") == 1
