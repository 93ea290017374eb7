"""Dates and times as people in France read them: in the site's time zone
(TIME_ZONE, Europe/Paris), in one format. A moment stored in UTC at 23:30
is the next day in Paris: formatting it without ``localtime`` dates a
request or a certificate the day before."""

from django.utils import timezone

DATE = "%d/%m/%Y"
DATE_TIME = "%d/%m/%Y %H:%M"


def local_day(value):
    """The day ``value`` (an aware datetime, or a date) falls on in the site's time zone."""
    if value is None:
        return None
    if hasattr(value, "hour"):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def date_text(value):
    """« 07/12/2026 »: the local day of a datetime, or a date."""
    day = local_day(value)
    return day.strftime(DATE) if day is not None else ""


def date_time_text(value):
    """« 07/12/2026 00:30 » in the site's time zone."""
    if value is None:
        return ""
    return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime(DATE_TIME)
