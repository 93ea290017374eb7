"""One login per person, on the real stack (PostgreSQL, Redis cache,
Chromium): a landlord (owner of one client, household member of another)
logs in through the login form, chooses a space, switches to the other with
the keyboard only, and every page says whose space it is and shows that
client's installations only; the other client's pages and files answer 404.
A household member's downloads appear by name on the owner's « Qui a
consulté mes documents », never on their own; « Nouveau » marks are per
person; a SPANC agent who is a client at home switches SPANC from the pro
space and stays in it; a house sold by the real importer leaves the seller's household
member (404), her earlier reading stays the seller's. axe-core at every impact level is 0 at 360 and 1280 px on the
chooser and on the dashboard with the switcher. Screenshots
(PORTAL_UPDATE_SCREENSHOTS=1): space-switcher-360.png,
dashboard-landlord-360.png.

People are made through memberships only (factories.member, add_membership):
a person's PortalAccount carries no client."""

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from tests import factories
from tests.integration.screens import shoot
from tests.unit._pro_space import FAST_HASHERS, pro_space_page

from .test_a11y import session_cookie
from .test_access_log_browser import axe_clean
from .test_keyboard_walkthrough import arrive, tab_to
from .test_visits_browser import site_with_spaces

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PASSWORD = "correct-Horse-battery-9"
CHOOSER = re.compile(r".*/portail/compte/espace/(\?.*)?$")
DASHBOARD = re.compile(r".*/espace-client/$")


def _space(root):
    from aquatiris_portal.pages.client_space import ClientSpacePage

    if not ClientSpacePage.objects.exists():
        site_with_spaces(root)
    return ClientSpacePage.objects.get()


def _log_in(page, base, email):
    """The real login form, reached as a person does: by asking for the space."""
    page.goto(base + "/espace-client/")
    assert "/portail/connexion/" in page.url, page.url
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.aqp-form button[type=submit]")


def _whose(page):
    """The « Espace de … » line of the space, or '' when there is none."""
    line = page.locator(".aqp-space-of")
    return " ".join(line.inner_text().split()) if line.count() else ""


@pytest.mark.django_db(transaction=True)
def test_a_landlord_chooses_a_space_switches_with_the_keyboard_and_never_sees_the_other_client(
    live_server, wagtail_root, page, settings, stack_report
):
    from aquatiris_portal.accounts.memberships import add_membership
    from aquatiris_portal.models import Membership

    settings.PASSWORD_HASHERS = FAST_HASHERS
    base = live_server.url
    space = _space(wagtail_root)
    durand = factories.client(first_name="Anne", last_name="Durand")
    le_goff = factories.client(first_name="Maëlle", last_name="Le Goff")
    durand_house = factories.installation(client=durand, city="Lannion", address_line1="12 rue des Genêts")
    le_goff_house = factories.installation(client=le_goff, city="Dinan", address_line1="3 chemin du Moulin")
    durand_document = factories.document(durand_house, title="Certificat Durand")
    factories.document(le_goff_house, title="Plan Le Goff")
    landlord = factories.member(
        durand, role="owner", first_name="Anne", last_name="Durand", email="anne.durand@example.org"
    )
    add_membership(landlord, le_goff, Membership.Role.HOUSEHOLD)
    durand_page = base + space.url + space.reverse_subpage("documents", args=[durand_house.pk])

    # Login through the form: two clients, so the chooser comes first, the way back kept.
    page.set_viewport_size({"width": 360, "height": 740})
    _log_in(page, base, landlord.email)
    arrive(page, CHOOSER)
    chooser = page.locator("main")
    assert chooser.get_by_role("button", name="Espace de Anne Durand").count() == 1
    assert chooser.get_by_role("button", name="Espace de Maëlle Le Goff").count() == 1
    failures = axe_clean(page, "Choisir l'espace")
    shoot(page, "space-switcher", widths=(360,))
    assert not failures, "axe-core violations:\n" + "\n".join(failures)

    chooser.get_by_role("button", name="Espace de Anne Durand").click()
    arrive(page, DASHBOARD)
    assert _whose(page) == "Espace de Anne Durand · Changer d'espace", _whose(page)
    text = page.locator("main").inner_text()
    assert durand_house.reference in text and "Lannion" in text, text
    assert le_goff_house.reference not in text and "Dinan" not in text, text
    failures = axe_clean(page, "tableau de bord (propriétaire de deux espaces)")
    shoot(page, "dashboard-landlord", widths=(360,))
    assert not failures, "axe-core violations:\n" + "\n".join(failures)

    # The switch with the keyboard only: Tab to « Changer d'espace », Enter;
    # Tab to the other space, Enter. Every stop shows its focus.
    page.set_viewport_size({"width": 1280, "height": 900})
    tab_to(page, lambda f: "/portail/compte/espace/" in f["href"], "the « Changer d'espace » link")
    page.keyboard.press("Enter")
    arrive(page, CHOOSER)
    current = page.locator("main button[aria-current=true]")
    assert " ".join(current.inner_text().split()) == "Espace de Anne Durand"  # where they are now
    tab_to(page, lambda f: f["tag"] == "button" and "Le Goff" in f["text"], "the « Espace de Maëlle Le Goff » button")
    page.keyboard.press("Enter")
    arrive(page, DASHBOARD)
    assert _whose(page) == "Espace de Maëlle Le Goff · Changer d'espace", _whose(page)
    greeting = page.get_by_role("heading", level=1).inner_text()
    assert greeting == "Bienvenue, Anne Durand", greeting  # the person, not the client whose space it is
    text = page.locator("main").inner_text()
    assert le_goff_house.reference in text and "Dinan" in text, text
    assert durand_house.reference not in text and "Lannion" not in text, text

    # Durand's pages and file, asked for by address while in Le Goff's space: not found, nothing of them shown.
    response = page.goto(durand_page)
    assert response.status == 404
    shown = page.content()
    assert "Certificat Durand" not in shown and "Lannion" not in shown and "Espace de Anne Durand" not in shown
    file = page.context.request.get(base + f"/portail/documents/{durand_document.pk}/")
    assert file.status == 404 and b"%PDF" not in file.body()

    # Back in Durand's space (the chooser again), Durand's documents are there, Le Goff's are not.
    page.goto(base + "/portail/compte/espace/")
    page.locator("main").get_by_role("button", name="Espace de Anne Durand").click()
    arrive(page, re.compile(r".*/espace-client/$"))
    page.goto(durand_page)
    assert "Certificat Durand" in page.locator("main").inner_text()
    assert _whose(page).startswith("Espace de Anne Durand")
    stack_report(
        "switcher: a landlord (owner of one client, household of another) logged in through the form, chose "
        "a space, switched with Tab/Enter (focus visible at every stop); each dashboard said whose space and "
        "showed that client's installation only; the other client's documents page and file answered 404; "
        "axe-core 0 at 360 and 1280 px on the chooser and the dashboard"
    )


@pytest.mark.django_db(transaction=True)
def test_a_household_member_s_download_is_shown_to_the_owner_by_name_never_to_themselves(
    live_server, wagtail_root, page, browser, settings, stack_report
):
    from aquatiris_portal.security_log.access_models import DocumentAccess

    settings.PASSWORD_HASHERS = FAST_HASHERS
    base = live_server.url
    space = _space(wagtail_root)
    durand = factories.client(first_name="Anne", last_name="Durand")
    house = factories.installation(client=durand, city="Lannion")
    factories.document(house, title="Certificat de conformité")
    owner = factories.member(durand, role="owner", first_name="Anne", last_name="Durand")
    claire = factories.member(durand, first_name="Claire", last_name="Martin")
    documents_url = base + space.url + space.reverse_subpage("documents", args=[house.pk])
    accesses_url = base + space.url + space.reverse_subpage("document_accesses")

    def download(person_page):
        person_page.goto(documents_url)
        with person_page.expect_download() as download_info:
            person_page.locator(".aqp-document", has_text="Certificat de conformité").get_by_role(
                "link", name=re.compile("^Télécharger")
            ).click()
        assert download_info.value.path().read_bytes().startswith(b"%PDF")

    def rows(person_page):
        person_page.goto(accesses_url)
        return [" ".join(row.split()) for row in person_page.locator("tbody tr").all_inner_texts()]

    # Claire, the household member, in her own browser, downloads the certificate.
    claire_context = browser.new_context(viewport={"width": 360, "height": 740}, accept_downloads=True)
    try:
        claire_page = claire_context.new_page()
        _log_in(claire_page, base, claire.email)
        arrive(claire_page, DASHBOARD)
        assert _whose(claire_page) == "Espace de Anne Durand", _whose(claire_page)  # one space, not hers: no switcher
        assert claire_page.get_by_role("heading", level=1).inner_text() == "Bienvenue, Claire Martin"
        download(claire_page)
        assert rows(claire_page) == []  # her own reading is not « someone else »

        # The owner sees Claire's reading by her name; then downloads it too.
        page.set_viewport_size({"width": 360, "height": 740})
        _log_in(page, base, owner.email)
        arrive(page, DASHBOARD)
        seen = rows(page)
        assert len(seen) == 1 and "une autre personne de votre foyer : Claire Martin" in seen[0], seen
        assert "Certificat de conformité" in seen[0], seen
        download(page)
        assert rows(page) == seen  # the owner's own reading is not listed to them

        # Claire now sees the owner's reading, still not her own.
        seen_by_claire = rows(claire_page)
        assert len(seen_by_claire) == 1 and "Anne Durand" in seen_by_claire[0], seen_by_claire
    finally:
        claire_context.close()
    assert sorted(DocumentAccess.objects.values_list("actor", "actor_name")) == [
        ("household", "Claire Martin"),
        ("owner", "Anne Durand"),
    ]
    stack_report(
        "who read my documents with memberships: a household member's download shown to the owner by her "
        "name, the owner's to her; nobody sees their own"
    )


@pytest.mark.django_db(transaction=True)
def test_new_marks_are_each_person_s_own(live_server, wagtail_root, browser, settings, stack_report):
    from aquatiris_portal.models import PortalAccount

    settings.PASSWORD_HASHERS = FAST_HASHERS
    base = live_server.url
    space = _space(wagtail_root)
    durand = factories.client(first_name="Anne", last_name="Durand")
    house = factories.installation(client=durand, city="Lannion")
    now = timezone.now()
    factories.document(house, title="Étude de sol", created_at=now - datetime.timedelta(days=30))
    factories.document(house, title="Rapport de visite", created_at=now - datetime.timedelta(days=1))
    owner = factories.member(durand, role="owner", first_name="Anne", last_name="Durand")
    claire = factories.member(durand, first_name="Claire", last_name="Martin")
    # Both came last before the report arrived.
    PortalAccount.objects.filter(user__in=[owner, claire]).update(last_visit_at=now - datetime.timedelta(days=2))
    documents_url = base + space.url + space.reverse_subpage("documents", args=[house.pk])

    def new_titles(person):
        """Log ``person`` in, in a browser of their own; the titles marked « Nouveau »."""
        context = browser.new_context(viewport={"width": 360, "height": 740})
        try:
            person_page = context.new_page()
            _log_in(person_page, base, person.email)
            arrive(person_page, DASHBOARD)
            person_page.goto(documents_url)
            marked = person_page.locator(".aqp-document", has=person_page.locator(".aqp-badge--new"))
            return [
                " ".join(text.split())
                for text in marked.locator(".aqp-document__title > span:first-child").all_inner_texts()
            ]
        finally:
            context.close()

    assert new_titles(claire) == ["Rapport de visite"]
    assert new_titles(claire) == []  # her second visit: she has seen it
    assert new_titles(owner) == ["Rapport de visite"]  # Claire's visits are not the owner's
    assert new_titles(owner) == []
    stack_report(
        "new marks per person: a household member's two visits cleared her « Nouveau » mark, the owner's "
        "stayed until his own next visit"
    )


@pytest.mark.django_db(transaction=True)
def test_a_sold_house_leaves_the_seller_s_household_member_and_her_readings_stay_the_seller_s(
    live_server, wagtail_root, page, browser, settings, tmp_path, stack_report
):
    from aquatiris_portal.models import Client
    from aquatiris_portal.sync.importer import import_source

    from .test_handover_browser import export_moving_to_buyer

    settings.PASSWORD_HASHERS = FAST_HASHERS
    base = live_server.url
    space = _space(wagtail_root)
    seller = factories.client(external_id="C-SELLER", first_name="Maëlle", last_name="Le Goff")
    house = factories.installation(
        client=seller,
        franchisee=factories.franchisee(external_id="F-1"),
        external_id="I-SOLD",
        reference="AQ-2019-5001",
        city="Saint-Père",
    )
    document = factories.document(house, title="Étude de sol")
    seller_owner = factories.member(seller, role="owner", first_name="Maëlle", last_name="Le Goff")
    claire = factories.member(seller, first_name="Claire", last_name="Martin")
    installation_url = base + space.url + space.reverse_subpage("installation", args=[house.pk])
    documents_url = base + space.url + space.reverse_subpage("documents", args=[house.pk])
    accesses_url = base + space.url + space.reverse_subpage("document_accesses")
    download_url = base + f"/portail/documents/{document.pk}/"

    # Claire, invited into the seller's household, reads the study before the sale.
    claire_context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        claire_page = claire_context.new_page()
        _log_in(claire_page, base, claire.email)
        arrive(claire_page, DASHBOARD)
        assert "AQ-2019-5001" in claire_page.locator("main").inner_text()
        assert claire_page.request.get(download_url).status == 200

        # The internal system's export moves the house to the buyer; the real importer applies it.
        export_moving_to_buyer(tmp_path / "exports")
        import_source(tmp_path / "exports")

        # Claire's next loads: the house and its files are gone from her space.
        claire_page.goto(base + "/espace-client/")
        assert "AQ-2019-5001" not in claire_page.locator("main").inner_text()
        assert claire_page.goto(installation_url).status == 404
        assert claire_page.goto(documents_url).status == 404
        assert claire_page.request.get(download_url).status == 404
    finally:
        claire_context.close()

    # The seller's owner still sees Claire's reading, the study no longer theirs to open.
    page.set_viewport_size({"width": 360, "height": 740})
    _log_in(page, base, seller_owner.email)
    arrive(page, DASHBOARD)
    page.goto(accesses_url)
    rows = [" ".join(row.split()) for row in page.locator("tbody tr").all_inner_texts()]
    assert len(rows) == 1 and "Claire Martin" in rows[0] and "n'est plus dans vos documents" in rows[0], rows
    assert page.locator("tbody tr a").count() == 0

    # The buyer's owner has the house and its study, and nothing of the seller's household's readings.
    buyer = Client.objects.get(external_id="C-BUYER")
    buyer_owner = factories.member(buyer, role="owner", first_name="Jean", last_name="Martin")
    buyer_context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        buyer_page = buyer_context.new_page()
        _log_in(buyer_page, base, buyer_owner.email)
        arrive(buyer_page, DASHBOARD)
        assert "AQ-2019-5001" in buyer_page.locator("main").inner_text()
        buyer_page.goto(documents_url)
        assert "Étude de sol" in buyer_page.locator("main").inner_text()
        buyer_page.goto(accesses_url)
        text = buyer_page.locator("main").inner_text()
        assert "Claire Martin" not in text and "Personne d'autre n'a encore ouvert vos documents." in text, text
    finally:
        buyer_context.close()
    stack_report(
        "sold house with a household member: after the real import she got 404 on the house, its documents "
        "and its file; her earlier reading stayed on the seller's « Qui a consulté » (unlinked), not the buyer's"
    )


@pytest.mark.django_db(transaction=True)
def test_an_agent_who_is_a_client_at_home_switches_spanc_and_stays_in_the_pro_space(
    live_server, wagtail_root, page, settings, stack_report
):
    from aquatiris_portal.accounts.memberships import add_membership
    from aquatiris_portal.models import Membership

    settings.PASSWORD_HASHERS = FAST_HASHERS
    base = live_server.url
    _space(wagtail_root)
    pro_space = pro_space_page()
    lannion, dinan = factories.spanc(name="SPANC de Lannion"), factories.spanc(name="SPANC de Dinan")
    factories.installation(spanc=lannion, city="Lannion", client=factories.client(last_name="Kerhervé"))
    factories.installation(spanc=dinan, city="Dinan", client=factories.client(last_name="Rouxel"))
    home = factories.client(first_name="Yann", last_name="Le Bihan")
    factories.installation(client=home, city="Perros-Guirec")
    agent = factories.member(lannion, first_name="Yann", last_name="Le Bihan")
    add_membership(agent, dinan, Membership.Role.AGENT)
    add_membership(agent, home, Membership.Role.OWNER)
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie(agent, verified=True), "url": base}]
    )

    # The pro space asks which SPANC first, then says whose space it is.
    page.goto(base + pro_space.url)
    arrive(page, CHOOSER)
    page.locator("main").get_by_role("button", name="Espace de SPANC de Lannion").click()
    arrive(page, re.compile(".*" + re.escape(pro_space.url) + "$"))
    assert _whose(page).startswith("Espace de SPANC de Lannion"), _whose(page)
    text = page.locator("main").inner_text()
    assert "Kerhervé" in text and "Rouxel" not in text, text

    # « Changer d'espace », the other SPANC: still the pro space, now Dinan's.
    page.locator(".aqp-space-of").get_by_role("link", name="Changer d'espace").click()
    arrive(page, CHOOSER)
    page.locator("main").get_by_role("button", name="Espace de SPANC de Dinan").click()
    arrive(page, re.compile(".*" + re.escape(pro_space.url) + "$"))
    assert _whose(page).startswith("Espace de SPANC de Dinan"), _whose(page)
    text = page.locator("main").inner_text()
    assert "Rouxel" in text and "Kerhervé" not in text, text

    # And their own home from the same chooser: the client space.
    page.locator(".aqp-space-of").get_by_role("link", name="Changer d'espace").click()
    arrive(page, CHOOSER)
    page.locator("main").get_by_role("button", name="Espace de Yann Le Bihan").click()
    arrive(page, DASHBOARD)
    assert "Perros-Guirec" in page.locator("main").inner_text()
    stack_report(
        "switcher in the pro space: an agent of two SPANC who is a client at home chose a SPANC, switched to "
        "the other and stayed in the pro space (that SPANC's folders only), then reached their own client space"
    )
