"""The folder list writes its dates with ``date_formatter``: the same text
as Django's ``dateformat.format`` for any date and any format, the numeric
ones (French "d/m/Y") by ``str.format``, the others by Django; and, for the
formats of the d, m and Y codes only, from the date's ISO text
(``iso_date_text``), the same text again."""

import datetime
import zoneinfo

from django.utils import dateformat, translation
from hypothesis import given
from hypothesis import strategies as st

from aquatiris_portal.pages.pro_space_folders import date_formatter, iso_date_text

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


ISO_FORMATS = st.text(alphabet="dmY/.- {}:jnyDM\\", max_size=12)
LOCAL_MOMENTS = st.one_of(
    st.dates(),
    st.datetimes(timezones=st.sampled_from([datetime.UTC, zoneinfo.ZoneInfo("Europe/Paris")])),
)


@given(date_format=ISO_FORMATS, value=LOCAL_MOMENTS)
def test_the_text_from_the_iso_date_is_djangos(date_format, value):
    from_iso = iso_date_text(date_format)
    iso = value.isoformat(timespec="seconds") if isinstance(value, datetime.datetime) else value.isoformat()
    with translation.override("fr"):
        expected = dateformat.format(value, date_format)
    if from_iso is not None:  # d, m and Y only: the same text; any other code, Django's own path
        assert from_iso(iso) == expected
    else:
        assert any(ch.isalpha() and ch not in "dmY" for ch in date_format) or "\\" in date_format


def test_french_short_date_from_iso():
    assert iso_date_text("d/m/Y")("0987-01-02") == "02/01/0987"
    assert iso_date_text("d/m/Y")("2026-03-07T23:30:00+01:00") == "07/03/2026"
    assert iso_date_text("j/n/Y") is None
