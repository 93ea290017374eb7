"""Forms of what clients send. Every form works without JavaScript."""

import logging
import re

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ..conf import app_settings
from ..snippets.models import AfterSalesReason, RequestSubject
from ..uploads import PHOTO_AND_PDF, validate_uploads

logger = logging.getLogger(__name__)

ACCEPT = ".jpg,.jpeg,.png,.heic,.heif,.pdf,image/jpeg,image/png,image/heic,image/heif,application/pdf"


class InstallationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # Reference first: it stays readable when a phone cuts the option.
        return f"{obj.reference} — {obj.label}, {obj.city}" if obj.label else f"{obj.reference}, {obj.city}"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A list of files; their checks are done by ``uploads.validate_uploads``."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [item for item in (data or []) if item]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


def upload_help():
    return _("Optional. Up to %(count)s files of %(size)s each: photos (JPEG, PNG, HEIC) or PDF.") % {
        "count": app_settings.UPLOAD_MAX_FILES,
        "size": filesizeformat(app_settings.UPLOAD_MAX_BYTES),
    }


class ContactForm(forms.Form):
    installation = InstallationChoiceField(queryset=None, label=_("Installation concerned"), empty_label=None)
    subject = forms.ModelChoiceField(queryset=None, label=_("Subject"), empty_label=_("Choose a subject"))
    reason = forms.ModelChoiceField(
        queryset=None, label=_("Reason (only for a malfunction / after-sales request)"), required=False,
        empty_label=_("Choose a reason"),
    )
    message = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, installations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installation"].queryset = installations
        self.fields["subject"].queryset = RequestSubject.objects.filter(active=True).order_by("sort_order", "name")
        self.fields["reason"].queryset = AfterSalesReason.objects.filter(active=True).order_by("sort_order", "name")
        self.fields["attachments"].help_text = upload_help()
        self.fields["attachments"].widget.attrs.update({"accept": ACCEPT, "multiple": True})

    def after_sales_subject_ids(self):
        """Ids of after-sales subjects (the small script shows the reason list for them)."""
        return [str(subject.pk) for subject in self.fields["subject"].queryset if subject.is_after_sales]

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        if not files:
            return []
        # Everything is checked before anything is written: one bad file refuses the whole form.
        return validate_uploads(files, allowed=PHOTO_AND_PDF)

    def clean(self):
        cleaned = super().clean()
        subject = cleaned.get("subject")
        if subject is not None and subject.is_after_sales and not cleaned.get("reason"):
            self.add_error("reason", _("Please choose the reason of your after-sales request."))
        if subject is not None and not subject.is_after_sales:
            cleaned["reason"] = None
        return cleaned


class MaintenanceContractForm(forms.Form):
    installation = InstallationChoiceField(queryset=None, label=_("Installation concerned"), empty_label=None)
    message = forms.CharField(
        label=_("Message (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )

    def __init__(self, *args, installations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installation"].queryset = installations


def normalise_serial(value):
    return re.sub(r"\s+", "", value or "").upper()


class SerialNumberForm(forms.Form):
    serial_number = forms.CharField(label=_("Serial number"), max_length=60)

    def __init__(self, *args, pattern, help_text, **kwargs):
        super().__init__(*args, **kwargs)
        self.pattern = pattern
        self.fields["serial_number"].help_text = help_text
        self.fields["serial_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_serial_number(self):
        serial = normalise_serial(self.cleaned_data["serial_number"])
        try:
            matches = re.search(self.pattern, serial) if self.pattern else True
        except re.error:  # an editor's broken pattern must not lock clients out
            logger.error("Invalid serial number pattern in the portal settings: %r", self.pattern)
            matches = True
        if not matches:
            raise ValidationError(
                _("“%(serial)s” is not a valid serial number. %(help)s")
                % {"serial": serial, "help": self.fields["serial_number"].help_text},
                code="pattern",
            )
        return serial
