"""Mails sent to each person of a record greet that person by their own
name; one who gave none (an owner activated with the record's code) by the
record's name."""

import datetime

import pytest
from django.utils import timezone

from aquatiris_portal.digests import seasonal_reminders, visit_reminders
from aquatiris_portal.digests.services import send_due
from aquatiris_portal.models import OutgoingMail, SeasonalTask, Visit
from aquatiris_portal.notifications.preferences import set_preference
from tests import factories
from tests.unit.digests.test_digests import space  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url", "space")]


@pytest.fixture
def household():
    client = factories.client(first_name="Paul", last_name="Durand")
    installation = factories.installation(client=client)
    owner = factories.client_user(client)  # activated with the code: no name of their own
    partner = factories.member(client, first_name="Claire", last_name="Martin")
    return {"client": client, "installation": installation, "owner": owner, "partner": partner}


def _body(prefix, user):
    [mail] = OutgoingMail.objects.filter(key__startswith=prefix, to=[user.email])
    return mail.body_text


def test_the_digest_greets_each_person_by_their_own_name(household):
    factories.document(household["installation"], title="Facture de pose")
    send_due(force=True)
    assert "Bonjour Claire Martin," in _body("digest:client:", household["partner"])
    assert "Paul Durand" not in _body("digest:client:", household["partner"])
    assert "Bonjour Paul Durand," in _body("digest:client:", household["owner"])


def test_the_digest_greets_an_owner_with_a_name_by_it(household):
    household["owner"].first_name, household["owner"].last_name = "Anne", "Durand"
    household["owner"].save()
    factories.document(household["installation"], title="Facture de pose")
    send_due(force=True)
    assert "Bonjour Anne Durand," in _body("digest:client:", household["owner"])


def test_the_seasonal_mail_greets_each_person_by_their_own_name(household):
    SeasonalTask.objects.create(
        title="Faucarder les roseaux", text="Coupez à 20 cm.", months=str(timezone.localdate().month)
    )
    for person in (household["owner"], household["partner"]):
        set_preference(person, "seasonal_tasks", True)
    assert seasonal_reminders.send_due(force=True).mails == 2
    assert "Bonjour Claire Martin," in _body("seasonal:", household["partner"])
    assert "Bonjour Paul Durand," in _body("seasonal:", household["owner"])


def test_the_visit_reminder_greets_each_person_by_their_own_name(household):
    today = timezone.localdate()
    Visit.objects.create(
        external_id="V-GREET",
        installation=household["installation"],
        kind="maintenance",
        planned_for=today + datetime.timedelta(days=5),
        visible_to_client=True,
    )
    visit_reminders.send_due(now=timezone.make_aware(datetime.datetime.combine(today, datetime.time(12))))
    assert "Bonjour Claire Martin," in _body("visit:", household["partner"])
    assert "Bonjour Paul Durand," in _body("visit:", household["owner"])
