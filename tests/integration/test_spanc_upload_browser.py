"""A SPANC agent sends two control reports at once in Chromium: on the
folder's upload form they pick the type "Rapport de contrôle", a date, the
result "Non conforme – travaux à prévoir" and two PDFs, and send; both show
in the folder with their result, and the client, allowed to see SPANC
documents, sees them with the result in their documents. The form's help
says the limits once, tied to the input; axe-core at 360 and 1280 px.
Screenshots ``spanc-upload`` (the filled form) at 360 and 1280 px and
``spanc-upload-folder`` (the folder after it) at 360 px."""

import datetime
import re

import pytest
from django.conf import settings as django_settings

from home.demo.pdf import make_pdf
from tests import factories
from tests.integration.screens import shoot
from tests.unit._pro_space import FAST_HASHERS, pro_space_page

from .test_a11y import allowed_rules, run_axe, session_cookie

pytestmark = [pytest.mark.integration, pytest.mark.browser]

RESULT = "Non conforme – travaux à prévoir"


def _pdf(name, text):
    return {"name": name, "mimeType": "application/pdf", "buffer": make_pdf(text, [f"Contrôle : {text}"])}


@pytest.mark.django_db(transaction=True)
def test_a_spanc_sends_two_control_reports_with_their_result(
    live_server, wagtail_root, page, browser, settings, tmp_path, stack_report
):
    from wagtail.models import Page, Site

    from aquatiris_portal.models import OutboxEvent, PortalDocument
    from aquatiris_portal.pages.client_space import ClientSpacePage
    from aquatiris_portal.records.models import DocumentSource
    from aquatiris_portal.snippets.models import SpancDocumentType

    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AQUATIRIS_PORTAL_CLIENTS_SEE_SPANC_UPLOADS = True
    # A transaction=True test before this one may have flushed the default site.
    if not Site.objects.filter(is_default_site=True).exists():
        home = wagtail_root.add_child(instance=Page(title="Accueil", slug="accueil"))
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    pro_space = pro_space_page()
    root = Site.objects.get(is_default_site=True).root_page
    client_space = ClientSpacePage.objects.first() or root.add_child(
        instance=ClientSpacePage(title="Espace client", slug="espace-client")
    )
    SpancDocumentType.objects.create(name="Rapport de contrôle", is_control_report=True, sort_order=1)
    SpancDocumentType.objects.create(name="Courrier", sort_order=2)
    spanc = factories.spanc(name="SPANC du Pays de Dinan")
    client = factories.client(last_name="Le Goff", first_name="Maëlle")
    installation = factories.installation(
        spanc=spanc, client=client, franchisee=factories.franchisee(), city="Dinan", stage="commissioned"
    )
    base = live_server.url
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session_cookie(factories.spanc_user(spanc), verified=True),
                "url": base,
            }
        ]
    )

    page.set_viewport_size({"width": 360, "height": 900})
    page.goto(f"{base}{pro_space.url}dossiers/{installation.pk}/")
    page.get_by_role("link", name="Envoyer un document").click()
    page.wait_for_url(re.compile(rf".*/dossiers/{installation.pk}/envoyer/$"))
    # The required fields really marked, the statement true.
    assert page.get_by_text("Les champs marqués « (obligatoire) » doivent être remplis.").count() == 1
    for name in ("document_type", "issued_on", "file"):
        assert page.locator(f"[name={name}]").get_attribute("required") is not None, name
    # The limits said once, tied to the file input.
    files = page.locator("input[name=file]")
    help_id = files.get_attribute("aria-describedby").split()[0]
    help_text = page.locator(f"#{help_id}").inner_text()
    assert help_text == "Jusqu’à 5 fichiers de 10 Mo chacun : PDF.", help_text
    assert page.get_by_text(help_text).count() == 1

    page.get_by_label("Type de document").select_option(label="Rapport de contrôle")
    day = datetime.date.today() - datetime.timedelta(days=3)
    page.locator("input[name=issued_on]").fill(day.isoformat())
    page.get_by_label("Résultat du contrôle").select_option(label=RESULT)
    files.set_input_files([_pdf("controle-installation.pdf", "installation"), _pdf("controle-rejets.pdf", "rejets")])
    shoot(page, "spanc-upload")
    allowed = allowed_rules()
    failures = []
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        failures += [
            f"{width}px: {v['id']} ({v['impact']}) {v['nodes']}"
            for v in run_axe(page)
            if v["id"] not in allowed and v["impact"] in ("serious", "critical")
        ]
    assert failures == []

    page.get_by_role("button", name="Envoyer les documents").click()
    page.wait_for_url(re.compile(rf".*/dossiers/{installation.pk}/$"))
    assert "2 documents ont été ajoutés au dossier" in page.content()
    for title in ("controle-installation", "controle-rejets"):
        item = page.locator(".aqp-pro-doc", has_text=title)
        assert item.count() == 1, title
        text = " ".join(item.inner_text().split())
        assert "Rapport de contrôle" in text and RESULT in text and day.strftime("%d/%m/%Y") in text, text

    shoot(page, "spanc-upload-folder", widths=(360,))
    documents = PortalDocument.objects.filter(source=DocumentSource.SPANC_UPLOAD, installation=installation)
    assert sorted(documents.values_list("control_result", flat=True)) == ["not_compliant_works_advised"] * 2
    events = OutboxEvent.objects.filter(kind="document_uploaded")
    assert sorted(event.payload["issued_on"] for event in events) == [day.isoformat()] * 2

    # The client, in another browser, sees both with their result.
    owner = browser.new_context()
    try:
        owner.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": session_cookie(factories.client_user(client), verified=False),
                    "url": base,
                }
            ]
        )
        client_page = owner.new_page()
        client_page.goto(base + client_space.url + client_space.reverse_subpage("documents", args=[installation.pk]))
        for title in ("controle-installation", "controle-rejets"):
            item = client_page.locator(".aqp-document", has_text=title)
            assert item.count() == 1, title
            assert f"Rapport de contrôle : {RESULT}" in " ".join(item.inner_text().split())
    finally:
        owner.close()
