"""The form a SPANC fills to send PDFs into a client folder: the type of
the documents (the editors' list), their date, a control report's result,
and up to UPLOAD_MAX_FILES files, each stored as its own document."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..records.control_results import ControlResult
from ..snippets.models import SpancDocumentType
from ..uploads import PDF_ONLY, accept_attribute, limits_help
from .forms import KeepsGoodFiles, MultipleFileField

# What the files are checked with: the help and the picker say the same.
ALLOWED = PDF_ONLY


def spanc_upload_help():
    return limits_help(ALLOWED)


class SpancUploadForm(KeepsGoodFiles, forms.Form):
    # The editors' list (snippets.SpancDocumentType); left out while it is empty.
    document_type = forms.ChoiceField(label=_("Type of document"))
    issued_on = forms.DateField(
        label=_("Date of the document"),
        help_text=_("The date written on the document, for example the day of the control."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    control_result = forms.ChoiceField(
        label=_("Result of the control"),
        required=False,
        choices=[("", _("Choose a result")), *ControlResult.choices],
    )
    file = MultipleFileField(label=_("PDF files"))
    title = forms.CharField(
        label=_("Title of the documents (optional)"),
        max_length=200,
        required=False,
        help_text=_("Without a title, each document is named after its file."),
    )
    note = forms.CharField(
        label=_("Note for the franchisee (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_kept(owner)
        types = list(
            SpancDocumentType.objects.filter(active=True)
            .order_by("sort_order", "name")
            .values_list("name", "is_control_report")
        )
        # The name is what the document keeps (a snapshot, like a request's subject).
        self.control_report_types = {name for name, is_control_report in types if is_control_report}
        if types:
            names = list(dict.fromkeys(name for name, _is_control in types))
            self.fields["document_type"].choices = [("", _("Choose a type")), *((name, name) for name in names)]
        else:
            del self.fields["document_type"]
        if self.control_report_types:
            self.fields["control_result"].help_text = _("Required for a control report (%(types)s).") % {
                "types": ", ".join(sorted(self.control_report_types)),
            }
        else:
            # No type is a control report: nothing to ask.
            del self.fields["control_result"]
        self.fields["issued_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        files = self.fields["file"]
        files.help_text = spanc_upload_help()
        files.widget.attrs.update({"accept": accept_attribute(ALLOWED), "multiple": True})
        # Files kept from the previous try count: none need choosing again.
        files.required = not self.kept_uploads

    def clean_issued_on(self):
        issued_on = self.cleaned_data["issued_on"]
        if issued_on > timezone.localdate():
            raise ValidationError(_("The date of the document cannot be in the future."), code="future")
        return issued_on

    def clean_file(self):
        # By content, not by name: a renamed .exe, HTML, a corrupt or an
        # encrypted PDF each give a clear message; the good ones are kept.
        return self.check_files(self.cleaned_data["file"], allowed=ALLOWED)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("document_type") in self.control_report_types:
            if not cleaned.get("control_result"):
                self.add_error(
                    "control_result",
                    ValidationError(
                        _("Please give the result of the control: this type of document is a control report."),
                        code="required",
                    ),
                )
        else:
            # A result belongs to a control report only.
            cleaned["control_result"] = ""
        return cleaned

    @property
    def checked_files(self):
        """[(file, kind, content type)] of a valid form."""
        return self.cleaned_data.get("file") or []
