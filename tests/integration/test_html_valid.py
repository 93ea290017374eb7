"""The Nu HTML Checker (the W3C validator's engine, npm's vnu-jar) finds no
error on any screen of the portal: both spaces, the login and
first-connection pages, the franchisee's reply page, with the demo data, as
a logged-in user sees them (and a few forms in their error state).

Every screen is rendered first and checked in one run of the checker, so
one run shows every error at once. Needs a Java runtime
(default-jre-headless, scripts/system-deps.sh) and ``npm ci``."""

import datetime
import json
import re
import shutil
import subprocess
from urllib.parse import unquote

import pytest
from django.conf import settings as django_settings
from django.test import Client as HttpClient

from tests.factories import leads, run_portal_demo

from .conftest import ROOT
from .test_a11y import new_screen_data, session_cookie

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = shutil.which("java")

pytestmark = [pytest.mark.integration]


def check_html(files):
    """The checker's error messages for ``files`` (its JSON report)."""
    done = subprocess.run(
        [JAVA, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(done.stderr or done.stdout)
    return [message for message in report["messages"] if message.get("type") in ("error", "non-document-error")]


def test_the_checker_finds_a_known_error(tmp_path):
    """The check itself works: a fraction of a second with six digits (what
    Django's |date:'c' writes) is an error; with three it is not."""
    assert VNU.exists() and JAVA, "vnu-jar or java missing: `npm ci`, scripts/system-deps.sh"
    page = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>t</title></head><body>'
        '<p><time datetime="{}">hier</time></p></body></html>'
    )
    bad, good = tmp_path / "bad.html", tmp_path / "good.html"
    bad.write_text(page.format("2026-12-07T00:28:57.796072+01:00"), encoding="utf-8")
    good.write_text(page.format("2026-12-07T00:28:57.796+01:00"), encoding="utf-8")
    errors = check_html([bad, good])
    assert [unquote(error["url"]).rsplit("/", 1)[-1] for error in errors] == ["bad.html"], errors


@pytest.mark.django_db
def test_every_screen_is_valid_html(wagtail_root, settings, tmp_path, stack_report):
    assert VNU.exists() and JAVA, "vnu-jar or java missing: `npm ci`, scripts/system-deps.sh"
    from django.utils import timezone

    from aquatiris_portal.accounts.middleware import SECOND_FACTOR_SESSION_KEY
    from aquatiris_portal.accounts.models import AccountToken
    from aquatiris_portal.accounts.tokens import issue
    from aquatiris_portal.enquiries import links
    from aquatiris_portal.models import Client, Installation, PortalRequest, Visit
    from aquatiris_portal.pages.faq import FaqPage
    from aquatiris_portal.pages.news import ArticlePage

    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_portal_demo()

    client_account, spanc_account = leads("client")[0], leads("spanc")[0]
    installation = Installation.objects.filter(client=client_account.client).order_by("pk").first()
    folder = Installation.objects.filter(spanc=spanc_account.spanc).order_by("pk").first()
    planned_visit = Visit.objects.create(
        external_id="V-HTML",
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
    # A message in the thread: its <time datetime> (with microseconds) is one the checker refused.
    from aquatiris_portal.enquiries.models import AuthorRole, RequestMessage
    from aquatiris_portal.enquiries.threads import post_message

    post_message(
        portal_request,
        role=AuthorRole.FRANCHISEE,
        body="Je passe mardi.",
        channel=RequestMessage.Channel.REPLY_LINK,
        author_name="Luc Martin",
    )

    newcomer = Client.objects.exclude(memberships__isnull=False).order_by("pk").first()
    _token, activation_raw = issue(AccountToken.Purpose.ACTIVATION, email=newcomer.email, hours=24, client=newcomer)
    _token, reset_raw = issue(
        AccountToken.Purpose.RESET, email=client_account.user.email, hours=1, user=client_account.user
    )

    from importlib import import_module

    from aquatiris_portal.accounts.people_views import INVITATION_SESSION_KEY

    data = new_screen_data(client_account, spanc_account, installation, folder)
    from aquatiris_portal.pages.client_space import ClientSpacePage
    from aquatiris_portal.pages.pro_space import ProSpacePage

    spaces = {"client": ClientSpacePage.objects.get().pk, "pro": ProSpacePage.objects.get().pk}
    invitee_session = import_module(django_settings.SESSION_ENGINE).SessionStore()
    invitee_session[INVITATION_SESSION_KEY] = data["invitation_raw"]  # where the link leaves it
    invitee_session.create()
    cookies = {
        "two_spaces": session_cookie(data["two_spaces"], verified=True),
        **data["sessions"],
        "invitee": invitee_session.session_key,
    }

    def http_for(who):
        http = HttpClient()
        if who in cookies:
            http.cookies[django_settings.SESSION_COOKIE_NAME] = cookies[who]
        elif who == "client":
            http.cookies[django_settings.SESSION_COOKIE_NAME] = session_cookie(client_account.user, verified=False)
        elif who == "spanc":
            http.cookies[django_settings.SESSION_COOKIE_NAME] = session_cookie(spanc_account.user, verified=True)
        elif who == "spanc_pending":
            http.cookies[django_settings.SESSION_COOKIE_NAME] = session_cookie(
                spanc_account.user, verified=False, extra={SECOND_FACTOR_SESSION_KEY: True}
            )
        return http

    cs, ps = "/espace-client/", "/espace-pro/"
    screens = [
        (None, "/portail/connexion/", "login", None),
        (None, "/portail/connexion/", "login-errors", "post"),
        (None, "/portail/premiere-connexion/", "activation", None),
        (None, "/portail/premiere-connexion/", "activation-errors", "post"),
        (None, f"/portail/premiere-connexion/lien/{activation_raw}/", "activation-password", "follow"),
        (None, "/portail/mot-de-passe-perdu/", "lost-password", None),
        (None, f"/portail/mot-de-passe-perdu/lien/{reset_raw}/", "lost-password-new", "follow"),
        ("spanc_pending", "/portail/connexion/verification/", "second-factor", None),
        ("client", cs, "client-dashboard", None),
        ("client", f"{cs}installations/{installation.pk}/", "installation", None),
        ("client", f"{cs}installations/{installation.pk}/documents/", "documents", None),
        ("client", f"{cs}installations/{installation.pk}/garantie/", "warranty", None),
        ("client", f"{cs}installations/{installation.pk}/garantie/", "warranty-errors", "post"),
        ("client", f"{cs}contact/", "contact", None),
        ("client", f"{cs}contact/", "contact-errors", "post"),
        ("client", f"{cs}visites/{planned_visit.pk}/deplacer/", "move-visit", None),
        ("client", f"{cs}contrat-entretien/", "maintenance-contract", None),
        ("client", f"{cs}demandes/", "requests", None),
        ("client", f"{cs}demandes/{portal_request.reference}/", "request", None),
        ("client", f"{cs}entretien/", "maintenance", None),
        ("client", f"{cs}actualites/", "client-news", None),
        ("client", "/portail/compte/notifications/", "notifications", None),
        ("client", "/portail/compte/mot-de-passe/", "change-password", None),
        ("spanc", ps, "folder-list", None),
        ("spanc", f"{ps}?overdue=24", "folder-list-overdue", None),
        ("spanc", f"{ps}?overdue=24&stage=quote", "folder-list-overdue-quote", None),
        ("spanc", f"{ps}?stage=all&sort=-latest", "folder-list-all-latest", None),
        ("spanc", f"{ps}?q={folder.city[:4]}", "folder-search", None),
        ("spanc", f"{ps}dossiers/{folder.pk}/", "folder", None),
        ("spanc", f"{ps}dossiers/{folder.pk}/envoyer/", "upload", None),
        ("spanc", f"{ps}dossiers/{folder.pk}/envoyer/", "upload-errors", "post"),
        (None, links.reply_url(portal_request, installation.franchisee), "franchisee-reply", "follow"),
        # Memberships, people, archives, the proof loop, « Voir comme un client ».
        ("client", f"{cs}qui-a-consulte-mes-documents/", "who-read-my-documents", None),
        ("client", f"/portail/installations/{installation.pk}/je-vends-ma-maison/", "handover", None),
        ("client", f"/portail/installations/{installation.pk}/je-vends-ma-maison/", "handover-errors", "post"),
        ("client", "/portail/compte/mes-donnees/", "my-data", None),
        ("client", "/portail/compte/personnes/client/", "people-client", None),
        ("client", "/portail/compte/personnes/client/", "people-client-errors", "invite"),
        ("client", f"{cs}justificatifs/{data['proof'].pk}/", "proof-answer", None),
        ("client", f"{cs}justificatifs/{data['proof'].pk}/", "proof-answer-errors", "post"),
        (None, f"/portail/invitation/lien/{data['invitation_raw']}/", "invitation", "follow"),
        ("invitee", "/portail/invitation/", "invitation-errors", "post"),
        ("two_spaces", "/portail/compte/espace/", "choose-space", None),
        ("spanc", "/portail/compte/mot-de-passe/", "spanc-account-trusted-browsers", None),
        ("spanc", "/portail/compte/personnes/spanc/", "people-spanc", None),
        ("spanc", f"{ps}?proof=requested", "folder-list-proof", None),
        ("spanc", f"{ps}dossiers/{folder.pk}/justificatif/", "proof-ask", None),
        ("spanc", f"{ps}dossiers/{folder.pk}/justificatif/", "proof-ask-errors", "post"),
        ("spanc", f"{ps}justificatifs/", "bulk-proof-ask", "bulk"),
        ("staff", cs, "view-as-help", "refused"),
        ("staff", "/admin/aquatiris-portal/voir-comme-un-client/", "view-as-chooser", None),
        ("staff", f"/admin/pages/{spaces['client']}/view_draft/", "client-space-preview", None),
        ("staff", f"/admin/pages/{spaces['pro']}/view_draft/", "pro-space-preview", None),
        ("staff_as_client", cs, "view-as-banner", None),
        ("staff_as_client", f"{cs}contact/", "view-as-refused", "refused-post"),
    ]
    for faq in FaqPage.objects.live()[:2]:
        screens.append(("client", faq.get_url(), f"faq-{faq.pk}", None))
    for article in ArticlePage.objects.live().filter(audience="clients").order_by("-date")[:1]:
        screens.append(("client", article.get_url(), "article", None))
    assert any(name.startswith("faq-") for _who, _path, name, _action in screens), "the demo made no FAQ page"

    files = {}
    for who, path, name, action in screens:
        http = http_for(who)
        expected = (200,)
        if action in ("post", "refused-post"):
            response = http.post(path, {})
            expected = (403,) if action == "refused-post" else (200, 400)  # a form's errors may say 400
        elif action == "invite":  # the people page's invitation form, empty
            response = http.post(path, {"action": "invite"})
            expected = (200, 400)
        elif action == "bulk":  # the list's ticked folders, then the ask form
            response = http.post(path, {"scope": "selected", "folder": folder.pk})
        else:
            response = http.get(path, follow=action == "follow")
            expected = (403,) if action == "refused" else expected
        assert response.status_code in expected, f"{name} ({path}): HTTP {response.status_code}"
        body = response.content.decode()
        assert re.search(r"<main\b", body), f"{name}: not a screen ({path})"
        file = tmp_path / f"{name}.html"
        file.write_text(body, encoding="utf-8")
        files[file.name] = path

    errors = check_html([tmp_path / name for name in files])
    lines = [
        f"{unquote(error.get('url', '')).rsplit('/', 1)[-1]} line {error.get('lastLine')}: {error['message']} "
        f"— {error.get('extract', '').strip()[:160]}"
        for error in errors
    ]
    stack_report(f"Nu HTML Checker (vnu-jar) on {len(files)} screens: {len(errors)} errors")
    assert not errors, "Nu HTML Checker errors:\n" + "\n".join(lines)
