"""Dramatiq actors of the enquiries room (declared where their job lives)."""

from .archives import build_personal_archive  # noqa: F401
from .exports import build_request_export  # noqa: F401
