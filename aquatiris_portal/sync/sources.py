"""Where exports are read from: a local folder or ``s3://bucket/prefix/``.

A SOURCE holds exports, each a folder with ``manifest.json``,
``records.jsonl`` and ``files/``. A SOURCE that is itself an export (has a
``manifest.json``) is a source of one export. Everything is read as a
stream: ``records.jsonl`` line by line, files in chunks.
"""

import json
import os
import posixpath
from pathlib import Path

from django.conf import settings

MANIFEST = "manifest.json"
RECORDS = "records.jsonl"
FORMAT = "aquatiris-exchange/1"


class ExportError(Exception):
    """An export that cannot be read at all (bad manifest, no records)."""


class BadFilePath(ValueError):
    pass


def clean_relative_path(path):
    """A file path inside the export; refuses absolute paths and ``..``."""
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
        raise BadFilePath(path)
    normalised = posixpath.normpath(path)
    if normalised.startswith("/") or normalised == ".." or normalised.startswith("../"):
        raise BadFilePath(path)
    return normalised


def parse_manifest(raw, where):
    from .validation import manifest_errors

    try:
        manifest = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ExportError(f"{where}: manifest.json is not valid JSON ({error})")
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
        """Yield (line_number, raw bytes line) of records.jsonl, streaming."""
        raise NotImplementedError

    def open_file(self, relative_path):
        """A binary file object of a file of the export; FileNotFoundError if absent."""
        raise NotImplementedError


class LocalExport(Export):
    def lines(self):
        path = Path(self.location) / RECORDS
        if not path.exists():
            raise ExportError(f"{self.location}: records.jsonl is missing")
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                yield number, line

    def open_file(self, relative_path):
        path = Path(self.location) / clean_relative_path(relative_path)
        if not path.is_file():
            raise FileNotFoundError(relative_path)
        return open(path, "rb")


class LocalSource:
    def __init__(self, path):
        self.path = Path(path)
        self.spec = str(path)

    def exports(self):
        if not self.path.is_dir():
            raise ExportError(f"{self.path} is not a folder")
        folders = [self.path] if (self.path / MANIFEST).exists() else sorted(
            child for child in self.path.iterdir() if child.is_dir() and (child / MANIFEST).exists()
        )
        exports = []
        for folder in folders:
            manifest = parse_manifest((folder / MANIFEST).read_bytes(), folder)
            exports.append(LocalExport(str(folder), manifest))
        return sorted(exports, key=lambda export: export.sequence)


def _setting(name):
    return getattr(settings, name, None) or os.environ.get(name) or None


def s3_client():
    """A boto3 client from the host's AWS_* settings, or the environment."""
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


class S3Export(Export):
    def __init__(self, client, bucket, prefix, manifest):
        super().__init__(f"s3://{bucket}/{prefix}", manifest)
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def lines(self):
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + RECORDS)["Body"]
        except self.client.exceptions.NoSuchKey:
            raise ExportError(f"{self.location}: records.jsonl is missing")
        # iter_lines strips the end of line; a bounded buffer, whatever the size.
        for number, line in enumerate(body.iter_lines(chunk_size=1024 * 1024, keepends=True), start=1):
            yield number, line

    def open_file(self, relative_path):
        key = self.prefix + clean_relative_path(relative_path)
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(relative_path)


class S3Source:
    def __init__(self, spec, client=None):
        rest = spec[len("s3://"):]
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise ExportError(f"{spec}: no bucket")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.spec, self.bucket, self.prefix = spec, bucket, prefix
        self.client = client or s3_client()

    def _manifest(self, prefix):
        try:
            raw = self.client.get_object(Bucket=self.bucket, Key=prefix + MANIFEST)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None
        return parse_manifest(raw, f"s3://{self.bucket}/{prefix}")

    def exports(self):
        own = self._manifest(self.prefix)
        if own is not None:
            return [S3Export(self.client, self.bucket, self.prefix, own)]
        exports = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"):
            for common in page.get("CommonPrefixes", []):
                manifest = self._manifest(common["Prefix"])
                if manifest is not None:
                    exports.append(S3Export(self.client, self.bucket, common["Prefix"], manifest))
        return sorted(exports, key=lambda export: export.sequence)


def open_source(spec):
    spec = str(spec)
    if spec.startswith("s3://"):
        return S3Source(spec)
    return LocalSource(spec)
