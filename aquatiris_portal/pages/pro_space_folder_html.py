"""The folder page's document list, written once in Python.

Each document was a dozen template nodes, two {% url %} and four filters:
on a folder of a few documents that was a tenth of the page. The markup is
folder.html's as it was; every value is escaped (html.escape: Django's
escape without its lazy wrapper), the sentences are the same msgids, as
{% translate %} writes them.
"""

import datetime
from html import escape

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..records.models import DocumentSource
from .pro_space_folders import date_formatter

_SAMPLE_PK = 987_654_321  # reversed once, then replaced by each document's pk


def _url_of(name):
    sample = reverse(name, args=[_SAMPLE_PK])
    head, _sep, tail = sample.partition(str(_SAMPLE_PK))
    return lambda pk: f"{head}{int(pk)}{tail}"


def _day(value, zone, text_of):
    if isinstance(value, datetime.datetime):
        value = value.astimezone(zone)  # what the |date filter shows
    return f'<time datetime="{value:%Y-%m-%d}">{escape(text_of(value))}</time>'


def documents_html(documents):
    """The <li>s of folder.html's document list, as one safe string."""
    view_url = _url_of("aquatiris_portal:document_view")
    download_url = _url_of("aquatiris_portal:document_download")
    text_of = date_formatter(get_format("SHORT_DATE_FORMAT"))
    zone = timezone.get_current_timezone()
    # The sentences as {% translate %} writes them (a catalogue's text, not escaped).
    result_label, by_spanc = _("Result of the control"), _("Sent by the SPANC")
    view, download, new_tab = _("View / print"), _("Download"), _("opens in a new tab")
    out = []
    for document in documents:
        title = escape(document.title)
        parts = [f'<span class="aqp-pro-doc__title">{title}</span>']
        if document.document_type:
            parts.append(f'<span class="aqp-pro-doc__type">{escape(str(document.document_type))}</span>')
        if document.control_result:
            parts.append(
                f'<span class="aqp-result aqp-result--{escape(document.control_result)}">'
                f'<span class="aqp-visually-hidden">{result_label} : </span>'
                f"{escape(str(document.get_control_result_display()))}</span>"
            )
        if document.source == DocumentSource.SPANC_UPLOAD:
            sender = getattr(document, "sender", "")
            # As {% blocktranslate %}: the value escaped, the sentence as translated.
            mark = _("Sent by %(person)s") % {"person": escape(sender)} if sender else by_spanc
            parts.append(f'<span class="aqp-pro-mark">{mark}</span>')
        meta = _day(document.issued_on or document.created_at, zone, text_of)
        if document.size:
            kind = (document.content_type or "PDF").replace("application/", "").upper()
            meta += f" · {escape(kind)}, {escape(str(filesizeformat(document.size)))}"
        parts.append(f'<span class="aqp-pro-doc__meta">{meta}</span>')
        if document.note:
            parts.append(f'<span class="aqp-pro-doc__note">{escape(document.note)}</span>')
        out.append(
            '<li class="aqp-pro-doc">'
            f'<div class="aqp-pro-doc__text">{"".join(parts)}</div>'
            '<div class="aqp-pro-doc__actions aqp-no-print">'
            f'<a href="{view_url(document.pk)}" target="_blank" rel="noopener">{view}'
            f'<span class="aqp-visually-hidden"> {title} ({new_tab})</span></a> '
            f'<a href="{download_url(document.pk)}" download>{download}'
            f'<span class="aqp-visually-hidden"> {title}</span></a>'
            "</div></li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308  every value above is escaped
