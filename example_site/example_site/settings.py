"""Settings of the example site standing in for the Aquatiris website.

Embedded defaults (demo, tests): SQLite, a local private folder, dramatiq
with an in-process broker and worker, emails printed to the terminal.
Each production part switches on with its environment variable
(docs/operations.md): DATABASE_URL, REDIS_URL, AWS_STORAGE_BUCKET_NAME (+
AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), EMAIL_HOST
(+ EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD), DEFAULT_FROM_EMAIL,
SECRET_KEY, ALLOWED_HOSTS, DEBUG.
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from . import mail_settings

BASE_DIR = Path(__file__).resolve().parent.parent
env = os.environ.get


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Safe defaults: the site is a demo only when it is told so (DEMO=1, set by
# `make demo` and by the test settings): then DEBUG is on and the published
# demo key below is used. Anything else needs SECRET_KEY and runs with DEBUG
# off unless DEBUG=1 says otherwise.
DEMO = env_bool("DEMO", False)
DEBUG = env_bool("DEBUG", DEMO)
DEMO_SECRET_KEY = "demo-only-insecure-key-change-me-0123456789abcdefghijklmnop"  # noqa: S105  published, DEMO=1 only
# Management commands that serve no request and sign nothing that outlives
# their process (a checker runs `manage.py makemigrations --check` with no
# environment): without DEMO or SECRET_KEY they run on a random key made for
# this process alone. Anything else (runserver, shell, migrate, createsuperuser,
# check --deploy, the WSGI app, production.py) still refuses without a key.
KEYLESS_COMMANDS = frozenset(
    {
        "makemigrations",
        "check",
        "showmigrations",
        "sqlmigrate",
        "makemessages",
        "compilemessages",
        "help",
        "version",
    }
)


def keyless_command(argv):
    """Whether ``argv`` runs manage.py (or django-admin) with a command of
    KEYLESS_COMMANDS, ``check --deploy`` excepted (it judges the real key)."""
    if len(argv) < 2 or Path(argv[0]).name not in {"manage.py", "django-admin"}:
        return False
    return argv[1] in KEYLESS_COMMANDS and not any(arg.startswith("--deploy") for arg in argv[2:])


SECRET_KEY = env("SECRET_KEY") or (DEMO_SECRET_KEY if DEMO else "")
if not SECRET_KEY and keyless_command(sys.argv):
    SECRET_KEY = "keyless-command-" + secrets.token_urlsafe(50)
if not SECRET_KEY or (SECRET_KEY == DEMO_SECRET_KEY and not DEMO):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set (or is the published demo key). Set SECRET_KEY in the environment to a long "
        "random value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))', or set DEMO=1 to "
        "run the demo (DEBUG on, a published key, never on a reachable server); `make demo` does."
    )
ALLOWED_HOSTS = [
    host.strip() for host in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if host.strip()
]
CSRF_TRUSTED_ORIGINS = [origin for origin in env("CSRF_TRUSTED_ORIGINS", "").split(",") if origin]

INSTALLED_APPS = [
    # django_dramatiq sets the broker when it loads: keep it before the
    # apps that declare actors.
    "django_dramatiq",
    "home",
    "aquatiris_portal",
    "wagtail_modeladmin",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_email",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Wagtail's site look-up from the cache (optional, aquatiris_portal/sites.py).
    "aquatiris_portal.sites.CachedSiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After OTPMiddleware and MessageMiddleware: idle timeout, then no path
    # into the admin or the pro space without the second factor.
    "aquatiris_portal.accounts.middleware.IdleTimeoutMiddleware",
    "aquatiris_portal.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "example_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "example_site.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=int(env("CONN_MAX_AGE", "60"))
    )
}
# The demo's in-process worker writes from another thread than the request:
# SQLite in WAL mode lets readers go on while one writer works, the busy
# timeout makes writers wait their turn, and IMMEDIATE transactions take the
# write lock up front (no "database is locked" when a read turns into a write).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
# Read by the integration tests' PostgreSQL too (tests/integration/conftest.py).
DATABASE_POSTGRESQL_OPTIONS = (
    {"server_side_binding": True, "prepare_threshold": int(env("DATABASE_PREPARE_THRESHOLD", "5"))}
    if env_bool("DATABASE_SERVER_SIDE_BINDING", True)
    else {}
)
# Wagtail's database search backend uses PostgreSQL's full-text fields there.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    INSTALLED_APPS.append("django.contrib.postgres")
    # Server-side binding sends the parameters apart from the SQL, so psycopg
    # prepares a statement once it has run DATABASE_PREPARE_THRESHOLD times on
    # a connection and PostgreSQL stops planning it on every request (with
    # CONN_MAX_AGE): 0.5-1.6 ms less PostgreSQL time per portal screen. Off
    # with DATABASE_SERVER_SIDE_BINDING=0 behind a PgBouncer in transaction mode
    # older than 1.21 or without max_prepared_statements (docs/operations.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(DATABASE_POSTGRESQL_OPTIONS)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT") or BASE_DIR / "static_collected"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Personal documents: a local folder outside MEDIA_ROOT by default, S3 when a
# bucket is configured (django-storages reads the AWS_* variables itself).
AQUATIRIS_PORTAL_PRIVATE_ROOT = env("AQUATIRIS_PORTAL_PRIVATE_ROOT", str(BASE_DIR / "private"))
# « Voir comme un client »: editors may view the space as the demo's first client.
AQUATIRIS_PORTAL_VIEW_AS_TEST_CLIENTS = ["C-10001"]
# Sync with the internal system (docs/operations.md, "The schedule"): where exports arrive, how
# often the schedule looks, where outbox events go and the shared secret.
AQUATIRIS_PORTAL_SYNC_SOURCE = env("AQUATIRIS_PORTAL_SYNC_SOURCE") or None
AQUATIRIS_PORTAL_SYNC_INTERVAL_MINUTES = int(env("AQUATIRIS_PORTAL_SYNC_INTERVAL_MINUTES", "5"))
AQUATIRIS_PORTAL_OUTBOX_URL = env("AQUATIRIS_PORTAL_OUTBOX_URL") or None
AQUATIRIS_PORTAL_OUTBOX_SECRET = env("AQUATIRIS_PORTAL_OUTBOX_SECRET") or None
if env("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["aquatiris_portal_private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME", "us-east-1"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            "signature_version": "s3v4",
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", "path"),
        },
    }

# Background jobs: Redis when REDIS_URL is set, else an in-process broker
# whose worker runs inside the demo server (the package's development mode,
# AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS, aquatiris_portal/devworker.py).
REDIS_URL = env("REDIS_URL")
DRAMATIQ_MIDDLEWARE = [
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.TimeLimit",
    "dramatiq.middleware.Callbacks",
    "dramatiq.middleware.Retries",
    "django_dramatiq.middleware.DbConnectionsMiddleware",
    # Lets the portal's sync_tick run every minute under a periodiq scheduler.
    "periodiq.PeriodiqMiddleware",
]
if REDIS_URL:
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.redis.RedisBroker",
        "OPTIONS": {"url": REDIS_URL},
        "MIDDLEWARE": DRAMATIQ_MIDDLEWARE,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.stub.StubBroker",
        "OPTIONS": {},
        "MIDDLEWARE": DRAMATIQ_MIDDLEWARE,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Start a worker thread inside runserver when there is no Redis (DEBUG only:
# a system check refuses it otherwise).
AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = env_bool("AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS", not REDIS_URL) and DEBUG

# Email: printed to the terminal unless an SMTP host is given.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Aquatiris <no-reply@aquatiris.example>")
# MAILERS on Django 6.1, the EMAIL_* settings before it (mail_settings.py).
globals().update(mail_settings.from_environment(env, env_bool))

WAGTAIL_SITE_NAME = "Aquatiris"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_SERVE_METHOD = "serve_view"  # private collections stay private
# No Gravatar in the admin: staff email hashes are not sent to a third party
# (and the production CSP allows images and connections to this site only).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor does the admin ask releases.wagtail.org for a new version from staff browsers.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

LOGIN_URL = "aquatiris_portal:login"
WAGTAILADMIN_LOGIN_URL = "aquatiris_portal:login"
# Private Wagtail documents and pages send people to the portal's login
# (throttled, second factor), not to Wagtail's own /_util/login/.
WAGTAIL_FRONTEND_LOGIN_URL = "aquatiris_portal:login"
# Log in with the email (any case). ModelBackend stays for sessions and
# tools that name it; both run one password hash, found or not.
AUTHENTICATION_BACKENDS = [
    "aquatiris_portal.accounts.backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = "/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session lasts 12 hours at most (ASVS 3.3.2): the cookie, and the portal's
# absolute limit from the login (AQUATIRIS_PORTAL_SESSION_MAX_SECONDS, which
# does not slide with activity); AQUATIRIS_PORTAL_SESSION_IDLE_SECONDS ends
# idle ones sooner.
SESSION_COOKIE_AGE = 12 * 3600
AQUATIRIS_PORTAL_SESSION_MAX_SECONDS = SESSION_COOKIE_AGE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A link's token in a logged path (a CSRF failure or a 404 on a reply
    # link, an activation link...) is replaced by [redacted] before any
    # handler writes it. The package also puts this filter on Django's
    # loggers that write paths; on the handlers it covers every record.
    "filters": {"redact_tokens": {"()": "aquatiris_portal.log_filters.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]}},
    "loggers": {
        "aquatiris_portal": {"handlers": ["console"], "level": env("PORTAL_LOG_LEVEL", "INFO")},
        # Django's own security warnings (bad Host headers, CSRF failures,
        # suspicious operations) and the portal's security log
        # (aquatiris_portal.security, under the logger above) reach the
        # console, i.e. the server's log.
        "django.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Refused and failed requests (4xx warnings, 5xx errors with their
        # traceback) reach the server's log, tokens redacted (the site sets
        # no ADMINS: Django's mail_admins would send nothing).
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
