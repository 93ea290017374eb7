"""Forms of what clients send. Every form works without JavaScript."""

import logging

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from ..conf import app_settings
from ..records.serials import canonical_serial
from ..snippets.models import AfterSalesReason, RequestSubject
from ..uploads import PHOTO_AND_PDF, checked_file, form_budget, limits_help, validate_uploads
from . import pending_uploads
from .limits import report as report_limit
from .models import PortalRequest
from .warranty import SerialPatternUnusable, serial_matches

logger = logging.getLogger(__name__)

ACCEPT = ".jpg,.jpeg,.png,.heic,.heif,.pdf,image/jpeg,image/png,image/heic,image/heif,application/pdf"


class InstallationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # The place first: two installations of a client often share their
        # product name, and a phone cuts the end of a long option.
        return obj.display_name_with_reference


def list_choices(field, objects):
    """Show ``objects``, already read, as the options of the model choice
    ``field`` (Django reads its queryset again at each rendering otherwise);
    a posted value is still checked against the field's queryset."""
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.choices = empty + [(obj.pk, field.label_from_instance(obj)) for obj in objects]


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
    # One sentence from the limits the files are checked with (uploads.limits_help).
    return limits_help(PHOTO_AND_PDF)


class KeepsGoodFiles:
    """A form whose files that passed the checks are kept when it comes back
    with an error (``pending_uploads``), for ``owner`` only: listed under
    the file field ("Files already received"), taken back by the next post,
    attached once the whole form is valid (the view then calls
    ``forget_kept``). Without an owner, the files are checked as before and
    nothing is kept."""

    owner = None
    kept_uploads = ()
    _new_good = ()
    _dropped = ()

    def _init_kept(self, owner):
        self.owner = owner if getattr(owner, "is_authenticated", False) else None
        self.kept_uploads, self._new_good, self._dropped = [], [], []
        if self.is_bound and self.owner is not None and hasattr(self.data, "getlist"):
            rows = pending_uploads.kept(self.owner, self.data.getlist(pending_uploads.FIELD))
            dropped = set(self.data.getlist(pending_uploads.DROP_FIELD))
            self._dropped = [row for row in rows if row.token in dropped]
            self.kept_uploads = [row for row in rows if row.token not in dropped]

    def check_files(self, files, allowed=PHOTO_AND_PDF):
        """The kept files and the new ones, checked one by one: a bad file
        does not hide the good ones, which are kept if the form comes back."""
        if self.owner is None:
            return validate_uploads(files, allowed=allowed) if files else []
        count, max_files = len(files) + len(self.kept_uploads), app_settings.UPLOAD_MAX_FILES
        if count > max_files:
            raise ValidationError(
                _("You can attach at most %(max)s files; you chose %(count)s.") % {"max": max_files, "count": count},
                code="too_many",
            )
        good, errors = [], []
        with form_budget():
            for uploaded in files:
                try:
                    good.append(checked_file(uploaded, allowed=allowed))
                except ValidationError as error:
                    errors.extend(error.error_list)  # with their codes
        self._new_good = good
        if errors:
            raise ValidationError(errors)
        return pending_uploads.as_checked(self.kept_uploads) + good

    def full_clean(self):
        super().full_clean()
        if self.owner is None or not self.is_bound:
            return
        if self._dropped:
            pending_uploads.forget(self._dropped)
            self._dropped = []
        if self._errors and self._new_good:
            # The form comes back: the good new files are kept, not attached.
            self.kept_uploads = list(self.kept_uploads) + pending_uploads.keep(self.owner, self._new_good)
            self._new_good = []

    def forget_kept(self):
        """Once the files are attached: the kept rows go, so a file is attached once."""
        pending_uploads.forget(self.kept_uploads)
        self.kept_uploads = []


class ContactForm(KeepsGoodFiles, forms.Form):
    installation = InstallationChoiceField(queryset=None, label=_("Installation concerned"), empty_label=None)
    subject = forms.ModelChoiceField(queryset=None, label=_("Subject"), empty_label=_("Choose a subject"))
    reason = forms.ModelChoiceField(
        queryset=None,
        label=_("Reason (only for a malfunction / after-sales request)"),
        required=False,
        empty_label=_("Choose a reason"),
    )
    message = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    # Set when the files were not read because another field was wrong:
    # their names, so the page can say which ones to choose again.
    files_not_read = ()

    def __init__(self, *args, installations, listed_installations=None, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_kept(owner)
        self.fields["installation"].queryset = installations
        if listed_installations is not None:  # the space context read them: not read again for the options
            list_choices(self.fields["installation"], listed_installations)
        self.fields["subject"].queryset = RequestSubject.objects.filter(active=True).order_by("sort_order", "name")
        self.subjects = list(self.fields["subject"].queryset)  # read once: the options and the after-sales ids
        list_choices(self.fields["subject"], self.subjects)
        self.fields["reason"].queryset = AfterSalesReason.objects.filter(active=True).order_by("sort_order", "name")
        self.fields["attachments"].help_text = upload_help()
        self.fields["attachments"].widget.attrs.update({"accept": ACCEPT, "multiple": True})

    def after_sales_subject_ids(self):
        """Ids of after-sales subjects (the small script shows the reason list for them)."""
        return [str(subject.pk) for subject in self.subjects if subject.is_after_sales]

    def clean_reason(self):
        # Checked here, before the files (the last field), so that a missing
        # reason is known before anything reads the files.
        subject = self.cleaned_data.get("subject")
        reason = self.cleaned_data.get("reason")
        if subject is not None and not subject.is_after_sales:
            return None
        if subject is not None and subject.is_after_sales and not reason:
            raise ValidationError(_("Please choose the reason of your after-sales request."), code="required")
        return reason

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        if self.owner is not None:
            # Checked even when another field is wrong: the good ones are kept.
            return self.check_files(files)
        if not files:
            return []
        if self.errors:
            # Another field is wrong: the form comes back and browsers never
            # send files back. Do not read them; say which ones to choose again.
            self.files_not_read = [uploaded.name for uploaded in files]
            raise ValidationError(
                _(
                    "Your files were not sent: once the fields above are corrected, please choose them again "
                    "(%(names)s)."
                )
                % {"names": ", ".join(self.files_not_read)},
                code="not_read",
            )
        # Everything is checked before anything is written: one bad file refuses the whole form.
        return validate_uploads(files, allowed=PHOTO_AND_PDF)


def add_limit_error(form, refused, *, text_field, file_field=None, request=None):
    """Show an account's sending limit (``limits.LimitReached``) in the form,
    next to the field it is about, and log it (``limits.report``)."""
    field = file_field if refused.about_files and file_field in form.fields else text_field
    form.add_error(field, refused.message)
    report_limit(refused, request)


class MaintenanceContractForm(forms.Form):
    installation = InstallationChoiceField(queryset=None, label=_("Installation concerned"), empty_label=None)
    message = forms.CharField(
        label=_("Message (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )

    def __init__(self, *args, installations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installation"].queryset = installations

    def clean_installation(self):
        installation = self.cleaned_data["installation"]
        previous = open_contract_request(installation)
        if previous is not None:
            raise ValidationError(already_asked_message(previous), code="already_asked")
        return installation


def open_contract_request(installation):
    """The maintenance-contract request of this installation still open, or None."""
    return (
        PortalRequest.objects.filter(installation=installation, kind=PortalRequest.Kind.MAINTENANCE_CONTRACT)
        .exclude(status=PortalRequest.Status.CLOSED)
        .order_by("-created_at")
        .first()
    )


def already_asked_message(previous):
    return _(
        "You already asked for a maintenance contract for this installation on %(date)s. Your Aquatiris "
        "installer will contact you: you can follow your request in “My requests”."
    ) % {"date": formats.date_format(timezone.localtime(previous.created_at), "DATE_FORMAT")}


# The serial number's canonical form (records.serials, where the import
# stores it too): "aq 2019 004512", "AQ2019004512" and "aq.2019.004512" are
# all stored and compared as "AQ-2019-004512".
normalise_serial = canonical_serial  # the former name


class SerialNumberForm(forms.Form):
    serial_number = forms.CharField(label=_("Serial number"), max_length=60)

    def __init__(self, *args, pattern, help_text, references=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pattern = pattern
        # The client's installation references: typed in the serial field they are a mistake.
        self.references = {canonical_serial(reference): reference for reference in references if reference}
        self.fields["serial_number"].help_text = help_text
        self.fields["serial_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_serial_number(self):
        serial = canonical_serial(self.cleaned_data["serial_number"])
        if serial in self.references:
            raise ValidationError(
                _(
                    "%(reference)s is the reference of your installation (on your quote and your documents), not "
                    "its serial number. %(help)s"
                )
                % {"reference": self.references[serial], "help": self.fields["serial_number"].help_text},
                code="reference",
            )
        try:
            matches = serial_matches(self.pattern, serial)
        except SerialPatternUnusable:
            # Fail closed: a broken pattern must not make every serial valid (the admins are told).
            raise ValidationError(
                _(
                    "Serial numbers cannot be checked at the moment, so none can be registered. Please try again "
                    "later or contact the Aquatiris network."
                ),
                code="pattern_unusable",
            ) from None
        if not matches:
            raise ValidationError(
                _("“%(serial)s” is not a valid serial number. %(help)s")
                % {"serial": serial, "help": self.fields["serial_number"].help_text},
                code="pattern",
            )
        return serial
