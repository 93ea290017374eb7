"""Checks every uploaded file goes through before anything is stored.

Files are judged by their content, never by their name: the first bytes
say what a file is, and a PDF must also open. Each failure raises a
ValidationError whose message tells the person what to do.
"""

import io
import logging

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

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


def check_pdf_opens(uploaded):
    """A PDF that is corrupt or encrypted is refused."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("“%(name)s” is protected by a password. Please send a PDF without protection.")
                % {"name": uploaded.name},
                code="encrypted",
            )
        if len(reader.pages) < 1:
            raise ValueError("no page")
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        logger.info("Refused unreadable PDF %r: %s", uploaded.name, error)
        raise ValidationError(
            _("“%(name)s” is not a readable PDF file. Please check it opens on your computer and send it again.")
            % {"name": uploaded.name},
            code="corrupt",
        )


def check_image_opens(uploaded, kind):
    from PIL import Image

    if kind == "heic":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    uploaded.seek(0)
    try:
        with Image.open(uploaded) as image:
            image.verify()
    except Exception as error:  # Pillow raises many kinds
        logger.info("Refused unreadable image %r: %s", uploaded.name, error)
        raise ValidationError(
            _("“%(name)s” is not a readable image. Please send a JPEG, PNG or HEIC photo.") % {"name": uploaded.name},
            code="corrupt",
        )
    finally:
        uploaded.seek(0)


def validate_upload(uploaded, allowed=PHOTO_AND_PDF, max_bytes=None):
    """Check one uploaded file; return (kind, content_type). Raises ValidationError."""
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
    if kind == "pdf":
        check_pdf_opens(uploaded)
    elif kind in ("jpeg", "png", "heic"):
        check_image_opens(uploaded, kind)
    return kind, KINDS[kind][0]


def validate_uploads(files, allowed=PHOTO_AND_PDF, max_files=None, max_bytes=None):
    """Check a list of files (count, then each); return [(file, kind, content_type)]."""
    max_files = max_files or app_settings.UPLOAD_MAX_FILES
    if len(files) > max_files:
        raise ValidationError(
            _("You can attach at most %(max)s files; you chose %(count)s.") % {"max": max_files, "count": len(files)},
            code="too_many",
        )
    checked, errors = [], []
    for uploaded in files:
        try:
            kind, content_type = validate_upload(uploaded, allowed=allowed, max_bytes=max_bytes)
        except ValidationError as error:
            errors.extend(error.messages)
        else:
            checked.append((uploaded, kind, content_type))
    if errors:
        raise ValidationError(errors)
    return checked


def safe_filename(name, kind):
    """A stored name: the person's base name, the extension of the real kind."""
    import os

    from django.utils.text import get_valid_filename

    base = os.path.splitext(os.path.basename(name or ""))[0][:80] or "fichier"
    try:
        base = get_valid_filename(base)
    except Exception:
        base = "fichier"
    return f"{base}.{KINDS[kind][1]}"
