"""System checks for a host's settings (``manage.py check``).

Each message has an id ``aquatiris_portal.<E|W>NNN`` and a hint that says
what to write; a correctly configured host (docs/install.md's settings, i.e.
docs/host_settings.py) gets none. Silence one with
``SILENCED_SYSTEM_CHECKS = ["aquatiris_portal.W008"]``.
"""

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.core.checks import Error, Tags, Warning, register
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, Resolver404, URLResolver, get_resolver, resolve, reverse
from django.utils.module_loading import import_string

from .conf import PLACEHOLDER_BASE_URLS, app_settings, public_base_url
from .storage import _local_root

DEV_BROKER = (
    'DRAMATIQ_BROKER = {"BROKER": "dramatiq.brokers.stub.StubBroker", "OPTIONS": {}} '
    "with AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = DEBUG (development)"
)
PROD_BROKER = (
    'DRAMATIQ_BROKER = {"BROKER": "dramatiq.brokers.redis.RedisBroker", '
    '"OPTIONS": {"url": "redis://127.0.0.1:6379/0"}} and run `manage.py rundramatiq` (production)'
)

OTP = "django_otp.middleware.OTPMiddleware"
PORTAL_MIDDLEWARE = [
    "aquatiris_portal.accounts.middleware.IdleTimeoutMiddleware",
    "aquatiris_portal.accounts.middleware.SecondFactorMiddleware",
]
# Each must come after every one listed before it.
MIDDLEWARE_ORDER = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    OTP,
    *PORTAL_MIDDLEWARE,
]
MESSAGES = "django.contrib.messages.middleware.MessageMiddleware"
EMAIL_BACKEND = "aquatiris_portal.accounts.backends.EmailBackend"
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def _id(code):
    return f"aquatiris_portal.{code}"


def _stub_broker_class(broker_setting):
    return str((broker_setting or {}).get("BROKER", "")).endswith("StubBroker")


@register(Tags.compatibility)
def check_jobs(app_configs=None, **kwargs):
    messages = []
    broker = getattr(settings, "DRAMATIQ_BROKER", None)
    in_process = bool(app_settings.RUN_JOBS_IN_PROCESS)
    if not broker:
        messages.append(
            Error(
                "DRAMATIQ_BROKER is not set: django_dramatiq then falls back to RabbitMQ (and `pika`), and the "
                "portal's mails and imports never run.",
                hint=f"Development: {DEV_BROKER}. Production: {PROD_BROKER}.",
                id=_id("E001"),
            )
        )
    elif _stub_broker_class(broker) and not in_process:
        messages.append(
            Warning(
                "DRAMATIQ_BROKER is a StubBroker but no worker runs in process: jobs stay queued in memory and no "
                "mail is ever sent (`rundramatiq` cannot read a StubBroker of another process).",
                hint="In development set AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = DEBUG; in production use "
                f"{PROD_BROKER}.",
                id=_id("W002"),
            )
        )
    if in_process and not settings.DEBUG:
        messages.append(
            Error(
                "AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS is on while DEBUG is off: the in-process worker is for "
                "development only.",
                hint=f"Set AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = DEBUG and, in production, {PROD_BROKER}.",
                id=_id("E003"),
            )
        )
    elif in_process and broker and not _stub_broker_class(broker):
        messages.append(
            Warning(
                "AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS is on but DRAMATIQ_BROKER is not a StubBroker: no worker is "
                "started in process; run `manage.py rundramatiq`.",
                hint="Set AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = False with a Redis broker.",
                id=_id("W010"),
            )
        )
    return messages


def admin_doors():
    """The URL prefixes of the host's admins: Wagtail's and every Django
    ``AdminSite`` mounted (``wagtail start`` mounts one at django-admin/)."""
    doors = []
    try:
        doors.append(reverse("wagtailadmin_home"))
    except NoReverseMatch:
        pass

    def walk(patterns, prefix, depth=0):
        for pattern in patterns:
            if not isinstance(pattern, URLResolver) or depth > 10:
                continue
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if pattern.app_name == "admin":
                doors.append("/" + route)
            else:
                walk(pattern.url_patterns, route, depth + 1)

    try:
        walk(get_resolver().url_patterns, "")
    except Exception:  # noqa: S110  a URLConf that does not import: check_login_urls says so
        pass
    return sorted(set(doors))


@register(Tags.security)
def check_middleware(app_configs=None, **kwargs):
    middleware = list(getattr(settings, "MIDDLEWARE", []) or [])
    missing = [name for name in [*MIDDLEWARE_ORDER, MESSAGES] if name not in middleware]
    wanted = "\n".join(f'    "{name}",' for name in MIDDLEWARE_ORDER)
    hint = (
        f"MIDDLEWARE must hold, in this order (others may sit between them), with {MESSAGES} "
        f"before the portal's two:\n{wanted}"
    )
    if not missing:
        positions = [middleware.index(name) for name in MIDDLEWARE_ORDER]
        late_messages = middleware.index(MESSAGES) > min(middleware.index(name) for name in PORTAL_MIDDLEWARE)
        if positions == sorted(positions) and not late_messages:
            return []
    doors = admin_doors()
    # Without the middleware (in its place), these accept a password alone.
    open_doors = f" The admin doors {', '.join(doors)} then accept a password alone." if doors else ""
    if missing:
        return [
            Error(
                f"MIDDLEWARE lacks {', '.join(missing)}: the portal's second factor and idle timeout "
                f"are not enforced.{open_doors}",
                hint=hint,
                id=_id("E004"),
            )
        ]
    return [
        Error(
            "MIDDLEWARE is out of order: the portal's middleware must come after sessions, "
            f"authentication, django_otp's OTPMiddleware and messages.{open_doors}",
            hint=hint,
            id=_id("E004"),
        )
    ]


@register(Tags.security)
def check_authentication(app_configs=None, **kwargs):
    backends = list(getattr(settings, "AUTHENTICATION_BACKENDS", []) or [])
    if EMAIL_BACKEND in backends:
        return []
    return [
        Error(
            f"AUTHENTICATION_BACKENDS lacks {EMAIL_BACKEND}: portal users cannot log in with their email.",
            hint=f'AUTHENTICATION_BACKENDS = ["{EMAIL_BACKEND}", "django.contrib.auth.backends.ModelBackend"]',
            id=_id("E005"),
        )
    ]


@register(Tags.urls)
def check_login_urls(app_configs=None, **kwargs):
    name = app_settings.LOGIN_URL_NAME
    try:
        portal_login = reverse(name)
    except NoReverseMatch:
        return [
            Error(
                f"The portal's URLs are not included ({name!r} does not resolve).",
                hint='Add path("portail/", include("aquatiris_portal.urls")) to your urlpatterns, '
                "before Wagtail's catch-all.",
                id=_id("E006"),
            )
        ]
    wrong = []
    for setting in ("LOGIN_URL", "WAGTAILADMIN_LOGIN_URL"):
        value = getattr(settings, setting, None)
        try:
            resolved = resolve_url(value) if value else None
        except NoReverseMatch:
            resolved = None
        if resolved != portal_login:
            wrong.append(setting)
    if wrong:
        return [
            Error(
                f"{' and '.join(wrong)} not the portal's login ({portal_login}): people would log in without the "
                "throttled email login and its second factor.",
                hint=" ".join(f'{setting} = "{name}"' for setting in wrong),
                id=_id("E006"),
            )
        ]
    return []


@register(Tags.caches)
def check_cache(app_configs=None, **kwargs):
    if settings.DEBUG:
        return []
    caches = getattr(settings, "CACHES", {}) or {}
    aliases = sorted({"default", app_settings.CONTENT_CACHE_ALIAS})
    bad = [
        alias
        for alias in aliases
        if caches.get(alias, {}).get("BACKEND", "django.core.cache.backends.locmem.LocMemCache") in PER_PROCESS_CACHES
    ]
    if not bad:
        return []
    return [
        Warning(
            f"CACHES[{', '.join(repr(a) for a in bad)}] is per process while DEBUG is off: login throttling counts "
            "and editors' changes are not shared by the server's processes.",
            hint='CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", '
            '"LOCATION": "redis://127.0.0.1:6379/1"}}',
            id=_id("W007"),
        )
    ]


def _local_host(host):
    """localhost, a loopback or an unspecified address: nothing people can open."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@register(Tags.compatibility)
def check_public_base_url(app_configs=None, **kwargs):
    """Outside DEBUG the links in mails must name the site: no default
    there (conf.public_base_url), so an unset, placeholder or loopback
    address is reported, by `check` and `check --deploy` alike."""
    if settings.DEBUG:
        return []  # runserver's address is the default in development
    url = public_base_url()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if (
        url.lower() not in PLACEHOLDER_BASE_URLS
        and parts.scheme in {"http", "https"}
        and host
        and not _local_host(host)
    ):
        return []
    source = (
        "AQUATIRIS_PORTAL_PUBLIC_BASE_URL"
        if app_settings.PUBLIC_BASE_URL
        else "WAGTAILADMIN_BASE_URL (AQUATIRIS_PORTAL_PUBLIC_BASE_URL is unset)"
    )
    return [
        Warning(
            f"The portal's links in mails and outbox events would point to {url or 'no address'!r} "
            f"({source}) while DEBUG is off: people could not open them.",
            hint='AQUATIRIS_PORTAL_PUBLIC_BASE_URL = "https://www.your-site.fr" (the address people type; '
            "and WAGTAILADMIN_BASE_URL too)",
            id=_id("W008"),
        )
    ]


WAGTAIL_SERVE = "wagtail_serve"
CATCH_ALL_HINT = (
    'Put path("portail/", include("aquatiris_portal.urls")) in your urlpatterns before '
    'Wagtail\'s catch-all path("", include(wagtail_urls)), which must stay last.'
)


@register(Tags.urls)
def check_portal_urls_reachable(app_configs=None, **kwargs):
    """The portal's URLs can be included yet never reached: placed after
    Wagtail's catch-all, reverse() still builds the login's path but
    resolving it gives Wagtail's page view, i.e. a 404."""
    name = app_settings.LOGIN_URL_NAME
    try:
        path = reverse(name)
    except NoReverseMatch:
        return []  # not included at all: check_login_urls says so (E006)
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is not None and match.view_name == name:
        return []
    if match is not None and match.url_name == WAGTAIL_SERVE:
        answered = "Wagtail's page view (its catch-all comes before the portal's URLs)"
    else:
        answered = f"{match.view_name!r}" if match is not None else "nothing"
    return [
        Error(
            f"The portal's login {path} is answered by {answered}: the login, first connection and "
            "every portal link give a 404.",
            hint=CATCH_ALL_HINT,
            id=_id("E012"),
        )
    ]


DJANGO_DEFAULT_FROM = "webmaster@localhost"


@register(Tags.compatibility)
def check_sender(app_configs=None, **kwargs):
    if settings.DEBUG or getattr(settings, "DEFAULT_FROM_EMAIL", "") != DJANGO_DEFAULT_FROM:
        return []
    return [
        Warning(
            f"DEFAULT_FROM_EMAIL is Django's default {DJANGO_DEFAULT_FROM!r} while DEBUG is off: the portal's "
            "mails (activation, codes, recaps) would go out from it, unless a sender is set in the admin's portal "
            "settings, and be rejected or marked as spam.",
            hint='DEFAULT_FROM_EMAIL = "Aquatiris <no-reply@your-site.fr>" (an address your SMTP server may send from)',
            id=_id("W013"),
        )
    ]


def _inside(path, folder):
    if not folder:
        return False
    path, folder = Path(path).resolve(), Path(folder).resolve()
    return path == folder or folder in path.parents


@register(Tags.security)
def check_private_root(app_configs=None, **kwargs):
    if app_settings.PRIVATE_STORAGE_ALIAS in (getattr(settings, "STORAGES", {}) or {}):
        return []  # a storage of its own (S3...): no local folder

    root = _local_root()
    messages = []
    for setting in ("MEDIA_ROOT", "STATIC_ROOT"):
        if _inside(root, getattr(settings, setting, None)):
            messages.append(
                Error(
                    f"The portal's private files ({root}) are inside {setting}: the web server would serve "
                    "people's documents without any access check.",
                    hint="Set AQUATIRIS_PORTAL_PRIVATE_ROOT to a folder outside MEDIA_ROOT and STATIC_ROOT, "
                    'e.g. BASE_DIR / "private".',
                    id=_id("E009"),
                )
            )
    return messages


def _default_mailer():
    """The backend the portal's mails go through (``EmailMessage.send()``
    without a connection): Django 6.1's default mailer, EMAIL_BACKEND before
    it. Built, not opened; Django reads its settings, so this touches no
    setting Django 6.1 deprecates."""
    if hasattr(mail, "mailers"):
        return mail.mailers.default
    return mail.get_connection()  # Django < 6.1


# The backends that keep mails on the machine (Django 6.1's mail.E001 list).
_DEVELOPMENT_BACKENDS = ("console", "filebased", "locmem", "dummy")


def _development_only(mailer):
    """Whether mails sent through ``mailer`` stay on the machine (a subclass too: a readable console)."""
    kinds = tuple(import_string(f"django.core.mail.backends.{name}.EmailBackend") for name in _DEVELOPMENT_BACKENDS)
    return isinstance(mailer, kinds)


def _said_by_django():
    """Whether Django's own mail.E001 (6.1) reports the default mailer: it
    reads MAILERS only, and knows its own backends by name, not a subclass."""
    try:
        from django.core.checks.mail import NON_PRODUCTION_EMAIL_BACKENDS  # Django 6.1's: absent before
    except ImportError:  # Django < 6.1
        return False
    default = getattr(settings, "MAILERS", {}).get("default") or {}
    return default.get("BACKEND") in NON_PRODUCTION_EMAIL_BACKENDS


# Django 6.1's mail.W001 already reports MAILERS without a "default".
_NO_DEFAULT_MAILER = getattr(mail, "MailerDoesNotExist", ())


@register(Tags.security, deploy=True)
def check_mail_tls(app_configs=None, **kwargs):
    """The portal's mails (recaps, reply links, one-time codes) go through
    the default mailer; other MAILERS aliases are the host's own."""
    try:
        mailer = _default_mailer()
    except _NO_DEFAULT_MAILER:
        return []
    except Exception as error:  # noqa: BLE001 - any misconfiguration: said here rather than at the first send
        return [
            Error(
                f"The default mailer cannot be built, so no mail would leave: {error}",
                hint="Fix MAILERS['default'] (Django 6.1) or EMAIL_BACKEND and the EMAIL_* settings (Django 5.2).",
                id=_id("E014"),
            )
        ]
    if _development_only(mailer) and not _said_by_django():
        setting = "MAILERS['default']" if hasattr(settings, "MAILERS") else "EMAIL_BACKEND"
        return [
            Error(
                f"{setting} is a development-only backend ({type(mailer).__module__}): no mail leaves, "
                "and one-time codes and reply links are written where nobody reads them (or into the logs).",
                hint="Use the SMTP backend: EMAIL_HOST and the EMAIL_* settings on Django 5.2, MAILERS on 6.1.",
                id=_id("E015"),
            )
        ]
    if not isinstance(mailer, SMTPBackend) or mailer.use_tls or mailer.use_ssl:
        return []
    setting = "MAILERS['default']" if hasattr(settings, "MAILERS") else "EMAIL_BACKEND"
    return [
        Warning(
            f"{setting} sends mail by SMTP without TLS: clients' recaps, reply links and one-time codes "
            "cross the network in clear.",
            hint="EMAIL_USE_TLS = True (STARTTLS, port 587) or EMAIL_USE_SSL = True (implicit TLS, port 465) "
            "on Django 5.2; \"use_tls\": True or \"use_ssl\": True in MAILERS['default']['OPTIONS'] on Django 6.1. "
            "Silence aquatiris_portal.W011 only for a relay on the same machine.",
            id=_id("W011"),
        )
    ]
