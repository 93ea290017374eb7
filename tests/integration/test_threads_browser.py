"""Request threads in Chromium on the real stack:

1. the demo client sends a question;
2. an export with a ``message`` record for its reference is imported: the
   client gets the notification mail (SMTP sink) and reads the answer in
   the thread;
3. the client replies with a photo: the franchisee's mail holds the reply
   and a reply link;
4. the franchisee follows the link (no login) and answers; the client sees it;
5. staff close the request from the admin; the client sees it closed.

Then a digest: two new documents in one export, one mail after
``portal_notify --now`` with the unsubscribe headers; the unsubscribe link
works without login and the next documents send nothing. Screenshots at
1280 and 360 px; axe-core finds no serious or critical violation on the new
screens."""

import datetime
import io
import json
import re

import pytest
from django.core.management import call_command
from PIL import Image

from tests.factories import run_portal_demo
from tests.integration.screens import shoot

from .conftest import wait_until
from .test_a11y import run_axe, session_cookie

CLIENT_EMAIL, CLIENT_PASSWORD = "anne.durand@example.org", "demo-Client-2026!"

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def mails_to(sink, address, count=1, timeout=30, containing=""):
    """The messages the sink received for ``address`` (waits for ``count``)."""

    def found():
        return [
            m
            for m in sink.messages
            if address in m["To"] and containing in m.get_body(preferencelist=("plain",)).get_content()
        ]

    wait_until(lambda: len(found()) >= count, timeout, f"{count} mail(s) to {address}")
    return found()


def plain(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(text, pattern):
    return re.search(pattern, text).group(0)


def serious(violations):
    return [
        f"{v['id']} ({v['impact']}): {v['help']} {v['nodes']}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.django_db(transaction=True)
def test_a_request_becomes_a_thread_answered_three_ways(
    live_server,
    wagtail_root,
    browser,
    page,
    smtp_settings,
    redis_worker,
    settings,
    tmp_path,
    stack_report,
):
    from django.contrib.auth import get_user_model

    from aquatiris_portal.models import Client, OutgoingMail, PortalRequest, RequestMessage, RequestSubject
    from aquatiris_portal.notifications.preferences import wants
    from tests.exports import make_pdf, sha256, write_export

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = live_server.url
    # The client's replies are mailed at the end of their window: 3 s here,
    # so the reply's mail goes through Redis as a delayed message.
    settings.AQUATIRIS_PORTAL_REPLY_MAIL_WINDOW_MINUTES = 0.05
    run_portal_demo()
    client = Client.objects.get(email=CLIENT_EMAIL)
    installation = client.installations.select_related("franchisee").order_by("reference").first()
    franchisee = installation.franchisee
    subject = RequestSubject.objects.filter(active=True, is_after_sales=False).order_by("sort_order").first()
    axe = {}

    # 1. The client logs in and sends a question.
    page.goto(live_server.url + "/espace-client/")
    page.fill("input[name=email]", CLIENT_EMAIL)
    page.fill("input[name=password]", CLIENT_PASSWORD)
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/espace-client/$"))
    page.goto(f"{live_server.url}/espace-client/contact/?installation={installation.pk}")
    page.select_option("select[name=subject]", label=subject.name)
    page.fill("textarea[name=message]", "Quand passez-vous pour la vidange ?")
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/espace-client/demandes/[0-9a-f-]+/$"))
    thread_url = page.url
    reference = thread_url.rstrip("/").rsplit("/", 1)[-1]
    portal_request = PortalRequest.objects.get(reference=reference)
    first_mail = plain(mails_to(smtp_settings, franchisee.email, containing="vidange")[0])
    assert f"{live_server.url}/portail/reponse/" in first_mail

    # 2. The internal system's answer comes in an export.
    quote = make_pdf("Devis vidange")
    write_export(
        tmp_path / "exports",
        1,
        [
            {
                "type": "message",
                "id": "M-77",
                "request": reference,
                "author": {"role": "franchisee", "name": "Luc Martin"},
                "body": "Bonjour, je passe jeudi matin.",
                "sent_at": datetime.datetime.now(datetime.UTC).isoformat(),
                "status": "in_progress",
                "attachments": [{"file": "files/M-77-1.pdf", "sha256": sha256(quote), "title": "Devis"}],
            }
        ],
        {"files/M-77-1.pdf": quote},
    )
    call_command("portal_sync", str(tmp_path / "exports"), stdout=io.StringIO())
    notice = mails_to(smtp_settings, CLIENT_EMAIL, containing="Luc Martin")[0]
    notice_text = plain(notice)
    assert "je passe jeudi matin" not in notice_text  # the text stays behind the login
    assert notice["List-Unsubscribe"].startswith(f"<{live_server.url}/portail/notifications/desabonnement/")
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{live_server.url}/espace-client/demandes/{reference}/" in notice_text
    page.goto(f"{live_server.url}/espace-client/demandes/")
    assert page.locator("[data-aqp-unread]").count() == 1
    page.goto(link_in(notice_text, rf"{re.escape(live_server.url)}/espace-client/demandes/{reference}/"))
    assert page.locator(".aqp-message-item--unread").inner_text().find("je passe jeudi matin") >= 0
    assert page.locator("text=Devis.pdf").count() == 1
    shoot(page, "client-thread")
    axe["client thread"] = serious(run_axe(page))

    # 3. The client replies with a photo.
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 140, 60)).save(photo, "JPEG")
    page.fill("textarea[name=body]", "Jeudi me va, merci. Voici le regard.")
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "IMG_3001.JPG", "mimeType": "image/jpeg", "buffer": photo.getvalue()}],
    )
    page.click("form:has(textarea[name=body]) button[type=submit]")
    page.wait_for_selector("text=Jeudi me va, merci.")
    reply_mail = mails_to(smtp_settings, franchisee.email, containing="Jeudi me va")[0]
    reply_text = plain(reply_mail)
    for value in (
        "Jeudi me va, merci. Voici le regard.",
        client.last_name,
        client.phone,
        client.code,
        installation.reference,
    ):
        assert value in reply_text, value
    assert [a.get_filename() for a in reply_mail.iter_attachments()] == ["IMG_3001.jpg"]
    reply_link = link_in(reply_text, rf"{re.escape(live_server.url)}/portail/reponse/\S+/")

    # 4. The franchisee follows the link, without login, and answers.
    franchisee_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    try:
        franchisee_page = franchisee_context.new_page()
        response = franchisee_page.goto(reply_link)
        assert response.status == 200 and response.headers["x-robots-tag"] == "noindex, nofollow"
        assert franchisee_page.locator("text=Jeudi me va, merci.").count() == 1
        shoot(franchisee_page, "franchisee-reply")
        axe["franchisee reply page"] = serious(run_axe(franchisee_page))
        franchisee_page.fill("textarea[name=body]", "Parfait, à jeudi 9 h.")
        franchisee_page.click("form:has(textarea[name=body]) button[type=submit]")
        franchisee_page.wait_for_selector("text=Parfait, à jeudi 9 h.")
    finally:
        franchisee_context.close()
    page.goto(thread_url)
    assert page.locator(".aqp-message-item--unread", has_text="Parfait, à jeudi 9 h.").count() == 1
    mails_to(smtp_settings, CLIENT_EMAIL, count=2, containing=f"/espace-client/demandes/{reference}/")

    # 5. Staff close the request from the admin.
    staff = get_user_model().objects.create_superuser(
        "claire@aquatiris.example",
        "claire@aquatiris.example",
        "Staff-pass-2026!",
        first_name="Claire",
        last_name="Service",
    )
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    try:
        staff_context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "url": live_server.url,
                    "value": session_cookie(staff, verified=True),
                }
            ]
        )
        admin = staff_context.new_page()
        admin.goto(f"{live_server.url}/admin/portail/demandes/inspect/{portal_request.pk}/")
        assert admin.locator("text=Parfait, à jeudi 9 h.").count() == 1
        admin.fill("form[action$='/reply/'] textarea[name=body]", "Intervention faite, nous clôturons.")
        admin.select_option("form[action$='/reply/'] select[name=status]", "closed")
        admin.click("form[action$='/reply/'] button[type=submit]")
        admin.wait_for_selector("text=Intervention faite, nous clôturons.")
    finally:
        staff_context.close()
    page.goto(thread_url)
    assert page.locator('[data-aqp-request-status="closed"]').count() == 1
    assert page.locator("textarea[name=body]").count() == 0
    assert page.locator("form:has(input[name=action][value=reopen]) button").count() == 1
    shoot(page, "client-thread-closed")

    messages = list(RequestMessage.objects.filter(request=portal_request).values_list("author_role", "channel"))
    assert messages == [
        ("franchisee", "import"),
        ("client", "client_space"),
        ("franchisee", "reply_link"),
        ("staff", "admin"),
    ]
    wait_until(lambda: not OutgoingMail.objects.exclude(status="sent").exists(), 30, "every mail sent")

    # Digest: two new documents in one export, one mail; the unsubscribe link; then none.
    smtp_settings.clear()
    ext = installation.external_id
    files = {f"files/D-{n}.pdf": make_pdf(f"Facture {n}") for n in (1, 2)}
    write_export(
        tmp_path / "exports",
        2,
        [
            {
                "type": "document",
                "id": f"D-DIG-{n}",
                "installation": ext,
                "theme": "factures",
                "title": f"Facture {n}",
                "file": f"files/D-{n}.pdf",
                "sha256": sha256(files[f"files/D-{n}.pdf"]),
                "visible_to": ["client"],
            }
            for n in (1, 2)
        ],
        files,
    )
    call_command("portal_sync", str(tmp_path / "exports"), stdout=io.StringIO())
    call_command("portal_notify", "--now", stdout=io.StringIO())
    digest = mails_to(smtp_settings, CLIENT_EMAIL, containing="Facture 1")[0]
    client_user = get_user_model().objects.get(email=CLIENT_EMAIL)
    assert "Facture 2" in plain(digest)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = digest["List-Unsubscribe"].strip("<>")
    anonymous = browser.new_context(locale="fr-FR")
    try:
        unsubscribe_page = anonymous.new_page()
        unsubscribe_page.goto(unsubscribe)
        axe["unsubscribe page"] = serious(run_axe(unsubscribe_page))
        unsubscribe_page.click("form button[type=submit]")
        unsubscribe_page.wait_for_url(unsubscribe)
        wait_until(lambda: not wants(client_user, "client_documents"), 10, "unsubscribed")
    finally:
        anonymous.close()
    write_export(
        tmp_path / "exports",
        3,
        [
            {
                "type": "document",
                "id": "D-DIG-3",
                "installation": ext,
                "theme": "factures",
                "title": "Facture 3",
                "visible_to": ["client"],
            }
        ],
    )
    call_command("portal_sync", str(tmp_path / "exports"), stdout=io.StringIO())
    out = io.StringIO()
    call_command("portal_notify", "--now", stdout=out)
    assert "0 client digest" in out.getvalue()

    # The account page turns them back on.
    page.goto(f"{live_server.url}/portail/compte/notifications/")
    assert not page.locator("input[value=client_documents]").is_checked()
    axe["email notifications page"] = serious(run_axe(page))
    shoot(page, "notification-preferences")
    page.check("input[value=client_documents]")
    page.click("form.aqp-form button[type=submit]")
    page.wait_for_selector("input[value=client_documents]:checked")

    failures = {screen: found for screen, found in axe.items() if found}
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)
    stack_report(
        f"Chromium: request {reference[:8]} answered by import (M-77 with a PDF), by the franchisee's reply link "
        f"(no login) and by staff in the admin (closed); the client read each in the thread and got the mails via "
        f"the Redis worker and the SMTP sink; digest of 2 documents after portal_notify --now, unsubscribed "
        f"without login; axe-core: no serious/critical violation on {', '.join(axe)}"
    )
