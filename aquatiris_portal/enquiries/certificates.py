"""The manufacturer certificate PDF (reportlab), from editor-set texts."""

import io
import logging
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..records.local_dates import date_text

logger = logging.getLogger(__name__)


def _logo(image):
    """The editor's logo as a flowable, or None (a broken image never blocks a certificate)."""
    if image is None:
        return None
    try:
        with image.file.open("rb") as handle:
            data = handle.read()
        reader = ImageReader(io.BytesIO(data))
        width, height = reader.getSize()
        target_height = 20 * mm
        return Image(io.BytesIO(data), width=width * target_height / height, height=target_height)
    except Exception:  # noqa: BLE001 - logged, the certificate is still made
        logger.exception("Certificate logo could not be read")
        return None


def certificate_pdf(
    *, number, client, installation, serial_number, issued_at, title, text, signature, logo=None, ends_on=None
):
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"{title} {number}",
        author=signature or "Aquatiris",
    )
    styles = getSampleStyleSheet()
    story = []
    logo_flowable = _logo(logo)
    if logo_flowable is not None:
        story += [logo_flowable, Spacer(1, 6 * mm)]
    story.append(Paragraph(escape(title), styles["Title"]))
    story.append(Paragraph(escape(_("Certificate number: %(number)s") % {"number": number}), styles["Heading3"]))
    story.append(Spacer(1, 4 * mm))
    for paragraph in (text or "").split("\n\n"):
        if paragraph.strip():
            story.append(Paragraph(escape(paragraph.strip()).replace("\n", "<br/>"), styles["BodyText"]))
    story.append(Spacer(1, 6 * mm))
    rows = [
        (_("Client"), f"{client.full_name} ({client.code})"),
        (_("Installation"), f"{installation.reference} {installation.label}".strip()),
        (_("Installation address"), installation.full_address),
        (_("Serial number"), serial_number),
        (_("Date"), date_text(issued_at)),  # the day in Paris, not in UTC
    ]
    if ends_on is not None:
        rows.append((_("Extended warranty until"), date_text(ends_on)))
    cell = styles["BodyText"]
    table = Table(
        [
            [Paragraph(f"<b>{escape(label)}</b>", cell), Paragraph(escape(value).replace("\n", "<br/>"), cell)]
            for label, value in rows
        ],
        colWidths=[50 * mm, None],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    if signature:
        story += [Spacer(1, 12 * mm), Paragraph(escape(signature), styles["Heading4"])]
    document.build(story)
    return buffer.getvalue()
