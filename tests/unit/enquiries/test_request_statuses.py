"""Statuses that move and say what they mean: an answer of the franchisee or
staff moves a waiting request to "answered"; "new" is the request nobody
answered, an unread message is a separate "non lu" badge; the French labels
agree with "demande"; the client's confirmation carries the request's number,
a link to it and the editors' answer time; migration 0024 gives old answered
requests their status and leaves every other row as it was."""

import datetime
import importlib
import re
from html import unescape

import pytest
from django.apps import apps
from django.test import Client as HttpClient
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st
from wagtail.models import Site

from aquatiris_portal.enquiries.status_forms import MAX_PLANNED_DAYS, FranchiseeStatusForm
from aquatiris_portal.models import OutgoingMail, PortalRequest, PortalSettings, RequestSubject
from tests import factories
from tests.unit.enquiries.test_threads import Author, Channel, answer, make_request, owner, space, url_of  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_public_url")]

Status = PortalRequest.Status


@pytest.mark.parametrize("role", [Author.FRANCHISEE, Author.STAFF])
@pytest.mark.parametrize("before", [Status.NEW, Status.IN_PROGRESS])
def test_an_answer_of_the_franchisee_or_staff_moves_a_waiting_request_to_answered(owner, role, before):
    portal_request = owner["request"]
    portal_request.status = before
    portal_request.save()
    answer(portal_request, role=role)
    portal_request.refresh_from_db()
    assert portal_request.status == Status.ANSWERED


def test_a_client_message_or_an_answer_to_a_planned_request_keeps_its_status(owner):
    portal_request = owner["request"]
    answer(portal_request, role=Author.CLIENT, user=owner["user"])
    portal_request.refresh_from_db()
    assert portal_request.status == Status.NEW
    portal_request.status = Status.PLANNED
    portal_request.save()
    answer(portal_request)
    portal_request.refresh_from_db()
    assert portal_request.status == Status.PLANNED


def test_the_list_the_request_and_the_dashboard_say_answered_with_a_separate_unread_badge(owner):
    with translation.override("fr"):
        lists = unescape(owner["http"].get("/espace-client/demandes/").content.decode())
        assert "Nouvelle demande" in lists and "non lu" not in lists
        answer(owner["request"])
        lists = unescape(owner["http"].get("/espace-client/demandes/").content.decode())
        dashboard = unescape(owner["http"].get("/espace-client/").content.decode())
        detail = unescape(owner["http"].get(url_of(owner["request"])).content.decode())
    for html in (lists, dashboard):
        assert 'data-aqp-request-status="answered">Répondue<' in html
        assert re.search(r"data-aqp-unread>non lu<", html)
        assert "Nouveau" not in html
    assert 'data-aqp-request-status="answered">Répondue<' in detail and ">non lu<" in detail
    # Read: the badge goes, the status stays.
    with translation.override("fr"):
        lists = unescape(owner["http"].get("/espace-client/demandes/").content.decode())
    assert "Répondue" in lists and "data-aqp-unread" not in lists


def test_the_french_labels_agree_with_demande():
    with translation.override("fr"):
        labels = {value: str(label) for value, label in Status.choices}
    assert labels == {
        "new": "Nouvelle demande",
        "in_progress": "En cours",
        "answered": "Répondue",
        "planned": "Planifiée",
        "resolved": "Résolue",
        "closed": "Close",
    }


def test_the_confirmation_mail_carries_the_number_a_link_and_the_answer_time(space):  # noqa: F811
    settings_obj = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    settings_obj.request_answer_days = 3
    settings_obj.save()
    client = factories.client()
    installation = factories.installation(client=client)
    http = HttpClient()
    http.force_login(factories.client_user(client))
    subject = RequestSubject.objects.create(name="Question sur mon installation")
    with translation.override("fr"):
        response = http.post(
            "/espace-client/contact/", {"installation": installation.pk, "subject": subject.pk, "message": "Bonjour"}
        )
    assert response.status_code == 302
    portal_request = PortalRequest.objects.get()
    mail = OutgoingMail.objects.get(key=f"request:{portal_request.reference}:client_copy")
    assert f"Numéro de demande : {portal_request.reference}" in mail.body_text
    assert re.search(rf"https?://\S+/espace-client/demandes/{portal_request.reference}/\n", mail.body_text)
    assert "sous 3 jours ouvrés" in mail.body_text


def test_migration_0024_gives_answered_requests_their_status_and_keeps_the_others(owner):
    answered = owner["request"]
    answer(answered)
    untouched = make_request(owner["client"], owner["installation"], owner["user"])
    closed = make_request(owner["client"], owner["installation"], owner["user"], status=Status.CLOSED)
    answer(closed, role=Author.STAFF)
    # As before the migration: answered but still "new".
    PortalRequest.objects.filter(pk=answered.pk).update(status=Status.NEW)
    migration = importlib.import_module("aquatiris_portal.migrations.0024_request_statuses_document_links")
    migration.answered_requests(apps, None)
    statuses = dict(PortalRequest.objects.values_list("pk", "status"))
    assert statuses == {answered.pk: "answered", untouched.pk: "new", closed.pk: "closed"}


# Days around both edges (today, a year on), and anywhere.
OFFSETS = st.one_of(
    st.integers(-3, 3),
    st.integers(MAX_PLANNED_DAYS - 3, MAX_PLANNED_DAYS + 3),
    st.integers(min_value=-4000, max_value=4000),
)


@given(offset=OFFSETS, status=st.sampled_from(["planned", "resolved"]), shape=st.sampled_from(["%Y-%m-%d", "%d/%m/%Y"]))
def test_the_status_form_takes_a_planned_day_of_the_coming_year_only(offset, status, shape):
    """Whatever day is typed (ISO or French), "planned" is accepted exactly
    for today to a year on; "resolved" ignores the day."""
    today = timezone.localdate()
    day = today + datetime.timedelta(days=offset)
    with translation.override("fr"):
        form = FranchiseeStatusForm(
            {"status-status": status, "status-planned_for": day.strftime(shape)}, prefix="status"
        )
        valid = form.is_valid()
    if status == "resolved":
        assert valid
    else:
        assert valid == (0 <= offset <= MAX_PLANNED_DAYS), form.errors
        if valid:
            assert form.cleaned_data["planned_for"] == day
