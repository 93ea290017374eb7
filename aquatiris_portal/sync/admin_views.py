"""The "retry" action of the outbox events admin: GET asks, POST does."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from . import tasks
from .models import OutboxEvent


def retry_event(request, model_admin, instance_pk):
    if not request.user.has_perm("aquatiris_portal.change_outboxevent"):
        raise PermissionDenied
    event = get_object_or_404(OutboxEvent, pk=instance_pk)
    index_url = model_admin.url_helper.index_url
    if request.method == "POST":
        with transaction.atomic():
            count = tasks.retry(OutboxEvent.objects.filter(pk=event.pk))
        if count:
            messages.success(request, _("The event will be delivered again in a moment."))
        else:
            messages.info(request, _("This event was already delivered."))
        return redirect(index_url)
    return TemplateResponse(
        request,
        "aquatiris_portal/sync/outbox_retry.html",
        {
            "event": event,
            "index_url": index_url,
            "view": model_admin,
        },
    )
