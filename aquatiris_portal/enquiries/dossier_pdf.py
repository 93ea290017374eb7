"""The summary PDF of an installation's dossier (reportlab, as the warranty
certificate; tagged by pdf_tags): the installation card, its stages, the
serial number and warranty end, the contract, the maintenance log, the
SPANC controls, and the requests' subjects and dates (never their messages).
Dates are the day in Paris (records.local_dates)."""

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..records.local_dates import date_text
from .pdf_tags import tag_pdf


def _table(rows, styles, widths=(55 * mm, None)):
    cell = styles["BodyText"]
    table = Table(
        [[Paragraph(escape(str(value)).replace("\n", "<br/>"), cell) for value in row] for row in rows],
        colWidths=list(widths) if len(widths) == len(rows[0]) else None,
        repeatRows=0,
    )
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def summary_pdf(summary):
    """``summary``: the dict ``dossier.summary_of`` makes. The PDF's bytes."""
    installation = summary["installation"]
    title = _("Installation dossier %(reference)s") % {"reference": installation.reference}
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author="Aquatiris",
        lang="fr-FR",
    )
    styles = getSampleStyleSheet()
    story = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(escape(_("Made on %(date)s") % {"date": date_text(summary["made_at"])}), styles["BodyText"]),
        Spacer(1, 4 * mm),
        Paragraph(escape(_("Installation")), styles["Heading2"]),
    ]
    card = [
        (_("Reference"), installation.reference),
        (_("Installation"), installation.label),
        (_("Address"), installation.full_address),
        (_("Installed on"), date_text(installation.installed_on) or _("not yet")),
        (_("Serial number"), installation.serial_number or _("not registered")),
        (
            _("Warranty until"),
            date_text(summary["warranty_end"]) if summary["warranty_end"] else _("no extended warranty"),
        ),
        (_("Franchisee"), str(installation.franchisee or "")),
        (_("SPANC"), str(installation.spanc or "")),
    ]
    story.append(_table(card, styles))
    story += [
        Paragraph(escape(_("Stages")), styles["Heading2"]),
        _table(
            [
                (step["name"], _("current stage") if step["current"] else (_("done") if step["done"] else ""))
                for step in summary["stages"]
            ],
            styles,
        ),
    ]
    story.append(Paragraph(escape(_("Maintenance contract")), styles["Heading2"]))
    contract = installation.get_maintenance_contract_status_display() or _("None")
    if installation.maintenance_contract_until:
        contract += " — " + _("until %(date)s") % {"date": date_text(installation.maintenance_contract_until)}
    story.append(Paragraph(escape(contract), styles["BodyText"]))
    story.append(Paragraph(escape(_("Maintenance log")), styles["Heading2"]))
    if summary["visits"]:
        story.append(
            _table(
                [(_("Date"), _("Visit"), _("Technician"))]
                + [
                    (date_text(visit.done_on), visit.get_kind_display(), visit.technician)
                    for visit in summary["visits"]
                ],
                styles,
                widths=(30 * mm, 70 * mm, None),
            )
        )
    else:
        story.append(Paragraph(escape(_("No visit done yet.")), styles["BodyText"]))
    story.append(Paragraph(escape(_("SPANC controls")), styles["Heading2"]))
    if summary["controls"]:
        story.append(
            _table(
                [(_("Date"), _("Control"), _("Result"))]
                + [(date_text(day), label, result) for day, label, result in summary["controls"]],
                styles,
                widths=(30 * mm, 70 * mm, None),
            )
        )
    else:
        story.append(Paragraph(escape(_("No SPANC control recorded.")), styles["BodyText"]))
    story.append(Paragraph(escape(_("Requests")), styles["Heading2"]))
    if summary["requests"]:
        story.append(
            _table(
                [(_("Date"), _("Subject"), _("Status"))]
                + [
                    (date_text(row.created_at), row.subject_label or row.get_kind_display(), row.get_status_display())
                    for row in summary["requests"]
                ],
                styles,
                widths=(30 * mm, 90 * mm, None),
            )
        )
    else:
        story.append(Paragraph(escape(_("No request sent from the portal.")), styles["BodyText"]))
    story.append(Paragraph(escape(_("Documents")), styles["Heading2"]))
    story.append(
        _table(
            [(_("Date"), _("Document"))]
            + [(date_text(document.issued_on or document.created_at), name) for document, name in summary["documents"]],
            styles,
            widths=(30 * mm, None),
        )
        if summary["documents"]
        else Paragraph(escape(_("No document.")), styles["BodyText"])
    )
    document.build(story)
    return tag_pdf(buffer.getvalue(), title=title)
