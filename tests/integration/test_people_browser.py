"""« Personnes » on the real stack (PostgreSQL, Redis worker, SMTP sink,
Chromium): an owner invites a household member from « Mon compte →
Personnes », the invitation leaves through SMTP, the invited person opens
the link, gives their name and takes the generated password, and sees the
owner's documents; the owner removes them and their next page no longer
shows the space. A SPANC manager's « Personnes » and a thread with two
authors of one client. axe-core at every impact level is 0 at 360 and
1280 px on « Personnes ». Screenshots (PORTAL_UPDATE_SCREENSHOTS=1):
people-owner-360.png, people-spanc-manager-360.png, invitation-mail.png,
thread-two-authors-360.png."""

import re

import pytest
from django.conf import settings as django_settings

from tests import factories
from tests.integration.screens import screenshot_dir, shoot
from tests.unit._pro_space import FAST_HASHERS

from .test_a11y import session_cookie
from .test_access_log_browser import axe_clean
from .test_visits_browser import site_with_spaces

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PASSWORD = "correct-Horse-battery-9"
INVITED = "claire.martin@example.org"


def _link_in(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://\S+/invitation/lien/\S+/", text)
    assert match, text
    return match.group(0)


@pytest.mark.django_db(transaction=True)
def test_an_owner_invites_a_household_member_who_sees_the_documents_until_removed(
    live_server,
    wagtail_root,
    page,
    browser,
    settings,
    smtp_settings,
    redis_worker,
    stack_report,
):
    from aquatiris_portal.models import Membership
    from aquatiris_portal.pages.client_space import ClientSpacePage

    settings.PASSWORD_HASHERS = FAST_HASHERS
    base = live_server.url
    if not ClientSpacePage.objects.exists():
        site_with_spaces(wagtail_root)
    space = ClientSpacePage.objects.get()
    client = factories.client(first_name="Anne", last_name="Durand")
    installation = factories.installation(client=client, city="Lannion", stage="commissioned")
    factories.document(installation, title="Certificat de conformité")
    owner = factories.client_user(client)

    # The owner logs in and invites from « Personnes ».
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(base + "/espace-client/")
    page.fill("input[name=email]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/espace-client/$"))
    page.goto(base + "/portail/compte/personnes/client/")
    page.fill("input[name=email]", INVITED)
    page.get_by_role("button", name="Envoyer l’invitation").click()
    page.wait_for_url(re.compile(r".*/compte/personnes/client/$"))
    assert INVITED in page.locator("main").inner_text()

    messages = smtp_settings.wait_for(2, timeout=30)  # the invitation, and the notice to the owner
    invitation = next(m for m in messages if m["To"] == INVITED)
    assert any(m["To"] == client.email for m in messages)
    link = _link_in(invitation)
    mail_page = browser.new_page(viewport={"width": 600, "height": 800})
    mail_page.set_content(invitation.get_body(preferencelist=("html",)).get_content())
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    mail_page.screenshot(path=str(folder / "invitation-mail.png"), full_page=True)
    mail_page.close()

    # The invited person, in their own browser, accepts and sees the documents.
    invited_context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        invited = invited_context.new_page()
        invited.goto(link)
        assert "/lien/" not in invited.url  # the token left the address bar
        form = invited.locator("form:has(input[name=choice][value=generated])")
        form.locator("input[name=first_name]").fill("Claire")
        form.locator("input[name=last_name]").fill("Martin")
        form.get_by_role("button").click()
        invited.wait_for_url(re.compile(r".*/espace-client/$"))
        documents_url = base + space.url + space.reverse_subpage("documents", args=[installation.pk])
        invited.goto(documents_url)
        assert "Certificat de conformité" in invited.locator("main").inner_text()

        # The owner sees them, with the role and dates; axe, screenshot; then removes them.
        page.goto(base + "/portail/compte/personnes/client/")
        people = page.locator("main").inner_text()
        assert "Claire Martin" in people and "Membre du foyer" in people, people
        failures = axe_clean(page, "Personnes (owner)")
        shoot(page, "people-owner", widths=(360,))
        assert not failures, "axe-core violations:\n" + "\n".join(failures)
        page.get_by_role("button", name="Retirer Claire Martin").click()
        page.wait_for_url(re.compile(r".*/compte/personnes/client/$"))
        assert Membership.objects.get(person__username=INVITED).removed_at is not None

        # Their very next page no longer shows the space.
        invited.goto(documents_url)
        assert "Certificat de conformité" not in invited.content()
    finally:
        invited_context.close()
    stack_report(
        "people: invitation through SMTP, accepted in another browser (name, generated password), the "
        "documents seen, removed by the owner, the next page refused; axe-core 0 at 360 and 1280 px"
    )


@pytest.mark.django_db(transaction=True)
def test_the_spanc_manager_s_people_and_a_thread_with_two_authors(
    live_server,
    wagtail_root,
    page,
    settings,
    stack_report,
):
    from aquatiris_portal.accounts import invitations
    from aquatiris_portal.enquiries import threads
    from aquatiris_portal.enquiries.services import submit_request
    from aquatiris_portal.models import PortalRequest, RequestSubject
    from aquatiris_portal.pages.client_space import ClientSpacePage

    settings.PASSWORD_HASHERS = FAST_HASHERS
    base = live_server.url
    if not ClientSpacePage.objects.exists():
        site_with_spaces(wagtail_root)

    spanc = factories.spanc(name="SPANC de Lannion")
    manager = factories.spanc_user(spanc, first_name="Yann", last_name="Le Bihan")
    factories.member(spanc, first_name="Claire", last_name="Martin", email="claire.martin@lannion.example")
    invitations.invite(spanc, "nouvel.agent@lannion.example", by=manager)
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie(manager, verified=True), "url": base}]
    )
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(base + "/portail/compte/personnes/spanc/")
    text = page.locator("main").inner_text()
    assert "Claire Martin" in text and "Agent" in text and "nouvel.agent@lannion.example" in text, text
    failures = axe_clean(page, "Personnes (SPANC manager)")
    shoot(page, "people-spanc-manager", widths=(360,))
    assert not failures, "axe-core violations:\n" + "\n".join(failures)

    # A thread where the owner and a household member both wrote, seen by the owner.
    space = ClientSpacePage.objects.get()
    client = factories.client(first_name="Anne", last_name="Durand")
    installation = factories.installation(client=client, city="Lannion")
    owner = factories.client_user(client)
    claire = factories.member(client, first_name="Claire", last_name="Martin")
    subject = RequestSubject.objects.create(name="Panne", is_after_sales=True)
    portal_request = submit_request(
        user=owner,
        client=client,
        installation=installation,
        kind=PortalRequest.Kind.AFTER_SALES,
        message="Le voyant de la pompe clignote.",
        subject=subject,
        portal_settings=None,
    )
    threads.post_message(
        portal_request,
        role="client",
        channel="client_space",
        user=claire,
        author_name=client.full_name,
        body="Il clignote encore ce matin, en rouge.",
    )
    threads.post_message(
        portal_request,
        role="staff",
        channel="admin",
        author_name="Service après-vente",
        body="Nous passons mardi matin.",
    )
    threads.post_message(
        portal_request,
        role="client",
        channel="client_space",
        user=owner,
        author_name=client.full_name,
        body="Merci, nous serons là.",
    )
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie(owner, verified=False), "url": base}]
    )
    page.goto(base + space.url + space.reverse_subpage("request_detail", args=[portal_request.reference]))
    thread = page.locator(".aqp-thread").inner_text()
    assert "Claire Martin" in thread and "Vous" in thread, thread
    shoot(page, "thread-two-authors", widths=(360,))
    stack_report(
        "people: the SPANC manager's « Personnes » (an agent, an invitation waiting), axe-core 0; a thread "
        "with two authors of one client, each by name"
    )
