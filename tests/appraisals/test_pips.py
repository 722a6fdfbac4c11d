"""Performance improvement plans find their FRO (issue 17): the next step of an open plan (a
review meeting, the six-month review, the outcome) is in the FRO's My tasks, in the reminder
sweep, and on the plan's page."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from appraisals import pending, services
from appraisals.models import ImprovementPlan, ImprovementPlanMeeting
from appraisals.selectors import (
    PipStep,
    add_months,
    open_plans_as_fro,
    pip_next_step,
    pip_tasks,
    six_month_review_date,
)
from compliance.selectors import my_tasks
from org.models import Cycle, Delegation
from org.selectors import current_cycle
from tests.builders import build_document
from tests.factories import DelegationFactory, StaffMemberFactory, WorkPlanFactory
from tests.workplans.helpers import fro_of, sro_of

D = datetime.timedelta
START = datetime.date(2026, 11, 2)
TODAY = datetime.date(2026, 12, 5)
EIGHT_MONTHS_ON = START + D(days=240)


def plan(start=START, end=EIGHT_MONTHS_ON, every=30) -> ImprovementPlan:
    """An unsaved plan: the rule reads only its dates and timeline."""
    return ImprovementPlan(
        start=start, end=end, review_every_days=every, state=ImprovementPlan.State.OPEN
    )


# --- the rule on its own --------------------------------------------------------------------


def test_the_first_meeting_falls_due_its_interval_after_the_start():
    assert pip_next_step(plan(), []) == PipStep("meeting", START + D(days=30))
    assert pip_next_step(plan(every=14), []) == PipStep("meeting", START + D(days=14))


def test_the_next_meeting_counts_from_the_last_one_held():
    held = [START + D(days=20), START + D(days=45)]
    assert pip_next_step(plan(), held) == PipStep("meeting", START + D(days=75))
    # In whatever order they were recorded.
    assert pip_next_step(plan(), held[::-1]) == PipStep("meeting", START + D(days=75))


def test_the_six_month_review_is_due_six_calendar_months_after_the_start():
    six = datetime.date(2027, 5, 2)
    assert six_month_review_date(plan()) == six
    held = [six - D(days=10)]
    # The next ordinary meeting would fall after it: the review comes first.
    assert pip_next_step(plan(), held) == PipStep("six_month_review", six)
    # A meeting the same day as the review is the review.
    assert pip_next_step(plan(), [six - D(days=30)]) == PipStep("six_month_review", six)
    # Held (a meeting on or after its date): back to ordinary meetings.
    assert pip_next_step(plan(), [six + D(days=1)]) == PipStep("meeting", six + D(days=31))


def test_a_plan_shorter_than_six_months_has_no_six_month_review():
    short = plan(end=START + D(days=90))
    assert six_month_review_date(short) is None
    assert pip_next_step(short, [START + D(days=80)]) == PipStep("outcome", START + D(days=90))


def test_the_outcome_is_due_when_the_plan_ends_and_no_meeting_falls_before():
    ending = plan(end=START + D(days=40))
    assert pip_next_step(ending, []) == PipStep("meeting", START + D(days=30))
    assert pip_next_step(ending, [START + D(days=30)]) == PipStep("outcome", START + D(days=40))


def test_months_are_calendar_months_clamped_to_the_end_of_the_month():
    assert add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2027, 9, 15), 6) == datetime.date(2028, 3, 15)


# --- where the FRO finds it -----------------------------------------------------------------


def open_pip(document, **values) -> ImprovementPlan:
    return services.open_improvement_plan(
        document=document,
        actor=fro_of(document),
        objectives="Deliver the monthly reports on time.",
        support="Weekly coaching.",
        start=values.pop("start", START),
        end=values.pop("end", START + D(days=240)),
        **values,
    )


@pytest.fixture
def underperformer():
    return build_document("completed", overall="PM")


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_the_fro_finds_the_next_step_of_each_open_pip_in_my_tasks(underperformer):
    plan = open_pip(underperformer, review_every_days=21)
    fro = fro_of(underperformer)
    name = underperformer.staff.user
    (task,) = pip_tasks(fro)
    assert (task.label, task.url, task.due, task.role, task.overdue) == (
        f"Hold a PIP review meeting with {name}",
        reverse("appraisals:pips", args=[underperformer.pk]),
        START + D(days=21),
        "FRO",
        True,
    )
    assert task.label in [t.label for t in my_tasks(fro, current_cycle())]
    # The meeting held, the next one is due from it.
    services.add_improvement_meeting(plan=plan, actor=fro, held_on=TODAY, notes="On track.")
    assert [(t.due, t.overdue) for t in pip_tasks(fro)] == [(TODAY + D(days=21), False)]
    # Nobody else is asked: the staff member, the SRO.
    assert pip_tasks(underperformer.staff.user) == pip_tasks(sro_of(underperformer)) == []


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_a_closed_pip_or_a_closed_cycle_asks_nothing(underperformer):
    plan = open_pip(underperformer)
    fro = fro_of(underperformer)
    services.close_improvement_plan(plan=plan, actor=fro, outcome="improved")
    assert pip_tasks(fro) == []
    open_pip(underperformer, start=START + D(days=241), end=START + D(days=300))
    assert len(pip_tasks(fro)) == 1
    Cycle.objects.filter(pk=underperformer.cycle_id).update(status=Cycle.Status.CLOSED)
    assert pip_tasks(fro) == []


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_an_acting_fro_finds_the_pip_while_the_delegation_holds(underperformer):
    open_pip(underperformer)
    acting = StaffMemberFactory().user
    DelegationFactory(
        principal=fro_of(underperformer),
        acting=acting,
        role=Delegation.Role.FRO,
        start=TODAY,
        end=TODAY + D(days=7),
    )
    assert [t.url for t in pip_tasks(acting)] == [
        reverse("appraisals:pips", args=[underperformer.pk])
    ]


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_pip_tasks_run_four_queries_whatever_the_number_of_plans(
    django_assert_max_num_queries,
):
    first = build_document("completed", overall="PM")
    fro = fro_of(first)
    open_pip(first)
    # Open plans' ids, the FRO's among them, the plans, their meetings.
    with django_assert_max_num_queries(4):
        assert len(pip_tasks(fro)) == 1
    for _ in range(3):
        other = build_document("completed", overall="DN", cycle=first.cycle, fro=fro.staff)
        open_pip(other)
    with django_assert_max_num_queries(4):
        assert len(pip_tasks(fro)) == 4
    assert len(open_plans_as_fro(fro)) == 4


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_the_reminder_sweep_finds_the_next_step_of_each_open_pip(underperformer):
    plan = open_pip(underperformer)
    fro = fro_of(underperformer)
    actions = [a for a in pending.pending_actions(today=TODAY) if a.stage.startswith("pip_")]
    assert [(a.subject, a.stage, a.responsible_id, a.due, a.document_id) for a in actions] == [
        (f"pip:{plan.pk}", "pip_meeting", fro.pk, START + D(days=30), underperformer.pk)
    ]
    # Week 2 of the escalation is the SRO, as on every step of the document.
    assert actions[0].escalation[1] == ("sro", (sro_of(underperformer).pk,))
    stages = {stage.code: stage for stage in pending.STAGES}
    assert stages["pip_six_month_review"].role == stages["pip_outcome"].role == "fro"


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_the_plan_page_shows_the_timeline_and_the_next_step(client, underperformer):
    fro = fro_of(underperformer)
    client.force_login(fro)
    response = client.post(
        reverse("appraisals:pips", args=[underperformer.pk]),
        {
            "objectives": "Reports on time.",
            "support": "Coaching.",
            "start": "2026-12-01",
            "end": "2027-08-31",
            "review_every_days": "14",
        },
    )
    assert response.status_code == 302
    assert ImprovementPlan.objects.get(document=underperformer).review_every_days == 14
    page = client.get(reverse("appraisals:pips", args=[underperformer.pk])).content.decode()
    assert "Every 14 days; six-month review from 1 Jun 2027" in page
    assert "Review meeting, due 15 Dec 2026" in page


@pytest.mark.django_db
def test_a_plan_opened_without_a_timeline_meets_every_30_days(client, underperformer):
    client.force_login(fro_of(underperformer))
    client.post(
        reverse("appraisals:pips", args=[underperformer.pk]),
        {
            "objectives": "Reports.",
            "support": "Coaching.",
            "start": "2026-12-01",
            "end": "2027-01-31",
        },
    )
    assert ImprovementPlan.objects.get(document=underperformer).review_every_days == 30


# --- My team: the stage of each document, and its open PIP ---------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
@time_machine.travel(TODAY)
def test_my_team_shows_each_documents_stage_and_open_pip_in_constant_queries(
    size, client, django_assert_max_num_queries
):
    from workplans.selectors import team_rows

    first = build_document("completed", overall="PM")
    fro = fro_of(first).staff
    cycle = first.cycle
    others = [
        WorkPlanFactory(staff=StaffMemberFactory(), cycle=cycle, fro=fro) for _ in range(size)
    ]
    plans = [open_pip(first)]
    for document in others[: size // 2]:
        # Written straight to the table: the rows are read here, the service is tested above.
        plans.append(
            ImprovementPlan.objects.create(
                document=document,
                opened_by=fro.user,
                objectives="Deliver.",
                support="Coaching.",
                start=START,
                end=START + D(days=120),
                review_every_days=45,
            )
        )
        ImprovementPlanMeeting.objects.create(
            plan=plans[-1], held_on=START + D(days=10), notes="Fine.", recorded_by=fro.user
        )
    # The team, its PIPs, the staff on special schedules (`schedules`, registered extras).
    with django_assert_max_num_queries(4):
        rows = team_rows(fro.user, cycle)
    shown = {row.work_plan_id: (str(row.stage_label), row.extra.get("pip_step")) for row in rows}
    assert shown[first.pk] == ("Completed", PipStep("meeting", START + D(days=30)))
    assert shown[others[0].pk] == ("Work plan", PipStep("meeting", START + D(days=55)))
    assert shown[others[-1].pk] == ("Work plan", None)
    client.force_login(fro.user)
    client.get(reverse("workplans:team"))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("workplans:team")).content.decode()
    assert page.count("Review meeting, due") == 1 + size // 2
    assert reverse("appraisals:pips", args=[first.pk]) in page
    assert f'href="{reverse("appraisals:evaluation", args=[first.pk])}">Completed</a>' in page
