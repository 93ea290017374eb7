"""The form a SPANC fills to send a PDF into a client folder."""

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ..conf import app_settings
from ..snippets.models import SpancDocumentType
from ..uploads import PDF_ONLY, validate_upload


def spanc_upload_help():
    return _("PDF only, up to %(size)s. Password-protected PDFs cannot be accepted.") % {
        "size": filesizeformat(app_settings.UPLOAD_MAX_BYTES),
    }


class SpancUploadForm(forms.Form):
    # The editors' list (snippets.SpancDocumentType); left out while it is empty.
    document_type = forms.ChoiceField(label=_("Type of document"))
    title = forms.CharField(
        label=_("Title of the document"), max_length=200,
        help_text=_("For example: inspection report of 12 March."),
    )
    note = forms.CharField(
        label=_("Note for the franchisee (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    file = forms.FileField(
        label=_("PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        types = list(SpancDocumentType.objects.filter(active=True).order_by("sort_order", "name")
                     .values_list("name", flat=True))
        if types:
            # The name is what the document keeps (a snapshot, like a request's subject).
            self.fields["document_type"].choices = [("", _("Choose a type")), *((name, name) for name in types)]
        else:
            del self.fields["document_type"]
        self.fields["file"].help_text = spanc_upload_help()
        self.content_type = None

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        # One document per sending: a second file in the same field would be
        # silently dropped by Django; say so instead.
        if self.files and hasattr(self.files, "getlist") and len(self.files.getlist(self.add_prefix("file"))) > 1:
            raise ValidationError(_("Please send one file at a time."), code="too_many")
        # By content, not by name: a renamed .exe, HTML, a corrupt or an
        # encrypted PDF each raise a ValidationError with a clear message.
        _kind, self.content_type = validate_upload(uploaded, allowed=PDF_ONLY)
        return uploaded
