"""One login per person: the mail telling an answer to a request and the
warranty confirmation greet the person they go to, by her own name (as the
digests and reminders do); a mail to an address nobody logs in with keeps
the name the request or the client record holds."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import Site

from aquatiris_portal.enquiries import greetings, threads
from aquatiris_portal.enquiries.services import register_serial_number
from aquatiris_portal.models import OutgoingMail, PortalRequest, PortalSettings
from tests import factories
from tests.unit.enquiries._helpers import durand_household, greeting, send_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]


def _answer_mails(client, sender):
    """The mails of an answer to a question ``sender`` (a person, or None) sent about ``client``, by address."""
    portal_request = send_request(client, sender)
    answer = threads.post_message(
        portal_request,
        role="staff",
        channel="admin",
        body="Voici la réponse.",
        author_name="Aquatiris",
        user=factories.user(is_staff=True),
    )
    return {mail.to[0]: mail for mail in OutgoingMail.objects.filter(key__startswith=f"request_message:{answer.pk}:")}


def test_a_household_member_who_asked_is_greeted_by_her_own_name():
    durand, _paul, claire = durand_household()

    mails = _answer_mails(durand, claire)

    assert greeting(mails[claire.email]).endswith(" Claire Martin,")
    assert greeting(mails[durand.email]).endswith(" Paul Durand,")  # the owner, at the client's address


def test_an_owner_who_asked_is_greeted_by_his_name_or_the_client_s_when_he_gave_none():
    durand, owner, _no_member = durand_household(member=False)
    assert greeting(_answer_mails(durand, owner)[durand.email]).endswith(" Paul Durand,")

    leroy = factories.client(first_name="Jeanne", last_name="Leroy")
    nameless = factories.client_user(leroy)
    assert greeting(_answer_mails(leroy, nameless)[leroy.email]).endswith(" Jeanne Leroy,")


def test_a_client_nobody_logs_in_for_is_greeted_by_the_names_of_the_request():
    client = factories.client(first_name="Louis", last_name="Petit")
    installation = factories.installation(client=client)
    portal_request = PortalRequest(
        kind=PortalRequest.Kind.QUESTION, client=client, installation=installation, message="?", subject_label="Q"
    )
    portal_request.fill_recap()
    portal_request.save()
    client.first_name = "Louise"  # renamed by the sync since: the request keeps what it was sent with
    client.save(update_fields=["first_name"])
    answer = threads.post_message(
        portal_request, role="staff", channel="admin", body="Réponse", author_name="Aquatiris", user=None
    )

    (mail,) = OutgoingMail.objects.filter(key__startswith=f"request_message:{answer.pk}:")

    assert mail.to == [client.email]
    assert greeting(mail).endswith(" Louis Petit,")


def _warranty_mail(installation, user):
    result = register_serial_number(
        user=user,
        client=installation.client,
        installation_pk=installation.pk,
        serial_number="AQ-2021-004512",
        portal_settings=PortalSettings.for_site(Site.objects.get(is_default_site=True)),
    )
    assert result.status == "registered", result.status
    return OutgoingMail.objects.get(key__startswith=f"warranty:{installation.pk}:")


@pytest.mark.parametrize("registered_by", ["owner", "household"])
def test_the_warranty_confirmation_greets_the_owner_it_goes_to(registered_by):
    durand, owner, claire = durand_household()
    installation = factories.installation(client=durand, stage="commissioned")

    mail = _warranty_mail(installation, owner if registered_by == "owner" else claire)

    assert mail.to == [durand.email]
    assert greeting(mail).endswith(" Paul Durand,")


def test_the_warranty_confirmation_to_an_address_without_account_greets_the_client():
    installation = factories.installation(client=factories.client(first_name="Louis", last_name="Petit"))

    mail = _warranty_mail(installation, factories.user(is_staff=True))

    assert greeting(mail).endswith(" Louis Petit,")


@pytest.fixture
def logins():
    """Two logins whose addresses differ only by the domain's last label."""
    return factories.user(email="paul.durand@example.org"), factories.user(email="paul.durand@example.com")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(upper=st.lists(st.booleans(), min_size=1, max_size=60), spaces=st.sampled_from(["", " ", "  \t"]))
def test_any_spelling_of_the_address_finds_its_login_and_no_other(logins, upper, spaces):
    """account_at compares canonical forms: case and surrounding blanks are one address."""
    paul, look_alike = logins
    spelled = "".join(c.upper() if flip else c for c, flip in zip(paul.email, upper + [False] * 60, strict=False))

    assert greetings.account_at(f"{spaces}{spelled}{spaces}") == paul
    assert greetings.account_at(spelled[: -len(".org")] + ".com") == look_alike
    assert greetings.account_at(spelled[: -len(".org")] + ".net") is None
