"""The document as a PDF (WeasyPrint): what a person prints for the record."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from workplans.models import WorkPlan
from workplans.selectors import document_context, midpoint_of

from .selectors import evaluation_context


def render_document_pdf(document: WorkPlan, sections: Sequence[str] = ()) -> bytes:
    """Work plan, mid-point, evaluation and every signature with its hash (voided ones
    marked); `sections`: what later stages add for the reader (`pmsystem.registry`)."""
    from weasyprint import HTML  # imported here: it needs Pango, only installed where used

    html = render_to_string(
        "appraisals/document_pdf.html",
        {
            "work_plan": document,
            "midpoint": midpoint_of(document),
            "generated_at": timezone.now(),
            "sections": sections,
            **document_context(document),
            **evaluation_context(document),
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
