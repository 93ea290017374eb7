"""« Je vends ma maison »: the owner names the buyer and the sale date; the
internal system receives ``handover_requested`` (outbox) and decides. Until
an export moves the installation to the buyer's client record nothing
changes in the portal; then access follows the installation's client (the
seller's household loses it at once) and the importer mails the seller."""

import datetime

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..records.emails import MESSAGE as EMAIL_MESSAGE
from ..records.emails import canonical_email_or_none
from ..records.local_dates import date_text
from ..sync.outbox import record_event

EVENT = "handover_requested"
# A sale date further than this from today is a typing mistake, not a sale.
SALE_DATE_DAYS = 366


class HandoverForm(forms.Form):
    buyer_name = forms.CharField(label=_("Buyer's full name"), max_length=200)
    buyer_email = forms.CharField(
        label=_("Buyer's email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    sale_date = forms.DateField(
        label=_("Date of the sale (deed of sale)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the deed of sale is signed, or is planned to be."),
    )

    def clean_buyer_name(self):
        name = " ".join(self.cleaned_data["buyer_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the buyer's name."))
        return name

    def clean_buyer_email(self):
        email = canonical_email_or_none(self.cleaned_data["buyer_email"])
        if not email:
            raise forms.ValidationError(EMAIL_MESSAGE)
        return email

    def clean_sale_date(self):
        day = self.cleaned_data["sale_date"]
        today = timezone.localdate()
        if abs((day - today).days) > SALE_DATE_DAYS:
            margin = datetime.timedelta(days=SALE_DATE_DAYS)
            raise forms.ValidationError(
                _("Enter a sale date within a year of today (between %(first)s and %(last)s).")
                % {"first": date_text(today - margin), "last": date_text(today + margin)}
            )
        return day


def request_handover(installation, user, data):
    """Write the ``handover_requested`` event (its transaction: it exists iff committed)."""
    with transaction.atomic():
        return record_event(
            EVENT,
            {
                "installation": installation.external_id,
                "installation_reference": installation.reference,
                "client": installation.client.external_id,
                "requested_by": user.email,
                "requested_at": timezone.now().isoformat(),
                "buyer": {"name": data["buyer_name"], "email": data["buyer_email"]},
                "sale_date": data["sale_date"].isoformat(),
            },
            installation=installation,
        )
