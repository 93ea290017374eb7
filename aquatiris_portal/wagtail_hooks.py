"""Wiring only: admin menus and registrations live in their own modules."""

from wagtail.snippets.models import register_snippet
from wagtail_modeladmin.options import modeladmin_register

from .modeladmin import RecordsGroup
from .snippets.models import AfterSalesReason, DocumentTheme, RequestSubject

modeladmin_register(RecordsGroup)
register_snippet(DocumentTheme)
register_snippet(RequestSubject)
register_snippet(AfterSalesReason)
