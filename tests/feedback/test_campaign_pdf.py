"""The campaign's PDF export for HR: the figures of the CSV and XLSX exports (participation per
rated manager, the entity's aggregates per question), hidden below the minimum as on the page,
no comment and no one who answered; the same refusal as the CSV, logged as an export."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass

import pytest
from django.urls import reverse
from pypdf import PdfReader

from feedback.models import Campaign, RatedManager
from feedback.pdf import campaign_pdf_context, render_campaign_html
from tests.factories import UserFactory
from tests.feedback.helpers import Team, answer, campaign_of, launch, make_team
from tests.worlds import built_once

pytestmark = pytest.mark.django_db


@dataclass
class World:
    high: Team  # six answers, five counted: shown
    other: Team  # five answers, five counted: shown
    low: Team  # four answers of five: below the minimum
    campaign: Campaign


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker):
        high = make_team(6)
        rated = launch(high)
        for n, member in enumerate(high.members):
            answer(rated, member, value=4, comment=f"Private remark {n}")
        other = make_team(5, cycle=high.cycle, entity=high.entity, hr=high.hr)
        low = make_team(5, cycle=high.cycle, entity=high.entity, hr=high.hr)
        launch(high)  # launching again rates the two new managers
        for member in other.members:
            answer(RatedManager.objects.get(manager=other.manager), member, value=3)
        for member in low.members[:4]:
            answer(RatedManager.objects.get(manager=low.manager), member, value=1, comment="Ours")
        yield World(high, other, low, campaign_of(high))


def export_url(campaign: Campaign, fmt: str) -> str:
    return reverse("feedback:campaign-export", args=[campaign.pk, fmt])


def pdf_text(content: bytes) -> str:
    """The PDF's text with its line breaks and runs of spaces as single spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def respondents(world: World) -> list[str]:
    members = world.high.members + world.other.members + world.low.members
    return [str(m.user) for m in members] + [m.user.email for m in members]


def test_hr_downloads_the_pdf_with_the_exports_figures_and_logs_it(client, world, caplog):
    caplog.set_level(logging.INFO, logger="pmsystem.security")
    client.force_login(world.high.hr)
    response = client.get(export_url(world.campaign, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    filename = f"upward-feedback-{world.campaign.entity.code}-{world.campaign.cycle.name}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'

    text = pdf_text(response.content)
    for team, figures in (
        (world.high, "6 6 5 shown to the manager"),
        (world.other, "5 5 5 shown to the manager"),
        (world.low, "5 4 0 4 of 5 needed"),
    ):
        assert f"{team.manager.user} {team.manager.index_number} {figures}" in text
    # The entity's results: ten answers per question (five of each shown manager), the mean,
    # then how many gave 1, 2, 3, 4 and 5; the low manager's ones are not among them.
    assert "The answers on 2 managers, 10 in all, added together." in text
    assert "Answers Mean 1 2 3 4 5" in text
    assert "10 3.5 0 0 5 5 0" in text
    assert "Private remark" not in text and "Ours" not in text
    named = [name for name in respondents(world) if name in text]
    assert not named, f"the PDF names {named}"

    events = [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.name == "pmsystem.security" and '"event": "export"' in r.getMessage()
    ]
    questions = len(campaign_pdf_context(world.campaign)["questions"])
    assert [(e["view"], e["format"], e["rows"], e["user"]) for e in events] == [
        ("upward_feedback", "pdf", 3 + questions, world.high.hr.pk)
    ]


def test_the_pdf_holds_what_the_xlsx_holds_and_nothing_below_the_minimum(world):
    context = campaign_pdf_context(world.campaign)
    rows = {row.manager_id: (row.eligible, row.answered, row.counted) for row in context["rows"]}
    assert rows == {
        world.high.manager.pk: (6, 6, 5),
        world.other.manager.pk: (5, 5, 5),
        world.low.manager.pk: (5, 4, 0),
    }
    assert context["values"] == [1, 2, 3, 4, 5]
    assert context["questions"]
    for question, counts in context["questions"]:
        assert (question.count, question.mean, counts) == (10, 3.5, [0, 0, 5, 5, 0])
        assert question.comments == []
    html = render_campaign_html(context)
    assert "4 of 5 needed" in html
    assert "Ours" not in html and "Private remark" not in html


def test_with_one_manager_shown_the_entity_figures_give_way_to_the_pages_message(client, world):
    # Only the six-answer manager is shown: the entity's figures would be theirs alone.
    RatedManager.objects.filter(manager=world.other.manager).update(counted=0)
    client.force_login(world.high.hr)
    text = pdf_text(client.get(export_url(world.campaign, "pdf")).content)
    assert "5 5 0 5 of 5 needed" in text
    assert "the entity's figures are never one manager's." in text
    assert "Mean" not in text and "10 3.5" not in text and "5 4.0" not in text


def test_the_campaign_page_links_the_pdf_next_to_the_csv_and_xlsx(client, world):
    client.force_login(world.high.hr)
    page = client.get(reverse("feedback:campaign", args=[world.campaign.pk])).content.decode()
    links = [export_url(world.campaign, fmt) for fmt in ("csv", "xlsx", "pdf")]
    assert all(f'href="{link}"' in page for link in links)
    assert page.index(links[1]) < page.index(links[2])
    assert "Participation and results (PDF)" in page


def test_the_pdf_is_in_french_for_a_french_reader(client, world):
    hr = world.high.hr
    hr.language = "fr"
    hr.save(update_fields=["language"])
    client.force_login(hr)
    response = client.get(export_url(world.campaign, "pdf"), HTTP_ACCEPT_LANGUAGE="fr")
    text = pdf_text(response.content)
    assert "Participation" in text and "4 sur 5" in text


@pytest.mark.parametrize("who", ["supervisee", "manager", "boss", "unrelated"])
def test_whoever_the_csv_refuses_the_pdf_refuses_the_same_way(client, world, who):
    user = {
        "supervisee": world.high.members[0].user,
        "manager": world.high.manager.user,
        "boss": world.high.boss.user,
        "unrelated": UserFactory(),
    }[who]
    client.force_login(user)
    csv = client.get(export_url(world.campaign, "csv")).status_code
    pdf = client.get(export_url(world.campaign, "pdf")).status_code
    assert csv == pdf == 404


def test_an_unknown_format_is_still_404(client, world):
    client.force_login(world.high.hr)
    assert client.get(export_url(world.campaign, "doc")).status_code == 404
    assert client.get(export_url(world.campaign, "PDF")).status_code == 404
