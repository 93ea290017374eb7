"""Small, real PDF files for the demo and the tests."""

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def make_pdf(title, lines=()):
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(60, 780, title)
    pdf.setFont("Helvetica", 11)
    y = 750
    for line in lines:
        pdf.drawString(60, y, str(line))
        y -= 16
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
