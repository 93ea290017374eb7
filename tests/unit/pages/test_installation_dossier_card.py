# ruff: noqa: E501  the old template's lines, kept as they were
"""The installation screen's dossier card, written in Python
(installation_screen.dossier_html) instead of the _dossier.html include:
the same markup as the template gave for every state of the person's
archive, the request's path escaped as the template escaped it, and the
archive read only when the person asked for one."""

import datetime
import re

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone, translation

from aquatiris_portal.enquiries.archive_models import PersonalArchive
from aquatiris_portal.pages import installation_queries, installation_screen
from tests import factories

pytestmark = pytest.mark.django_db

# client_space/_dossier.html as it was when the card moved to Python (its lines as they were).
TEMPLATE = """{% load i18n portal_archives %}{% if installation.has_dossier != False %}{% dossier_state installation as dossier %}{% endif %}
<section class="aqp-card aqp-dossier" aria-labelledby="dossier-heading">
  <h2 id="dossier-heading">{% translate "Installation dossier" %}</h2>
  <p>{% translate "Every document of this installation you can see here, with a summary (installation, serial number, warranty, maintenance, SPANC controls, requests), in one ZIP file. We prepare it in the background and send you the link by email." %}</p>
  {% if dossier.text %}<p class="aqp-alert" role="status" id="dossier-status">{{ dossier.text }}{% if dossier.link %} <a href="{{ dossier.link }}">{% translate "Download the dossier" %}</a>{% endif %}</p>{% endif %}
  {% if not dossier.archive.is_pending %}
  <form method="post" action="{% url 'aquatiris_portal:dossier_start' installation.pk %}">
    {% csrf_token %}<input type="hidden" name="next" value="{{ request.get_full_path }}">
    <button type="submit" class="aqp-button aqp-button--secondary">{% translate "Prepare the installation dossier" %}</button>
  </form>
  {% endif %}
  <p><a href="{% url 'aquatiris_portal:handover' installation.pk %}">{% translate "I am selling my house" %}</a></p>
</section>"""

Status = PersonalArchive.Status
LATER = datetime.timedelta(days=8)
STATES = {
    "none asked": None,
    "queued": dict(status=Status.QUEUED),
    "running": dict(status=Status.RUNNING),
    "ready": dict(status=Status.DONE, expires_at=LATER),
    "expired": dict(status=Status.DONE, expires_at=-LATER),
    "too large": dict(status=Status.TOO_LARGE),
    "failed": dict(status=Status.FAILED),
}
# A query string as people may type it (get_full_path keeps & and ').
HOSTILE_QUERY = "q=%3Cscript%3Ealert(1)%3C/script%3E&nom=N'Diaye%20&%20fils&x=\"><b>"


def one_line(html):
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@pytest.fixture
def person():
    client = factories.client()
    installation = factories.installation(client=client, reference="AQ-2020-0001")
    return client, installation, factories.client_user(client)


def the_installation(client, user, installation):
    """As the screen gets it: from space_installations, with ``has_dossier``."""
    return next(item for item in installation_queries.space_installations(client, user) if item.pk == installation.pk)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_card_is_what_the_template_wrote(person, state, language, settings):
    settings.LANGUAGE_CODE = language
    client, installation, user = person
    if STATES[state] is not None:
        values = dict(STATES[state])
        if "expires_at" in values:
            values["expires_at"] = timezone.now() + values["expires_at"]
        PersonalArchive.objects.create(
            kind=PersonalArchive.Kind.DOSSIER, requested_by=user, client=client, installation=installation, **values
        )
    request = RequestFactory().get(f"/espace-client/installations/{installation.pk}/", QUERY_STRING=HOSTILE_QUERY)
    request.user = user
    shown = the_installation(client, user, installation)
    token = "t0k3n"
    with translation.override(language):
        expected = (
            engines["django"]
            .from_string(TEMPLATE)
            .render({"installation": shown, "request": request, "csrf_token": token})
        )
        written = installation_screen.dossier_html(request, shown, token)
    assert one_line(written) == one_line(expected)
    assert "<b>" not in written
    if "<form" in written:
        assert "nom=N&#x27;Diaye%20&amp;%20fils" in written


def test_nothing_asked_reads_no_archive(person, django_assert_num_queries):
    client, installation, user = person
    shown = the_installation(client, user, installation)
    request = RequestFactory().get("/")
    request.user = user
    with django_assert_num_queries(0):
        html = installation_screen.dossier_html(request, shown, "t")
    assert "dossier-status" not in html and 'name="csrfmiddlewaretoken" value="t"' in html


def test_an_asked_dossier_is_read_and_said(person, django_assert_num_queries):
    client, installation, user = person
    PersonalArchive.objects.create(
        kind=PersonalArchive.Kind.DOSSIER, requested_by=user, client=client, installation=installation
    )
    shown = the_installation(client, user, installation)
    request = RequestFactory().get("/")
    request.user = user
    with django_assert_num_queries(1):
        html = installation_screen.dossier_html(request, shown, "t")
    assert 'id="dossier-status"' in html and "<form" not in html  # being prepared: no second request


def test_without_a_token_the_form_carries_none(person):
    """As ``{% csrf_token %}`` writes nothing for the processor's NOTPROVIDED."""
    client, installation, user = person
    request = RequestFactory().get("/")
    request.user = user
    shown = the_installation(client, user, installation)
    for token in (None, "", "NOTPROVIDED"):
        assert "csrfmiddlewaretoken" not in installation_screen.dossier_html(request, shown, token)


def test_an_installation_read_without_the_annotation_is_read_as_the_template_read_it(person):
    """No ``has_dossier`` (an installation read elsewhere): the archive is read, as the include did."""
    client, installation, user = person
    PersonalArchive.objects.create(
        kind=PersonalArchive.Kind.DOSSIER, requested_by=user, client=client, installation=installation
    )
    plain = type(installation).objects.get(pk=installation.pk)
    request = RequestFactory().get("/")
    request.user = user
    expected = (
        engines["django"].from_string(TEMPLATE).render({"installation": plain, "request": request, "csrf_token": "t"})
    )
    written = installation_screen.dossier_html(request, plain, "t")
    assert one_line(written) == one_line(expected) and 'id="dossier-status"' in written
