"""What the account screens share: the safe ``next`` URL, throttle messages,
failure counting and opening a session (accounts/views.py, second_factor_views.py)."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext

from ..conf import app_settings
from ..security_log import Kind, client_ip, email_hash, record_security_event
from . import second_factor, throttle
from .backends import find_user_by_email
from .landing import landing_url, record_visit
from .middleware import SECOND_FACTOR_SESSION_KEY

BACKEND = "aquatiris_portal.accounts.backends.EmailBackend"
TEMPLATES = "aquatiris_portal/accounts/"


def safe_next_url(request):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def portal_url(name, next_url=""):
    url = reverse(f"aquatiris_portal:{name}")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def pad_response(started, floor=None):
    """Answer no sooner than the floor: the work done for a matching email
    (links, mail) does not show in the response time."""
    floor = app_settings.AUTH_MIN_RESPONSE_SECONDS if floor is None else floor
    remaining = floor - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


def throttle_message(seconds):
    minutes = throttle.minutes(seconds)
    return ngettext(
        "Too many attempts. For your security, please try again in %(minutes)d minute.",
        "Too many attempts. For your security, please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def wait_message(seconds):
    """django-otp's own delay after a wrong code: the code typed was not
    checked, so say plainly to wait, and how long."""
    return ngettext(
        "Too many tries with a wrong code. Please wait %(seconds)d second, then type the code again.",
        "Too many tries with a wrong code. Please wait %(seconds)d seconds, then type the code again.",
        seconds,
    ) % {"seconds": seconds}


def _lockout(request, scope, filled, user=None, **details):
    """A bucket filled starts a lockout, which the security log records
    (once, not at every refused attempt)."""
    if filled:
        record_security_event(
            Kind.LOCKOUT,
            request,
            user=user,
            scope=scope,
            buckets=filled,
            minutes=throttle._rate(scope)["minutes"],
            **details,
        )
    return filled


def count_failure(request, scope, identifier, user=None, **details):
    """Count one failed attempt (and its lockout, if it starts one)."""
    return _lockout(request, scope, throttle.hit(scope, identifier, client_ip(request)), user=user, **details)


def login_failed(request, attempt):
    """A login refused for its password: one ``login_failed`` event (the
    account when the email has one, the typed email only as a keyed hash:
    it may belong to nobody), then the lockout if this failure starts one."""
    user = find_user_by_email(attempt.email)
    typed = {"email_hash": email_hash(attempt.email)}
    record_security_event(Kind.LOGIN_FAILED, request, user=user, **typed)
    return _lockout(request, "login", throttle.failed(attempt), user=user, **typed)


def auth_backend():
    backends = settings.AUTHENTICATION_BACKENDS
    return BACKEND if BACKEND in backends else backends[0]


def log_in(request, user, next_url):
    """Open the session (Django rotates its key), note the visit, then the
    second factor if the user needs one."""
    auth_login(request, user, backend=getattr(user, "backend", None) or auth_backend())
    record_visit(user)
    if second_factor.requires_second_factor(user):
        request.session[SECOND_FACTOR_SESSION_KEY] = True
        return HttpResponseRedirect(portal_url("otp_verify", next_url or landing_url(user)))
    return HttpResponseRedirect(next_url or landing_url(user))


def reauth_blocked(request, user, form):
    """The password typed again is throttled like a login (the account and
    the pair): an open session cannot be used to guess it."""
    wait = throttle.blocked_for("login", user.get_username(), client_ip(request))
    if wait:
        form.add_error(None, throttle_message(wait))
    return wait


def reauth_failed(request, user, field):
    record_security_event(Kind.REAUTH_FAILED, request, user=user, screen=request.resolver_match.url_name)
    count_failure(request, "login", user.get_username(), user=user)
