"""The copy of a request goes to the person who sent it, once: a household
member at their own login's address, greeted by their own name (the owner
gets no copy of what someone else sent); the owner at the client's address.
Whatever the spelling of the addresses (case, an accented domain or its
xn-- form), the sender's address gets one copy and no other address of the
client gets one."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core import mail as django_mail
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aquatiris_portal.models import Membership, OutgoingMail, PortalAccount
from aquatiris_portal.notifications.tasks import deliver_mail
from aquatiris_portal.records.emails import canonical_email
from tests import factories
from tests.unit.enquiries._helpers import durand_household, greeting, send_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]


def _mails(portal_request):
    return list(OutgoingMail.objects.filter(key__startswith=f"request:{portal_request.reference}:"))


def _copies(portal_request):
    return [mail for mail in _mails(portal_request) if mail.key.endswith(":client_copy")]


def _delivered_to(portal_request):
    """Send every mail of the request as the worker does; the addresses of the messages sent."""
    django_mail.outbox.clear()
    for mail in _mails(portal_request):
        deliver_mail.fn(mail.pk)
    return [address for message in django_mail.outbox for address in message.to]


def test_an_owner_who_sends_a_request_gets_one_copy_at_the_client_address():
    durand, paul, _no_member = durand_household(member=False)

    portal_request = send_request(durand, paul)

    (copy,) = _copies(portal_request)
    assert copy.to == [durand.email]
    assert greeting(copy).endswith(" Paul Durand,")
    assert _delivered_to(portal_request).count(durand.email) == 1


def test_a_household_member_who_sends_a_request_gets_the_copy_at_her_own_address_and_the_owner_none():
    durand, _paul, claire = durand_household()

    portal_request = send_request(durand, claire)

    (copy,) = _copies(portal_request)
    assert copy.to == [claire.email]
    assert greeting(copy).endswith(" Claire Martin,")
    delivered = _delivered_to(portal_request)
    assert delivered.count(claire.email) == 1
    assert durand.email not in delivered  # the owner did not send it


def test_a_request_sent_for_a_client_by_someone_no_longer_of_it_is_copied_to_the_client():
    """The copy follows the memberships as they are when it is queued: never
    the address of someone removed from the client."""
    durand = factories.client()
    claire = factories.member(durand)
    Membership.objects.filter(person=claire).update(removed_at=timezone.now())

    (copy,) = _copies(send_request(durand, claire))

    assert copy.to == [durand.email]


def test_the_sender_s_name_is_written_as_typed_in_the_text_mail():
    """A text mail: no HTML to escape into, and no &lt; entity in the greeting either."""
    durand = factories.client()
    factories.client_user(durand)
    typed = factories.member(durand, first_name="Zoé <b>", last_name='O\'Brien & "Fils"')

    (copy,) = _copies(send_request(durand, typed))

    assert greeting(copy).endswith(' Zoé <b> O\'Brien & "Fils",')
    assert copy.body_html == ""


# -- spellings ------------------------------------------------------------------------

_numbers = itertools.count()
DOMAINS = ("exämple.fr", "xn--exmple-cua.fr")  # one domain: its Unicode and IDNA forms


def _spelled(address, flips):
    flips = itertools.chain(flips, itertools.repeat(False))
    return "".join(c.swapcase() if flip else c for c, flip in zip(address, flips, strict=False))


def _login(spelling, **names):
    """A person whose login is the canonical form of ``spelling`` and whose address is spelled so."""
    user = get_user_model().objects.create_user(username=canonical_email(spelling), email=spelling, **names)
    PortalAccount.objects.create(user=user)
    return user


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sender_role=st.sampled_from(["owner", "household"]),
    domains=st.tuples(st.sampled_from(DOMAINS), st.sampled_from(DOMAINS), st.sampled_from(DOMAINS)),
    flips=st.tuples(*[st.lists(st.booleans(), max_size=30)] * 3),
)
def test_whatever_the_spellings_the_sender_s_address_gets_one_copy_and_no_other_of_the_client(
    sender_role, domains, flips
):
    n = next(_numbers)
    record_address = _spelled(f"anne.{n}@{domains[0]}", flips[0])
    client = factories.client(email=record_address)
    owner = _login(_spelled(f"anne.{n}@{domains[1]}", flips[1]), first_name="Anne")  # the record's address respelled
    Membership.objects.create(person=owner, client=client, role=Membership.Role.OWNER)
    member = _login(_spelled(f"claire.{n}@{domains[2]}", flips[2]), first_name="Claire")
    Membership.objects.create(person=member, client=client, role=Membership.Role.HOUSEHOLD)
    sender = owner if sender_role == "owner" else member

    portal_request = send_request(client, sender)

    copied = [canonical_email(address) for mail in _copies(portal_request) for address in mail.to]
    assert copied == [sender.username]  # one copy, at the sender's address
    mailed = [canonical_email(address) for mail in _mails(portal_request) for address in mail.to]
    assert mailed.count(sender.username) == 1
    if sender is member:
        assert owner.username not in mailed
