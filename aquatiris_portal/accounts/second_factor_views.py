"""Second-factor screens: verify a code at login, enrol an authenticator
(confirmed by a code sent by email), regenerate backup codes."""

import base64
import io
import time

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from .. import access
from ..conf import app_settings
from ..records.emails import display_email
from ..security_log import Kind, client_ip, record_security_event
from . import second_factor, throttle, trusted_browsers
from .forms import EnrolForm, OTPCodeForm, ReauthForm
from .landing import landing_url
from .middleware import SECOND_FACTOR_SESSION_KEY
from .security_notices import notify_security_change
from .view_helpers import (
    TEMPLATES,
    count_failure,
    portal_url,
    reauth_blocked,
    reauth_failed,
    safe_next_url,
    throttle_message,
    wait_message,
)


def _mask(email):
    local, _sep, domain = display_email(email).partition("@")
    if not domain:
        return email
    return f"{local[:1]}{'•' * max(1, len(local) - 1)}@{domain}"


def _passed(request, user, device, destination, **details):
    """The second factor is passed: django-otp's login (the session is
    OTP-verified for every gate), a new session key, the event."""
    otp_login(request, device)
    request.session.cycle_key()
    request.session.pop(SECOND_FACTOR_SESSION_KEY, None)
    record_security_event(Kind.OTP_VERIFIED, request, user=user, device=type(device).__name__, **details)
    return HttpResponseRedirect(destination)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def otp_verify_view(request):
    response = _otp_verify(request)
    # A trusted-browser cookie that was refused goes (unless a new one was just set).
    if getattr(request, trusted_browsers.FORGET_ATTR, False) and trusted_browsers.COOKIE_NAME not in response.cookies:
        trusted_browsers.forget(response)
    return response


def _otp_verify(request):
    next_url = safe_next_url(request)
    user = request.user
    if not user.is_authenticated:
        return HttpResponseRedirect(portal_url("login", next_url or request.get_full_path()))
    destination = next_url or landing_url(user)
    if access.is_verified(user):
        return HttpResponseRedirect(destination)
    if trusted_browsers.recognise(request, user) is not None:
        return _passed(request, user, second_factor.email_device(user, create=True), destination, trusted_browser=True)
    devices = second_factor.confirmed_devices(user)
    if not devices:
        if second_factor.is_admin_user(user):
            return HttpResponseRedirect(portal_url("otp_enroll", destination))
        if not access.has_spanc_membership(user):
            request.session.pop(SECOND_FACTOR_SESSION_KEY, None)
            return HttpResponseRedirect(destination)
        devices = [second_factor.email_device(user, create=True)]
    email_device = next((d for d in devices if isinstance(d, EmailDevice)), None)
    has_app = any(not isinstance(d, (EmailDevice, StaticDevice)) for d in devices)
    has_backup = any(isinstance(d, StaticDevice) for d in devices)
    form = OTPCodeForm(letters=has_backup)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "resend" and email_device is not None:
            if second_factor.send_email_code(request, email_device):
                messages.success(request, _("A new code has been sent to you by email."))
            else:
                messages.warning(request, _("A code was sent less than a minute ago. Please wait before asking again."))
            return HttpResponseRedirect(portal_url("otp_verify", destination))
        form = OTPCodeForm(request.POST, letters=has_backup)
        if form.is_valid():
            ip = client_ip(request)
            wait = throttle.blocked_for("otp", user.get_username(), ip)
            if wait:
                form.add_error(None, throttle_message(wait))
                status = 429
            else:
                device, device_wait = second_factor.check_code(user, form.cleaned_data["code"])
                if device is not None:
                    throttle.clear_account("otp", user.get_username())
                    response = _passed(request, user, device, destination)
                    if request.POST.get("trust_browser") and trusted_browsers.may_trust(user):
                        trusted_browsers.trust(request, response, user)
                    return response
                if device_wait:
                    # Not checked (django-otp's delay after a wrong code):
                    # neither counted nor called wrong.
                    form.add_error("code", wait_message(device_wait))
                    status = 429
                else:
                    record_security_event(Kind.OTP_FAILED, request, user=user)
                    count_failure(request, "otp", user.get_username(), user=user)
                    form.add_error("code", _("This code is not right or has expired."))
    elif email_device is not None and not has_app and not second_factor.code_pending(email_device):
        second_factor.send_email_code(request, email_device)
    return render(
        request,
        TEMPLATES + "otp_verify.html",
        {
            "form": form,
            "next": destination,
            "email_device": email_device,
            "masked_email": _mask(email_device.email or user.email) if email_device else "",
            "has_app": has_app,
            "has_backup": has_backup,
            "code_minutes": app_settings.OTP_EMAIL_CODE_MINUTES,
            "offer_trust": trusted_browsers.may_trust(user),
            "trust_days": trusted_browsers.days(),
            "trust_checked": bool(request.POST.get("trust_browser")),
        },
        status=status,
    )


def _qr_data_uri(data):
    """The QR code as a ``data:image/svg+xml`` URI for an ``<img>``
    (``qrcode`` is a dependency; ``segno`` works too). Inline in HTML, the
    ``svg:rect`` elements qrcode writes are not drawn: as an image they are."""
    try:
        out = io.BytesIO()
        write_qrcode_image(data, out)
    except (ModuleNotFoundError, ImportError):
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


ENROL_EMAIL_SESSION_KEY = "aquatiris_portal_enrol_email"
ENROL_EMAIL_SECONDS = 30 * 60


def _enrol_email_passed(request, user):
    """Whether this session proved, by a code sent to the account's email in
    the last half hour, that the person reads its mailbox."""
    proof = request.session.get(ENROL_EMAIL_SESSION_KEY) or {}
    return proof.get("user") == user.pk and time.time() - proof.get("at", 0) < ENROL_EMAIL_SECONDS


def _enrol_email_step(request, user, destination):
    """Before a first authenticator: a code sent by email confirms it is
    the account's owner, so that a stolen password alone cannot set up the
    thief's phone."""
    template = TEMPLATES + "otp_enroll_email.html"
    if not user.email:
        return render(request, template, {"no_email": True, "next": destination})
    device = second_factor.enrolment_email_device(user)
    mail_template = "aquatiris_portal/mail/otp_enrol_code"
    form = OTPCodeForm()
    status = 200
    if request.method == "POST" and request.POST.get("action") == "resend":
        if second_factor.send_email_code(request, device, template=mail_template):
            messages.success(request, _("A new code has been sent to you by email."))
        else:
            messages.warning(request, _("A code was sent less than a minute ago. Please wait before asking again."))
        return HttpResponseRedirect(portal_url("otp_enroll", destination))
    if request.method == "POST":
        form = OTPCodeForm(request.POST)
        if form.is_valid():
            ip = client_ip(request)
            wait = throttle.blocked_for("otp", user.get_username(), ip)
            if wait:
                form.add_error(None, throttle_message(wait))
                status = 429
            else:
                accepted, device_wait = second_factor.check_enrolment_code(device, form.cleaned_data["code"])
                if accepted:
                    request.session[ENROL_EMAIL_SESSION_KEY] = {"user": user.pk, "at": time.time()}
                    return HttpResponseRedirect(portal_url("otp_enroll", destination))
                if device_wait:
                    form.add_error("code", wait_message(device_wait))
                    status = 429
                else:
                    record_security_event(Kind.OTP_FAILED, request, user=user, step="enrolment")
                    count_failure(request, "otp", user.get_username(), user=user)
                    form.add_error("code", _("This code is not right or has expired."))
    elif not second_factor.code_pending(device):
        second_factor.send_email_code(request, device, template=mail_template)
    return render(
        request,
        template,
        {
            "form": form,
            "next": destination,
            "masked_email": _mask(user.email),
            "code_minutes": app_settings.OTP_EMAIL_CODE_MINUTES,
        },
        status=status,
    )


@sensitive_post_parameters("code", "current_password")
@csrf_protect
@never_cache
def otp_enroll_view(request):
    """Set up an authenticator app (TOTP) and backup codes.

    A first app needs a code sent by email first; any app needs the
    password again; the person gets a mail once it is added."""
    next_url = safe_next_url(request)
    user = request.user
    if not user.is_authenticated:
        return HttpResponseRedirect(portal_url("login", request.get_full_path()))
    destination = next_url or landing_url(user)
    has_devices = second_factor.has_confirmed_device(user)
    # With a device already, a new one needs the second factor first, or
    # a stolen password would be enough to add the thief's app.
    if not access.is_verified(user) and has_devices:
        return HttpResponseRedirect(portal_url("otp_verify", request.get_full_path()))
    if not has_devices and not _enrol_email_passed(request, user):
        return _enrol_email_step(request, user, destination)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = EnrolForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if reauth_blocked(request, user, form):
            status = 429
        elif form.is_valid():
            code = second_factor.typed_code(form.cleaned_data["code"])
            if device.verify_token(code):
                device.confirmed = True
                device.save()
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                codes = second_factor.setup_backup_codes(user)
                otp_login(request, device)
                request.session.cycle_key()
                request.session.pop(SECOND_FACTOR_SESSION_KEY, None)
                request.session.pop(ENROL_EMAIL_SESSION_KEY, None)
                notify_security_change(request, user, "device_added", device="totp", first=not has_devices)
                return render(request, TEMPLATES + "otp_backup_codes.html", {"codes": codes, "next": destination})
            form.add_error("code", _("This code is not right. Check the time of your phone and try the current code."))
        elif "current_password" in form.errors:
            reauth_failed(request, user, "current_password")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        TEMPLATES + "otp_enroll.html",
        {
            "form": form,
            "next": destination,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "config_url": device.config_url,
            "qr_data_uri": _qr_data_uri(device.config_url),
        },
        status=status,
    )


@sensitive_post_parameters("current_password")
@csrf_protect
@never_cache
def otp_backup_codes_view(request):
    """New backup codes (the former ones stop working), after the second
    factor and the password again; the person gets a mail."""
    user = request.user
    if not user.is_authenticated:
        return HttpResponseRedirect(portal_url("login", request.get_full_path()))
    if not access.is_verified(user):
        return HttpResponseRedirect(portal_url("otp_verify", request.get_full_path()))
    destination = safe_next_url(request) or reverse("aquatiris_portal:password_change")
    form = ReauthForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if reauth_blocked(request, user, form):
            status = 429
        elif form.is_valid():
            codes = second_factor.setup_backup_codes(user)
            notify_security_change(request, user, "backup_codes")
            return render(
                request, TEMPLATES + "otp_backup_codes.html", {"codes": codes, "next": destination, "regenerated": True}
            )
        elif "current_password" in form.errors:
            reauth_failed(request, user, "current_password")
    return render(request, TEMPLATES + "otp_backup_codes_new.html", {"form": form, "next": destination}, status=status)
