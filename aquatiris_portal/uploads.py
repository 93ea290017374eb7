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

Whatever parses the bytes runs in a child process under hard limits
(``filecheck``: AQUATIRIS_PORTAL_FILE_CHECK_SECONDS of CPU and wall-clock
time, AQUATIRIS_PORTAL_FILE_CHECK_MEMORY_BYTES of memory): a file whose
check does not finish within them is refused (``bounded_check``), so no
file holds a worker longer, whatever its bytes. The files of one form share
AQUATIRIS_PORTAL_FILE_CHECK_FORM_SECONDS (``form_budget``): once spent, the
files left are refused unread.
"""

import contextvars
import decimal
import logging
import mimetypes
import os
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils import formats
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from .conf import app_settings
from .filecheck import verdicts
from .filecheck.runner import check_file

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
# What a file picker offers for each kind (extensions and types).
_KIND_ACCEPT = {
    "pdf": (".pdf", "application/pdf"),
    "jpeg": (".jpg", ".jpeg", "image/jpeg"),
    "png": (".png", "image/png"),
    "heic": (".heic", ".heif", "image/heic", "image/heif"),
    "docx": (".docx", KINDS["docx"][0]),
}


# --- what a file field tells people --------------------------------------------
# Built from the limits the checks below enforce (the same ``allowed`` and the
# UPLOAD_* settings), so the help can never promise what the check refuses.

_SIZE_UNITS = (
    (1 << 30, lambda: pgettext("file size", "%(size)s GB")),
    (1 << 20, lambda: pgettext("file size", "%(size)s MB")),
    (1 << 10, lambda: pgettext("file size", "%(size)s KB")),
)


def size_text(size: int | float, up: bool = False) -> str:
    """A size in bytes as people read it, in the active language: « 10 Mo »,
    « 2,5 Mo », one decimal at most. Rounded down for a limit (never more than
    the check accepts), up for a refused file's size (never seems within it)."""
    size = max(int(size), 0)
    rounding = decimal.ROUND_UP if up else decimal.ROUND_DOWN
    for base, template in _SIZE_UNITS:
        if size >= base:
            value = (decimal.Decimal(size) / base).quantize(decimal.Decimal("0.1"), rounding=rounding)
            places = 0 if value == value.to_integral_value() else 1
            return template() % {"size": formats.number_format(value, places, use_l10n=True)}
    return ngettext("%(size)s byte", "%(size)s bytes", size) % {"size": size}


def kinds_text(allowed: Iterable[str]) -> str:
    """« PDF, JPEG, PNG ou HEIC »: each accepted kind, once, in the order given."""
    labels = [_KIND_LABELS[kind] for kind in dict.fromkeys(allowed)]
    if len(labels) == 1:
        return labels[0]
    return _("%(items)s or %(last)s") % {"items": ", ".join(labels[:-1]), "last": labels[-1]}


def limits_help(
    allowed: Iterable[str] = PHOTO_AND_PDF, max_files: int | None = None, max_bytes: int | None = None
) -> str:
    """One sentence saying what a file field takes: « Jusqu'à 5 fichiers de
    10 Mo chacun : PDF, JPEG, PNG ou HEIC. » Pass the ``allowed`` the field is
    checked with; the count and size default to the settings the checks read."""
    max_files = max_files or app_settings.UPLOAD_MAX_FILES
    max_bytes = max_bytes or app_settings.UPLOAD_MAX_BYTES
    return ngettext(
        "One file of up to %(size)s: %(kinds)s.",
        "Up to %(count)s files of up to %(size)s each: %(kinds)s.",
        max_files,
    ) % {
        "count": formats.number_format(max_files, use_l10n=True),
        "size": size_text(max_bytes),
        "kinds": kinds_text(allowed),
    }


def accept_attribute(allowed: Iterable[str]) -> str:
    """The file input's ``accept``: the same kinds the check accepts."""
    return ",".join(item for kind in dict.fromkeys(allowed) for item in _KIND_ACCEPT[kind])


def sniff(head: bytes) -> str | None:
    """The kind of a file from its first bytes, or None (reads a bounded head:
    call it with at most a few kilobytes)."""
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


def _is_docx(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") and (b"word/" in head or b"[Content_Types].xml" in head)


def read_head(uploaded: IO[bytes], size: int = 8192) -> bytes:
    uploaded.seek(0)
    head = uploaded.read(size)
    uploaded.seek(0)
    return head


def _read_all(uploaded: IO[bytes]) -> bytes:
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    return data


# --- the bounded check ----------------------------------------------------------

# When the checks of the files of one form must be done (monotonic clock),
# set by ``form_budget``; None outside one.
_form_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "aquatiris_portal_file_check_deadline", default=None
)


@contextmanager
def form_budget(seconds: float | None = None) -> Iterator[None]:
    """The checks run inside share ``seconds`` (default the setting
    FILE_CHECK_FORM_SECONDS) of wall clock: a form of five files holds its
    worker no longer than one. Nested budgets keep the outer deadline."""
    if _form_deadline.get() is not None:
        yield
        return
    seconds = app_settings.FILE_CHECK_FORM_SECONDS if seconds is None else seconds
    token = _form_deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _form_deadline.reset(token)


def _unchecked(kind: str, name: str, size: int, why: str) -> ValidationError:
    logger.warning("Refused %s file %r of %d bytes: its check did not finish (%s)", kind, name, size, why)
    return ValidationError(
        _("“%(name)s” could not be checked in time: please save it again as a PDF or a JPEG photo and send it again.")
        % {"name": name},
        code="unchecked",
    )


def bounded_check(kind: str, data: bytes, name: str = "", max_pixels: int | None = None) -> dict[str, Any]:
    """The verdict (``filecheck.verdicts``) on ``data`` checked as ``kind`` in
    a child process under the settings' limits (and what is left of the
    form's budget). A check that did not finish (time, memory, a crash), or
    that no time is left for, raises the ValidationError ``unchecked``; the
    caller turns the other verdicts into its own messages."""
    seconds = app_settings.FILE_CHECK_SECONDS
    deadline = _form_deadline.get()
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _unchecked(kind, name, len(data), "the form's budget was spent on its other files")
        seconds = min(seconds, left)
    result = check_file(
        kind,
        data,
        seconds=seconds,
        memory_bytes=app_settings.FILE_CHECK_MEMORY_BYTES,
        max_pixels=max_pixels or app_settings.UPLOAD_MAX_PIXELS,
    )
    if result["code"] in verdicts.UNCHECKED:
        raise _unchecked(kind, name, len(data), f"{result['code']}, {result['detail']} after {result['elapsed']:.1f} s")
    return result


# --- PDF ----------------------------------------------------------------------


def check_pdf(uploaded: File) -> None:
    """Refuse a PDF that is corrupt, encrypted, active or also a web page
    (the rules: ``filecheck.pdf``)."""
    name = uploaded.name or ""
    result = bounded_check("pdf", _read_all(uploaded), name)
    code = result["code"]
    if code == verdicts.POLYGLOT:
        logger.warning("Refused PDF %r: it also holds HTML markup (polyglot)", name)
        raise ValidationError(
            _(
                "“%(name)s” is not a plain PDF file: it also holds web page code. "
                "Please send the PDF as your software saves it."
            )
            % {"name": name},
            code="polyglot",
        )
    if code == verdicts.ENCRYPTED:
        raise ValidationError(
            _("“%(name)s” is protected by a password. Please send a PDF without protection.") % {"name": name},
            code="encrypted",
        )
    if code == verdicts.CORRUPT:
        logger.info("Refused unreadable PDF %r: %s", name, result["detail"])
        raise ValidationError(
            _("“%(name)s” is not a readable PDF file. Please check it opens on your computer and send it again.")
            % {"name": name},
            code="corrupt",
        )
    if code == verdicts.ACTIVE:
        logger.warning("Refused PDF %r with active content: %s", name, result["detail"])
        raise ValidationError(
            _(
                "“%(name)s” contains active content (scripts, automatic actions or embedded files), which the "
                "portal does not accept. Please print it again as a PDF (“Print” then “Save as PDF”) and send "
                "the new file."
            )
            % {"name": name},
            code="active_pdf",
        )


# Kept for callers of the earlier name.
check_pdf_opens = check_pdf


# --- images -------------------------------------------------------------------


def _megapixels(pixels: float) -> str:
    return f"{round(pixels / 1_000_000, 1):g}"


def clean_image(uploaded: File, kind: str, max_pixels: int | None = None) -> tuple[ContentFile, str]:
    """Check an image and return a clean copy: ``(file, kind)``.

    The size in pixels is read from the header and checked before anything
    is decoded; the image is then decoded and encoded again without its
    metadata, a HEIC as a JPEG (``filecheck.images``). The clean copy is
    the child's bytes: what is stored and mailed.
    """
    max_pixels = max_pixels or app_settings.UPLOAD_MAX_PIXELS
    name = uploaded.name or ""
    result = bounded_check(kind, _read_all(uploaded), name, max_pixels=max_pixels)
    code = result["code"]
    if code == verdicts.BOMB:
        logger.warning("Refused image %r: decompression bomb", name)
        raise ValidationError(
            _(
                "“%(name)s” is refused: this small file would unpack into a gigantic image (a “decompression "
                "bomb”). Please send an ordinary photo."
            )
            % {"name": name},
            code="bomb",
        )
    if code == verdicts.TOO_MANY_PIXELS:
        logger.warning("Refused image %r: %s", name, result["detail"])
        raise ValidationError(
            _(
                "“%(name)s” is too large an image (%(pixels)s megapixels; the limit is %(limit)s). "
                "Please send a smaller photo."
            )
            % {"name": name, "pixels": _megapixels(result["pixels"]), "limit": _megapixels(max_pixels)},
            code="too_many_pixels",
        )
    if code is not None:
        logger.info("Refused unreadable image %r: %s", name, result["detail"])
        raise ValidationError(not_a_photo_message(name), code="corrupt")
    return ContentFile(result["data"], name=name), result["kind"]


# --- one file, a list of files -------------------------------------------------

PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".jpe", ".png", ".heic", ".heif")


def _named_as_photo(name: str | None) -> bool:
    return os.path.splitext(name or "")[1].lower() in PHOTO_EXTENSIONS


def not_a_photo_message(name: str | None) -> str:
    return _("“%(name)s”: this file is not a readable photo. Save it again as JPEG or send a PDF.") % {"name": name}


def _check_size_and_kind(uploaded: File, allowed: Sequence[str], max_bytes: int | None) -> str:
    max_bytes = max_bytes or app_settings.UPLOAD_MAX_BYTES
    if uploaded.size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is too large (%(size)s). The limit is %(limit)s per file.")
            % {"name": uploaded.name, "size": size_text(uploaded.size, up=True), "limit": size_text(max_bytes)},
            code="too_large",
        )
    if uploaded.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": uploaded.name}, code="empty")
    kind = sniff(read_head(uploaded))
    if kind not in allowed and allowed == PDF_ONLY:
        # A photo of a page, or a Word file, where a scan is asked for.
        raise ValidationError(
            _("“%(name)s” is not a PDF: save your scan as a PDF, then send it again.") % {"name": uploaded.name},
            code="bad_type",
        )
    if kind not in allowed and _named_as_photo(uploaded.name):
        # Said of the photo the person believes they chose, what to do first.
        raise ValidationError(not_a_photo_message(uploaded.name), code="bad_type")
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("“%(name)s” is not an accepted file. Accepted: %(kinds)s.")
            % {"name": uploaded.name, "kinds": ", ".join(_KIND_LABELS[k] for k in allowed)},
            code="bad_type",
        )
    return kind


def checked_file(
    uploaded: File, allowed: Sequence[str] = PHOTO_AND_PDF, max_bytes: int | None = None
) -> tuple[File, str, str]:
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


def validate_upload(
    uploaded: File, allowed: Sequence[str] = PHOTO_AND_PDF, max_bytes: int | None = None
) -> tuple[str, str]:
    """Check one uploaded file; return (kind, content_type). Raises ValidationError.

    For photos, use ``checked_file``: it also gives the clean copy to store.
    """
    _file, kind, content_type = checked_file(uploaded, allowed=allowed, max_bytes=max_bytes)
    return kind, content_type


def validate_uploads(
    files: Sequence[File],
    allowed: Sequence[str] = PHOTO_AND_PDF,
    max_files: int | None = None,
    max_bytes: int | None = None,
) -> list[tuple[File, str, str]]:
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
    with form_budget():
        for uploaded in files:
            try:
                checked.append(checked_file(uploaded, allowed=allowed, max_bytes=max_bytes))
            except ValidationError as error:
                errors.extend(error.error_list)  # with their codes
    if errors:
        raise ValidationError(errors)
    return checked


# The longest base name kept, in UTF-8 bytes: a file system takes 255 bytes
# a name, and 80 characters of "𝐑" (4 bytes each) were 320.
_BASE_MAX_BYTES = 160
_SLASHES = re.compile(r"[/\\]+")
# Python's own table, not the host's /etc/mime.types: the same names on every host.
_FILE_TYPES = mimetypes.MimeTypes()


def _is_file_type(extension: str) -> bool:
    return extension.lower() in (*PHOTO_EXTENSIONS, ".pdf", ".docx") or bool(_FILE_TYPES.guess_type(f"f{extension}")[0])


def safe_filename(name: str | None, kind: str) -> str:
    """A stored name: the person's base name, the extension of the real kind.

    ``name`` is an upload's name (the browser sent its base name) or a
    document's title ("Contrôle du 12/03/2024", "Devis AQ/22/0457 v1.2"):
    its slashes are hyphens, not folders, and only a file type's extension
    is taken off ("v1.2" and "2024.001" stay)."""
    # NFC first: a Mac sends "été" as e + combining accents, which
    # get_valid_filename would drop ("ete"), leaving Windows' "été" as it is.
    name = _SLASHES.sub("-", unicodedata.normalize("NFC", name or ""))
    root, extension = os.path.splitext(name)
    base = (root if _is_file_type(extension) else name)[:80]
    try:
        base = get_valid_filename(base).lstrip(".-")  # never a hidden file (".pdf.pdf") nor an option
    except Exception:
        base = ""
    base = base.encode("utf-8")[:_BASE_MAX_BYTES].decode("utf-8", "ignore")
    return f"{base or 'fichier'}.{KINDS[kind][1]}"
