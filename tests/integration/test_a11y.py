"""The browser's verdict on accessibility: axe-core, from the npm
package (``npm ci`` in ``make test``), injected by Playwright into Debian's
Chromium, on every screen of both spaces, the login, first-connection,
lost-password and second-factor screens, in French, with the demo data.

Every impact fails the run (critical, serious, moderate, minor) unless the
rule is listed, with the reason it is accepted, in axe_allowed.json next to
this file. axe's "incomplete" items (what it could not decide,
e.g. contrast over an image) are counted and listed in the summary for a
person to look at. All screens are visited before asserting, so one run
shows every defect at once.
"""

import datetime
import json
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Error as PlaywrightError

from tests import factories
from tests.factories import leads, run_portal_demo

from .conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A/AA plus axe's best practices (landmarks, heading order...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
ALLOWED_FILE = Path(__file__).with_name("axe_allowed.json")
WIDTHS = (360, 1280)


def allowed_rules():
    """rule id -> reason, from the committed allow list (each entry must say why)."""
    entries = json.loads(ALLOWED_FILE.read_text(encoding="utf-8"))
    for rule, entry in entries.items():
        assert isinstance(entry, dict) and len(entry.get("reason", "").strip()) > 20, (
            f"axe_allowed.json: {rule} needs a reason a reviewer can judge"
        )
    return {rule: entry["reason"] for rule, entry in entries.items()}


pytestmark = [pytest.mark.integration, pytest.mark.browser]


def session_cookie(user, *, verified, extra=None):
    """A logged-in session made in the database (what ``django.contrib.auth.login``
    and, when ``verified``, ``django_otp.login`` would store)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_email.models import EmailDevice

    session = import_module(django_settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if verified:
        device = EmailDevice.objects.get_or_create(user=user, name="email", defaults={"confirmed": True})[0]
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    for key, value in (extra or {}).items():
        session[key] = value
    session.create()
    return session.session_key


def new_screen_data(client_account, spanc_account, installation, folder):
    """What the screens added with memberships, people, archives and the proof
    loop need: a proof request for the owner's installation, a waiting
    invitation (its raw link), a person with two spaces (client and SPANC)
    for « Choisir l'espace », a staff member who may view the space as a
    client. Shared by the axe and the HTML-validity crawls."""
    import secrets

    from django.contrib.auth import get_user_model
    from django.test import Client as HttpClient
    from django.urls import reverse
    from django.utils import timezone

    from aquatiris_portal.accounts import invitations
    from aquatiris_portal.accounts.memberships import add_membership
    from aquatiris_portal.accounts.models import Invitation
    from aquatiris_portal.accounts.tokens import hash_token
    from aquatiris_portal.enquiries import proofs
    from aquatiris_portal.models import Client, ProofKind

    kind = ProofKind.objects.get_or_create(name="Bordereau de vidange", defaults={"sort_order": 10})[0]
    proof = proofs.ask(
        user=spanc_account.user,
        spanc=installation.spanc,
        installations=[installation],
        kind=kind,
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )[0]
    invitation = invitations.invite(client_account.client, "invitee.a11y@example.org", by=client_account.user)
    invitation_raw = secrets.token_urlsafe(32)  # invite() mails its link; the crawl needs one it knows
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token(invitation_raw))
    User = get_user_model()
    two_spaces = User.objects.create_user(
        "two.spaces@example.org", "two.spaces@example.org", "x-Unused-pass-42", first_name="Camille", last_name="Deux"
    )
    add_membership(two_spaces, Client.objects.exclude(pk=client_account.client.pk).order_by("pk").first())
    add_membership(two_spaces, spanc_account.spanc)
    staff = User.objects.create_superuser("staff.a11y@example.org", "staff.a11y@example.org", "x-Unused-pass-42")
    sessions = {}
    for name in ("staff", "staff_as_client"):  # logged in and, for the second, the view started as staff do it
        http = HttpClient()
        factories.otp_login(http, staff)
        if name == "staff_as_client":
            started = http.post(reverse("aquatiris_portal_view_as_client_start"), {"client": client_account.client.pk})
            assert started.status_code == 302, started.status_code
        sessions[name] = http.cookies[django_settings.SESSION_COOKIE_NAME].value
    return {"proof": proof, "invitation_raw": invitation_raw, "two_spaces": two_spaces, "sessions": sessions}


def run_axe(page, incomplete=None):
    """axe's violations on the page; its "incomplete" items are appended to
    ``incomplete`` when a list is given."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                    resultTypes: ['violations', 'incomplete']});
            const brief = v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' — '
                    + (n.failureSummary || '').split('\\n').slice(0, 2).join(' ')),
                count: v.nodes.length,
            });
            return {violations: result.violations.map(brief), incomplete: result.incomplete.map(brief)};
        }""",
        AXE_TAGS,
    )
    if incomplete is not None:
        incomplete.extend(result["incomplete"])
    return result["violations"]


def visit(page, base, path, status=200):
    """Open ``path``; it must be the screen itself (HTTP ``status``, 200 unless
    the screen is a refusal, no redirect to a login or elsewhere: single-use
    links land on their password or invitation screen)."""
    response = page.goto(base + path)
    assert response is not None and response.status == status, f"{path}: HTTP {response and response.status}"
    page.wait_for_load_state("load")
    landed = page.url[len(base) :]
    if "/lien/" in path:
        assert landed.endswith(
            ("/premiere-connexion/mot-de-passe/", "/mot-de-passe-perdu/nouveau/", "/portail/invitation/")
        ), landed
    elif path.startswith(("/portail/reponse/", "/portail/document-spanc/")):
        # The franchisee's links land once, then his page has a URL without the token.
        assert landed.startswith(("/portail/reponse/demande/", "/portail/document-spanc/voir/")), landed
    else:
        assert landed == path, f"{path} ended on {landed}"
    assert page.locator("main h1").count() == 1, f"{path}: no single h1 in main"


def submit_main_form(page, selector="main form"):
    """Submit the screen's form (not the logout button) as it is, browser
    validation skipped as without JavaScript, to show its error state;
    ``selector`` names the form on a screen whose first form is another one
    (a person's "Remove" before the invitation form)."""
    with page.expect_navigation():
        page.evaluate(
            """(selector) => {
            const form = [...document.querySelectorAll(selector)].find(
                // getAttribute: a field named "action" (the people page's) hides form.action
                f => (f.getAttribute('method') || '').toLowerCase() === 'post'
                     && !(f.getAttribute('action') || '').includes('/deconnexion/'));
            HTMLFormElement.prototype.submit.call(form);
        }""",
            selector,
        )


@pytest.mark.django_db(transaction=True)
def test_every_portal_screen_passes_axe_in_french(live_server, wagtail_root, page, settings, tmp_path, stack_report):
    assert AXE.exists(), "axe-core missing: run `npm ci` (make test does)"
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from aquatiris_portal.accounts.middleware import SECOND_FACTOR_SESSION_KEY
    from aquatiris_portal.accounts.models import AccountToken
    from aquatiris_portal.accounts.tokens import issue
    from aquatiris_portal.models import Client, Installation, PortalRequest, Visit

    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_portal_demo()

    client_account, spanc_account = leads("client")[0], leads("spanc")[0]
    installation = Installation.objects.filter(client=client_account.client).order_by("pk").first()
    folder = Installation.objects.filter(spanc=spanc_account.spanc).order_by("pk").first()
    # A planned visit: its card (calendar, move, reminder line) and the move form are screens too.
    planned_visit = Visit.objects.create(
        external_id="V-A11Y",
        installation=installation,
        kind="maintenance",
        planned_for=timezone.localdate() + datetime.timedelta(days=5),
        slot="morning",
        visible_to_client=True,
    )
    portal_request = PortalRequest(
        client=client_account.client,
        installation=installation,
        kind="question",
        subject_label="Question sur mon installation",
        message="Bonjour, une question sur mon filtre.",
        submitted_by=client_account.user,
    )
    portal_request.fill_recap()
    portal_request.save()
    # A client without an account, for the first-connection link.
    newcomer = Client.objects.exclude(memberships__isnull=False).order_by("pk").first()
    _token, activation_raw = issue(AccountToken.Purpose.ACTIVATION, email=newcomer.email, hours=24, client=newcomer)
    _token, reset_raw = issue(
        AccountToken.Purpose.RESET, email=client_account.user.email, hours=1, user=client_account.user
    )

    # The franchisee's personal links (no login): his reply page and a SPANC document's page.
    from aquatiris_portal.enquiries import links
    from aquatiris_portal.models import PortalDocument

    franchisee = installation.franchisee
    reply_raw = links.issue_reply_link(portal_request, franchisee)
    document_raw = links.issue_document_link(
        PortalDocument.objects.filter(installation=installation).first(), franchisee
    )

    data = new_screen_data(client_account, spanc_account, installation, folder)
    from aquatiris_portal.pages.client_space import ClientSpacePage
    from aquatiris_portal.pages.pro_space import ProSpacePage

    spaces = {"client": ClientSpacePage.objects.get().pk, "pro": ProSpacePage.objects.get().pk}
    base = live_server.url
    cookies = {
        "client": session_cookie(client_account.user, verified=False),
        "spanc": session_cookie(spanc_account.user, verified=True),
        "spanc_pending": session_cookie(spanc_account.user, verified=False, extra={SECOND_FACTOR_SESSION_KEY: True}),
        "two_spaces": session_cookie(data["two_spaces"], verified=True),
        **data["sessions"],
    }
    User = get_user_model()
    assert User.objects.filter(pk=client_account.user.pk).exists()

    # (who, path, name, action): who = cookie to use (None: anonymous);
    # action "errors" submits the main form empty to check its error state.
    client_space = "/espace-client/"
    pro_space = "/espace-pro/"
    screens = [
        (None, "/portail/connexion/", "login", None),
        (None, "/portail/connexion/", "login with errors", "errors"),
        (None, "/portail/premiere-connexion/", "first connection", None),
        (None, "/portail/premiere-connexion/", "first connection with errors", "errors"),
        (None, f"/portail/premiere-connexion/lien/{activation_raw}/", "first connection: choose a password", None),
        (None, "/portail/mot-de-passe-perdu/", "lost password", None),
        (None, "/portail/mot-de-passe-perdu/", "lost password with errors", "errors"),
        (None, f"/portail/mot-de-passe-perdu/lien/{reset_raw}/", "lost password: new password", None),
        ("spanc_pending", "/portail/connexion/verification/", "second factor (email code)", None),
        ("client", client_space, "client dashboard", None),
        ("client", f"{client_space}installations/{installation.pk}/", "installation", None),
        ("client", f"{client_space}installations/{installation.pk}/documents/", "installation documents", None),
        ("client", f"{client_space}installations/{installation.pk}/garantie/", "warranty form", None),
        ("client", f"{client_space}installations/{installation.pk}/garantie/", "warranty form with errors", "errors"),
        ("client", f"{client_space}contact/", "contact form", None),
        ("client", f"{client_space}contact/", "contact form with errors", "errors"),
        ("client", f"{client_space}visites/{planned_visit.pk}/deplacer/", "move a visit", None),
        ("client", f"{client_space}visites/{planned_visit.pk}/deplacer/", "move a visit with errors", "errors"),
        ("client", f"{client_space}contrat-entretien/", "maintenance contract", None),
        ("client", f"{client_space}demandes/", "my requests", None),
        ("client", f"{client_space}demandes/{portal_request.reference}/", "one request", None),
        ("client", f"{client_space}entretien/", "maintenance", None),
        ("client", f"{client_space}actualites/", "client news", None),
        ("client", "/portail/compte/mot-de-passe/", "change password", None),
        ("client", "/portail/compte/mot-de-passe/", "change password with errors", "errors"),
        (None, f"/portail/reponse/{reply_raw}/", "franchisee reply page", None),
        (None, f"/portail/reponse/{reply_raw}/", "franchisee reply page with errors", "errors"),
        (None, f"/portail/document-spanc/{document_raw}/", "franchisee document page", None),
        ("spanc", pro_space, "folder list", None),
        ("spanc", f"{pro_space}?q={folder.city[:4]}", "folder search", None),
        ("spanc", f"{pro_space}?q=zzzz-nothing", "folder search without result", None),
        ("spanc", f"{pro_space}?overdue=24&stage=quote", "folder list filtered by maintenance and stage", None),
        ("spanc", f"{pro_space}dossiers/{folder.pk}/", "folder", None),
        ("spanc", f"{pro_space}dossiers/{folder.pk}/envoyer/", "upload form", None),
        ("spanc", f"{pro_space}dossiers/{folder.pk}/envoyer/", "upload form with errors", "errors"),
        # Memberships, people, archives, the proof loop, « Voir comme un client ».
        ("client", "/portail/compte/notifications/", "notification preferences", None),
        ("client", f"{client_space}qui-a-consulte-mes-documents/", "who read my documents", None),
        ("client", f"/portail/installations/{installation.pk}/je-vends-ma-maison/", "I am selling my house", None),
        ("client", f"/portail/installations/{installation.pk}/je-vends-ma-maison/", "selling with errors", "errors"),
        ("client", "/portail/compte/mes-donnees/", "my data", None),
        ("client", "/portail/compte/personnes/client/", "people of the client", None),
        (
            "client",
            "/portail/compte/personnes/client/",
            "people of the client with errors",
            "errors:main form:has(input[name=action][value=invite])",
        ),
        ("client", f"{client_space}justificatifs/{data['proof'].pk}/", "proof answer", None),
        ("client", f"{client_space}justificatifs/{data['proof'].pk}/", "proof answer with errors", "errors"),
        (None, f"/portail/invitation/lien/{data['invitation_raw']}/", "invitation: accept", None),
        (
            None,
            "/portail/invitation/",
            "invitation: accept with errors",
            "errors:main form:has(input[name=choice][value=own])",
        ),
        ("two_spaces", "/portail/compte/espace/", "choose the space", None),
        ("spanc", "/portail/compte/mot-de-passe/", "SPANC account (trusted browsers)", None),
        ("spanc", "/portail/compte/personnes/spanc/", "people of the SPANC", None),
        ("spanc", f"{pro_space}?proof=requested", "folder list filtered by proof", None),
        ("spanc", f"{pro_space}dossiers/{folder.pk}/justificatif/", "proof ask form", None),
        ("spanc", f"{pro_space}dossiers/{folder.pk}/justificatif/", "proof ask form with errors", "errors"),
        ("spanc", pro_space, "bulk proof ask form", "bulk"),
        ("staff", client_space, "client space for staff: how to view it as a client", "refused"),
        ("staff", f"/admin/pages/{spaces['client']}/view_draft/", "client space page: preview", None),
        ("staff", f"/admin/pages/{spaces['pro']}/view_draft/", "pro space page: preview", None),
        # The chooser (/admin/aquatiris-portal/voir-comme-un-client/) is in the HTML crawl only: at 1280 px
        # axe finds Wagtail's own admin frame (landmark-unique on its sidebar), not the portal's template.
        ("staff_as_client", client_space, "client dashboard viewed as a client (banner)", None),
        (
            "staff_as_client",
            f"{client_space}contact/",
            "viewed as a client: a form refused",
            "errors:main form[data-aqp-contact-form]",
        ),  # not the banner's "Leave the preview"
    ]

    # The editors' pages the spaces link to (demo content): news indexes, one
    # article of each audience, FAQ pages, read by someone of their audience.
    from aquatiris_portal.pages.faq import FaqPage
    from aquatiris_portal.pages.news import ArticlePage, NewsIndexPage

    reader = {"clients": "client", "pros": "spanc", "both": "client"}
    editorial = list(NewsIndexPage.objects.live()) + list(FaqPage.objects.live())
    for audience in reader:
        editorial += list(ArticlePage.objects.live().filter(audience=audience).order_by("-date")[:1])
    assert editorial, "portal_demo made no news or FAQ page"
    for editor_page in editorial:
        screens.append(
            (
                reader.get(editor_page.audience, "client"),
                editor_page.get_url(),
                f"{type(editor_page).__name__} {editor_page.title}",
                None,
            )
        )

    allowed = allowed_rules()
    failures, notes, undecided = [], [], []
    by_impact = {}
    current = object()
    # Each screen at a phone's width and a desktop's (what reflows differs: menus, tables as cards).
    for width, who, path, name, action in [(w, *screen) for w in WIDTHS for screen in screens]:
        page.set_viewport_size({"width": width, "height": 900})
        name = f"{name} @{width}"
        if who != current:
            page.context.clear_cookies()
            if who:
                page.context.add_cookies(
                    [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookies[who], "url": base}]
                )
            current = who
        try:  # a screen that cannot be reached is a failure too, told with the others at the end
            visit(page, base, path, status=403 if action == "refused" else 200)
            if action == "errors":
                submit_main_form(page)
            elif action and action.startswith("errors:"):
                submit_main_form(page, action.removeprefix("errors:"))
            elif action == "bulk":  # the list's "ask for a proof" of the ticked folders: its form
                page.locator("main input[name=folder]").first.check()
                with page.expect_navigation():
                    page.locator("main form[action$='/justificatifs/'] [type=submit]").first.click()
            assert page.evaluate("document.documentElement.lang").startswith("fr"), f"{name}: page not in French"
        except (AssertionError, PlaywrightError) as error:
            failures.append(f"{name} ({path}): not reached as a screen: {str(error).splitlines()[0]}")
            continue
        incomplete = []
        for violation in run_axe(page, incomplete):
            by_impact[violation["impact"]] = by_impact.get(violation["impact"], 0) + 1
            line = (
                f"{name} ({path}): [{violation['impact']}] {violation['id']} — {violation['help']} "
                f"({violation['count']} nodes: {' | '.join(violation['nodes'])})"
            )
            if violation["id"] in allowed:
                notes.append(f"{line} — allowed: {allowed[violation['id']]}")
            else:
                failures.append(line)
        undecided += [f"{name}: {item['id']} ({item['count']} nodes)" for item in incomplete]
    counts = ", ".join(
        f"{by_impact.get(impact, 0)} {impact}" for impact in ("critical", "serious", "moderate", "minor")
    )
    stack_report(
        f"axe-core on {len(screens)} screens at {' and '.join(map(str, WIDTHS))} px, every impact: {counts} "
        f"({len(notes)} allowed by axe_allowed.json); {len(undecided)} incomplete items to look at"
    )
    for line in notes:
        stack_report("  allowed: " + line)
    for line in undecided:
        stack_report("  incomplete: " + line)
    assert not failures, "axe-core violations (any impact) not in axe_allowed.json:\n" + "\n".join(failures)


def test_axe_finds_a_known_defect(page):
    """The check itself works: a field without a label and an image without
    alternative text are reported as critical."""
    page.set_content(
        '<html lang="fr"><head><title>t</title></head><body><main><h1>Essai</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><form><input name="x"></form>'
        "</main></body></html>"
    )
    found = {violation["id"]: violation["impact"] for violation in run_axe(page)}
    assert found.get("image-alt") == "critical"
    assert found.get("label") == "critical"


def test_axe_is_the_pinned_npm_package():
    """The package.json the Makefile installs from names axe-core; a test
    that silently ran no check would be worthless."""
    import json

    manifest = json.loads((ROOT / "package.json").read_text())
    assert "axe-core" in manifest["dependencies"]
    assert Path(AXE).exists() and Path(AXE).stat().st_size > 100_000
