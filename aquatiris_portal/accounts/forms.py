from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from ..records.codes import TYPED_MAX_LENGTH
from ..records.emails import MESSAGE as EMAIL_MESSAGE
from ..records.emails import InvalidEmail, canonical_email


class CanonicalEmailField(forms.EmailField):
    """An email field whose value is the canonical form of the address
    (``records.emails``): the same spelling for the throttle and the
    look-up; a look-alike with no ASCII form is refused."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return canonical_email(value)
        except InvalidEmail:
            raise forms.ValidationError(EMAIL_MESSAGE, code="invalid") from None


def _email_field(autofocus=False):
    # Autofocus only where the email is the page's one field (lost password):
    # elsewhere a phone opens its keyboard over what the page says first.
    return CanonicalEmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": autofocus, "spellcheck": "false"}),
    )


class LoginForm(forms.Form):
    email = _email_field()
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ActivationRequestForm(forms.Form):
    email = _email_field()
    code = forms.CharField(
        label=_("Client code or pro code"),
        # A stored code has at most 40 characters; typed with a space or a
        # " - " between its parts it has more, and still is that code.
        max_length=TYPED_MAX_LENGTH,
        # The shapes of real codes (pages/first_connection.py); where the code is printed: the code help below.
        help_text=_("On your quote and invoices, after your name (e.g. AQ/22/0457)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class ResetRequestForm(forms.Form):
    email = _email_field(autofocus=True)


def validate_password(password, user):
    """Django's password checks, said with the names of what the person sees.

    Django names the user's field the password resembles by its verbose name
    (« identifiant » for the username): the portal's people log in with their
    email address and never saw such a field."""
    try:
        password_validation.validate_password(password, user)
    except forms.ValidationError as error:
        raise forms.ValidationError(
            [
                forms.ValidationError(
                    _("The password looks too much like your email address or your name. Please choose another one."),
                    code="password_too_similar",
                )
                if item.code == "password_too_similar"
                else item
                for item in error.error_list
            ]
        ) from None


class GeneratedPasswordForm(forms.Form):
    """ "Use this password": the generated password travels back in a hidden
    field, so the server keeps no copy of it between the two requests."""

    generated_password = forms.CharField(widget=forms.HiddenInput, strip=False, max_length=128)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_generated_password(self):
        password = self.cleaned_data["generated_password"]
        validate_password(password, self.user)
        return password

    @property
    def password(self):
        return self.cleaned_data["generated_password"]


class OwnPasswordForm(forms.Form):
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords are not the same."))
        elif first:
            try:
                validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return cleaned

    @property
    def password(self):
        return self.cleaned_data["new_password1"]


class PasswordChangeForm(OwnPasswordForm):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),  # three fields: no autofocus
    )
    field_order = ["old_password", "new_password1", "new_password2"]

    def clean_old_password(self):
        password = self.cleaned_data["old_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Your current password is not right."))
        return password


class OTPCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args, letters=False, **kwargs):
        super().__init__(*args, **kwargs)
        if letters:
            # Backup codes have letters: a phone's numeric keypad has none.
            del self.fields["code"].widget.attrs["inputmode"]


def _current_password_field(autofocus=False):
    return forms.CharField(
        label=_("Your current password"),
        strip=False,
        help_text=_("Asked again to protect your account, even when you are logged in."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": autofocus}),
    )


class ReauthForm(forms.Form):
    """The password typed again before a change that protects the account
    (a new authenticator, new backup codes): an open session alone, left on
    a shared computer or stolen, is not enough."""

    current_password = _current_password_field(autofocus=True)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Your current password is not right."), code="wrong_password")
        return password


class EnrolForm(ReauthForm):
    """Confirm a new authenticator app: its current code and the password."""

    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )
    current_password = _current_password_field()
    field_order = ["code", "current_password"]
