# append to mysite/settings/base.py
# aquatiris_portal's settings (docs/host_settings.py, quoted verbatim by docs/install.md;
# tests/integration/test_host_install.py applies it to a fresh `wagtail start` site).
import os

# aquatiris_portal first: it names DRAMATIQ_BROKER if that is missing, before
# django_dramatiq (second: it sets the broker the portal's jobs use) would fail on RabbitMQ.
INSTALLED_APPS = ["aquatiris_portal", "django_dramatiq"] + INSTALLED_APPS + [
    "wagtail_modeladmin",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_email",
]
MIDDLEWARE += [  # after SessionMiddleware, AuthenticationMiddleware and MessageMiddleware, in this order
    "django_otp.middleware.OTPMiddleware",
    "aquatiris_portal.accounts.middleware.IdleTimeoutMiddleware",  # AQUATIRIS_PORTAL_SESSION_IDLE_SECONDS
    "aquatiris_portal.accounts.middleware.SecondFactorMiddleware",  # no way into /admin/ without 2FA
]
TEMPLATES[0]["OPTIONS"]["context_processors"].append("wagtail.contrib.settings.context_processors.settings")
AUTHENTICATION_BACKENDS = [
    "aquatiris_portal.accounts.backends.EmailBackend",  # log in with the email, any case
    "django.contrib.auth.backends.ModelBackend",
]
# Every login (the spaces, the Wagtail admin, private pages) is the portal's:
# email, password, and a second factor for staff and SPANC.
LOGIN_URL = "aquatiris_portal:login"
WAGTAILADMIN_LOGIN_URL = "aquatiris_portal:login"
WAGTAIL_FRONTEND_LOGIN_URL = "aquatiris_portal:login"

# The portal's screens and mails are in French.
LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
# The sender of the portal's mails (activation, codes, recaps): an address your SMTP server may send from.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Aquatiris <no-reply@aquatiris.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's address as people type it, for the links in mails and outbox events,
# e.g. https://www.aquatiris.fr. Unset: http://127.0.0.1:8000 under DEBUG, and
# outside DEBUG `manage.py check` warns (aquatiris_portal.W008).
AQUATIRIS_PORTAL_PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
# Personal documents: a private folder, outside MEDIA_ROOT and STATIC_ROOT
# (production may put them on S3: docs/install.md, step 3).
AQUATIRIS_PORTAL_PRIVATE_ROOT = BASE_DIR / "private"

# Background jobs (mails, imports) on dramatiq.
DRAMATIQ_MIDDLEWARE = [
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.TimeLimit",
    "dramatiq.middleware.Callbacks",
    "dramatiq.middleware.Retries",
    "django_dramatiq.middleware.DbConnectionsMiddleware",
    "periodiq.PeriodiqMiddleware",  # the portal's schedule
]
REDIS_URL = os.environ.get("REDIS_URL")  # e.g. redis://127.0.0.1:6379/0
if REDIS_URL:
    # Production: Redis, workers started with `python manage.py rundramatiq`,
    # and a cache shared by every server process (login throttling, content).
    DRAMATIQ_BROKER = {"BROKER": "dramatiq.brokers.redis.RedisBroker", "OPTIONS": {"url": REDIS_URL},
                       "MIDDLEWARE": DRAMATIQ_MIDDLEWARE}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Development: jobs run inside `manage.py runserver`, no Redis needed;
    # refused by a system check (aquatiris_portal.E003) when DEBUG is off.
    DRAMATIQ_BROKER = {"BROKER": "dramatiq.brokers.stub.StubBroker", "OPTIONS": {},
                       "MIDDLEWARE": DRAMATIQ_MIDDLEWARE}
    AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = True
