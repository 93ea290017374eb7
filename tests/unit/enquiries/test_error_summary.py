"""A form that comes back with errors says so at the top of the page: a
summary ("Il y a N erreurs…") focused on load, a link to each wrong field,
the form's own errors too. Every form of both spaces is posted wrong here;
a sweep of the templates makes a new form join the list."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from wagtail.models import Site

from aquatiris_portal.accounts import tokens
from aquatiris_portal.accounts.views import LINK_SESSION_KEY
from aquatiris_portal.models import PortalRequest, RequestSubject, Visit
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[3] / "aquatiris_portal" / "templates" / "aquatiris_portal"


@pytest.fixture
def client_space():
    site = Site.objects.get(is_default_site=True)
    page = site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    client = factories.client()
    installation = factories.installation(client=client)
    user = factories.client_user(client)
    http = HttpClient()
    http.force_login(user)
    subject = RequestSubject.objects.create(name="Question", sort_order=10)
    return {
        "page": page,
        "base": page.url,
        "client": client,
        "installation": installation,
        "user": user,
        "http": http,
        "subject": subject,
    }


def _request_of(space):
    response = space["http"].post(
        space["base"] + "contact/",
        {"installation": space["installation"].pk, "subject": space["subject"].pk, "message": "Bonjour"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return PortalRequest.objects.get()


def _set_password_session(http, purpose):
    token, raw = tokens.issue(purpose, email="marie.durand@example.org", hours=1)
    session = http.session
    session[LINK_SESSION_KEY] = {"purpose": purpose, "token": raw}
    session.save()


# name -> post(client_space) -> response: each posts the form wrong.
def _anonymous():
    return HttpClient()


def _logged_in(space):
    return space["http"]


def _post_set_password(space, purpose):
    http = HttpClient()
    _set_password_session(http, purpose)
    path = reverse(
        "aquatiris_portal:activation_password"
        if purpose == tokens.Purpose.ACTIVATION
        else "aquatiris_portal:password_reset_password"
    )
    return http.post(path, {"choice": "own", "new_password1": "abc", "new_password2": "abd"})


def _post_otp_enroll_app(space):
    http = HttpClient()
    user = factories.spanc_user()
    factories.otp_login(http, user)
    return http.post(reverse("aquatiris_portal:otp_enroll"), {"code": "", "current_password": ""})


def _post_otp_enroll_email(space):
    return space["http"].post(reverse("aquatiris_portal:otp_enroll"), {"code": ""})


def _post_otp_verify(space):
    http = HttpClient()
    http.force_login(factories.spanc_user())
    return http.post(reverse("aquatiris_portal:otp_verify"), {"code": ""})


def _post_backup_codes(space):
    http = HttpClient()
    factories.otp_login(http, factories.spanc_user())
    return http.post(reverse("aquatiris_portal:otp_backup_codes"), {"current_password": "wrong"})


def _post_upload(space):
    page = pro_space_page()
    spanc = factories.spanc()
    installation = factories.installation(spanc=spanc, franchisee=factories.franchisee())
    http = verified_client(factories.spanc_user(spanc))
    return http.post(f"{page.url}dossiers/{installation.pk}/envoyer/", {"title": "", "note": ""})


def _post_move_visit(space):
    import datetime

    from django.utils import timezone

    visit = Visit.objects.create(
        external_id="V-ES-1",
        installation=space["installation"],
        kind="maintenance",
        visible_to_client=True,
        slot="morning",
        planned_for=timezone.localdate() + datetime.timedelta(days=5),
    )
    return space["http"].post(f"{space['base']}visites/{visit.pk}/deplacer/", {})


def _invitation_link(space, email):
    """Invite ``email`` as the space's owner; the link of its mail."""
    from aquatiris_portal.models import OutgoingMail

    response = space["http"].post(
        reverse("aquatiris_portal:people", args=["client"]), {"action": "invite", "email": email}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    mail = OutgoingMail.objects.get(key__startswith="invitation:", to=[email])
    return re.search(r"https?://testserver(/\S+/invitation/lien/[^/\s]+/)", mail.body_text).group(1)


def _post_invitation_accept(space):
    http = HttpClient()
    assert http.get(_invitation_link(space, "claire.martin@example.org")).status_code == 302
    return http.post(
        reverse("aquatiris_portal:invitation_accept"), {"choice": "own", "new_password1": "abc", "new_password2": "abd"}
    )


def _proof_of(space):
    """A proof the SPANC asked of the space's client: (SPANC's page, its HTTP client, the installation)."""
    import datetime

    from django.utils import timezone

    from aquatiris_portal.models import ProofKind, ProofRequest

    page = pro_space_page()
    spanc = factories.spanc()
    installation = factories.installation(client=space["client"], spanc=spanc, franchisee=factories.franchisee())
    http = verified_client(factories.spanc_user(spanc))
    due_on = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    kind = ProofKind.objects.order_by("pk").first()
    assert (
        http.post(
            f"{page.url}dossiers/{installation.pk}/justificatif/", {"kind": kind.pk, "due_on": due_on, "note": "Merci"}
        ).status_code
        == 302
    )
    return ProofRequest.objects.get(installation=installation)


def _post_proof_answer(space):
    from django.core.files.uploadedfile import SimpleUploadedFile

    proof = _proof_of(space)
    return space["http"].post(
        f"{space['base']}justificatifs/{proof.pk}/",
        {"file": SimpleUploadedFile("bordereau.pdf", b"not a pdf", content_type="application/pdf")},
    )


def _post_bulk_proof_ask(space):
    page = pro_space_page()
    spanc = factories.spanc()
    installation = factories.installation(spanc=spanc, franchisee=factories.franchisee())
    http = verified_client(factories.spanc_user(spanc))
    return http.post(
        f"{page.url}justificatifs/", {"scope": "selected", "folder": [installation.pk], "kind": "", "due_on": ""}
    )


FORMS = {
    # template (relative to templates/aquatiris_portal/) -> how to post it wrong
    "accounts/login.html": lambda s: _anonymous().post(reverse("aquatiris_portal:login"), {"email": "x"}),
    "accounts/login.html (wrong password)": lambda s: _anonymous().post(
        reverse("aquatiris_portal:login"), {"email": s["user"].email, "password": "not-the-one"}
    ),
    "accounts/activation.html": lambda s: _anonymous().post(reverse("aquatiris_portal:activation"), {}),
    "accounts/password_reset.html": lambda s: _anonymous().post(
        reverse("aquatiris_portal:password_reset"), {"email": "pas-une-adresse"}
    ),
    "accounts/password_change.html": lambda s: _logged_in(s).post(
        reverse("aquatiris_portal:password_change"), {"old_password": "wrong", "new_password1": "a"}
    ),
    "accounts/set_password.html": lambda s: _post_set_password(s, tokens.Purpose.ACTIVATION),
    "accounts/set_password.html (reset)": lambda s: _post_set_password(s, tokens.Purpose.RESET),
    "accounts/otp_verify.html": _post_otp_verify,
    "accounts/otp_enroll_email.html": _post_otp_enroll_email,
    "accounts/otp_enroll.html": _post_otp_enroll_app,
    "accounts/otp_backup_codes_new.html": _post_backup_codes,
    "client_space/contact.html": lambda s: s["http"].post(s["base"] + "contact/", {"message": ""}),
    "client_space/maintenance_contract.html": lambda s: s["http"].post(
        s["base"] + "contrat-entretien/", {"installation": "0"}
    ),
    "client_space/warranty.html": lambda s: s["http"].post(
        f"{s['base']}installations/{s['installation'].pk}/garantie/", {"serial_number": ""}
    ),
    "client_space/_thread.html": lambda s: s["http"].post(
        f"{s['base']}demandes/{_request_of(s).reference}/", {"body": "  "}
    ),
    "client_space/move_visit.html": _post_move_visit,
    "pro_space/upload.html": _post_upload,
    "accounts/invitation_accept.html": _post_invitation_accept,
    "accounts/people.html": lambda s: s["http"].post(
        reverse("aquatiris_portal:people", args=["client"]), {"action": "invite", "email": "pas-une-adresse"}
    ),
    "client_space/proof_answer.html": _post_proof_answer,
    "pro_space/proof_ask.html (bulk)": _post_bulk_proof_ask,
}
# Forms that cannot come back with an error: a button alone, or ticks of known kinds.
# The folder list's bulk proof: folder ticks; none or too many ticked is told as
# a message on the list, and its ask form (proof_ask.html, swept above) has the summary.
NO_FIELD_ERRORS = {
    "client_space/_thread.html (reopen)",
    "digests/preferences.html",
    "digests/unsubscribe.html",
    "accounts/logout.html",
    "client_space/warranty.html (confirm)",
    "pro_space/folder_list.html (bulk proof)",
}


def summary_of(html):
    match = re.search(r"<div[^>]*data-aqp-error-summary[^>]*>(.*?)</div>", html, re.S)
    assert match, "no error summary"
    return match.group(0), match.group(1)


@pytest.mark.parametrize("name", list(FORMS))
def test_a_form_posted_wrong_comes_back_with_a_focused_summary_linking_each_error(name, client_space):
    response = FORMS[name](client_space)
    assert response.status_code in (200, 400, 429), response.status_code
    html = unescape(response.content.decode())
    tag, inside = summary_of(html)
    assert 'tabindex="-1"' in tag and 'role="alert"' in tag and "autofocus" in tag
    assert "error_summary.js" in html
    # The summary comes before the form's fields.
    assert html.index("data-aqp-error-summary") < html.index('class="aqp-field')
    items = re.findall(r"<li>(.*?)</li>", inside, re.S)
    count = len(items)
    assert count >= 1
    assert (
        ngettext("There is %(counter)s error in the form", "There are %(counter)s errors in the form", count)
        % {"counter": count}
        in inside
    )
    # Each field shown in error is linked from the summary, to an element that exists.
    wrong_fields = re.findall(r'<ul class="errorlist" id="([^"]+)_error"', html)
    assert wrong_fields or count, name
    for auto_id in wrong_fields:
        anchors = [f'href="#{auto_id}"', f'href="#{auto_id}_0"']
        assert any(anchor in inside for anchor in anchors), (name, auto_id, inside)
    for anchor in re.findall(r'href="#([^"]+)"', inside):
        assert re.search(rf'\bid="{re.escape(anchor)}"', html), (name, anchor)
    # A field's error is tied to its input (aria-describedby), unless the field is a fieldset.
    for auto_id in wrong_fields:
        described = re.search(
            rf'(id="{re.escape(auto_id)}"[^>]*aria-describedby="[^"]*{auto_id}_error'
            rf'|aria-describedby="[^"]*{auto_id}_error[^"]*"[^>]*id="{re.escape(auto_id)}")',
            html,
        )
        fieldset = re.search(rf'<fieldset[^>]*aria-describedby="[^"]*{auto_id}_error', html)
        assert described or fieldset, (name, auto_id)


def _post_forms_of(template_text):
    return re.findall(r'<form method="post"(.*?)</form>', template_text, re.S)


def test_every_form_that_can_come_back_wrong_is_in_the_sweep_and_uses_the_summary():
    """A template with a form of fields (not only hidden inputs and a button)
    is in FORMS and renders ``{% error_summary %}``: a new form joins this test."""
    swept = {name.split(" (")[0] for name in FORMS}
    allowed = {name.split(" (")[0] for name in NO_FIELD_ERRORS}
    missing = []
    for folder in ("accounts", "client_space", "digests", "pro_space"):
        for path in sorted((TEMPLATES / folder).glob("*.html")):
            name = f"{folder}/{path.name}"
            text = path.read_text()
            with_fields = [
                form
                for form in _post_forms_of(text)
                if "_field" in form or re.search(r'<(input|select|textarea)(?![^>]*type="hidden")', form)
            ]
            if with_fields and name not in allowed:
                if name not in swept:
                    missing.append(name)
    assert missing == []
    for name in swept:
        text = (TEMPLATES / name).read_text()
        page = "client_space/request_detail.html" if name == "client_space/_thread.html" else name
        assert "error_summary" in text or "error_summary" in (TEMPLATES / page).read_text(), name


def test_the_login_error_is_in_the_summary_and_the_password_check_names_the_email_address(client_space):
    html = unescape(FORMS["accounts/login.html (wrong password)"](client_space).content.decode())
    assert gettext("The email address or the password is not right.") in summary_of(html)[1]
    # The password like the account's email: said with the words the person sees.
    http = HttpClient()
    _set_password_session(http, tokens.Purpose.ACTIVATION)
    response = http.post(
        reverse("aquatiris_portal:activation_password"),
        {"choice": "own", "new_password1": "marie.durand@example.org", "new_password2": "marie.durand@example.org"},
    )
    html = unescape(response.content.decode())
    assert (
        gettext("The password looks too much like your email address or your name. Please choose another one.")
        in summary_of(html)[1]
    )
    assert "identifiant" not in html and "username" not in html.split("<main", 1)[1].replace(
        'name="username"', ""
    ).replace('autocomplete="username"', "")


# --- files kept across an error ------------------------------------------------


def _jpeg():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def _photo(name="photo.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, _jpeg(), content_type="image/jpeg")


def _not_an_image(name="facture.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\0" * 300, content_type="image/jpeg")


def _contact(space, http=None, **data):
    post = {"installation": space["installation"].pk, "subject": space["subject"].pk, "message": "Bonjour"}
    post.update(data)
    return (http or space["http"]).post(space["base"] + "contact/", post)


def _kept_tokens(html):
    return re.findall(r'<input type="hidden" name="kept_files" value="([^"]+)">', html)


def test_a_jpg_whose_content_is_not_an_image_is_told_what_to_do(client_space):
    html = unescape(_contact(client_space, attachments=[_not_an_image()]).content.decode())
    assert (
        "« facture.jpg » : ce fichier n'est pas une photo lisible : enregistrez-la à nouveau en JPEG ou envoyez un PDF."
    ) in summary_of(html)[1]
    assert "type de fichier accepté" not in html


def test_a_good_photo_beside_a_bad_file_is_kept_then_attached_once(client_space):
    from aquatiris_portal.enquiries.pending_uploads import PendingUpload
    from aquatiris_portal.models import RequestAttachment
    from aquatiris_portal.storage import backend

    response = _contact(client_space, message="", attachments=[_photo(), _not_an_image()])
    html = unescape(response.content.decode())
    assert response.status_code == 200 and not PortalRequest.objects.exists()
    assert not RequestAttachment.objects.exists()  # nothing attached while the form is wrong
    (token,) = _kept_tokens(html)
    assert "Fichiers déjà reçus" in html and "photo.jpg" in html.split("Fichiers déjà reçus", 1)[1]
    kept = PendingUpload.objects.get()
    assert kept.owner == client_space["user"] and kept.token == token
    stored_name = kept.file.name
    # Corrected, without choosing the photo again: it is attached, once.
    response = _contact(client_space, message="Voici la photo", kept_files=[token])
    assert response.status_code == 302
    attachment = RequestAttachment.objects.get()
    assert attachment.filename == "photo.jpg" and attachment.size > 0
    assert not PendingUpload.objects.exists() and not backend().exists(stored_name)
    # The same token again attaches nothing more.
    assert _contact(client_space, message="Encore", kept_files=[token]).status_code == 302
    assert RequestAttachment.objects.count() == 1


def test_a_kept_file_survives_an_error_on_another_field_and_can_be_removed(client_space):
    from aquatiris_portal.enquiries.pending_uploads import PendingUpload

    html = unescape(_contact(client_space, message="", attachments=[_photo("regard.jpg")]).content.decode())
    (token,) = _kept_tokens(html)
    # Still wrong: the file is listed again, not stored twice.
    html = unescape(_contact(client_space, message="", kept_files=[token]).content.decode())
    assert _kept_tokens(html) == [token] and PendingUpload.objects.count() == 1
    # Removed by its box: forgotten, not attached.
    assert _contact(client_space, kept_files=[token], drop_kept_files=[token]).status_code == 302
    assert not PendingUpload.objects.exists()
    assert not PortalRequest.objects.get().attachments.exists()


def test_another_persons_kept_file_is_never_attachable(client_space):
    from aquatiris_portal.enquiries.pending_uploads import PendingUpload

    html = unescape(_contact(client_space, message="", attachments=[_photo()]).content.decode())
    (token,) = _kept_tokens(html)
    other = factories.client()
    other_installation = factories.installation(client=other)
    http = HttpClient()
    http.force_login(factories.client_user(other))
    response = _contact(client_space, http=http, installation=other_installation.pk, kept_files=[token])
    assert response.status_code == 302
    assert not PortalRequest.objects.get().attachments.exists()
    assert PendingUpload.objects.filter(token=token, owner=client_space["user"]).exists()  # left to its owner
    # Nor shown to them.
    html = unescape(
        _contact(
            client_space, http=http, installation=other_installation.pk, message="", kept_files=[token]
        ).content.decode()
    )
    assert _kept_tokens(html) == []


def test_kept_files_expire_and_the_schedule_deletes_them_with_their_files(client_space, settings):
    import datetime

    from django.utils import timezone

    from aquatiris_portal.enquiries import pending_uploads
    from aquatiris_portal.schedule import JOBS
    from aquatiris_portal.storage import backend

    assert "aquatiris_portal.enquiries.pending_uploads.send_due" in [job.path for job in JOBS]
    html = unescape(_contact(client_space, message="", attachments=[_photo()]).content.decode())
    (token,) = _kept_tokens(html)
    row = pending_uploads.PendingUpload.objects.get()
    later = timezone.now() + datetime.timedelta(hours=pending_uploads.pending_hours() + 1)
    assert pending_uploads.kept(client_space["user"], [token]) == [row]
    assert int(pending_uploads.send_due(now=timezone.now())) == 0
    assert int(pending_uploads.send_due(now=later)) == 1
    assert not pending_uploads.PendingUpload.objects.exists() and not backend().exists(row.file.name)


def test_a_reply_keeps_its_good_photo_across_an_error_and_attaches_it_once(client_space):
    from aquatiris_portal.enquiries.pending_uploads import PendingUpload
    from aquatiris_portal.models import RequestAttachment

    url = f"{client_space['base']}demandes/{_request_of(client_space).reference}/"
    html = unescape(client_space["http"].post(url, {"body": " ", "attachments": [_photo()]}).content.decode())
    (token,) = _kept_tokens(html)
    assert gettext("Your reply was not sent.") in summary_of(html)[1]
    assert not RequestAttachment.objects.exists()
    assert client_space["http"].post(url, {"body": "La photo", "kept_files": [token]}).status_code == 302
    attachment = RequestAttachment.objects.get()
    assert attachment.message is not None and attachment.filename == "photo.jpg"
    assert not PendingUpload.objects.exists()
