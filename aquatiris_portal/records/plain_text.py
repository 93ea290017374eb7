"""Plain French for clients (docs/glossary.md): a date with « 1er », a
capacity written for people. Plain functions, so that screens written in
Python (pages/) and the template filters (templatetags/portal_text.py)
say the same."""

import datetime
import re

from django.utils import formats, timezone, translation

# « 5 EH », « 10EH », « 1,5 EH », a range « 4-6 EH » or « 4 à 6 EH »; never the
# end of another number (« 1,5 EH » is not « 5 EH », « AQ-2024-5 EH » no capacity).
_AMOUNT = r"\d{1,6}(?:[.,]\d{1,3})?"
_CAPACITY = rf"({_AMOUNT})(?:\s*(?:-|–|à|/)\s*({_AMOUNT}))?\s*EH\b"
CAPACITY = re.compile(rf"(?<![\w.,/–-]){_CAPACITY}")
# capacity_text's: not one it wrote already (« (5 EH) »), so a second pass changes nothing.
_CAPACITY_TO_WRITE = re.compile(rf"(?<![\w(.,/–-]){_CAPACITY}")


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
        least, most = match.groups()
        if not least.isdigit() or (most is not None and not most.isdigit()):
            return match.group()  # « 1,5 EH », « 1.000 EH »: left as written
        count = int(least)
        if most is not None:
            return f"pour {count} à {int(most)} personnes ({count}-{int(most)} EH)"
        return f"pour {count} personne{'s' if count > 1 else ''} ({count} EH)"

    return _CAPACITY_TO_WRITE.sub(people, label or "")


def capacity_of(label):
    """The capacity in the label, as it says it (« Filtre planté de roseaux 5 EH »
    -> « 5 EH », « Microstation 4 à 6 EH » -> « 4-6 EH », « 1,5 EH »), or ""."""
    match = CAPACITY.search(label or "")
    if match is None:
        return ""
    least, most = match.groups()
    return f"{least}-{most} EH" if most else f"{least} EH"
