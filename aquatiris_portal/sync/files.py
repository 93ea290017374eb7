"""The files of an export's documents: checked and copied into the private storage.

A file is read once, as a stream, through a spooled temporary file: its
sha256 must be the record's, its content (not its name) a PDF or a DOCX.
The kind is read from the first 8 KiB (bounded work); a DOCX's zip is
inspected (size unpacked, Word parts, no macros) in a child process under
the file-check limits (``uploads.bounded_check``), so no file of an export
holds the sync longer than AQUATIRIS_PORTAL_FILE_CHECK_SECONDS.
It is stored under a name derived from the record and the bytes, so a
rerun after a crash finds the file it had written instead of writing
another (or writes again one a kill left half-written: its size is not the
record's), and a file whose sha256 did not change is not copied again.
"""

import hashlib
import posixpath
import tempfile

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _

from ..filecheck import verdicts
from ..storage import private_storage
from ..uploads import KINDS, bounded_check, safe_filename, sniff
from .sources import BadFilePath, shown
from .validation import Rejected

ACCEPTED_FILE_KINDS = ("pdf", "docx")
FILE_COLUMNS = ("file", "filename", "content_type", "size", "sha256")
NO_FILE = {"file": "", "filename": "", "content_type": "", "size": 0, "sha256": ""}
_CHUNK = 1024 * 1024
_SPOOL_BYTES = 8 * 1024 * 1024


def file_values(export, record, current):
    """(values of FILE_COLUMNS, copied) of a document record; ``current``:
    the portal's row (a dict) or None. Raises Rejected."""
    if not record.get("file"):
        return dict(NO_FILE), False
    if current and current["file"] and current["sha256"] == record["sha256"]:
        # Same bytes as last time: nothing to copy.
        return {name: current[name] for name in FILE_COLUMNS}, False
    name, kind, size, copied = copy_file(export, record)
    return {
        "file": name,
        "filename": safe_filename(record["title"], kind),
        "content_type": KINDS[kind][0],
        "size": size,
        "sha256": record["sha256"],
    }, copied


def _check_docx(data, path):
    """Raises Rejected unless the DOCX's zip is a plain Word document."""
    try:
        result = bounded_check("docx", data, shown(path))
    except ValidationError:
        raise Rejected(
            _(
                "The file “%(path)s” could not be checked in time (a damaged or hostile document?): "
                "save it again and export it again."
            )
            % {"path": shown(path)}
        ) from None
    if result["code"] == verdicts.ACTIVE:
        raise Rejected(
            _("The Word document “%(path)s” holds macros or ActiveX controls, which the portal does not accept.")
            % {"path": shown(path)}
        )
    if result["code"] is not None:
        raise Rejected(
            _("The file “%(path)s” is not a readable Word (DOCX) document (%(reason)s).")
            % {"path": shown(path), "reason": result["detail"]}
        )


def copy_file(export, record):
    """Check and copy one file into the private storage; returns
    (name, kind, size, copied). Raises Rejected with the reason."""
    path = record["file"]
    try:
        source = export.open_file(path)
    except FileNotFoundError:
        raise Rejected(_("The file “%(path)s” is missing from the export.") % {"path": shown(path)}) from None
    except BadFilePath as refused:
        raise Rejected(refused.reason) from refused
    digest, size = hashlib.sha256(), 0
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        try:
            for chunk in iter(lambda: source.read(_CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
                spool.write(chunk)
        except BadFilePath as refused:  # read beyond the size limit
            raise Rejected(refused.reason) from refused
        finally:
            source.close()
        actual = digest.hexdigest()
        if actual != record["sha256"]:
            raise Rejected(
                _(
                    "The file “%(path)s” does not match its sha256 (expected %(expected)s, found %(actual)s): "
                    "it may be damaged or incomplete."
                )
                % {"path": path, "expected": record["sha256"], "actual": actual}
            )
        spool.seek(0)
        kind = sniff(spool.read(8192))
        if kind not in ACCEPTED_FILE_KINDS:
            raise Rejected(
                _("The file “%(path)s” is not a PDF or a Word (DOCX) document (checked by its content).")
                % {"path": path}
            )
        if kind == "docx":
            spool.seek(0)
            _check_docx(spool.read(), path)
        key = hashlib.sha256(f"{record['id']}\0{actual}".encode()).hexdigest()[:32]
        name = f"documents/sync/{key[:2]}/{key}/{safe_filename(posixpath.basename(path), kind)}"
        copied = False
        if private_storage.exists(name) and private_storage.size(name) != size:
            # Left half-written by a copy that was killed (a local storage
            # writes in place): written again, under the same name.
            private_storage.delete(name)
        if not private_storage.exists(name):
            spool.seek(0)
            name = private_storage.save(name, File(spool, name=posixpath.basename(name)))
            copied = True
    return name, kind, size, copied
