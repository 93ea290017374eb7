"""Account screens: login, logout, first connection, lost password,
password change, second factor (verify and enrol).

Activation, lost password and login answer the same way whether or not the
email or the code exists (SECURITY.md, "Defences").
"""

import base64
import io
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import authenticate, update_session_auth_hash
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from .. import access
from ..conf import app_settings
from ..security_log import Kind, record_security_event
from . import services, throttle, tokens
from .forms import (
    ActivationRequestForm,
    EnrolForm,
    GeneratedPasswordForm,
    LoginForm,
    OTPCodeForm,
    OwnPasswordForm,
    PasswordChangeForm,
    ReauthForm,
    ResetRequestForm,
)
from .models import AccountToken
from .passwords import generate_password

Purpose = AccountToken.Purpose
LINK_SESSION_KEY = "aquatiris_portal_link"
BACKEND = "aquatiris_portal.accounts.backends.EmailBackend"
TEMPLATES = "aquatiris_portal/accounts/"


# --- helpers -----------------------------------------------------------------

def _next_url(request):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _url(name, next_url=""):
    url = reverse(f"aquatiris_portal:{name}")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _pad(started, floor=None):
    """Answer no sooner than the floor: the work done for a matching email
    (links, mail) does not show in the response time."""
    floor = app_settings.AUTH_MIN_RESPONSE_SECONDS if floor is None else floor
    remaining = floor - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


def _throttle_message(seconds):
    minutes = throttle.minutes(seconds)
    return ngettext(
        "Too many attempts. For your security, please try again in %(minutes)d minute.",
        "Too many attempts. For your security, please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _wait_message(seconds):
    """django-otp's own delay after a wrong code: the code typed was not
    checked, so say plainly to wait, and how long."""
    return ngettext(
        "Too many tries with a wrong code. Please wait %(seconds)d second, then type the code again.",
        "Too many tries with a wrong code. Please wait %(seconds)d seconds, then type the code again.",
        seconds,
    ) % {"seconds": seconds}


def _count_failure(request, scope, identifier, user=None, **details):
    """Count one failed attempt; a bucket it fills starts a lockout, which
    the security log records (once, not at every refused attempt)."""
    ip = throttle.client_ip(request)
    filled = throttle.hit(scope, identifier, ip)
    if filled:
        record_security_event(Kind.LOCKOUT, request, user=user, scope=scope, buckets=filled,
                              minutes=throttle._rate(scope)["minutes"], **details)
    return filled


def _backend():
    backends = settings.AUTHENTICATION_BACKENDS
    return BACKEND if BACKEND in backends else backends[0]


def _log_in(request, user, next_url):
    """Open the session (Django rotates its key), note the visit, then the
    second factor if the user needs one."""
    auth_login(request, user, backend=getattr(user, "backend", None) or _backend())
    services.record_visit(user)
    if services.requires_second_factor(user):
        request.session[services.SECOND_FACTOR_SESSION_KEY] = True
        return HttpResponseRedirect(_url("otp_verify", next_url or services.landing_url(user)))
    return HttpResponseRedirect(next_url or services.landing_url(user))


# --- login and logout --------------------------------------------------------

@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    next_url = _next_url(request)
    status = 200
    if request.method == "POST":
        form = LoginForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]  # canonical (forms.CanonicalEmailField)
            ip = throttle.client_ip(request)
            wait = throttle.blocked_for("login", email, ip)
            if wait:
                form.add_error(None, _throttle_message(wait))
                status = 429
            else:
                user = authenticate(request, username=email, password=form.cleaned_data["password"])
                if user is not None:
                    throttle.clear_pair("login", email, ip)
                    record_security_event(Kind.LOGIN, request, user=user)
                    return _log_in(request, user, next_url)
                record_security_event(Kind.LOGIN_FAILED, request, email=email)
                _count_failure(request, "login", email, email=email)
                form.add_error(None, _("The email address or the password is not right."))
    else:
        form = LoginForm()
    return render(request, TEMPLATES + "login.html", {"form": form, "next": next_url}, status=status)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request):
    if request.method == "POST":
        if request.user.is_authenticated:
            record_security_event(Kind.LOGOUT, request)
        auth_logout(request)
        messages.success(request, _("You are logged out."))
        return HttpResponseRedirect(_url("login"))
    return render(request, TEMPLATES + "logout.html", {})


# --- first connection and lost password: the requests -------------------------

def _request_view(request, *, scope, form_class, template, done_template, handle):
    """Same page, same status, similar time for every email and code."""
    if request.method != "POST":
        return render(request, TEMPLATES + template, {"form": form_class(), "next": _next_url(request)})
    started = time.monotonic()
    form = form_class(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATES + template, {"form": form})
    email = form.cleaned_data["email"]  # canonical (forms.CanonicalEmailField)
    ip = throttle.client_ip(request)
    wait = throttle.blocked_for(scope, email, ip)
    if wait:
        form.add_error(None, _throttle_message(wait))
        _pad(started)
        return render(request, TEMPLATES + template, {"form": form}, status=429)
    # Every request counts (its answer never says whether it "failed").
    _count_failure(request, scope, email, email=email)
    handle(request, form.cleaned_data)
    _pad(started)
    return render(request, TEMPLATES + done_template, {"email": form.cleaned_data["email"]})


@csrf_protect
@never_cache
def activation_view(request):
    return _request_view(
        request, scope="activation", form_class=ActivationRequestForm,
        template="activation.html", done_template="activation_sent.html",
        handle=lambda req, data: services.request_activation(req, data["email"], data["code"]),
    )


@csrf_protect
@never_cache
def password_reset_view(request):
    return _request_view(
        request, scope="reset", form_class=ResetRequestForm,
        template="password_reset.html", done_template="password_reset_sent.html",
        handle=lambda req, data: services.request_reset(req, data["email"]),
    )


# --- the links -------------------------------------------------------------

def _link_invalid(request, purpose):
    return render(request, TEMPLATES + "link_invalid.html", {"purpose": purpose}, status=410)


@never_cache
def link_view(request, token, purpose):
    """Keep the token in the session and continue on a URL without it, so
    that it cannot leak through the Referer or the history."""
    if tokens.find_valid(purpose, token) is None:
        return _link_invalid(request, purpose)
    request.session[LINK_SESSION_KEY] = {"purpose": purpose, "token": token}
    name = "activation_password" if purpose == Purpose.ACTIVATION else "password_reset_password"
    return HttpResponseRedirect(_url(name))


def _person_for_validation(token):
    """A user object for the password validators (similarity to the name
    and the email), unsaved for a first connection."""
    if token.user_id:
        return token.user
    record = token.record
    return get_user_model()(
        username=token.email, email=token.email,
        first_name=getattr(record, "first_name", ""), last_name=getattr(record, "last_name", getattr(record, "name", "")),
    )


@sensitive_post_parameters("generated_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
def set_password_view(request, purpose):
    stored = request.session.get(LINK_SESSION_KEY) or {}
    token = tokens.find_valid(purpose, stored.get("token")) if stored.get("purpose") == purpose else None
    if token is None:
        return _link_invalid(request, purpose)
    person = _person_for_validation(token)
    generated = generate_password()
    generated_form = GeneratedPasswordForm(initial={"generated_password": generated}, user=person)
    own_form = OwnPasswordForm(user=person)
    if request.method == "POST":
        if request.POST.get("choice") == "generated":
            form = generated_form = GeneratedPasswordForm(request.POST, user=person)
        else:
            form = own_form = OwnPasswordForm(request.POST, user=person)
        if form.is_valid():
            try:
                if purpose == Purpose.ACTIVATION:
                    user = services.complete_activation(token, form.password)
                else:
                    user = services.complete_reset(token, form.password, request)
            except ValueError:
                return _link_invalid(request, purpose)
            request.session.pop(LINK_SESSION_KEY, None)
            if purpose == Purpose.ACTIVATION:
                messages.success(request, _("Your account is ready. Welcome!"))
                return _log_in(request, user, "")
            messages.success(request, _("Your password has been changed. You can log in with it now."))
            return HttpResponseRedirect(_url("login"))
        if isinstance(form, GeneratedPasswordForm):
            generated_form = GeneratedPasswordForm(initial={"generated_password": generated}, user=person)
    return render(request, TEMPLATES + "set_password.html", {
        "purpose": purpose,
        "email": token.email,
        "generated": generated,
        "generated_form": generated_form,
        "own_form": own_form,
    })


# --- password change (logged in) ----------------------------------------------

def _reauth_blocked(request, user, form):
    """The password typed again is throttled like a login (the account and
    the pair): an open session cannot be used to guess it."""
    wait = throttle.blocked_for("login", user.get_username(), throttle.client_ip(request))
    if wait:
        form.add_error(None, _throttle_message(wait))
    return wait


def _reauth_failed(request, user, field):
    record_security_event(Kind.REAUTH_FAILED, request, user=user, screen=request.resolver_match.url_name)
    _count_failure(request, "login", user.get_username(), user=user)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
def password_change_view(request):
    if not request.user.is_authenticated:
        return HttpResponseRedirect(_url("login", request.get_full_path()))
    user = request.user
    form = PasswordChangeForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if _reauth_blocked(request, user, form):
            status = 429
        elif form.is_valid():
            services.set_password(user, form.password)
            # This session stays open; every other session of the user ends.
            update_session_auth_hash(request, user)
            services.notify_security_change(request, user, "password_changed")
            messages.success(request, _("Your password has been changed. Your other sessions are closed."))
            return HttpResponseRedirect(_url("password_change"))
        elif "old_password" in form.errors:
            _reauth_failed(request, user, "old_password")
    return render(request, TEMPLATES + "password_change.html", {
        "form": form, "generated": generate_password(), "can_enroll": True,
        "has_devices": bool(services.confirmed_devices(user)),
    }, status=status)


# --- second factor -------------------------------------------------------------

def _mask(email):
    local, _sep, domain = (email or "").partition("@")
    if not domain:
        return email
    return f"{local[:1]}{'•' * max(1, len(local) - 1)}@{domain}"


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def otp_verify_view(request):
    next_url = _next_url(request)
    user = request.user
    if not user.is_authenticated:
        return HttpResponseRedirect(_url("login", next_url or request.get_full_path()))
    destination = next_url or services.landing_url(user)
    if access.is_verified(user):
        return HttpResponseRedirect(destination)
    devices = services.confirmed_devices(user)
    if not devices:
        if services.is_admin_user(user):
            return HttpResponseRedirect(_url("otp_enroll", destination))
        account = access.account_for(user)
        if account is None or not account.spanc_id:
            request.session.pop(services.SECOND_FACTOR_SESSION_KEY, None)
            return HttpResponseRedirect(destination)
        devices = [services.email_device(user, create=True)]
    email_device = next((d for d in devices if isinstance(d, EmailDevice)), None)
    has_app = any(not isinstance(d, (EmailDevice, StaticDevice)) for d in devices)
    has_backup = any(isinstance(d, StaticDevice) for d in devices)
    form = OTPCodeForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "resend" and email_device is not None:
            if services.send_email_code(request, email_device):
                messages.success(request, _("A new code has been sent to you by email."))
            else:
                messages.warning(request, _("A code was sent less than a minute ago. Please wait before asking again."))
            return HttpResponseRedirect(_url("otp_verify", destination))
        form = OTPCodeForm(request.POST)
        if form.is_valid():
            ip = throttle.client_ip(request)
            wait = throttle.blocked_for("otp", user.get_username(), ip)
            if wait:
                form.add_error(None, _throttle_message(wait))
                status = 429
            else:
                device, device_wait = services.check_code(user, form.cleaned_data["code"])
                if device is not None:
                    otp_login(request, device)
                    request.session.cycle_key()
                    request.session.pop(services.SECOND_FACTOR_SESSION_KEY, None)
                    throttle.clear_account("otp", user.get_username())
                    record_security_event(Kind.OTP_VERIFIED, request, user=user, device=type(device).__name__)
                    return HttpResponseRedirect(destination)
                if device_wait:
                    # Not checked (django-otp's delay after a wrong code):
                    # neither counted nor called wrong.
                    form.add_error("code", _wait_message(device_wait))
                    status = 429
                else:
                    record_security_event(Kind.OTP_FAILED, request, user=user)
                    _count_failure(request, "otp", user.get_username(), user=user)
                    form.add_error("code", _("This code is not right or has expired."))
    elif email_device is not None and not has_app and not services.code_pending(email_device):
        services.send_email_code(request, email_device)
    return render(request, TEMPLATES + "otp_verify.html", {
        "form": form,
        "next": destination,
        "email_device": email_device,
        "masked_email": _mask(email_device.email or user.email) if email_device else "",
        "has_app": has_app,
        "has_backup": has_backup,
        "code_minutes": app_settings.OTP_EMAIL_CODE_MINUTES,
    }, status=status)


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
    device = services.enrolment_email_device(user)
    mail_template = "aquatiris_portal/mail/otp_enrol_code"
    form = OTPCodeForm()
    status = 200
    if request.method == "POST" and request.POST.get("action") == "resend":
        if services.send_email_code(request, device, template=mail_template):
            messages.success(request, _("A new code has been sent to you by email."))
        else:
            messages.warning(request, _("A code was sent less than a minute ago. Please wait before asking again."))
        return HttpResponseRedirect(_url("otp_enroll", destination))
    if request.method == "POST":
        form = OTPCodeForm(request.POST)
        if form.is_valid():
            ip = throttle.client_ip(request)
            wait = throttle.blocked_for("otp", user.get_username(), ip)
            if wait:
                form.add_error(None, _throttle_message(wait))
                status = 429
            else:
                accepted, device_wait = services.check_enrolment_code(device, form.cleaned_data["code"])
                if accepted:
                    request.session[ENROL_EMAIL_SESSION_KEY] = {"user": user.pk, "at": time.time()}
                    return HttpResponseRedirect(_url("otp_enroll", destination))
                if device_wait:
                    form.add_error("code", _wait_message(device_wait))
                    status = 429
                else:
                    record_security_event(Kind.OTP_FAILED, request, user=user, step="enrolment")
                    _count_failure(request, "otp", user.get_username(), user=user)
                    form.add_error("code", _("This code is not right or has expired."))
    elif not services.code_pending(device):
        services.send_email_code(request, device, template=mail_template)
    return render(request, template, {
        "form": form, "next": destination, "masked_email": _mask(user.email),
        "code_minutes": app_settings.OTP_EMAIL_CODE_MINUTES,
    }, status=status)


@sensitive_post_parameters("code", "current_password")
@csrf_protect
@never_cache
def otp_enroll_view(request):
    """Set up an authenticator app (TOTP) and backup codes.

    A first app needs a code sent by email first; any app needs the
    password again; the person gets a mail once it is added."""
    next_url = _next_url(request)
    user = request.user
    if not user.is_authenticated:
        return HttpResponseRedirect(_url("login", request.get_full_path()))
    destination = next_url or services.landing_url(user)
    has_devices = bool(services.confirmed_devices(user))
    # With a device already, a new one needs the second factor first, or
    # a stolen password would be enough to add the thief's app.
    if not access.is_verified(user) and has_devices:
        return HttpResponseRedirect(_url("otp_verify", request.get_full_path()))
    if not has_devices and not _enrol_email_passed(request, user):
        return _enrol_email_step(request, user, destination)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = EnrolForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if _reauth_blocked(request, user, form):
            status = 429
        elif form.is_valid():
            code = form.cleaned_data["code"].replace(" ", "")
            if device.verify_token(code):
                device.confirmed = True
                device.save()
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                codes = services.setup_backup_codes(user)
                otp_login(request, device)
                request.session.cycle_key()
                request.session.pop(services.SECOND_FACTOR_SESSION_KEY, None)
                request.session.pop(ENROL_EMAIL_SESSION_KEY, None)
                services.notify_security_change(request, user, "device_added", device="totp", first=not has_devices)
                return render(request, TEMPLATES + "otp_backup_codes.html", {"codes": codes, "next": destination})
            form.add_error("code", _("This code is not right. Check the time of your phone and try the current code."))
        elif "current_password" in form.errors:
            _reauth_failed(request, user, "current_password")
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, TEMPLATES + "otp_enroll.html", {
        "form": form,
        "next": destination,
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "config_url": device.config_url,
        "qr_data_uri": _qr_data_uri(device.config_url),
    }, status=status)


@sensitive_post_parameters("current_password")
@csrf_protect
@never_cache
def otp_backup_codes_view(request):
    """New backup codes (the former ones stop working), after the second
    factor and the password again; the person gets a mail."""
    user = request.user
    if not user.is_authenticated:
        return HttpResponseRedirect(_url("login", request.get_full_path()))
    if not access.is_verified(user):
        return HttpResponseRedirect(_url("otp_verify", request.get_full_path()))
    destination = _next_url(request) or reverse("aquatiris_portal:password_change")
    form = ReauthForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if _reauth_blocked(request, user, form):
            status = 429
        elif form.is_valid():
            codes = services.setup_backup_codes(user)
            services.notify_security_change(request, user, "backup_codes")
            return render(request, TEMPLATES + "otp_backup_codes.html", {
                "codes": codes, "next": destination, "regenerated": True})
        elif "current_password" in form.errors:
            _reauth_failed(request, user, "current_password")
    return render(request, TEMPLATES + "otp_backup_codes_new.html", {"form": form, "next": destination},
                  status=status)
