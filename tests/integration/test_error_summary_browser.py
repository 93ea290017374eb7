"""Errors in sight, in Chromium at 360x740 on the real stack (PostgreSQL):
the contact form sent with an empty message, a good photo and a file named
.jpg that is no image comes back with the error summary in the first
screen, focused (``document.activeElement``), saying what to do with the
bad file; the good photo is listed as already received and, once the
message is written, attached without being chosen again. axe-core at every
impact level is 0 on the form with its errors at 360 and 1280 px.

The first screen after the error is shot at 360x740 (docs/screenshots/
contact-errors-after-360.png with PORTAL_UPDATE_SCREENSHOTS=1)."""

import io
import re

import pytest
from django.conf import settings as django_settings

from tests.integration.screens import screenshot_dir, shoot

from .test_a11y import run_axe, session_cookie
from .test_visits_browser import site_with_spaces

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PHONE = {"width": 360, "height": 740}


def _jpeg():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 110, 70)).save(buffer, "JPEG")
    return buffer.getvalue()


def axe_clean(page, name):
    found = []
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        found += [
            f"{name} at {width}px: [{v['impact']}] {v['id']} — {v['help']} ({' | '.join(v['nodes'])})"
            for v in run_axe(page)
        ]
    page.set_viewport_size(PHONE)
    return found


@pytest.mark.django_db(transaction=True)
def test_the_contact_forms_errors_are_in_the_first_screen_focused_and_the_good_photo_is_kept(
    live_server,
    wagtail_root,
    page,
    settings,
    tmp_path,
    stack_report,
):
    from aquatiris_portal.enquiries.pending_uploads import PendingUpload
    from aquatiris_portal.models import PortalRequest, RequestAttachment, RequestSubject
    from tests import factories

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = live_server.url
    base = live_server.url
    site_with_spaces(wagtail_root)
    client = factories.client()
    factories.installation(client=client)
    user = factories.client_user(client)
    RequestSubject.objects.create(name="Question sur mon installation", sort_order=10)

    page.set_viewport_size(PHONE)
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie(user, verified=False), "url": base}]
    )
    page.goto(f"{base}/espace-client/contact/")
    assert page.locator("#id_subject").count() == 1, page.url + page.locator("body").inner_text()[:1500]
    page.get_by_label(re.compile("^Objet")).select_option(label="Question sur mon installation")
    page.locator("input[type=file]").set_input_files(
        [
            {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()},
            {"name": "facture.jpg", "mimeType": "image/jpeg", "buffer": b"MZ\x90\x00" + b"\0" * 300},
        ]
    )
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_load_state()
    # Waited on, never slept: the focus is moved by the page's script.
    page.wait_for_function(
        "document.activeElement && document.activeElement.hasAttribute('data-aqp-error-summary')", timeout=10_000
    )
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "contact-errors-after-360.png"))  # the first screen, as the phone shows it

    summary = page.locator("[data-aqp-error-summary]")
    heading = summary.locator("h2")
    box, heading_box = summary.bounding_box(), heading.bounding_box()
    assert 0 <= box["y"] and heading_box["y"] + heading_box["height"] <= PHONE["height"], (box, heading_box)
    text = summary.inner_text()
    assert "Il y a 2 erreurs" in text
    assert "n'est pas une photo lisible : enregistrez-la à nouveau en JPEG ou envoyez un PDF" in text
    # Each link of the summary leads to its field.
    assert summary.locator("a[href='#id_message']").count() == 1
    assert summary.locator("a[href='#id_attachments']").count() == 1
    kept = page.locator(".aqp-kept-files")
    assert "Fichiers déjà reçus" in kept.inner_text() and "photo.jpg" in kept.inner_text()
    assert "facture.jpg" not in kept.inner_text()
    assert not PortalRequest.objects.exists() and PendingUpload.objects.count() == 1
    failures = axe_clean(page, "contact form with errors and a kept file")
    shoot(page, "contact-errors", widths=(360,))

    # The link moves the focus into the field; the message written, the photo goes with it.
    summary.locator("a[href='#id_message']").click()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_message'")
    page.locator("#id_message").fill("Bonjour, voici la photo du regard.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url(re.compile(r".*/demandes/[0-9a-f-]+/$"))
    attachment = RequestAttachment.objects.get()
    assert attachment.filename == "photo.jpg" and not PendingUpload.objects.exists()

    assert not failures, "axe-core violations:\n" + "\n".join(failures)
    stack_report(
        f"error summary: at 360x740 the contact form's summary top at {box['y']:.0f} px, focused; "
        f"the good photo kept and attached once; axe-core 0"
    )
