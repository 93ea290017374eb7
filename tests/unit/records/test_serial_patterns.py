"""Which serial numbers earn a certificate is decided by admins, safely.

- The pattern is checked when saved (snippets/serial_patterns.py): it
  compiles, is at most 200 characters, repeats no part that can match in
  several ways (``(a+)+``, ``(a*)*``, ``(a|a)*``: a ReDoS), uses no
  back-reference and at most 3 open repeats. A property test runs every
  pattern the check accepts on hostile serials and finds none slow.
- Only holders of the admins' permission (change_mail_routing) see and
  change it; an editor's form has no such field.
- A pattern stored anyway (in the database, before the check existed)
  fails closed: every serial is refused with a message to contact the
  network, and the superusers are told once (a mail, a security event).
- A serial is at most 64 characters when it reaches the regex.
"""

import re
import time
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.models import Site

from aquatiris_portal.backoffice.groups import EDITORS, ensure_groups
from aquatiris_portal.enquiries.forms import SerialNumberForm
from aquatiris_portal.enquiries.warranty import PATTERN_EVENT, SerialPatternUnusable, serial_matches
from aquatiris_portal.models import OutgoingMail, PortalSettings, WarrantyExtension
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.security_log.models import SecurityEvent
from aquatiris_portal.snippets.serial_patterns import (
    MAX_SERIAL_LENGTH,
    pattern_problem,
    validate_serial_number_pattern,
)
from aquatiris_portal.snippets.site_settings import PREVIOUS_SERIAL_NUMBER_PATTERN, SERIAL_NUMBER_PATTERN
from tests import factories

pytestmark = pytest.mark.django_db

SAFE = [
    SERIAL_NUMBER_PATTERN,
    PREVIOUS_SERIAL_NUMBER_PATTERN,
    r"^[A-Z]{2,4}-\d{4}-\d{4,8}$",
    r"^AQ-(19|20)\d{2}-\d{6}$",  # an alternation, not repeated
    r"^(?:AQ|AX)-\d{4}-(?:\d{4}-)?\d{6}$",  # an optional group holding a repeat: matched at most once
    r"^(\d{4}-)+\d{2}$",  # a repeated group of a fixed length: one way to match
    r"^[A-Z0-9-]+$",
]
CATASTROPHIC = [
    r"^(a+)+$",
    r"(a*)*b",
    r"(a|a)*$",
    r"(a?){30}a{30}",
    r"^(\w+\s?)+$",
    r"(.*a){12}",
    r"^(AQ|A)+$",
    r"((ab)*)+c",
    r"(?:(?=a+)a)+x",
]
INVALID = [r"[", r"(AQ", r"(?P<x>a)(?P=y)", "*AQ", r"AQ)"]


def problem(pattern):
    found = pattern_problem(pattern)
    return found[0] if found else None


@pytest.mark.parametrize("pattern", SAFE)
def test_sensible_patterns_are_accepted(pattern):
    assert problem(pattern) is None
    validate_serial_number_pattern(pattern)


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_patterns_that_repeat_an_ambiguous_part_are_refused(pattern):
    assert problem(pattern) == "nested"
    with pytest.raises(ValidationError):
        validate_serial_number_pattern(pattern)


@pytest.mark.parametrize("pattern", INVALID)
def test_patterns_that_do_not_compile_are_refused(pattern):
    assert problem(pattern) in ("invalid", "backreference")


def test_back_references_too_long_patterns_and_many_open_repeats_are_refused():
    assert problem(r"^(AQ)-\1$") == "backreference"
    assert problem(r"^(A)?(?(1)Q|X)$") == "backreference"
    assert problem("^AQ-" + r"\d" * 200 + "$") == "too_long"
    assert problem(r"^\d*\d*\d*$") is None
    assert problem(r"^\d*\d*\d*\d*x$") == "unbounded"


def test_the_catastrophic_pattern_of_the_review_really_is_one():
    """Why the check exists: ``^(a+)+$`` backtracks exponentially; 22
    characters already take longer than the whole safe pattern check of
    a 64-character serial (which is a few microseconds)."""
    compiled = re.compile(r"^(a+)+$")
    started = time.perf_counter()
    compiled.search("a" * 22 + "!")
    slow = time.perf_counter() - started
    started = time.perf_counter()
    serial_matches(SERIAL_NUMBER_PATTERN, "A" * MAX_SERIAL_LENGTH)
    fast = time.perf_counter() - started
    assert slow > 20 * fast


# --- a property: no pattern the check accepts is slow on any hostile serial ---------------

ATOMS = st.sampled_from(["a", "b", "A", r"\d", "[ab]", ".", "-", r"\w", r"\s", "[A-Z]"])
QUANTIFIERS = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,3}", "{2,}", "*?", "+?"])


def _regexes():
    def extend(children):
        group = st.builds(lambda inner, q: f"(?:{inner}){q}", children, QUANTIFIERS)
        capture = st.builds(lambda inner, q: f"({inner}){q}", children, QUANTIFIERS)
        branch = st.builds(lambda a, b, q: f"(?:{a}|{b}){q}", children, children, QUANTIFIERS)
        concat = st.builds(lambda a, b: a + b, children, children)
        return group | capture | branch | concat

    leaf = st.builds(lambda atom, q: atom + q, ATOMS, QUANTIFIERS)
    return st.recursive(leaf, extend, max_leaves=8).map(lambda body: f"^{body}$")


HOSTILE = [c * MAX_SERIAL_LENGTH + "!" for c in "aA1 -"] + ["ab" * 32 + "!", "a1" * 32, "A-" * 32 + "\n"]


@hypothesis_settings(max_examples=300)
@given(_regexes())
@example(r"^(a+)+$")
@example(r"^(?:a|a)+$")
@example(r"^(?:[ab]|a)*b$")
def test_no_accepted_pattern_holds_a_worker(pattern):
    if pattern_problem(pattern) is not None:
        return  # refused when saved, and never run (fail closed)
    compiled = re.compile(pattern)
    for serial in HOSTILE:
        started = time.perf_counter()
        compiled.search(serial[:MAX_SERIAL_LENGTH])
        elapsed = time.perf_counter() - started
        assert elapsed < 0.25, (pattern, serial, elapsed)


def test_a_serial_longer_than_the_bound_never_reaches_the_regex():
    assert serial_matches(r"^.*$", "A" * MAX_SERIAL_LENGTH)
    assert not serial_matches(r"^.*$", "A" * (MAX_SERIAL_LENGTH + 1))


# --- saving: only admins, and only a safe pattern --------------------------------------------


@pytest.fixture
def site_settings():
    return PortalSettings.for_site(Site.objects.get(is_default_site=True))


def edit_url(settings_obj):
    return reverse("wagtailsettings:edit", args=["aquatiris_portal", "portalsettings", settings_obj.site_id])


def logged_in(group_name=None, superuser=False):
    ensure_groups()
    user = factories.user(is_staff=superuser, is_superuser=superuser)
    if group_name:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name=group_name))
    http = HttpClient()
    factories.otp_login(http, user)
    return user, http


def form_data(response):
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


@pytest.mark.parametrize("pattern", [r"^(a+)+$", r"[AQ", "^AQ-" + r"\d" * 200 + "$"])
def test_an_admin_cannot_save_an_unsafe_pattern(site_settings, pattern):
    _user, http = logged_in(superuser=True)
    data = form_data(http.get(edit_url(site_settings)))
    data["serial_number_pattern"] = pattern
    response = http.post(edit_url(site_settings), data)
    assert response.status_code == 200
    assert "serial_number_pattern" in response.context["form"].errors
    assert PortalSettings.objects.get(pk=site_settings.pk).serial_number_pattern == SERIAL_NUMBER_PATTERN


def test_an_admin_saves_a_safe_pattern(site_settings):
    _user, http = logged_in(superuser=True)
    data = form_data(http.get(edit_url(site_settings)))
    data["serial_number_pattern"] = r"^AQ-\d{4}-\d{5,6}$"
    assert http.post(edit_url(site_settings), data).status_code == 302
    assert PortalSettings.objects.get(pk=site_settings.pk).serial_number_pattern == r"^AQ-\d{4}-\d{5,6}$"


def test_an_editor_neither_sees_nor_changes_the_pattern(site_settings):
    _user, http = logged_in(EDITORS)
    response = http.get(edit_url(site_settings))
    assert response.status_code == 200
    assert "serial_number_pattern" not in response.context["form"].fields
    assert 'name="serial_number_pattern"' not in response.content.decode()
    data = form_data(response)
    data.update(serial_number_pattern=r"^.*$", serial_number_help="Sur la plaque.")
    assert http.post(edit_url(site_settings), data).status_code == 302
    stored = PortalSettings.objects.get(pk=site_settings.pk)
    assert stored.serial_number_help == "Sur la plaque."  # the editor's own change is kept
    assert stored.serial_number_pattern == SERIAL_NUMBER_PATTERN


def test_the_model_refuses_an_unsafe_pattern_whoever_saves_it_through_a_form(site_settings):
    site_settings.serial_number_pattern = r"(a|a)*"
    with pytest.raises(ValidationError) as refused:
        site_settings.full_clean()
    assert "serial_number_pattern" in refused.value.message_dict


# --- a pattern stored anyway fails closed -------------------------------------------------


@pytest.fixture
def owner(site_settings):
    site = Site.objects.get(is_default_site=True)
    site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    client = factories.client()
    installation = factories.installation(client=client)
    http = HttpClient()
    http.force_login(factories.client_user(client))
    return {"http": http, "installation": installation}


@pytest.mark.parametrize("stored", [r"[AQ", r"^(a+)+$", ""])
def test_an_unsafe_stored_pattern_refuses_every_serial_and_tells_the_superusers_once(owner, site_settings, stored):
    admin = factories.user(email="admin@aquatiris.example", is_superuser=True, is_staff=True)
    # Saved without validation (model.save() checks nothing), as before the check existed.
    site_settings.serial_number_pattern = stored
    site_settings.save()
    url = f"/espace-client/installations/{owner['installation'].pk}/garantie/"
    for _attempt in range(3):
        response = owner["http"].post(url, {"serial_number": "AQ-2024-012345", "confirm": "1"})
        assert response.status_code == 200
        html = unescape(response.content.decode())
        assert "contact the Aquatiris network" in html or "réseau Aquatiris" in html
    assert not WarrantyExtension.objects.exists()
    [mail] = OutgoingMail.objects.filter(key__startswith="serial_pattern_unusable:")
    assert mail.to == [admin.email] and stored in mail.body_text
    assert SecurityEvent.objects.filter(kind=PATTERN_EVENT).count() == 1


def test_the_form_refuses_rather_than_accepts_when_the_pattern_is_broken():
    form = SerialNumberForm({"serial_number": "AQ-2024-012345"}, pattern=r"[", help_text="")
    assert not form.is_valid()
    assert form.errors.as_data()["serial_number"][0].code == "pattern_unusable"
    with pytest.raises(SerialPatternUnusable):
        serial_matches(r"^(a*)*$", "AQ")
