"""Plain French for clients (docs/glossary.md): a date with « 1er », a
capacity written for people. Plain functions, so that screens written in
Python (pages/) and the template filters (templatetags/portal_text.py)
say the same."""

import datetime
import re

from django.utils import formats, timezone, translation

# « 5 EH », « 10EH », a range « 4-6 EH » or « 4 à 6 EH »; never the end of
# another number (« 1,5 EH », « 1.000 EH »: « 1,pour 5 personnes » otherwise).
CAPACITY = re.compile(r"(?<![\w(.,/–-])(\d{1,6})(?:\s*(?:-|–|à|/)\s*(\d{1,6}))?\s*EH\b")


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
    """« Filtre 5 EH » -> « Filtre pour 5 personnes (5 EH) », « 4-6 EH » -> « pour
    4 à 6 personnes (4-6 EH) » (labels are French data)."""

    def people(match):
        count, most = int(match.group(1)), match.group(2)
        if most is not None:
            return f"pour {count} à {int(most)} personnes ({count}-{int(most)} EH)"
        return f"pour {count} personne{'s' if count > 1 else ''} ({count} EH)"

    return CAPACITY.sub(people, label or "")
