"""A ZIP written file by file, in chunks: no file of it is ever whole in memory.

Each member is read from the private storage (``storage.open``: a local
file, or an S3 object whose body boto3 streams) ``CHUNK`` bytes at a time
into ``zipfile``'s write stream, which writes them to ``output`` (a
temporary file on disk). The caller then hands that file to the storage,
which copies it in chunks too (S3: a multipart upload).
"""

import copy
import re
import unicodedata
import zipfile
from pathlib import PurePosixPath

CHUNK = 1024 * 1024

# Characters some systems refuse in a file name, and control characters.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


class TooLarge(Exception):
    """The archive would pass its size limit (the caller tells the person)."""


def safe_name(text, fallback="document"):
    """A file or folder name that means the same on Windows, macOS and Linux,
    and never climbs out of its folder (no ``..``, no slash)."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", str(text or ""))).strip(" .")
    return name[:120] or fallback


def _body(handle):
    """What to read ``handle``'s bytes from, chunk by chunk. django-storages'
    S3File downloads the whole object into memory on its first read; its
    object's body (boto3's StreamingBody) gives the bytes as they arrive."""
    s3_object = getattr(handle, "obj", None)
    if s3_object is not None and callable(getattr(s3_object, "get", None)):
        return s3_object.get()["Body"]
    return handle


def bounded_storage(storage):
    """``storage`` for saving a large file with bounded memory: on S3, a copy
    whose multipart upload holds one part of 5 MB (S3's smallest) in memory
    at a time (boto3's default reads up to ten of 8 MB ahead); any other
    storage as it is."""
    if getattr(storage, "transfer_config", None) is None and not hasattr(storage, "bucket_name"):
        return storage
    # boto3 only when the storage is S3: a local-files site need not import it.
    from boto3.s3.transfer import TransferConfig

    bounded = copy.copy(storage)
    config = TransferConfig(max_concurrency=1, multipart_chunksize=5 * 1024 * 1024)
    config.max_in_memory_upload_chunks = 1  # s3transfer's own knob (not an argument of boto3's class)
    bounded.transfer_config = config
    return bounded


class ArchiveWriter:
    """``with ArchiveWriter(output, max_bytes) as archive: archive.add_file(...)``."""

    def __init__(self, output, max_bytes):
        self.zip = zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True)
        self.max_bytes = max_bytes
        self.written = 0
        self.names = []
        self._taken = set()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.zip.close()

    def unique_name(self, folder, name):
        """``folder/name``, numbered (« name (2).pdf ») if already in the archive."""
        path = PurePosixPath(*(part for part in (folder, name) if part))
        candidate, number = str(path), 2
        while candidate.casefold() in self._taken:
            candidate = str(path.with_name(f"{path.stem} ({number}){path.suffix}"))
            number += 1
        self._taken.add(candidate.casefold())
        return candidate

    def _count(self, size):
        self.written += size
        if self.written > self.max_bytes:
            raise TooLarge(self.written)

    def add_bytes(self, arcname, data, *, date_time=None):
        self._count(len(data))
        info = zipfile.ZipInfo(arcname, date_time=date_time or (1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        self.names.append(arcname)

    def add_stored_file(self, arcname, storage, name, *, date_time=None):
        """Copy ``name`` of ``storage`` into the archive in chunks; False if the
        file is missing from the storage (logged by the caller, left out)."""
        try:
            source = storage.open(name, "rb")
        except FileNotFoundError:
            return False
        info = zipfile.ZipInfo(arcname, date_time=date_time or (1980, 1, 1, 0, 0, 0))
        # PDFs and photos are compressed already: stored, not deflated again.
        info.compress_type = zipfile.ZIP_STORED
        with source, self.zip.open(info, "w", force_zip64=True) as target:
            reader = _body(source)
            for chunk in iter(lambda: reader.read(CHUNK), b""):
                self._count(len(chunk))
                target.write(chunk)
        self.names.append(arcname)
        return True
