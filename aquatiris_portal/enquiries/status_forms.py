"""The franchisee's status control on his reply page: "planned" (with the
intervention's day) or "resolved", with an optional word for the client."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import PortalRequest
from .threads import FRANCHISEE_STATUSES

# A planned day further than this is a typing error (a year typed wrong).
MAX_PLANNED_DAYS = 366
NOTE_MAX_LENGTH = 2000


class FranchiseeStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        widget=forms.RadioSelect,
        choices=[(value, label) for value, label in PortalRequest.Status.choices if value in FRANCHISEE_STATUSES],
    )
    planned_for = forms.DateField(
        label=_("Intervention day"),
        required=False,
        # ISO: the only value a date input shows (a localised one leaves it empty).
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Required for “Planned”."),
    )
    note = forms.CharField(
        label=_("A word for the client (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == PortalRequest.Status.PLANNED:
            day = cleaned.get("planned_for")
            today = timezone.localdate()
            if day is None:
                if "planned_for" not in self.errors:
                    self.add_error("planned_for", _("Give the intervention's day."))
            elif day < today:
                self.add_error("planned_for", _("The intervention's day cannot be in the past."))
            elif day > today + datetime.timedelta(days=MAX_PLANNED_DAYS):
                self.add_error("planned_for", _("The intervention's day must be within a year."))
        return cleaned
