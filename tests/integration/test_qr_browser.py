"""The authenticator set-up page shows its QR code: in
Chromium the <img> has its size, is decoded, and zbar (Debian zbar-tools)
reads the device's otpauth:// URI from what is drawn on screen."""

import shutil
import subprocess

import pytest
from django.conf import settings as django_settings
from django.test import Client as HttpClient

from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ENROL = "/portail/connexion/application/"


def test_qr_code_is_drawn_at_its_size_and_reads_back_as_the_otpauth_uri(live_server, wagtail_root, page, tmp_path):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg not found: run `make system-deps` (Debian package zbar-tools)"
    user = factories.spanc_user()
    http = HttpClient()
    factories.otp_login(http, user)  # a verified second factor (email): may add an app
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": http.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    page.goto(live_server.url + ENROL)
    image = page.locator(".aqp-qr img")
    image.wait_for()
    natural = image.evaluate("img => img.complete && [img.naturalWidth, img.naturalHeight]")
    assert natural and natural[0] > 0 and natural[1] > 0, "the QR image did not decode"
    box = image.bounding_box()
    assert 180 <= box["width"] <= 200 and 180 <= box["height"] <= 200, box
    assert image.get_attribute("alt")

    shot = tmp_path / "qr.png"
    image.screenshot(path=str(shot))
    decoded = subprocess.run(
        [zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(shot)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert decoded.returncode == 0, decoded.stderr
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert decoded.stdout.strip() == device.config_url
    assert decoded.stdout.startswith("otpauth://totp/")
