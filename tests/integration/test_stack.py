"""The foundation on the real production stack.

Each test says in its name what it really did; ``make test`` lists them
(``-v``) and ends with the facts they measured (``stack_report``).
"""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from tests import factories
from tests.factories import run_portal_demo
from tests.integration.screens import screenshot_dir  # noqa: E402

from .conftest import ROOT, _stop_process, free_port, stack_env, start_process, wait_until

SCREENSHOTS = screenshot_dir()
TEMPLATES = Path(__file__).parent / "templates"


def fetch(url, headers=None):
    """GET without following redirects: (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.django_db
def test_postgresql_is_djangos_database_and_answers_an_orm_query(postgres, stack_report):
    from django.db import connection

    from aquatiris_portal.models import Client

    assert connection.vendor == "postgresql"
    assert connection.settings_dict["PORT"] == str(postgres.port)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_database()")
        version, database = cursor.fetchone()
    factories.client(email="Anne.Durand@Example.org")
    # Case-insensitive e-mail look-up, as the activation does it, on PostgreSQL.
    assert Client.objects.filter(email__iexact="anne.durand@example.org").count() == 1
    stack_report(f"PostgreSQL answered: {version.split(',')[0]} database={database} port={postgres.port}")
    assert version.startswith("PostgreSQL")


# --------------------------------------------------------------------------- S3 (SeaweedFS)


@pytest.mark.django_db
def test_document_saved_to_seaweedfs_s3_and_read_back_through_download_view_presigned_url(
    s3, s3_private_storage, stack_report
):
    document = factories.document(filename="etude-de-sol.pdf")
    key = document.file.name
    stored = s3.client.get_object(Bucket=s3.bucket, Key=key)["Body"].read()
    assert stored.startswith(b"%PDF") and len(stored) == document.size

    owner = factories.client_user(document.installation.client)
    http = HttpClient()
    factories.otp_login(http, owner)
    response = http.get(reverse("aquatiris_portal:document_download", args=[document.pk]))
    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith(f"{s3.endpoint_url}/{s3.bucket}/")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["60"]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 30

    status, headers, body = fetch(url)
    assert status == 200
    assert body == stored
    assert headers["Content-Disposition"].startswith('attachment; filename="etude-de-sol.pdf"')
    assert headers["Content-Type"] == "application/pdf"

    inline = http.get(reverse("aquatiris_portal:document_view", args=[document.pk]))
    status, headers, body = fetch(inline["Location"])
    assert status == 200 and headers["Content-Disposition"].startswith("inline;") and body == stored
    stack_report(
        f"S3 round trip: {len(stored)} bytes at s3://{s3.bucket}/{key}, presigned for 60 s, read back by urllib"
    )


@pytest.mark.django_db
def test_s3_object_is_refused_without_a_valid_unexpired_signature(s3, s3_private_storage, stack_report):
    document = factories.document()
    plain = f"{s3.endpoint_url}/{s3.bucket}/{document.file.name}"
    assert fetch(plain)[0] == 403  # no public URL: anonymous read refused
    status, _, body = fetch(plain + "?X-Amz-Algorithm=AWS4-HMAC-SHA256")
    assert status == 403 and b"%PDF" not in body

    signed = s3_private_storage.url(document.file.name, expire=60)
    tampered = signed[:-1] + ("0" if signed[-1] != "0" else "1")  # the signature is the last parameter
    assert "X-Amz-Signature=" in signed.rsplit("&", 1)[-1]
    assert tampered != signed and fetch(tampered)[0] == 403
    assert fetch(signed)[0] == 200

    # The server enforces expiry (the view's URLs carry X-Amz-Expires=60).
    short = s3_private_storage.url(document.file.name, expire=1)

    def refused():
        status, _, body = fetch(short)
        return (status, body) if status != 200 else None

    status, body = wait_until(refused, 15, "the presigned URL to expire")
    assert status == 403 and b"%PDF" not in body
    stack_report("S3 refused: unsigned (403), tampered signature (403), expired presigned URL (403)")


# --------------------------------------------------------------------------- Redis, worker, SMTP


@pytest.mark.django_db(transaction=True)
def test_mail_goes_through_redis_to_a_dramatiq_worker_process_and_reaches_the_smtp_sink_once(
    settings, redis_url, worker_process, smtp_sink, stack_report
):
    import dramatiq
    import redis
    from dramatiq.brokers.redis import RedisBroker

    from aquatiris_portal.notifications.mail import queue_mail
    from aquatiris_portal.notifications.models import OutgoingMail
    from aquatiris_portal.notifications.tasks import deliver_mail

    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES]}]
    assert isinstance(deliver_mail.broker, RedisBroker) and deliver_mail.broker is dramatiq.get_broker()
    smtp_sink.clear()
    redis_client = redis.Redis.from_url(redis_url)
    enqueued_before = int(redis_client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))

    mail = queue_mail(
        key="stack-check:1", to=["anne.durand@example.org"], template="stack_check/hello", context={"name": "Anne"}
    )
    deliver_mail.send(mail.pk)  # the same actor message a second time (a duplicate delivery)

    messages = smtp_sink.wait_for(1, timeout=30)
    assert messages, f"no mail reached the sink; worker log:\n{worker_process.log()[-3000:]}"
    wait_until(lambda: OutgoingMail.objects.get(pk=mail.pk).status == OutgoingMail.Status.SENT, 15, "mail status")
    # Let the duplicate be processed (join counts the messages a worker holds
    # too), then check it did not send again.
    wait_until(lambda: dramatiq.get_broker().join("aquatiris_mail", timeout=5_000) is None, 20, "queue drained")
    assert len(smtp_sink.messages) == 1
    assert (
        queue_mail(key="stack-check:1", to=["x@example.org"], template="stack_check/hello", context={"name": "X"}).pk
        == mail.pk
    )  # same key: no second mail row
    dramatiq.get_broker().join("aquatiris_mail", timeout=20_000)
    assert len(smtp_sink.messages) == 1

    message = smtp_sink.messages[0]
    assert message["Subject"] == "Stack check for Anne"
    assert message["To"] == "anne.durand@example.org"
    assert smtp_sink.envelopes[0][1] == ["anne.durand@example.org"]
    assert "went through Redis" in message.get_body(("plain",)).get_content()
    assert "<strong>Anne</strong>" in message.get_body(("html",)).get_content()
    sent = OutgoingMail.objects.get(pk=mail.pk)
    assert sent.attempts == 1 and sent.sent_at is not None
    redis_calls = int(redis_client.info("commandstats")["cmdstat_evalsha"]["calls"]) - enqueued_before
    assert redis_calls > 0  # dramatiq's Redis broker works through Lua scripts
    stack_report(
        f"Redis {redis_url}: 2 actor messages -> worker pid {worker_process.pid} -> 1 mail in the SMTP sink "
        f"({message['Subject']!r}), {redis_calls} broker script calls"
    )


def test_django_smtp_backend_delivers_into_the_sink(smtp_settings, stack_report):
    from django.core.mail import EmailMessage

    EmailMessage("Direct SMTP", "Body", "portal@example.org", ["spanc@example.org"]).send()
    (message,) = smtp_settings.wait_for(1)
    assert message["Subject"] == "Direct SMTP" and message.get_content().strip() == "Body"
    stack_report(f"SMTP sink on {smtp_settings.host}:{smtp_settings.port} received {message['Subject']!r}")


# --------------------------------------------------------------------------- Chromium


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_loads_demo_home_follows_client_space_button_and_screenshots(
    live_server, wagtail_root, page, stack_report
):
    out = StringIO()
    started = time.monotonic()
    run_portal_demo(stdout=out)
    demo_seconds = time.monotonic() - started
    assert "Demo data ready" in out.getvalue()

    page.goto(live_server.url + "/")
    client_button = page.locator(".aqp-access a.aqp-button--primary")
    pro_button = page.locator(".aqp-access a.aqp-button--secondary")
    assert client_button.is_visible() and pro_button.is_visible()
    # They look like buttons (the portal stylesheet is loaded), not bare links.
    for button in (client_button, pro_button):
        box = button.bounding_box()
        assert box["height"] >= 44, box  # touch target
        assert button.evaluate("e => getComputedStyle(e).borderStyle") == "solid"
    assert client_button.get_attribute("href").rstrip("/").endswith("/espace-client")
    assert pro_button.get_attribute("href").rstrip("/").endswith("/espace-pro")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)

    client_button.click()
    page.wait_for_load_state("load")
    landed = urlsplit(page.url)
    # Anonymous: the client space (or the portal login page that guards it).
    assert landed.path.rstrip("/").endswith("/espace-client") or (
        landed.path.startswith("/portail/") and parse_qs(landed.query).get("next") == ["/espace-client/"]
    ), page.url
    assert page.locator("h1").first.is_visible()
    assert page.locator("input[type=password]").count() + page.locator("main a").count() > 0
    page.screenshot(path=str(SCREENSHOTS / "client-space-button.png"), full_page=True)
    stack_report(
        f"Chromium: home {live_server.url}/ -> {page.url} ({page.title()!r}); portal_demo took "
        f"{demo_seconds:.1f} s on PostgreSQL; screenshots in {SCREENSHOTS}"
    )


# --------------------------------------------------------------------------- production settings


def production_env(**extra):
    smtp = extra.get("smtp")
    env = stack_env(database_url=extra.pop("database_url", "sqlite:////tmp/aquatiris-check-deploy.sqlite3"), **extra)
    if smtp:  # the test's SMTP sink speaks no TLS: in clear on purpose (production.py)
        env.update(EMAIL_USE_TLS="0", EMAIL_INSECURE="1")
    env.update(
        DJANGO_SETTINGS_MODULE="example_site.production",
        SECRET_KEY="it-" + "k7Vq2xZp9LmR4tWc8YbN3sFj6HdG1aKe5uQo0iTy" * 2,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PUBLIC_BASE_URL="https://portail.aquatiris.example",
    )  # links in mails: not loopback (W008)
    return env


def test_manage_check_deploy_reports_no_issue_with_production_settings(redis_url, stack_report):
    # Production runs on Redis (broker and shared cache): without it the
    # portal's own checks rightly warn (aquatiris_portal.W002, W007).
    result = subprocess.run(
        [sys.executable, "example_site/manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        # Production mails by SMTP (docs/operations.md); Django 6.1 rejects a console mailer there (mail.E001).
        env={**production_env(redis_url=redis_url), "EMAIL_HOST": "smtp.example.org"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    stack_report(result.stdout.strip())


@pytest.mark.django_db(transaction=True)
def test_anonymous_gets_no_bytes_from_download_view_on_production_stack_under_gunicorn(
    postgres, redis_url, s3, s3_private_storage, smtp_sink, stack_dir, stack_report, wagtail_root
):
    from django.conf import settings
    from wagtail.models import Site

    # A site as every deployment has one (an earlier transactional test may
    # have flushed the one migrate creates).
    Site.objects.get_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": wagtail_root})
    document = factories.document()
    content = s3.client.get_object(Bucket=s3.bucket, Key=document.file.name)["Body"].read()
    env = production_env(
        database_url=postgres.url(settings.DATABASES["default"]["NAME"]), redis_url=redis_url, s3=s3, smtp=smtp_sink
    )
    # As a deployment does: the error pages' styles come from the manifest.
    env["STATIC_ROOT"] = str(stack_dir / "static-download")
    collected = subprocess.run(
        [sys.executable, "example_site/manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert collected.returncode == 0, collected.stderr
    port = free_port()
    server = start_process(
        [
            Path(sys.executable).parent / "gunicorn",
            "example_site.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "2",
            "--graceful-timeout",
            "3",
        ],
        stack_dir / "gunicorn.log",
        env=env,
        cwd=ROOT / "example_site",
    )
    base = f"http://127.0.0.1:{port}"
    behind_https_proxy = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    try:
        wait_until(
            lambda: fetch(base + "/portail/documents/0/", behind_https_proxy)[0] in (302, 404),
            60,
            "gunicorn",
            proc=server,
        )
        seen = []
        for name in ("document_download", "document_view"):
            path = reverse(f"aquatiris_portal:{name}", args=[document.pk])
            status, headers, body = fetch(base + path, behind_https_proxy)
            seen.append((path, status))
            assert status == 302, (path, status)  # anonymous: to the login page, never the bytes
            assert content[:64] not in body and b"%PDF" not in body
            location = headers["Location"]
            assert location.split("?")[0].endswith(reverse("aquatiris_portal:login")) and "next=" in location
            assert s3.endpoint_url not in location and "X-Amz" not in location
        # Through the media URL or guessing the key on S3: nothing either.
        status, _, body = fetch(f"{base}/media/{document.file.name}", behind_https_proxy)
        assert status == 404 and b"%PDF" not in body
        assert fetch(f"{s3.endpoint_url}/{s3.bucket}/{document.file.name}")[0] == 403
        # Plain HTTP is sent to HTTPS before any view runs.
        assert (
            fetch(base + reverse("aquatiris_portal:document_download", args=[document.pk]), {"Host": "127.0.0.1"})[0]
            == 301
        )
    finally:
        _stop_process(server, timeout=5)
    stack_report(f"gunicorn + example_site.production on PostgreSQL/S3: anonymous {seen} -> login, no bytes")
