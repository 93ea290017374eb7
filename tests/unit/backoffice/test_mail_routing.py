"""Where personal data is mailed is not editorial: an editor
("Rédacteurs") who opens the portal settings in the admin can neither see nor
change the network-head and sender addresses, and the next after-sales
request goes where the admin said, not to the address the editor typed. An
admin's change is written to the security log and mailed to the admins."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Site

from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE, EDITORS, ensure_groups
from aquatiris_portal.models import AfterSalesReason, OutgoingMail, PortalRequest, PortalSettings, RequestSubject
from aquatiris_portal.notifications.mail import queue_mail
from aquatiris_portal.notifications.tasks import deliver_mail
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.security_log.models import SecurityEvent
from tests import factories

pytestmark = pytest.mark.django_db

HEADS = "sav@aquatiris.example\nreseau@aquatiris.example"
ATTACKER = "collecte@evil.example"


@pytest.fixture
def site_settings():
    site = Site.objects.get(is_default_site=True)
    settings_obj = PortalSettings.for_site(site)
    settings_obj.network_head_emails = HEADS
    settings_obj.sender_email = "portail@aquatiris.example"
    settings_obj.save()
    return settings_obj


def edit_url(settings_obj):
    return reverse("wagtailsettings:edit", args=["aquatiris_portal", "portalsettings", settings_obj.site_id])


def staff_in(group_name=None, superuser=False, email=None):
    ensure_groups()
    user = factories.user(email=email, is_staff=superuser, is_superuser=superuser)
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    http = HttpClient()
    factories.otp_login(http, user)
    return user, http


def form_data(response):
    """What the browser posts back: every field of the form as shown."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[form.add_prefix(name)] = value
    return data


def test_no_group_has_the_routing_permission():
    editors, service = ensure_groups()
    for group in (editors, service):
        codenames = set(group.permissions.values_list("codename", flat=True))
        assert "change_mail_routing" not in codenames
    assert "change_portalsettings" in set(editors.permissions.values_list("codename", flat=True))


def test_an_editor_sees_the_settings_without_the_addresses(site_settings):
    _user, http = staff_in(EDITORS)
    response = http.get(edit_url(site_settings))
    assert response.status_code == 200
    form = response.context["form"]
    assert "network_head_emails" not in form.fields and "sender_email" not in form.fields
    html = response.content.decode()
    assert "sav@aquatiris.example" not in html and 'name="network_head_emails"' not in html
    assert 'name="serial_number_help"' in html  # the editorial fields are there


def test_an_editor_cannot_reroute_after_sales_requests(site_settings, mailoutbox):
    _user, http = staff_in(EDITORS)
    data = form_data(http.get(edit_url(site_settings)))
    data.update(network_head_emails=ATTACKER, sender_email=ATTACKER, serial_number_help="Sur la plaque.")
    response = http.post(edit_url(site_settings), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    stored = PortalSettings.objects.get(pk=site_settings.pk)
    assert stored.serial_number_help == "Sur la plaque."  # the editor's own change is kept
    assert stored.network_head_emails == HEADS and stored.sender_email == "portail@aquatiris.example"
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()

    # The next after-sales request of a client, with a photo: never to the editor's address.
    site = Site.objects.get(is_default_site=True)
    site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    subject = RequestSubject.objects.create(name="SAV", is_after_sales=True)
    reason = AfterSalesReason.objects.create(name="Odeurs")
    client = factories.client()
    installation = factories.installation(client=client)
    owner = HttpClient()
    owner.force_login(factories.client_user(client))
    from tests.unit.filecheck.test_uploads_hostile import jpeg

    response = owner.post(
        "/espace-client/contact/",
        {
            "installation": installation.pk,
            "subject": subject.pk,
            "reason": reason.pk,
            "message": "Odeurs",
            "attachments": [SimpleUploadedFile("photo.jpg", jpeg(), content_type="image/jpeg")],
        },
    )
    assert response.status_code == 302
    request = PortalRequest.objects.get()
    recipients = {
        address
        for mail in OutgoingMail.objects.filter(key__startswith=f"request:{request.reference}")
        for address in mail.to + mail.cc + mail.reply_to
    }
    assert ATTACKER not in recipients
    head_mail = OutgoingMail.objects.get(key=f"request:{request.reference}:network_head")
    assert head_mail.to == HEADS.split("\n") and head_mail.attachments
    assert OutgoingMail.objects.get(key=f"request:{request.reference}:franchisee").to == [installation.franchisee.email]


def test_customer_service_cannot_open_the_settings(site_settings):
    _user, http = staff_in(CUSTOMER_SERVICE)
    assert http.get(edit_url(site_settings)).status_code in (302, 403)
    stored = PortalSettings.objects.get(pk=site_settings.pk)
    assert stored.network_head_emails == HEADS


def test_an_admin_change_is_logged_and_mailed_to_the_admins(site_settings):
    other_admin = factories.user(email="dsi@aquatiris.example", is_staff=True, is_superuser=True)
    admin, http = staff_in(superuser=True, email="admin@aquatiris.example")
    data = form_data(http.get(edit_url(site_settings)))
    assert "network_head_emails" in data
    data.update(network_head_emails="sav@aquatiris.example\nnouveau@aquatiris.example")
    response = http.post(edit_url(site_settings), data)
    assert response.status_code == 302
    assert PortalSettings.objects.get(pk=site_settings.pk).network_head_email_list == [
        "sav@aquatiris.example",
        "nouveau@aquatiris.example",
    ]

    event = SecurityEvent.objects.get(kind="settings_changed")
    assert event.user == admin and event.details["setting"] == "mail_routing"
    assert event.details["changes"] == {
        "network_head_emails": {"before": HEADS, "after": "sav@aquatiris.example\nnouveau@aquatiris.example"}
    }
    mail = OutgoingMail.objects.get(key__startswith="mail_routing:")
    assert sorted(mail.to) == sorted([admin.email, other_admin.email])
    assert "nouveau@aquatiris.example" in mail.body_text and "reseau@aquatiris.example" in mail.body_text
    assert admin.email in mail.body_text  # who did it

    # Saving again without a routing change writes nothing more.
    http.post(edit_url(site_settings), form_data(http.get(edit_url(site_settings))))
    assert SecurityEvent.objects.filter(kind="settings_changed").count() == 1
    assert OutgoingMail.objects.filter(key__startswith="mail_routing:").count() == 1


def test_network_heads_must_be_addresses(site_settings):
    _admin, http = staff_in(superuser=True)
    data = form_data(http.get(edit_url(site_settings)))
    data.update(network_head_emails="sav@aquatiris.example\njavascript:alert(1)")
    response = http.post(edit_url(site_settings), data)
    assert response.status_code == 200 and "network_head_emails" in response.context["form"].errors
    assert PortalSettings.objects.get(pk=site_settings.pk).network_head_emails == HEADS


# --- the sender address is the From of the portal's mails -------------------

SENDER_TEMPLATE = "aquatiris_portal/mail/otp_code"


def _queue_and_deliver(key, **kwargs):
    queued = queue_mail(
        key=key,
        to=["anne@example.org"],
        template=SENDER_TEMPLATE,
        context={"code": "123456", "minutes": 10, "email": "anne@example.org"},
        **kwargs,
    )
    deliver_mail.fn(queued.pk)  # the actor's work (on-commit never fires in this test's transaction)
    return OutgoingMail.objects.get(pk=queued.pk)


def test_the_sender_address_is_the_from_of_mails_queued_without_one(site_settings, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Aquatiris <no-reply@aquatiris.example>"
    stored = _queue_and_deliver("sender:1")
    assert stored.from_email == "portail@aquatiris.example"  # the row shows the From it was sent with
    assert [mail.from_email for mail in mailoutbox] == ["portail@aquatiris.example"]

    # A mail that names its sender keeps it.
    assert _queue_and_deliver("sender:2", from_email="dsi@aquatiris.example").from_email == "dsi@aquatiris.example"
    assert mailoutbox[-1].from_email == "dsi@aquatiris.example"


def test_an_admin_change_of_sender_reaches_the_next_mail_and_empty_means_the_site_default(
    site_settings, mailoutbox, settings
):
    settings.DEFAULT_FROM_EMAIL = "Aquatiris <no-reply@aquatiris.example>"
    assert _queue_and_deliver("sender:before").from_email == "portail@aquatiris.example"  # now cached
    _admin, http = staff_in(superuser=True)
    data = form_data(http.get(edit_url(site_settings)))
    data.update(sender_email="contact@aquatiris.example")
    assert http.post(edit_url(site_settings), data).status_code == 302
    assert _queue_and_deliver("sender:changed").from_email == "contact@aquatiris.example"

    data.update(sender_email="")
    assert http.post(edit_url(site_settings), data).status_code == 302
    assert _queue_and_deliver("sender:empty").from_email == "Aquatiris <no-reply@aquatiris.example>"
    assert mailoutbox[-1].from_email == "Aquatiris <no-reply@aquatiris.example>"


def test_mails_queued_in_a_loop_read_the_sender_without_a_query(site_settings):
    def queue(key):
        return queue_mail(
            key=key,
            to=["anne@example.org"],
            template=SENDER_TEMPLATE,
            context={"code": "1", "minutes": 10, "email": "anne@example.org"},
        )

    queue("loop:0")  # the first mail reads the settings
    with CaptureQueriesContext(connection) as queries:
        mails = [queue(f"loop:{n}") for n in range(1, 4)]
    assert {mail.from_email for mail in mails} == {"portail@aquatiris.example"}
    read = [
        q["sql"] for q in queries.captured_queries if "portalsettings" in q["sql"] or "wagtailcore_site" in q["sql"]
    ]
    assert read == []
