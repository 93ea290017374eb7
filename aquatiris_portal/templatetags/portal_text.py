"""Plain French for clients (docs/glossary.md): dates with « 1er », a
capacity written for people, file sizes in Ko/Mo.

    {% load portal_text %}
    {{ installation.installed_on|portal_date }}   -> 1er janvier 2027
    {{ installation.label|capacity }}             -> Filtre pour 5 personnes (5 EH)
    <time datetime="{{ message.created_at|machine_time }}">  -> 2026-12-07T00:28:57+01:00
"""

import datetime
import re

from django import template
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_noop

register = template.Library()

# Django's French catalogue writes file sizes as "Kio", "Mio": French readers
# know "Ko", "Mo". These are Django's own msgids; the package's catalogue
# (read before Django's) translates them again.
FILE_SIZE_UNITS = (gettext_noop("%s KB"), gettext_noop("%s MB"), gettext_noop("%s GB"), gettext_noop("%s TB"))

CAPACITY = re.compile(r"(?<![\w(])(\d+)\s*EH\b")


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


@register.filter
def portal_date(value, arg="DATE_FORMAT"):
    """A date as people write it: in French the first of a month is « 1er »."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    text = formats.date_format(value, arg)
    if value.day == 1 and (translation.get_language() or "").startswith("fr"):
        text = re.sub(r"^1(?=\s)", "1er", text)
    return text


def capacity_text(label):
    """« Filtre 5 EH » -> « Filtre pour 5 personnes (5 EH) » (labels are French data)."""

    def people(match):
        count = int(match.group(1))
        return f"pour {count} personne{'s' if count > 1 else ''} ({count} EH)"

    return CAPACITY.sub(people, label or "")


register.filter("capacity", capacity_text)
