"""The headers of a personal file are set by ``storage.serve_private_file``
itself, not by a middleware or a decorator that happens to wrap the view
today: the function is called directly here (no middleware, no
``never_cache``), for a local file and for the S3 redirect (a real
django-storages ``S3Storage``: presigning is local, no network).

Each promise is one assertion on one header, so removing that header's
line from ``serve_private_file`` fails its test."""

from types import SimpleNamespace
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.http import Http404

from aquatiris_portal.storage import private_storage, serve_private_file

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HOSTILE_NAME = 'rapport"; filename=evil.html\r\nX-Injected: 1 é.pdf'

S3 = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        "bucket_name": "portal-private",
        "endpoint_url": "https://s3.example.test",
        "region_name": "eu-west-3",
        "access_key": "AKIDEXAMPLE",
        "secret_key": "not-a-secret",
        "default_acl": "private",
        "querystring_auth": True,
        "signature_version": "s3v4",
    },
}


def _row():
    """The access log's row the function saves (a stand-in: these tests use no database)."""
    return SimpleNamespace(save=lambda: None)


@pytest.fixture
def local_file(settings, tmp_path):
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path)
    name = private_storage.save("documents/rapport.pdf", ContentFile(PDF))
    return SimpleNamespace(name=name)


@pytest.fixture
def s3(settings):
    settings.STORAGES = {**settings.STORAGES, "aquatiris_portal_private": S3}
    settings.AQUATIRIS_PORTAL_PRESIGNED_URL_SECONDS = 60
    return SimpleNamespace(name="documents/rapport.pdf")


def local(fieldfile, filename="rapport.pdf", content_type="application/pdf", disposition="attachment"):
    response = serve_private_file(
        fieldfile, filename=filename, content_type=content_type, disposition=disposition, access=_row()
    )
    # The file only (response.close() would send request_finished, which touches the database).
    if getattr(response, "file_to_stream", None) is not None:
        response.file_to_stream.close()
    return response


def presigned_query(response):
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.netloc in ("s3.example.test", "portal-private.s3.example.test")
    return {key: values[0] for key, values in parse_qs(url.query).items()}


SERVERS = ["local", "s3"]


@pytest.fixture(params=SERVERS)
def served(request):
    """serve(filename=..., content_type=..., disposition=...) -> response, on either storage."""
    fieldfile = request.getfixturevalue("local_file" if request.param == "local" else "s3")

    def serve(filename="rapport.pdf", content_type="application/pdf", disposition="attachment"):
        return local(fieldfile, filename, content_type, disposition)

    serve.kind = request.param
    return serve


# --- the headers every answer carries, local or S3 ---------------------------------


def test_never_sniffed(served):
    assert served()["X-Content-Type-Options"] == "nosniff"


def test_never_stored_by_a_cache(served):
    directives = {part.strip() for part in served()["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


def test_never_run_as_a_page_if_opened(served):
    policy = served()["Content-Security-Policy"]
    directives = {part.strip() for part in policy.split(";")}
    assert "default-src 'none'" in directives and "sandbox" in directives


# --- the file itself: attachment, with a safe name ----------------------------------


def test_a_local_file_is_streamed_as_an_attachment_of_its_type(local_file):
    response = serve_private_file(
        local_file, filename="rapport.pdf", content_type="application/pdf", disposition="attachment", access=_row()
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    response.file_to_stream.close()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="rapport.pdf"'


def test_html_asked_inline_is_still_an_attachment(served):
    """Only PDF and images may be shown inline; HTML or SVG never is."""
    for content_type in ("text/html", "image/svg+xml", "application/octet-stream"):
        response = served(filename="page.html", content_type=content_type, disposition="inline")
        disposition = (
            response["Content-Disposition"]
            if served.kind == "local"
            else presigned_query(response)["response-content-disposition"]
        )
        assert disposition.startswith("attachment;"), (content_type, disposition)


def test_a_hostile_filename_cannot_add_a_header_nor_rename_the_file(served):
    response = served(filename=HOSTILE_NAME)
    if served.kind == "local":
        disposition = response["Content-Disposition"]
        assert "X-Injected" not in response
    else:
        disposition = presigned_query(response)["response-content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith("attachment;")
    # Not ASCII: RFC 5987 form, every special character percent-encoded.
    assert disposition.startswith("attachment; filename*=utf-8''"), disposition
    encoded = disposition.split("''", 1)[1]
    assert all(c not in encoded for c in ' ";\r\n'), encoded
    assert unquote(encoded) == HOSTILE_NAME


def test_a_missing_local_file_is_a_404(settings, tmp_path):
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path)
    with pytest.raises(Http404):
        serve_private_file(
            SimpleNamespace(name="documents/gone.pdf"),
            filename="gone.pdf",
            content_type="application/pdf",
            disposition="attachment",
            access=_row(),
        )
    with pytest.raises(Http404):
        serve_private_file(
            None, filename="x.pdf", content_type="application/pdf", disposition="attachment", access=_row()
        )


# --- S3: a short presigned redirect carrying the disposition and type ---------------


def test_s3_redirects_to_a_presigned_url_that_dies_in_a_minute(s3):
    response = local(s3)
    query = presigned_query(response)
    assert query["X-Amz-Expires"] == "60"
    assert query["response-content-disposition"] == 'attachment; filename="rapport.pdf"'
    assert query["response-content-type"] == "application/pdf"
    assert "X-Amz-Signature" in query
    # The redirect itself carries no body to sniff nor to cache.
    assert response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"


def test_the_presigned_lifetime_is_the_setting(s3, settings):
    settings.AQUATIRIS_PORTAL_PRESIGNED_URL_SECONDS = 30
    assert presigned_query(local(s3))["X-Amz-Expires"] == "30"
