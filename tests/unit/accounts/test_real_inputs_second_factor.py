"""Second-factor codes as people type or paste them: the authenticator's
6 digits in two groups (a space, a non-breaking space copied from a mail, a
dash), full-width digits from a phone's keyboard; a backup code with the
capital a phone puts first, a space or a dash in the middle. Each is the
code; and the verification page's field lets a phone type a backup code's
letters when the account has some."""

import time

import pytest
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aquatiris_portal.accounts import second_factor
from aquatiris_portal.accounts.forms import OTPCodeForm
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct-Horse-battery-9"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
BETWEEN = st.sampled_from(["", " ", "\u00a0", "\u202f", "-", " - ", "\u2009"])
AROUND = st.sampled_from(["", " ", "\n", "\u00a0"])


def app_code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


@st.composite
def spellings_of_digits(draw, code):
    text = code[:3] + draw(BETWEEN) + code[3:]
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return draw(AROUND) + text + draw(AROUND)


@st.composite
def spellings_of_backup(draw, code):
    text = code[:4] + draw(BETWEEN) + code[4:]
    text = draw(st.sampled_from([text, text.capitalize(), text.upper()]))
    return draw(AROUND) + text + draw(AROUND)


@settings(max_examples=30, deadline=None)
@given(st.data())
@example(None)
def test_an_authenticator_code_is_accepted_however_it_is_typed(data):
    with transaction.atomic():
        user = factories.user(password=PASSWORD)
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        StaticToken.objects.create(device=StaticDevice.objects.create(user=user, name="backup"), token="gy2dbi54")
        code = app_code(device)
        typed = data.draw(spellings_of_digits(code)) if data else code[:3] + "\u00a0" + code[3:]
        found, wait = second_factor.check_code(user, typed)
        transaction.set_rollback(True)
    assert (found, wait) == (device, 0), typed


@settings(max_examples=30, deadline=None)
@given(st.data())
@example(None)
def test_a_backup_code_is_accepted_with_capitals_or_split(data):
    with transaction.atomic():
        user = factories.user(password=PASSWORD)
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        backup = StaticDevice.objects.create(user=user, name="backup")
        StaticToken.objects.create(device=backup, token="gy2dbi54")
        typed = data.draw(spellings_of_backup("gy2dbi54")) if data else "Gy2dbi54"
        found, _wait = second_factor.check_code(user, typed)
        again, _wait = second_factor.check_code(user, "gy2dbi54")
        transaction.set_rollback(True)
    assert found == backup, typed
    assert again is None  # used once


def test_a_wrong_code_stays_wrong_in_every_spelling():
    user = factories.user(password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    wrong = f"{(int(app_code(device)) + 500_000) % 1_000_000:06d}"
    assert second_factor.check_code(user, wrong[:3] + "\u00a0" + wrong[3:]) == (None, 0)
    assert second_factor.check_code(user, "\u00a0\u202f-") == (None, 0)


def test_the_field_lets_a_phone_type_letters_only_where_backup_codes_exist():
    assert OTPCodeForm()["code"].field.widget.attrs["inputmode"] == "numeric"
    letters = OTPCodeForm(letters=True)["code"].field.widget.attrs
    assert "inputmode" not in letters and letters["autocapitalize"] == "none"
    assert OTPCodeForm()["code"].field.widget.attrs["inputmode"] == "numeric"  # not shared between forms


def test_the_verification_page_takes_a_backup_codes_letters_on_a_phone():
    user = factories.user(password=PASSWORD, is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    StaticToken.objects.create(device=StaticDevice.objects.create(user=user, name="backup"), token="gy2dbi54")
    http = HttpClient()
    http.post(reverse("aquatiris_portal:login"), {"email": user.email, "password": PASSWORD})
    page = http.get(reverse("aquatiris_portal:otp_verify")).content.decode()
    assert 'name="code"' in page and 'inputmode="numeric"' not in page
    done = http.post(reverse("aquatiris_portal:otp_verify"), {"code": "Gy2d bi54"})
    assert done.status_code == 302 and reverse("aquatiris_portal:otp_verify") not in done["Location"]
