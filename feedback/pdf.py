"""A campaign's participation and the entity's aggregates as a PDF (WeasyPrint), for HR: the
figures of the CSV and XLSX exports, hidden below the minimum as on the page, never an answer
of a person, never a comment."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors
from .models import Campaign, settings_for


def campaign_pdf_context(campaign: Campaign) -> dict[str, Any]:
    """What the PDF shows, read through the selectors the exports use: participation per rated
    manager (with whether their results are shown) and the entity's results, per question the
    answers, the mean and how many gave each value from 1 to the top of the scale."""
    feedback_settings = settings_for(campaign.cycle)
    results = selectors.entity_results(campaign)
    return {
        "campaign": campaign,
        "settings": feedback_settings,
        "window": feedback_settings.window(),
        "rows": list(selectors.participation_rows(campaign)),
        "entity_results": results,
        "values": list(range(1, feedback_settings.scale_top + 1)),
        "questions": [
            (q, [count for _, count in sorted(q.distribution)]) for q in results.questions
        ],
        "generated_at": timezone.now(),
    }


def render_campaign_html(context: dict[str, Any]) -> str:
    return render_to_string("feedback/campaign_pdf.html", context)


def render_campaign_pdf(campaign: Campaign) -> tuple[bytes, int]:
    """The PDF and the number of data rows it holds (participation and questions, counted as
    the XLSX export counts them, for the security log)."""
    from weasyprint import HTML  # imported here: it needs Pango, only installed where used

    context = campaign_pdf_context(campaign)
    html = render_campaign_html(context)
    rows = len(context["rows"]) + len(context["questions"])
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(), rows
