"""The SPANC's "ask for a proof" form and the owner's answer form."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..snippets.proof_kinds import ProofKind
from .forms import ACCEPT, KeepsGoodFiles, MultipleFileField, upload_help

DEFAULT_DELAY_DAYS = 30


class ProofAskForm(forms.Form):
    kind = forms.ModelChoiceField(queryset=None, label=_("Proof asked for"), empty_label=_("Choose a proof"))
    due_on = forms.DateField(
        label=_("To send before"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=_("Note to the owner"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault(
            "due_on", timezone.localdate() + datetime.timedelta(days=DEFAULT_DELAY_DAYS)
        )
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = ProofKind.objects.filter(active=True).order_by("sort_order", "name")
        self.fields["due_on"].widget.attrs["min"] = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on <= timezone.localdate():
            raise ValidationError(_("The date must be in the future."), code="past")
        return due_on


class ProofAnswerForm(KeepsGoodFiles, forms.Form):
    """One photo or PDF, through the portal's upload checks (kept if the form comes back)."""

    file = MultipleFileField(label=_("Photo or PDF of the proof"), required=False)

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_kept(owner)
        self.fields["file"].help_text = upload_help()
        self.fields["file"].widget.attrs.update({"accept": ACCEPT})

    def clean_file(self):
        files = self.check_files(self.cleaned_data["file"])
        if not files:
            raise ValidationError(_("Please choose the photo or PDF of your proof."), code="required")
        if len(files) > 1:
            raise ValidationError(_("Please send one file only."), code="too_many")
        return files[0]
