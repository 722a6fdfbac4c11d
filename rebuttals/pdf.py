"""The panel's report as a PDF, for the official status file."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .models import RebuttalCase


def render_report_pdf(case: RebuttalCase) -> bytes:
    from weasyprint import HTML  # needs Pango; imported where used

    html = render_to_string(
        "rebuttals/report_pdf.html",
        {
            "case": case,
            "panel": list(case.panel.select_related("user").order_by("seat", "appointed_at")),
            "generated_at": timezone.now(),
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
