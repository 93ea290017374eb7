"""The private storage that holds every personal document.

Files on it never get a public URL: the download view asks ``access`` and
then streams the file (local folder) or redirects to a short-lived
presigned URL (S3). ``private_storage`` is a lazy object on ``backend()``
(the host's ``STORAGES[PRIVATE_STORAGE_ALIAS]`` or a local folder), resolved
again whenever those settings change (``override_settings`` in tests).
"""

import logging
import mimetypes
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.functional import LazyObject, empty
from django.utils.http import content_disposition_header

from .conf import app_settings

logger = logging.getLogger(__name__)

# The only types a private file may be shown as inline; anything else (HTML,
# SVG...) is always a download.
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def _local_root():
    root = app_settings.PRIVATE_ROOT
    if root:
        return str(root)
    base = getattr(settings, "BASE_DIR", None) or Path.cwd()
    return str(Path(base) / "private")


_local_cache = {}


def backend():
    """The concrete storage currently configured for private files."""
    alias = app_settings.PRIVATE_STORAGE_ALIAS
    if alias in getattr(settings, "STORAGES", {}):
        return storages[alias]
    root = _local_root()
    if root not in _local_cache:
        # base_url=None: a local private file has no URL at all.
        _local_cache[root] = PrivateFileSystemStorage(location=root)
    return _local_cache[root]


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("Private files have no public URL; use the download view.")


def is_local(storage):
    try:
        storage.path("x")
    except (NotImplementedError, AttributeError):
        return False
    return True


class PrivateStorage(LazyObject):
    """The private storage, as Django's ``default_storage`` is the default
    one: resolved on first use (``backend()``), resolved again when a setting
    it depends on changes (``override_settings``, a test's ``settings``)."""

    def _setup(self):
        self._wrapped = backend()

    def __delattr__(self, name):
        # An attribute set through the proxy (a test's monkeypatch) lives on
        # the backend it was set on; after a settings change the proxy holds
        # another backend, which never had it: nothing left to delete.
        try:
            super().__delattr__(name)
        except AttributeError:
            pass


private_storage = PrivateStorage()


@receiver(setting_changed, dispatch_uid="aquatiris_portal.storage.reset")
def _reset_private_storage(*, setting, **kwargs):
    if setting in ("STORAGES", "BASE_DIR") or setting.startswith("AQUATIRIS_PORTAL_PRIVATE_"):
        private_storage._wrapped = empty


def get_private_storage():
    """Callable given to FileField(storage=...) so migrations stay stable."""
    return private_storage


def serve_private_file(fieldfile, *, filename, content_type, disposition, access):
    """The response for a private file, once the caller has asked ``access``:
    the file streamed (local storage) or a redirect to a short presigned URL
    (S3), never cached, never sniffed, never run as a page.

    ``access`` is the unsaved row of the document access log (built by
    security_log.document_access: who, which file, which route), saved here
    once the file is found: the one place a personal file is handed out is
    the one place its reading is written down. It is required, so no route
    can serve a file without it."""
    if access is None or not callable(getattr(access, "save", None)):
        raise TypeError("serve_private_file needs the access log row (security_log.document_access).")
    if not fieldfile:
        raise Http404
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    inline = disposition == "inline" and content_type in INLINE_TYPES
    header = content_disposition_header(not inline, filename or "document")
    storage = backend()
    if is_local(storage):
        try:
            handle = storage.open(fieldfile.name, "rb")
        except FileNotFoundError:
            logger.error("Private file missing on storage: %s", fieldfile.name)
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
        response["Content-Disposition"] = header
    else:
        url = storage.url(
            fieldfile.name,
            parameters={"ResponseContentDisposition": header, "ResponseContentType": content_type},
            expire=app_settings.PRESIGNED_URL_SECONDS,
        )
        response = HttpResponseRedirect(url)
    access.save()
    response.aquatiris_portal_access = access  # what a rolled-back read (view as a client) writes again
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
