"""Wording and display (issue 17): the header badge of a document's pages says the document's
stage; a state or stage label inside a sentence keeps its acronyms ("FRO evaluation",
"awaiting the HOD's reply", not "fro evaluation" / "awaiting the hod's reply"), in English and
in French."""

import datetime
import html
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

from pmsystem.stages import Stage
from rebuttals.models import RebuttalCase
from tests.appraisals.helpers import hr_focal_point, make_document_at
from tests.rebuttals.helpers import filed_case, rebuttable_document
from tests.workplans.helpers import fro_of, make_approved_work_plan

pytestmark = pytest.mark.django_db


def header_badge(html: str) -> str:
    match = re.search(r'<h1>.*?<span class="badge">(.*?)</span></h1>', html, re.S)
    assert match, "no badge in the document header"
    return match.group(1).strip()


@pytest.mark.parametrize(
    ("language", "label", "expected"),
    [
        ("en", Stage.FRO_EVALUATION.label, "FRO evaluation"),
        ("en", RebuttalCase.State.FILED.label, "awaiting the HOD's reply"),
        ("fr", Stage.FRO_EVALUATION.label, "évaluation par le premier notateur"),
        ("fr", RebuttalCase.State.FILED.label, "en attente de la réponse du chef de département"),
    ],
)
def test_the_filter_keeps_acronyms_in_both_languages(language, label, expected):
    template = Template("{% load pmsystem_i18n %}{{ label|lower_first }}")
    with translation.override(language):
        assert html.unescape(template.render(Context({"label": label}))) == expected


def test_the_header_badge_shows_the_documents_stage(client):
    document = make_document_at("fro_evaluation")
    client.force_login(fro_of(document))
    evaluation = client.get(reverse("appraisals:evaluation", args=[document.pk]))
    assert header_badge(evaluation.content.decode()) == "FRO evaluation"
    work_plan_page = client.get(reverse("workplans:document", args=[document.pk]))
    assert header_badge(work_plan_page.content.decode()) == "FRO evaluation"

    fro = fro_of(document)
    fro.language = "fr"
    fro.save(update_fields=["language"])
    with translation.override("en"):
        french = client.get(reverse("appraisals:evaluation", args=[document.pk]))
    assert header_badge(french.content.decode()) == "Évaluation par le premier notateur"


def test_at_the_work_plan_stage_the_badge_says_its_state(client):
    work_plan = make_approved_work_plan()
    client.force_login(work_plan.staff.user)
    page = client.get(reverse("appraisals:evaluation", args=[work_plan.pk])).content.decode()
    assert header_badge(page) == "Work plan: approved"


def test_the_rebuttal_state_reads_inside_its_sentence(client):
    case = filed_case(rebuttable_document())
    client.force_login(case.document.staff.user)
    page = client.get(reverse("appraisals:evaluation", args=[case.document_id])).content.decode()
    assert "Rebuttal: awaiting the HOD&#x27;s reply" in page
    assert "the hod&#x27;s reply" not in page


def test_the_people_list_keeps_acronyms_in_states(client):
    document = make_document_at("fro_evaluation")
    client.force_login(hr_focal_point(document))
    response = client.get(reverse("compliance:people"), {"entity": document.staff.unit.entity_id})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "End-of-cycle evaluation: FRO evaluation" in page
    assert "fro evaluation" not in page


CLDR_FRENCH_MONTHS = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
]  # fmt: skip


def test_french_short_dates_abbreviate_months_as_cldr_does():
    with translation.override("fr"):
        for month, abbreviation in enumerate(CLDR_FRENCH_MONTHS, start=1):
            day = datetime.date(2027, month, 7)
            assert formats.date_format(day, "SHORT_DATE_FORMAT") == f"7 {abbreviation} 2027"
            moment = datetime.datetime(2027, month, 7, 14, 5)
            assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == (
                f"7 {abbreviation} 2027 14:05"
            )
    with translation.override("en"):
        assert formats.date_format(datetime.date(2027, 1, 7), "SHORT_DATE_FORMAT") == "7 Jan 2027"
