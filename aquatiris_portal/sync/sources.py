"""Where exports are read from: a local folder or ``s3://bucket/prefix/``.

A SOURCE holds exports, each a folder with ``manifest.json``,
``records.jsonl`` and ``files/``. A SOURCE that is itself an export (has a
``manifest.json``) is a source of one export. Everything is read as a
stream: ``records.jsonl`` line by line, files in chunks.

An export reads only its own files. A path in a record is relative, with
``/`` between folders and no ``..``, backslash or NUL (``clean_relative_path``).
A local export opens every part of a path itself, without following a
symbolic link, and opens regular files only (a FIFO or a device would block
or never end); an S3 export reads only keys under its prefix. A line of
``records.jsonl`` longer than AQUATIRIS_PORTAL_SYNC_MAX_LINE_BYTES is not
kept in memory: it is yielded as a ``LineTooLong`` (the line is quarantined),
and a file is read no further than AQUATIRIS_PORTAL_SYNC_MAX_FILE_BYTES.
"""

import errno
import io
import json
import os
import posixpath
import stat
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from ..conf import app_settings
from .validation import manifest_errors

MANIFEST = "manifest.json"
RECORDS = "records.jsonl"
FORMAT = "aquatiris-exchange/1"
MANIFEST_MAX_BYTES = 64 * 1024
_CHUNK = 1024 * 1024


class ExportError(Exception):
    """An export that cannot be read at all (bad manifest, no records)."""


class BadFilePath(ValueError):
    """A file of a record that the export may not read; ``reason`` says why."""

    def __init__(self, path, reason):
        super().__init__(reason)
        self.path, self.reason = path, reason


class LineTooLong:
    """Stands for a line of records.jsonl above the limit: its first bytes and its size."""

    def __init__(self, head, size, limit):
        self.head, self.size, self.limit = head, size, limit


def shown(path):
    """A path as a reason may quote it (no NUL, bounded)."""
    return str(path).replace("\x00", "\\0")[:300]


def clean_relative_path(path):
    """A file path inside the export; raises BadFilePath (with the reason)
    for an absolute path, ``..``, a backslash or a NUL."""
    if not isinstance(path, str) or not path:
        raise BadFilePath(path, _("The file path “%(path)s” is empty.") % {"path": shown(path)})
    if "\x00" in path:
        raise BadFilePath(path, _("The file path “%(path)s” contains a NUL character.") % {"path": shown(path)})
    if "\\" in path:
        raise BadFilePath(
            path,
            _("The file path “%(path)s” contains a backslash: folders are separated by “/”.") % {"path": shown(path)},
        )
    if path.startswith("/"):
        raise BadFilePath(
            path,
            _("The file path “%(path)s” is absolute: it must be relative to the export folder.")
            % {"path": shown(path)},
        )
    normalised = posixpath.normpath(path)
    if normalised == ".." or normalised.startswith("../") or "/../" in f"/{path}/":
        raise BadFilePath(path, _("The file path “%(path)s” leads outside the export (“..”).") % {"path": shown(path)})
    return normalised


def _too_large(path, limit):
    return BadFilePath(
        path,
        _("The file “%(path)s” is larger than %(limit)s bytes (AQUATIRIS_PORTAL_SYNC_MAX_FILE_BYTES).")
        % {"path": shown(path), "limit": limit},
    )


class BoundedReader:
    """A binary file object that raises BadFilePath once more than ``limit`` bytes were read."""

    def __init__(self, handle, path, limit):
        self.handle, self.path, self.limit, self.read_so_far = handle, path, limit, 0

    def read(self, size=-1):
        data = self.handle.read(size)
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise _too_large(self.path, self.limit)
        return data

    def close(self):
        self.handle.close()


def bounded_lines(handle, limit):
    """Yield (line number, raw line) of a binary stream, or (line number,
    LineTooLong) for a line of more than ``limit`` bytes (end of line not
    counted), which is skipped without being held in memory."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) <= limit or line.endswith(b"\n") and len(line) == limit + 1:
            yield number, line
            continue
        head, size = line[:20_000], len(line)
        while not line.endswith(b"\n"):
            line = handle.readline(_CHUNK)
            if not line:
                break
            size += len(line)
        yield number, LineTooLong(head, size - line.endswith(b"\n"), limit)


def parse_manifest(raw, where):
    try:
        manifest = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ExportError(f"{where}: manifest.json is not valid JSON ({error})") from error
    errors = manifest_errors(manifest)
    if errors:
        raise ExportError(f"{where}: manifest.json is invalid: {'; '.join(errors)}")
    return manifest


class Export:
    """One export of a source; subclasses know how to open its parts."""

    def __init__(self, location, manifest):
        self.location = location
        self.manifest = manifest
        self.sequence = int(manifest["sequence"])

    def __repr__(self):
        return f"<Export #{self.sequence} {self.location}>"

    def lines(self):
        """Yield (line_number, raw bytes line or LineTooLong) of records.jsonl, streaming."""
        raise NotImplementedError

    def open_file(self, relative_path):
        """A binary file object of a file of the export, that reads no more
        than the size limit; FileNotFoundError if absent, BadFilePath if the
        export may not read it."""
        raise NotImplementedError


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just after).
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def open_inside(root, relative_path):
    """Open ``root/relative_path`` for reading, one path part at a time
    (``openat``), following no symbolic link below ``root``, and only if it
    is a regular file. Returns a binary file object."""
    parts = clean_relative_path(relative_path).split("/")
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts[:-1]:
            try:
                inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as error:
                raise _open_error(error, relative_path, part, fd) from error
            os.close(fd)
            fd = inner
        try:
            file_fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
        except OSError as error:
            raise _open_error(error, relative_path, parts[-1], fd) from error
    finally:
        os.close(fd)
    if not stat.S_ISREG(os.fstat(file_fd).st_mode):
        os.close(file_fd)
        raise BadFilePath(
            relative_path, _("The file “%(path)s” is not a regular file.") % {"path": shown(relative_path)}
        )
    os.set_blocking(file_fd, True)
    return os.fdopen(file_fd, "rb")


def _open_error(error, path, part, dir_fd):
    if error.errno == errno.ENOENT:
        return FileNotFoundError(path)
    if error.errno == errno.ENAMETOOLONG:  # a record's mistake, not the export's: quarantined
        return BadFilePath(path, _("The file path “%(path)s” is too long for the file system.") % {"path": shown(path)})
    if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        try:
            is_link = stat.S_ISLNK(os.stat(part, dir_fd=dir_fd, follow_symlinks=False).st_mode)
        except OSError:
            is_link = False
        if is_link:
            return BadFilePath(
                path,
                _("The file “%(path)s” is reached through a symbolic link, which an export may not contain.")
                % {"path": shown(path)},
            )
        return BadFilePath(path, _("The file “%(path)s” is not a regular file.") % {"path": shown(path)})
    return error


class LocalExport(Export):
    def lines(self):
        try:
            handle = open_inside(self.location, RECORDS)
        except FileNotFoundError:
            raise ExportError(f"{self.location}: records.jsonl is missing") from None
        except BadFilePath as error:
            raise ExportError(f"{self.location}: {error.reason}") from error
        with handle:
            yield from bounded_lines(handle, app_settings.SYNC_MAX_LINE_BYTES)

    def open_file(self, relative_path):
        limit = app_settings.SYNC_MAX_FILE_BYTES
        handle = open_inside(self.location, relative_path)
        if os.fstat(handle.fileno()).st_size > limit:
            handle.close()
            raise _too_large(relative_path, limit)
        return BoundedReader(handle, relative_path, limit)


class LocalSource:
    def __init__(self, path):
        self.path = Path(path)
        self.spec = str(path)

    def _manifest(self, folder):
        try:
            with open_inside(folder, MANIFEST) as handle:
                return parse_manifest(handle.read(MANIFEST_MAX_BYTES + 1), folder)
        except FileNotFoundError:
            return None
        except BadFilePath as error:
            raise ExportError(f"{folder}: {error.reason}") from error

    def exports(self):
        if not self.path.is_dir():
            raise ExportError(f"{self.path} is not a folder")
        own = self._manifest(self.path)
        if own is not None:
            return [LocalExport(str(self.path), own)]
        exports = []
        # Exports are real folders of SOURCE: a symbolic link to a folder elsewhere is not one.
        for child in sorted(self.path.iterdir()):
            if child.is_dir() and not child.is_symlink():
                manifest = self._manifest(child)
                if manifest is not None:
                    exports.append(LocalExport(str(child), manifest))
        return sorted(exports, key=lambda export: export.sequence)


def _setting(name):
    return getattr(settings, name, None) or os.environ.get(name) or None


def s3_client():
    """A boto3 client from the host's AWS_* settings, or the environment."""
    # Late: boto3 weighs ~20 MB in every process that imports the sync; only S3 sources need it.
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=_setting("AWS_S3_ENDPOINT_URL"),
        aws_access_key_id=_setting("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=_setting("AWS_SECRET_ACCESS_KEY"),
        region_name=_setting("AWS_S3_REGION_NAME") or "us-east-1",
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": _setting("AWS_S3_ADDRESSING_STYLE") or "path"},
            retries={"max_attempts": 5, "mode": "standard"},
        ),
    )


class _RawBody(io.RawIOBase):
    """A botocore StreamingBody as a raw stream, for io.BufferedReader's bounded readline."""

    def __init__(self, body):
        self.body = body

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self):
        self.body.close()
        super().close()


class S3Export(Export):
    def __init__(self, client, bucket, prefix, manifest):
        super().__init__(f"s3://{bucket}/{prefix}", manifest)
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def key(self, relative_path):
        """The key of a file of the export: under its prefix (no ``..``, no absolute path)."""
        return self.prefix + clean_relative_path(relative_path)

    def lines(self):
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + RECORDS)["Body"]
        except self.client.exceptions.NoSuchKey:
            raise ExportError(f"{self.location}: records.jsonl is missing") from None
        with io.BufferedReader(_RawBody(body), buffer_size=_CHUNK) as handle:
            yield from bounded_lines(handle, app_settings.SYNC_MAX_LINE_BYTES)

    def open_file(self, relative_path):
        limit = app_settings.SYNC_MAX_FILE_BYTES
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.key(relative_path))
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(relative_path) from None
        if found.get("ContentLength", 0) > limit:
            found["Body"].close()
            raise _too_large(relative_path, limit)
        return BoundedReader(found["Body"], relative_path, limit)


class S3Source:
    def __init__(self, spec, client=None):
        rest = spec[len("s3://") :]
        bucket, _sep, prefix = rest.partition("/")
        if not bucket:
            raise ExportError(f"{spec}: no bucket")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.spec, self.bucket, self.prefix = spec, bucket, prefix
        self.client = client or s3_client()

    def _manifest(self, prefix):
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=prefix + MANIFEST)["Body"]
        except self.client.exceptions.NoSuchKey:
            return None
        with body:
            return parse_manifest(body.read(MANIFEST_MAX_BYTES + 1), f"s3://{self.bucket}/{prefix}")

    def exports(self):
        own = self._manifest(self.prefix)
        if own is not None:
            return [S3Export(self.client, self.bucket, self.prefix, own)]
        exports = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"):
            for common in page.get("CommonPrefixes", []):
                if not common["Prefix"].startswith(self.prefix):
                    continue
                manifest = self._manifest(common["Prefix"])
                if manifest is not None:
                    exports.append(S3Export(self.client, self.bucket, common["Prefix"], manifest))
        return sorted(exports, key=lambda export: export.sequence)


def open_source(spec):
    spec = str(spec)
    if spec.startswith("s3://"):
        return S3Source(spec)
    return LocalSource(spec)
