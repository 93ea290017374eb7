"""Forms of a request's thread: the client's reply, the franchisee's reply
(personal link), the staff's answer in the admin. Same file checks as the
request itself (``uploads.validate_uploads``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..uploads import PHOTO_AND_PDF
from .forms import ACCEPT, KeepsGoodFiles, MultipleFileField, upload_help
from .models import PortalRequest


class ReplyForm(KeepsGoodFiles, forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_kept(owner)  # the client's reply; the admin's answer passes no owner
        self.fields["attachments"].help_text = upload_help()
        self.fields["attachments"].widget.attrs.update({"accept": ACCEPT, "multiple": True})

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Please write your reply."), code="required")
        return body

    def clean_attachments(self):
        return self.check_files(self.cleaned_data["attachments"], allowed=PHOTO_AND_PDF)


class StaffReplyForm(ReplyForm):
    """The admin's answer: text optional when only the status changes."""

    status = forms.ChoiceField(label=_("Status"), choices=PortalRequest.Status.choices, required=False)

    def __init__(self, *args, can_change_status=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].required = False
        self.fields["body"].label = _("Answer to the client")
        if not can_change_status:
            del self.fields["status"]

    def clean_body(self):
        return self.cleaned_data["body"].strip()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("body") and cleaned.get("attachments"):
            self.add_error("body", _("Please write a few words with the attachments."))
        return cleaned
