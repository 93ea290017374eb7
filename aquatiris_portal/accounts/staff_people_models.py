"""The permission of the admin's « Personnes » screen (staff_people_views.py).

A proxy of Membership that carries only the permission: no table, no
default add/change/delete/view permissions (nothing in the admin edits
memberships row by row). The customer-service group gets it
(backoffice/groups.py); editors do not.
"""

from django.utils.translation import gettext_lazy as _

from .models import Membership

RECORD_PEOPLE_PERMISSION = "aquatiris_portal.manage_record_people"


class RecordPeople(Membership):
    class Meta:
        proxy = True
        verbose_name = _("people of a space")
        verbose_name_plural = _("people of the spaces")
        default_permissions = ()
        permissions = [("manage_record_people", "Can invite and remove the people of a client or a SPANC (admin)")]
