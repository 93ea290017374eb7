"""Plain French for clients (docs/glossary.md): dates with « 1er », a
capacity written for people, file sizes in Ko/Mo.

    {% load portal_text %}
    {{ installation.installed_on|portal_date }}   -> 1er janvier 2027
    {{ installation.label|capacity }}             -> Filtre pour 5 personnes (5 EH)
    <time datetime="{{ message.created_at|machine_time }}">  -> 2026-12-07T00:28:57+01:00
"""

import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext_noop

from ..records.plain_text import capacity_text, portal_date

register = template.Library()

# Django's French catalogue writes file sizes as "Kio", "Mio": French readers
# know "Ko", "Mo". These are Django's own msgids; the package's catalogue
# (read before Django's) translates them again.
FILE_SIZE_UNITS = (gettext_noop("%s KB"), gettext_noop("%s MB"), gettext_noop("%s GB"), gettext_noop("%s TB"))


@register.filter
def machine_time(value):
    """A date or datetime for HTML's ``datetime`` attribute: ISO 8601 to the
    second, in local time. Django's ``|date:'c'`` writes microseconds, which
    HTML refuses (at most three digits of a second)."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""


# The functions live with the records (pages written in Python use them too).
register.filter("portal_date", portal_date)
register.filter("capacity", capacity_text)
