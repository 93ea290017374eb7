"""A client asks to move a planned visit: the form offers the half-days of
the next working days (the client ticks up to MOVE_MAX_HALF_DAYS, or types
dates), and the request goes through ``services.submit_request`` like the
contact form's: the account's sending limits, the franchisee's mail with
its reply link, the client's copy, the thread. The visit is named by its
date and place, never by the internal system's id.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import PortalRequest
from .services import submit_request

WORKING_DAYS = 15  # how far ahead the form offers half-days
MAX_HALF_DAYS = 3
HALVES = ("morning", "afternoon")  # records.visits.VisitSlot values


def _easter(year):
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def public_holidays(year):
    """France's public holidays (no technician comes on them)."""
    easter = _easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    return {datetime.date(year, month, day) for month, day in fixed} | {
        easter + datetime.timedelta(days=days) for days in (1, 39, 50)
    }  # Monday, Ascension, Whit Monday


def working_days(after, count=WORKING_DAYS):
    """The ``count`` working days (Monday to Friday, not a public holiday) after the day ``after``."""
    days, day = [], after
    while len(days) < count:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5 and day not in public_holidays(day.year):
            days.append(day)
    return days


def half_day_value(day, half):
    return f"{day:%Y-%m-%d}:{half}"


def day_label(day):
    return formats.date_format(day, "l j F Y")


def half_label(half):
    return _("morning") if half == "morning" else _("afternoon")


def visit_label(visit):
    """The visit as the client knows it: kind, date (and half-day), place."""
    values = {
        "kind": visit.get_kind_display(),
        "date": day_label(visit.planned_for),
        "place": visit.installation.display_name,
    }
    if visit.slot:
        return _("%(kind)s on %(date)s (%(slot)s), %(place)s") % {**values, "slot": visit.get_slot_display()}
    return _("%(kind)s on %(date)s, %(place)s") % values


class VisitMoveForm(forms.Form):
    half_days = forms.MultipleChoiceField(
        label=gettext_lazy("Half-days that suit you"), required=False, widget=forms.CheckboxSelectMultiple
    )
    other_dates = forms.CharField(
        label=gettext_lazy("Other dates or times that suit you"),
        required=False,
        max_length=300,
        help_text=gettext_lazy(
            "Optional, if none of the half-days above suits you. Example: any morning of the week of 11 January."
        ),
    )
    message = forms.CharField(
        label=gettext_lazy("Message (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, today, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.days = working_days(today)
        # The visit's own half-day (its whole day without a slot) is not a new date.
        taken = (
            {half_day_value(visit.planned_for, half) for half in HALVES if visit.slot in ("", half)}
            if visit is not None
            else set()
        )
        self.fields["half_days"].choices = [
            (half_day_value(day, half), f"{day_label(day)}, {half_label(half)}")
            for day in self.days
            for half in HALVES
            if half_day_value(day, half) not in taken
        ]
        self.fields["half_days"].help_text = ngettext(
            "Tick up to %(count)s half-day among the next %(days)s working days.",
            "Tick up to %(count)s half-days among the next %(days)s working days.",
            MAX_HALF_DAYS,
        ) % {"count": MAX_HALF_DAYS, "days": WORKING_DAYS}

    def rows(self):
        """[(day label, [(half label, value, id, checked)])] for the template: one line per day."""
        checked = set(self["half_days"].value() or ())
        index = {value: n for n, (value, _label) in enumerate(self.fields["half_days"].choices)}
        rows = [
            (
                day_label(day),
                [
                    (half_label(half), value, f"{self['half_days'].auto_id}_{index[value]}", value in checked)
                    for half in HALVES
                    for value in [half_day_value(day, half)]
                    if value in index
                ],
            )
            for day in self.days
        ]
        return [(day, halves) for day, halves in rows if halves]

    def clean_half_days(self):
        chosen = self.cleaned_data["half_days"]
        if len(chosen) > MAX_HALF_DAYS:
            raise ValidationError(
                ngettext(
                    "Please tick at most %(count)s half-day (you ticked %(ticked)s).",
                    "Please tick at most %(count)s half-days (you ticked %(ticked)s).",
                    MAX_HALF_DAYS,
                )
                % {"count": MAX_HALF_DAYS, "ticked": len(chosen)},
                code="too_many",
            )
        # In the order of the calendar, whatever order the browser sent.
        order = [value for value, _label in self.fields["half_days"].choices]
        return sorted(chosen, key=order.index)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("half_days") and not data.get("other_dates", "").strip():
            self.add_error(
                "half_days",
                ValidationError(
                    _("Please tick at least one half-day, or type the dates that suit you."), code="required"
                ),
            )
        return data

    def chosen_labels(self):
        labels = dict(self.fields["half_days"].choices)
        return [labels[value] for value in self.cleaned_data["half_days"]]


def request_text(visit, form):
    """The request's message: what to move, the half-days proposed, the client's words."""
    data = form.cleaned_data
    lines = [_("I would like to move this visit: %(visit)s.") % {"visit": visit_label(visit)}]
    if data["half_days"]:
        lines += ["", _("I am available on:")] + [f"- {label}" for label in form.chosen_labels()]
    if data["other_dates"].strip():
        lines += ["", _("Other dates that suit me: %(dates)s") % {"dates": data["other_dates"].strip()}]
    if data["message"].strip():
        lines += ["", data["message"].strip()]
    return "\n".join(lines)


def submit_visit_move(*, user, client, visit, form, portal_settings, site_url):
    """The request "Moving a visit" in the visit's installation's thread (raises
    ``limits.LimitReached`` over the account's sending limits: nothing stored)."""
    return submit_request(
        user=user,
        client=client,
        installation=visit.installation,
        kind=PortalRequest.Kind.QUESTION,
        message=request_text(visit, form),
        subject_label=_("Moving a visit"),
        portal_settings=portal_settings,
        site_url=site_url,
    )
