"""The internal system's signed "an export is ready" push (sync/push.py)."""

import json
import posixpath
import re
import shutil
import subprocess
import time
import types
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from aquatiris_portal.models import Client, PortalDocument
from aquatiris_portal.security_log.models import SecurityEvent
from aquatiris_portal.sync import push as push_module
from aquatiris_portal.sync.importer import import_source
from aquatiris_portal.sync.models import ImportedExport, ImportRun
from aquatiris_portal.sync.push import Refused, check_inside, sign
from tests.exports import make_pdf, sha256, write_export

ROOT = Path(__file__).resolve().parents[3]
SECRET = "push-secret-for-tests"
QUEUE = "aquatiris_sync"


@pytest.fixture(autouse=True)
def _push_on(settings, tmp_path):
    settings.AQUATIRIS_PORTAL_PUSH_SECRET = SECRET
    settings.AQUATIRIS_PORTAL_SYNC_SOURCE = str(tmp_path / "exports")
    (tmp_path / "exports").mkdir()
    cache.clear()
    yield
    cache.clear()


def url():
    return reverse("aquatiris_portal:sync_export_ready")


def headers(body, *, timestamp=None, secret=SECRET):
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"HTTP_X_AQUATIRIS_TIMESTAMP": str(timestamp), "HTTP_X_AQUATIRIS_SIGNATURE": sign(timestamp, body, secret)}


def push(payload=None, *, http=None, extra=None, **sign_kw):
    body = json.dumps(payload if payload is not None else {"sequence": 1}).encode()
    meta = headers(body, **sign_kw)
    meta.update(extra or {})
    return (http or HttpClient()).post(url(), body, content_type="application/json", **meta)


def messages(broker):
    from dramatiq import Message

    return [Message.decode(raw) for raw in broker.queues[QUEUE].queue] if QUEUE in broker.queues else []


def queued(broker):
    return [message.actor_name for message in messages(broker)]


def s3_event(bucket, key):
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": 80}},
            }
        ]
    }


# -- accepted ----------------------------------------------------------------


@pytest.mark.django_db
def test_good_signature_answers_202_and_enqueues_one_import_of_the_configured_source(stub_broker, settings):
    response = push({"source": settings.AQUATIRIS_PORTAL_SYNC_SOURCE + "/export-000001/", "sequence": 1})
    assert response.status_code == 202, response.content
    assert response.json() == {"status": "accepted"}
    sent = messages(stub_broker)
    assert [m.actor_name for m in sent] == ["import_exports"]
    assert tuple(sent[0].args) == (settings.AQUATIRIS_PORTAL_SYNC_SOURCE,)


@pytest.mark.django_db
def test_csrf_token_is_not_required(stub_broker):
    assert push(http=HttpClient(enforce_csrf_checks=True)).status_code == 202


@pytest.mark.django_db
def test_get_is_405(stub_broker):
    assert HttpClient().get(url()).status_code == 405
    assert queued(stub_broker) == []


@pytest.mark.django_db
def test_without_a_push_secret_the_url_is_a_404(stub_broker, settings):
    settings.AQUATIRIS_PORTAL_PUSH_SECRET = None
    assert push(secret="anything").status_code == 404
    assert queued(stub_broker) == []


# -- refused -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case", ["wrong secret", "no signature", "no timestamp", "no headers", "body changed", "timestamp changed"]
)
def test_a_call_not_signed_with_the_secret_is_refused_401_and_enqueues_nothing(stub_broker, case):
    body = b'{"sequence": 1}'
    meta = headers(body, secret="not-the-secret" if case == "wrong secret" else SECRET)
    if case in ("no signature", "no headers"):
        del meta["HTTP_X_AQUATIRIS_SIGNATURE"]
    if case in ("no timestamp", "no headers"):
        del meta["HTTP_X_AQUATIRIS_TIMESTAMP"]
    if case == "body changed":
        body = b'{"sequence": 2}'
    if case == "timestamp changed":
        meta["HTTP_X_AQUATIRIS_TIMESTAMP"] = str(int(meta["HTTP_X_AQUATIRIS_TIMESTAMP"]) + 1)
    response = HttpClient().post(url(), body, content_type="application/json", **meta)
    assert response.status_code == 401
    assert "error" in response.json()
    assert queued(stub_broker) == []


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [-301, 301, -86400, 86400])
def test_a_timestamp_outside_the_window_on_either_side_is_refused(stub_broker, offset, monkeypatch):
    # The receiver's clock held still: one second off the window's edge must not
    # depend on how long the request takes on a loaded machine.
    now = float(int(time.time()))
    monkeypatch.setattr(push_module, "time", types.SimpleNamespace(time=lambda: now))
    assert push(timestamp=int(now) + offset).status_code == 403
    assert queued(stub_broker) == []


@pytest.mark.django_db
def test_the_window_is_a_setting(stub_broker, settings):
    settings.AQUATIRIS_PORTAL_PUSH_WINDOW_SECONDS = 30
    assert push(timestamp=int(time.time()) - 60).status_code == 403
    assert push(timestamp=int(time.time()) - 10).status_code == 202


@pytest.mark.django_db
def test_a_replayed_call_is_refused_409(stub_broker):
    body = b'{"sequence": 1}'
    meta = headers(body)
    assert HttpClient().post(url(), body, content_type="application/json", **meta).status_code == 202
    again = HttpClient().post(url(), body, content_type="application/json", **meta)
    assert again.status_code == 409
    assert again.json() == {"error": "replayed"}
    assert queued(stub_broker) == ["import_exports"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "source",
    [
        "{root}/../elsewhere/",
        "{root}/export-1/../../etc/",
        "/etc/",
        "/",
        "{root}-evil/",
        "export-000001/",
        "s3://another-bucket/exports/",
        "{root}/a\\..\\..\\b",
        42,
        "",
    ],
)
def test_a_source_outside_the_configured_one_is_refused(stub_broker, settings, source):
    root = settings.AQUATIRIS_PORTAL_SYNC_SOURCE
    source = source.format(root=root) if isinstance(source, str) else source
    response = push({"source": source, "sequence": 1})
    assert response.status_code in (400, 403)
    assert queued(stub_broker) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "root,source",
    [
        ("s3://exports-bucket/portal/", "s3://other-bucket/portal/export-1/"),
        ("s3://exports-bucket/portal/", "s3://exports-bucket/portal-evil/export-1/"),
        ("s3://exports-bucket/portal/", "s3://exports-bucket/portal/../secret/"),
        ("s3://exports-bucket/portal/", "/srv/exports/"),
    ],
)
def test_an_s3_source_must_be_the_configured_bucket_and_prefix(stub_broker, settings, root, source):
    settings.AQUATIRIS_PORTAL_SYNC_SOURCE = root
    assert push({"source": source}).status_code == 403
    assert queued(stub_broker) == []


@pytest.mark.django_db
def test_128_bad_calls_in_a_minute_write_one_security_row_with_their_count(stub_broker, settings, monkeypatch):
    settings.AQUATIRIS_PORTAL_TOKEN_REFUSAL_LIMIT = {"refused": 0, "minutes": 15}  # no throttle here
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)  # one minute, whatever the machine's speed
    for _ in range(128):
        assert push(secret="wrong").status_code == 401
    rows = list(SecurityEvent.objects.filter(details__route="sync_push"))
    assert len(rows) == 1
    # Exact up to 64, then brought up to date every 64 (security_log/refusals.py).
    assert rows[0].details["count"] == 128


@pytest.mark.django_db
def test_an_address_with_too_many_refusals_is_throttled_even_with_a_good_signature(stub_broker, settings):
    settings.AQUATIRIS_PORTAL_TOKEN_REFUSAL_LIMIT = {"refused": 5, "minutes": 15}
    for _ in range(5):
        assert push(secret="wrong").status_code == 401
    assert push().status_code == 429
    assert queued(stub_broker) == []
    other = HttpClient(REMOTE_ADDR="192.0.2.99")
    assert push(http=other).status_code == 202  # another address is not blocked


SEGMENTS = st.sampled_from(["exports", "export-1", "..", ".", "", "etc", "exports-evil", "a\\b", "x\x00"])


@given(
    root=st.lists(st.sampled_from(["srv", "exports", "portal"]), min_size=1, max_size=3),
    keep=st.integers(0, 3),
    tail=st.lists(SEGMENTS, max_size=5),
    s3=st.booleans(),
)
def test_an_accepted_source_always_lies_under_the_root(root, keep, tail, s3):
    """Whatever the segments, a source check_inside lets through names the
    root or a folder under it, once resolved as a file system or S3 would."""
    pushed = root[:keep] + tail  # often starts like the root, then anything
    root_spec = ("s3://bucket/" if s3 else "/") + "/".join(root) + "/"
    source = ("s3://bucket/" if s3 else "/") + "/".join(pushed)
    try:
        check_inside(source, root_spec)
    except Refused:
        return
    resolved = posixpath.normpath("/" + source.removeprefix("s3://bucket/").lstrip("/"))
    assert (resolved + "/").startswith("/" + "/".join(root) + "/")
    assert "\\" not in source and "\x00" not in source


# -- S3 event notifications -----------------------------------------------------


@pytest.mark.django_db
def test_an_s3_event_for_a_manifest_under_the_prefix_starts_the_import(stub_broker, settings):
    settings.AQUATIRIS_PORTAL_SYNC_SOURCE = "s3://exports-bucket/portal/"
    response = push(s3_event("exports-bucket", "portal/export+000042/manifest.json"))
    assert response.status_code == 202
    assert [tuple(m.args) for m in messages(stub_broker)] == [("s3://exports-bucket/portal/",)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bucket,key",
    [
        ("other-bucket", "portal/export-1/manifest.json"),
        ("exports-bucket", "elsewhere/export-1/manifest.json"),
        ("exports-bucket", "portal/%2E%2E/x/manifest.json"),
    ],
)
def test_an_s3_event_outside_the_prefix_is_refused(stub_broker, settings, bucket, key):
    settings.AQUATIRIS_PORTAL_SYNC_SOURCE = "s3://exports-bucket/portal/"
    assert push(s3_event(bucket, key)).status_code == 403
    assert queued(stub_broker) == []


@pytest.mark.django_db
def test_an_unsigned_s3_event_is_refused(stub_broker, settings):
    settings.AQUATIRIS_PORTAL_SYNC_SOURCE = "s3://exports-bucket/portal/"
    body = json.dumps(s3_event("exports-bucket", "portal/e/manifest.json"))
    assert HttpClient().post(url(), body, content_type="application/json").status_code == 401
    assert queued(stub_broker) == []


# -- with the worker: imported, once ---------------------------------------------


def _document_export(root, sequence):
    pdf = make_pdf("Rapport de visite")
    return write_export(
        root,
        sequence,
        [
            {
                "type": "document",
                "id": "D-PUSH",
                "installation": "I-PUSH",
                "title": "Rapport poussé",
                "file": "files/D-PUSH.pdf",
                "sha256": sha256(pdf),
                "visible_to": ["client"],
            },
        ],
        files={"files/D-PUSH.pdf": pdf},
    )


@pytest.mark.django_db(transaction=True)
def test_a_push_imports_the_export_and_two_pushes_import_it_once(stub_broker, worker, settings, tmp_path):
    from wagtail.models import Site

    from aquatiris_portal.pages.client_space import ClientSpacePage
    from tests import factories
    from tests.unit.pages.test_client_space import BASE

    root = Path(settings.AQUATIRIS_PORTAL_SYNC_SOURCE)
    write_export(
        root,
        1,
        [
            {"type": "client", "id": "C-PUSH", "code": "CLI-PUSH", "last_name": "Poussé", "email": "push@example.org"},
            {"type": "installation", "id": "I-PUSH", "client": "C-PUSH", "reference": "AQ-PUSH"},
        ],
    )
    import_source(root)
    # An earlier transaction=True test may have flushed Wagtail's default site.
    from django.conf import settings as django_settings
    from wagtail.models import Locale, Page

    Locale.objects.get_or_create(language_code=django_settings.LANGUAGE_CODE)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        home = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        site = Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    http = HttpClient()
    http.force_login(factories.client_user(Client.objects.get(external_id="C-PUSH")))
    installation = Client.objects.get(external_id="C-PUSH").installations.get()
    page = f"{BASE}installations/{installation.pk}/documents/"
    assert "Rapport poussé" not in http.get(page).content.decode()
    _document_export(root, 2)

    started = time.perf_counter()
    sent_at = int(time.time())
    assert push({"source": str(root / "export-000002"), "sequence": 2}, timestamp=sent_at).status_code == 202
    # The relay sends it again, signed anew (a second earlier: another signature, even if a second passed).
    assert push({"source": str(root / "export-000002"), "sequence": 2}, timestamp=sent_at - 1).status_code == 202
    stub_broker.join(QUEUE)
    worker.join()
    visible = "Rapport poussé" in http.get(page).content.decode()
    elapsed = time.perf_counter() - started
    print(f"\nPOST to document on the client's documents page: {elapsed * 1000:.0f} ms")  # reported, not asserted
    assert visible
    assert PortalDocument.objects.filter(external_id="D-PUSH").count() == 1
    assert ImportedExport.objects.filter(sequence=2).count() == 1
    assert ImportRun.objects.filter(sequence=2).count() == 1  # the second job found it imported


# -- the sender's snippets in the docs ---------------------------------------------


def _block(text, marker, language):
    found = re.findall(
        rf"<!-- begin {re.escape(marker)} -->\n```{language}\n(.*?)```\n<!-- end {re.escape(marker)} -->", text, re.S
    )
    assert len(found) == 1, f"{marker} must be quoted once"
    return found[0]


def snippet(marker, language):
    return _block((ROOT / "docs" / "exchange-format.md").read_text(encoding="utf-8"), marker, language)


class _Answer:
    def __init__(self, response):
        self.status = response.status_code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.django_db
def test_the_python_snippet_of_the_docs_is_accepted(stub_broker, monkeypatch, settings):
    import urllib.request

    sent = []

    def urlopen(request, timeout=None):
        meta = {
            "HTTP_" + name.upper().replace("-", "_"): value
            for name, value in request.header_items()
            if name.lower().startswith("x-aquatiris")
        }
        sent.append(
            HttpClient().post(
                request.full_url.replace("https://portail.example.org", ""),
                request.data,
                content_type="application/json",
                **meta,
            )
        )
        return _Answer(sent[-1])

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    namespace = {}
    exec(compile(snippet("push-sender.py", "python"), "push-sender.py", "exec"), namespace)
    status = namespace["export_ready"](
        "https://portail.example.org/portail/sync/exports/ready/",
        SECRET.encode(),
        42,
        settings.AQUATIRIS_PORTAL_SYNC_SOURCE + "/export-000042/",
    )
    assert status == 202, sent[-1].content
    assert queued(stub_broker) == ["import_exports"]


@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl not installed")
def test_the_shell_snippet_of_the_docs_is_accepted(stub_broker):
    script = snippet("push-sender.sh", "sh")
    # curl replaced by a function that prints its arguments, one a line.
    out = subprocess.run(
        ["bash", "-c", "curl() { printf '%s\\n' \"$@\"; }\n" + script],
        check=True,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "AQUATIRIS_PORTAL_PUSH_SECRET": SECRET},
    ).stdout.splitlines()
    meta = {}
    for i, arg in enumerate(out):
        if arg == "-H" and out[i + 1].lower().startswith("x-aquatiris"):
            name, _sep, value = out[i + 1].partition(": ")
            meta["HTTP_" + name.upper().replace("-", "_")] = value
    body = out[out.index("--data-binary") + 1].encode()
    response = HttpClient().post(url(), body, content_type="application/json", **meta)
    assert response.status_code == 202, response.content
    assert queued(stub_broker) == ["import_exports"]
