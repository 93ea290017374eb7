"""Dramatiq actors of the enquiries room (declared where their job lives)."""

from .exports import build_request_export  # noqa: F401
