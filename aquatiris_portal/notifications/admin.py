"""Outgoing emails in the Wagtail admin, beside the outbox events: staff see
which mails are pending or failed (and why) and can send one again.

Bodies are never shown: a pending mail may carry a single-use link or code.
The retry hands the mail to the same path as a fresh one (``mail._enqueue``,
after the commit); the delivery actor's claim keeps it sent once.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import re_path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin

from . import mail as mail_module
from .models import OutgoingMail
from .tasks import claimable

CHANGE = "aquatiris_portal.change_outgoingmail"


def retryable(now=None):
    """The mails a retry may send again: pending, failed, or held by a worker whose lease ran out."""
    return OutgoingMail.objects.filter(claimable(now or timezone.now()))


class OutgoingMailPermissionHelper(PermissionHelper):
    """Mails are written by the portal only: list and inspect, no edits."""

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class OutgoingMailButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if obj.status != OutgoingMail.Status.SENT and self.request.user.has_perm(CHANGE):
            buttons.append(
                {
                    "url": self.url_helper.get_action_url("retry", obj.pk),
                    "label": _("Retry"),
                    "classname": self.finalise_classname(["button-secondary"]),
                    "title": _("Send this email again now"),
                }
            )
        return buttons


def retry_mail(request, model_admin, instance_pk):
    """GET asks, POST sends the mail again (if it is still unsent)."""
    if not request.user.has_perm(CHANGE):
        raise PermissionDenied
    mail = get_object_or_404(OutgoingMail, pk=instance_pk)
    index_url = model_admin.url_helper.index_url
    if request.method == "POST":
        with transaction.atomic():
            if retryable().filter(pk=mail.pk).exists():
                pk = mail.pk
                transaction.on_commit(lambda: mail_module._enqueue(pk))
                messages.success(request, gettext("The email will be sent again in a moment."))
            elif mail.status == OutgoingMail.Status.SENT:
                messages.info(request, gettext("This email was already sent."))
            else:
                messages.info(request, gettext("A worker is sending this email right now."))
        return redirect(index_url)
    return TemplateResponse(
        request,
        "aquatiris_portal/notifications/mail_retry.html",
        {
            "mail": mail,
            "index_url": index_url,
            "view": model_admin,
        },
    )


class OutgoingMailAdmin(ModelAdmin):
    model = OutgoingMail
    menu_icon = "mail"
    menu_label = _("Outgoing emails")
    permission_helper_class = OutgoingMailPermissionHelper
    button_helper_class = OutgoingMailButtonHelper
    inspect_view_enabled = True
    list_per_page = 50
    list_display = ("subject", "recipients", "status", "attempts", "created_at", "sent_at", "last_error")
    list_filter = ("status",)
    search_fields = ("subject", "last_error")
    inspect_view_fields = ("subject", "to", "cc", "status", "attempts", "last_error", "created_at", "sent_at")

    def recipients(self, obj):
        return ", ".join(obj.to)

    recipients.short_description = _("to")

    def retry_view(self, request, instance_pk):
        return retry_mail(request, self, instance_pk)

    def get_admin_urls_for_registration(self):
        return super().get_admin_urls_for_registration() + (
            re_path(
                self.url_helper.get_action_url_pattern("retry"),
                self.retry_view,
                name=self.url_helper.get_action_url_name("retry"),
            ),
        )
