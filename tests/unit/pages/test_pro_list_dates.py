"""The folder list writes its dates with ``date_formatter``: the same text
as Django's ``dateformat.format`` for any date and any format, the numeric
ones (French "d/m/Y") by ``str.format``, the others by Django."""

import datetime

from django.utils import dateformat, translation
from hypothesis import given
from hypothesis import strategies as st

from aquatiris_portal.pages.pro_space_folders import date_formatter

# Numeric codes, separators (braces included: str.format's own syntax), other codes, an escape.
FORMATS = st.text(alphabet="djmnY/.- {}:yDMFbNS\\", max_size=12)
MOMENTS = st.one_of(st.dates(), st.datetimes())


@given(date_format=FORMATS, value=MOMENTS)
def test_same_text_as_djangos_dateformat(date_format, value):
    with translation.override("fr"):
        assert date_formatter(date_format)(value) == dateformat.format(value, date_format)


def test_french_short_date():
    assert date_formatter("d/m/Y")(datetime.date(2026, 3, 7)) == "07/03/2026"
    assert date_formatter("d/m/Y")(datetime.date(987, 1, 2)) == "02/01/0987"
