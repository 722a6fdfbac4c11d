"""Feedback pages through the client: answering, reading results, HR's campaigns; the same
number of queries whatever the number of managers and answers."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from feedback import services
from feedback.models import Campaign, FeedbackSettings, Participation, RatedManager, UpwardQuestion
from tests.feedback.helpers import answer, campaign_of, launch, make_team, open_window

pytestmark = pytest.mark.django_db


def _form(cycle, value="4", comment=""):
    data = {}
    for pk in UpwardQuestion.objects.filter(cycle=cycle).values_list("pk", flat=True):
        data[f"q{pk}"] = value
        data[f"c{pk}"] = comment
    return data


def test_a_supervisee_answers_from_my_tasks_and_cannot_answer_twice(client):
    team = make_team(5)
    rated = launch(team)
    member = team.members[0]
    client.force_login(member.user)
    home = client.get(reverse("home")).content.decode()
    url = reverse("feedback:upward-answer", args=[rated.pk])
    assert url in home and f"Give your anonymous feedback on {team.manager.user}" in home
    page = client.get(url).content.decode()
    assert "Your name is kept apart from your answers" in page
    response = client.post(url, _form(team.cycle, comment="Clear priorities."), follow=True)
    assert "your feedback on" in response.content.decode()
    assert Participation.objects.filter(rated=rated, respondent=member.user).count() == 1
    again = client.post(url, _form(team.cycle, value="1"), follow=True)
    assert "You have already given your feedback" in again.content.decode()
    assert Participation.objects.count() == 1
    assert url not in client.get(reverse("home")).content.decode()


def test_an_incomplete_form_comes_back_with_what_was_typed(client):
    team = make_team(5)
    rated = launch(team)
    client.force_login(team.members[0].user)
    data = _form(team.cycle, comment="Keep this text")
    first = UpwardQuestion.objects.filter(cycle=team.cycle).order_by("position").first()
    del data[f"q{first.pk}"]
    response = client.post(reverse("feedback:upward-answer", args=[rated.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a value." in page and "Keep this text" in page
    assert not Participation.objects.exists()


def test_the_manager_cannot_open_the_form_on_themselves(client):
    team = make_team(5)
    rated = launch(team)
    client.force_login(team.manager.user)
    assert client.get(reverse("feedback:upward-answer", args=[rated.pk])).status_code == 404
    assert client.get(reverse("feedback:upward-results", args=[rated.pk])).status_code == 200


def test_hr_launches_follows_participation_and_closes_after_the_window(client):
    team = make_team(5)
    open_window(team.cycle)
    client.force_login(team.hr)
    listing = client.get(reverse("feedback:campaigns")).content.decode()
    assert "Not launched" in listing
    response = client.post(reverse("feedback:campaign-launch", args=[team.entity.pk]))
    campaign = campaign_of(team)
    assert response.url == reverse("feedback:campaign", args=[campaign.pk])
    assert campaign.state == Campaign.State.OPEN and campaign.launched_by == team.hr
    rated = RatedManager.objects.get(campaign=campaign)
    for member in team.members[:3]:
        answer(rated, member)
    page = client.get(reverse("feedback:campaign", args=[campaign.pk])).content.decode()
    assert "3 answers from the 5 staff" in page and "3 of 5 needed" in page
    refused = client.post(reverse("feedback:campaign-close", args=[campaign.pk]), follow=True)
    assert "stays open until" in refused.content.decode()
    closes = FeedbackSettings.objects.get(cycle=team.cycle).window()[1]
    with time_machine.travel(closes + datetime.timedelta(days=1)):
        client.force_login(team.hr)
        client.post(reverse("feedback:campaign-close", args=[campaign.pk]))
    assert campaign_of(team).state == Campaign.State.CLOSED


def test_the_campaign_list_is_hr_only(client):
    team = make_team(5)
    client.force_login(team.manager.user)
    assert client.get(reverse("feedback:campaigns")).status_code == 403
    client.force_login(team.hr)
    assert client.get(reverse("feedback:campaigns")).status_code == 200


def test_an_unknown_export_format_is_404(client):
    team = make_team(5)
    launch(team)
    client.force_login(team.hr)
    url = reverse("feedback:campaign-export", args=[campaign_of(team).pk, "doc"])
    assert client.get(url).status_code == 404


# --- queries ----------------------------------------------------------------------------------


def _world(managers: int, team_size: int):
    """`managers` rated managers of one entity with `team_size` staff each, all answered; one
    staff member of the first team reads the feedback home page."""
    first = make_team(team_size)
    teams = [first] + [
        make_team(team_size, cycle=first.cycle, entity=first.entity, hr=first.hr)
        for _ in range(managers - 1)
    ]
    open_window(first.cycle)
    services.launch_campaign(entity=first.entity, cycle=first.cycle, actor=first.hr)
    for team in teams:
        rated = RatedManager.objects.get(manager=team.manager)
        for member in team.members[1:]:
            answer(rated, member, comment="Fine.")
    return first, teams


@pytest.mark.parametrize("managers,team_size", [(1, 5), (4, 9)])
def test_feedback_pages_run_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, managers, team_size
):
    first, teams = _world(managers, team_size)
    campaign = campaign_of(first)
    rated = RatedManager.objects.get(manager=first.manager)
    pages = [
        (first.members[0].user, reverse("feedback:home"), 10),
        (first.members[0].user, reverse("feedback:upward-answer", args=[rated.pk]), 8),
        (first.boss.user, reverse("feedback:home"), 10),
        (first.boss.user, reverse("feedback:upward-results", args=[rated.pk]), 8),
        (first.hr, reverse("feedback:campaigns"), 8),
        (first.hr, reverse("feedback:campaign", args=[campaign.pk]), 14),
        (first.hr, reverse("feedback:campaign-export", args=[campaign.pk, "csv"]), 8),
    ]
    for user, url, budget in pages:
        client.force_login(user)
        with django_assert_max_num_queries(budget):
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, url
