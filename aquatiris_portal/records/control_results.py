"""The result a SPANC gives a control report: the usual conclusions of a
SPANC control of a non-collective sanitation installation. Stored on the
document (``PortalDocument.control_result``, by its code), sent to the
internal system by the outbox (``document_uploaded``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ControlResult(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    WORKS_ADVISED = "not_compliant_works_advised", _("Not compliant – works to plan")
    WORKS_REQUIRED = "not_compliant_works_required", _("Not compliant – works required")
