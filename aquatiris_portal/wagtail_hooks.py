"""Wiring only: admin menus and registrations live in their own modules."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail_modeladmin.options import ModelAdminGroup, modeladmin_register

from .accounts import staff_people_views
from .accounts.trusted_browser_admin import RevokeTrustedBrowsersBulkAction
from .backoffice import mail_routing as _mail_routing  # noqa: F401  (registers its setting hooks)
from .backoffice.alerts import construct_homepage_panels
from .enquiries.imports import apply_messages
from .enquiries.viewsets import requests_viewset
from .notifications.admin import OutgoingMailAdmin
from .pages import view_as_admin
from .records.admin import RecordsGroup
from .security_log.viewsets import security_log_viewset
from .snippets.site_settings import default_sender_email
from .snippets.viewsets import PortalContentGroup
from .sync.admin import ImportRunAdmin, OutboxEventAdmin, QuarantinedRecordAdmin
from .views import landing_url


class SyncGroup(ModelAdminGroup):
    """The Synchronisation menu: what the sync writes, and the outgoing mails beside the outbox."""

    menu_label = _("Synchronisation")
    menu_icon = "resubmit"
    menu_order = 260
    items = (ImportRunAdmin, QuarantinedRecordAdmin, OutboxEventAdmin, OutgoingMailAdmin)


modeladmin_register(RecordsGroup)
modeladmin_register(SyncGroup)
register_snippet(PortalContentGroup)  # FAQ, document themes, request subjects, SAV reasons
hooks.register("register_admin_viewset", lambda: requests_viewset)
hooks.register("register_admin_viewset", lambda: security_log_viewset)
hooks.register("register_bulk_action", RevokeTrustedBrowsersBulkAction)
hooks.register("construct_homepage_panels", construct_homepage_panels)
hooks.register("aquatiris_portal_landing_url", landing_url)  # asked by accounts.landing.landing_url
hooks.register("aquatiris_portal_sender_email", default_sender_email)  # asked by notifications.mail.queue_mail
hooks.register("register_admin_urls", view_as_admin.admin_urls)  # « Voir comme un client »
hooks.register("register_admin_menu_item", view_as_admin.menu_item)
hooks.register("register_permissions", view_as_admin.group_permissions)  # Settings › Groups
hooks.register("register_admin_urls", staff_people_views.admin_urls)  # « Personnes » of a client or a SPANC
hooks.register("aquatiris_portal_record_buttons", staff_people_views.record_buttons)  # asked by records.admin
hooks.register("register_permissions", staff_people_views.group_permissions)  # Settings › Groups


@hooks.register("register_portal_record_handler")  # read by sync.mapping.handler_for
def record_handlers():
    """The record types of an export that the rooms where people act apply."""
    return {"message": apply_messages}  # answers to a request, added to its thread
