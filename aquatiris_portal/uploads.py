"""Checks every uploaded file goes through before anything is stored.

Files are judged by their content, never by their name: the first bytes
say what a file is, and a PDF must also open. Each failure raises a
ValidationError whose message tells the person what to do.

- A PDF must open, without a password, and hold no active content (script,
  automatic action, embedded file, rich media, XFA form) and no web page
  code: such a PDF is refused, never rewritten (``check_pdf``).
- An image is refused above AQUATIRIS_PORTAL_UPLOAD_MAX_PIXELS before it
  is decoded, then decoded and encoded again without its metadata (EXIF,
  GPS, XMP), the orientation applied; a HEIC becomes a JPEG
  (``clean_image``). The clean copy is what is stored and mailed.
"""

import io
import logging
import os
import re
import warnings

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pillow_heif import register_heif_opener
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from .conf import app_settings

logger = logging.getLogger(__name__)

# kind -> (content type, extension)
KINDS = {
    "pdf": ("application/pdf", "pdf"),
    "jpeg": ("image/jpeg", "jpg"),
    "png": ("image/png", "png"),
    "heic": ("image/heic", "heic"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}
PHOTO_AND_PDF = ("pdf", "jpeg", "png", "heic")
PDF_ONLY = ("pdf",)

_KIND_LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG", "heic": "HEIC", "docx": "Word (DOCX)"}


def sniff(head):
    """The kind of a file from its first bytes, or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.mime == "image/jpeg":
        return "jpeg"
    if kind.mime == "image/png":
        return "png"
    if kind.mime in ("image/heic", "image/heif"):
        return "heic"
    if kind.mime in ("application/zip", KINDS["docx"][0]) and _is_docx(head):
        return "docx"
    return None


def _is_docx(head):
    return head.startswith(b"PK\x03\x04") and (b"word/" in head or b"[Content_Types].xml" in head)


def read_head(uploaded, size=8192):
    uploaded.seek(0)
    head = uploaded.read(size)
    uploaded.seek(0)
    return head


def _read_all(uploaded):
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    return data


# --- PDF ----------------------------------------------------------------------

# Names that make a PDF do something by itself: run a script, start a
# program, carry another file, play rich media, send a form, build an XFA
# form. A PDF holding any of them is refused (not rewritten): nothing active
# is stored, served or mailed, and the person is told how to get a plain PDF.
_ACTIVE_KEYS = frozenset({
    "/JavaScript", "/JS", "/AA", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent", "/RichMediaSettings",
})
_ACTIVE_VALUES = frozenset({
    "/JavaScript", "/Launch", "/EmbeddedFile", "/RichMedia", "/RichMediaExecute", "/SubmitForm", "/ImportData",
    "/GoToE", "/Rendition",
})
# Objects looked at in one PDF before giving up (a 10 MB PDF has far fewer).
_MAX_PDF_OBJECTS = 200_000
# The same names, looked for in the file's bytes outside its streams (a
# second look that does not depend on how pypdf rebuilt a broken file).
_RAW_ACTIVE = re.compile(
    rb"/(JavaScript|JS|AA|Launch|EmbeddedFiles?|EF|RichMedia\w*|XFA|SubmitForm|ImportData|GoToE)(?![A-Za-z0-9])"
)
_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Markup that makes a file also readable as a web page (a PDF/HTML polyglot).
_MARKUP = re.compile(rb"<\s*(script|html|body|iframe|svg|object|embed|!doctype\s+html)\b", re.IGNORECASE)


class _TooComplex(Exception):
    pass


def pdf_active_content(reader):
    """The names of active content a parsed PDF holds (empty: none).

    Walks every object reachable from the trailer and every object of the
    cross-reference table, so nothing hidden in an object stream or left
    unreferenced is missed. An ``/OpenAction`` that only opens a page (a
    destination or a GoTo action) is not active; any other is.
    """
    found = set()
    stack = [reader.trailer]
    for generation, numbers in (reader.xref or {}).items():
        stack.extend(IndirectObject(number, generation, reader) for number in numbers)
    stack.extend(IndirectObject(number, 0, reader) for number in (reader.xref_objStm or {}))
    seen = set()
    steps = 0
    while stack:
        obj = stack.pop()
        steps += 1
        if steps > _MAX_PDF_OBJECTS:
            raise _TooComplex
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # streams too: their dictionary
            for key, value in obj.items():
                if key in _ACTIVE_KEYS:
                    found.add(str(key))
                if key == "/OpenAction":
                    action = value.get_object() if isinstance(value, IndirectObject) else value
                    if isinstance(action, DictionaryObject) and action.get("/S") != "/GoTo":
                        found.add("/OpenAction")
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
        elif isinstance(obj, NameObject) and obj in _ACTIVE_VALUES:
            found.add(str(obj))
    return found


def _outside_streams(data):
    text = _STREAM.sub(b" ", data)
    return _NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), text)


def check_pdf(uploaded):
    """Refuse a PDF that is corrupt, encrypted, active or also a web page."""
    data = _read_all(uploaded)
    name = uploaded.name
    plain = _outside_streams(data)
    if _MARKUP.search(plain):
        logger.warning("Refused PDF %r: it also holds HTML markup (polyglot)", name)
        raise ValidationError(
            _("“%(name)s” is not a plain PDF file: it also holds web page code. "
              "Please send the PDF as your software saves it.") % {"name": name},
            code="polyglot",
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("“%(name)s” is protected by a password. Please send a PDF without protection.")
                % {"name": name},
                code="encrypted",
            )
        if len(reader.pages) < 1:
            raise ValueError("no page")
        active = pdf_active_content(reader)
    except ValidationError:
        raise
    except (_TooComplex, RecursionError):
        active = {"(too complex to check)"}
    except Exception as error:  # pypdf raises many kinds on broken files
        logger.info("Refused unreadable PDF %r: %s", name, error)
        raise ValidationError(
            _("“%(name)s” is not a readable PDF file. Please check it opens on your computer and send it again.")
            % {"name": name},
            code="corrupt",
        )
    active |= {"/" + match.decode() for match in _RAW_ACTIVE.findall(plain)}
    if active:
        logger.warning("Refused PDF %r with active content: %s", name, ", ".join(sorted(active)))
        raise ValidationError(
            _("“%(name)s” contains active content (scripts, automatic actions or embedded files), which the "
              "portal does not accept. Please print it again as a PDF (“Print” then “Save as PDF”) and send "
              "the new file.") % {"name": name},
            code="active_pdf",
        )


# Kept for callers of the earlier name.
check_pdf_opens = check_pdf


# --- images -------------------------------------------------------------------

def _register_heif():
    register_heif_opener()


_PILLOW_FORMATS = {"jpeg": ["JPEG", "MPO"], "png": ["PNG"], "heic": ["HEIF"]}


def _megapixels(pixels):
    return "%g" % round(pixels / 1_000_000, 1)


def clean_image(uploaded, kind, max_pixels=None):
    """Check an image and return a clean copy: ``(file, kind)``.

    The size in pixels is read from the header and checked before anything
    is decoded. The image is then decoded (a corrupt one is refused) and
    encoded again with the orientation applied and no metadata: no EXIF,
    no GPS position, no XMP, no comment. A HEIC photo becomes a JPEG, which
    every mailbox opens. Only the colour profile is kept.
    """
    max_pixels = max_pixels or app_settings.UPLOAD_MAX_PIXELS
    name = uploaded.name
    if kind == "heic":
        _register_heif()
    unreadable = ValidationError(
        _("“%(name)s” is not a readable image. Please send a JPEG, PNG or HEIC photo.") % {"name": name},
        code="corrupt",
    )
    data = _read_all(uploaded)
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own limit; ours below is the one that counts.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Only the decoder of the kind sniffed: no other parser gets the bytes.
            image = Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[kind])  # reads the header only
    except Image.DecompressionBombError:
        logger.warning("Refused image %r: decompression bomb", name)
        raise ValidationError(
            _("“%(name)s” is refused: this small file would unpack into a gigantic image (a “decompression "
              "bomb”). Please send an ordinary photo.") % {"name": name},
            code="bomb",
        )
    except Exception as error:  # Pillow raises many kinds
        logger.info("Refused unreadable image %r: %s", name, error)
        raise unreadable
    try:
        width, height = image.size
        if width * height > max_pixels:
            logger.warning("Refused image %r: %sx%s pixels", name, width, height)
            raise ValidationError(
                _("“%(name)s” is too large an image (%(pixels)s megapixels; the limit is %(limit)s). "
                  "Please send a smaller photo.")
                % {"name": name, "pixels": _megapixels(width * height), "limit": _megapixels(max_pixels)},
                code="too_many_pixels",
            )
        try:
            image.load()
            icc_profile = image.info.get("icc_profile")
            clean = ImageOps.exif_transpose(image)
        except Exception as error:
            logger.info("Refused unreadable image %r: %s", name, error)
            raise unreadable
        clean.info = {}
        out_kind = "png" if kind == "png" else "jpeg"
        buffer = io.BytesIO()
        options = {"icc_profile": icc_profile} if icc_profile else {}
        if out_kind == "jpeg":
            if clean.mode not in ("RGB", "L", "CMYK"):
                clean = clean.convert("RGB")
            clean.save(buffer, "JPEG", quality=90, **options)
        else:
            clean.save(buffer, "PNG", **options)
    finally:
        image.close()
    return ContentFile(buffer.getvalue(), name=name), out_kind


# --- one file, a list of files -------------------------------------------------

def _check_size_and_kind(uploaded, allowed, max_bytes):
    max_bytes = max_bytes or app_settings.UPLOAD_MAX_BYTES
    if uploaded.size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is too large (%(size)s). The limit is %(limit)s per file.")
            % {"name": uploaded.name, "size": filesizeformat(uploaded.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    if uploaded.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": uploaded.name}, code="empty")
    kind = sniff(read_head(uploaded))
    if kind not in allowed:
        raise ValidationError(
            _("“%(name)s” is not an accepted file. Accepted: %(kinds)s.")
            % {"name": uploaded.name, "kinds": ", ".join(_KIND_LABELS[k] for k in allowed)},
            code="bad_type",
        )
    return kind


def checked_file(uploaded, allowed=PHOTO_AND_PDF, max_bytes=None):
    """Check one file; return ``(file to store, kind, content type)``.

    The file to store is the upload itself for a PDF, and a clean copy for
    a photo (``clean_image``): store and mail that one, never the upload.
    """
    kind = _check_size_and_kind(uploaded, allowed, max_bytes)
    if kind == "pdf":
        check_pdf(uploaded)
    elif kind in ("jpeg", "png", "heic"):
        uploaded, kind = clean_image(uploaded, kind)
    return uploaded, kind, KINDS[kind][0]


def validate_upload(uploaded, allowed=PHOTO_AND_PDF, max_bytes=None):
    """Check one uploaded file; return (kind, content_type). Raises ValidationError.

    For photos, use ``checked_file``: it also gives the clean copy to store.
    """
    _file, kind, content_type = checked_file(uploaded, allowed=allowed, max_bytes=max_bytes)
    return kind, content_type


def validate_uploads(files, allowed=PHOTO_AND_PDF, max_files=None, max_bytes=None):
    """Check a list of files (count, then each); return [(file, kind, content_type)].

    Each ``file`` is what to store and mail (a photo's clean copy).
    """
    max_files = max_files or app_settings.UPLOAD_MAX_FILES
    if len(files) > max_files:
        raise ValidationError(
            _("You can attach at most %(max)s files; you chose %(count)s.") % {"max": max_files, "count": len(files)},
            code="too_many",
        )
    checked, errors = [], []
    for uploaded in files:
        try:
            checked.append(checked_file(uploaded, allowed=allowed, max_bytes=max_bytes))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return checked


def safe_filename(name, kind):
    """A stored name: the person's base name, the extension of the real kind."""
    base = os.path.splitext(os.path.basename(name or ""))[0][:80] or "fichier"
    try:
        base = get_valid_filename(base)
    except Exception:
        base = "fichier"
    return f"{base}.{KINDS[kind][1]}"
