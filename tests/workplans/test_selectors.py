"""Reads for work-plan pages: the FRO's team, "My tasks" and the visible documents. Every list
runs a constant number of queries whatever the number of rows (5 and 50 rows, same bound)."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from org.models import DepartmentRole
from tests.builders import build_document
from tests.factories import (
    AdditionalSupervisorFactory,
    CycleFactory,
    DepartmentRoleFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UserFactory,
    WorkPlanFactory,
)
from tests.workplans.helpers import fro_of
from workplans import services
from workplans.models import MidpointReview, WorkPlan
from workplans.permissions import acting_documents, visible_work_plans
from workplans.selectors import team_rows, work_plan_tasks

pytestmark = pytest.mark.django_db

SIZES = [5, 50]
# Constant bounds, the same at every size.
# The team's rows, and what the later stages add to them (the open PIPs, and their meetings
# when there are any: tests/appraisals/test_pips.py; issue 16 section 4: the next milestone of
# staff on special schedules, one query).
TEAM_ROWS_QUERIES = 3
TASKS_QUERIES = 3  # own document, the FRO's documents waiting, supervision requests
VISIBLE_QUERIES = 1

STAGES = ["none", "draft", "submitted", "midpoint_staff_submitted"]


def build_team(fro, cycle, size: int) -> dict[int, str]:
    """`size` supervisees of `fro`, their documents spread over the stages. The stages are
    written straight to the rows: these tests read, the services are tested elsewhere."""
    unit = OrgUnitFactory()
    stage_of = {}
    for i in range(size):
        staff = StaffMemberFactory(unit=unit)
        ReportingLineFactory(staff=staff, cycle=cycle, fro=fro)
        stage = STAGES[i % len(STAGES)]
        stage_of[staff.pk] = stage
        if stage == "none":
            continue
        work_plan = WorkPlanFactory(staff=staff, cycle=cycle)
        if stage == "submitted":
            WorkPlan.objects.filter(pk=work_plan.pk).update(state=WorkPlan.State.SUBMITTED)
        elif stage == "midpoint_staff_submitted":
            WorkPlan.objects.filter(pk=work_plan.pk).update(state=WorkPlan.State.APPROVED)
            MidpointReview.objects.create(
                work_plan=work_plan,
                started_by=staff.user,
                state=MidpointReview.State.STAFF_SUBMITTED,
                staff_comments="Fine.",
            )
    return stage_of


def render_team(rows) -> list[tuple]:
    """What the team page shows for each row."""
    return [
        (
            row.line.staff.user.get_full_name(),
            row.line.staff.index_number,
            row.line.staff.unit.name,
            str(row.line.fro.user),
            str(row.line.sro.user),
            row.state_label,
            row.midpoint_state,
            row.due,
            row.overdue,
            row.work_plan_id,
        )
        for row in rows
    ]


@pytest.mark.parametrize("size", SIZES)
def test_team_rows_run_a_constant_number_of_queries(size, django_assert_max_num_queries):
    fro = StaffMemberFactory()
    cycle = CycleFactory()
    stage_of = build_team(fro, cycle, size)
    with django_assert_max_num_queries(TEAM_ROWS_QUERIES):
        rendered = render_team(team_rows(fro.user, cycle))
    assert len(rendered) == size
    labels = sorted(r[5] for r in rendered)
    quarter = {s: sum(1 for v in stage_of.values() if v == s) for s in STAGES}
    assert labels.count("Not started") == quarter["none"]
    assert labels.count("Draft") == quarter["draft"]
    assert labels.count("Submitted") == quarter["submitted"]
    assert labels.count("Approved") == quarter["midpoint_staff_submitted"]


def test_team_rows_list_the_current_supervisees_of_the_fro_with_their_stage():
    cycle = CycleFactory()
    fro = StaffMemberFactory()
    submitted = build_document("submitted", cycle=cycle, fro=fro)
    no_plan = ReportingLineFactory(cycle=cycle, fro=fro)
    # Not this FRO's team: someone else's supervisee, a former supervisee, another cycle.
    ReportingLineFactory(cycle=cycle)
    former = ReportingLineFactory(cycle=cycle, fro=fro, effective_to=cycle.start)
    ReportingLineFactory(cycle=CycleFactory(start_year=2027), fro=fro)

    rows = {row.line.staff_id: row for row in team_rows(fro.user, cycle)}

    assert set(rows) == {submitted.staff_id, no_plan.staff_id}
    assert former.staff_id not in rows
    assert (rows[submitted.staff_id].work_plan_id, rows[submitted.staff_id].state_label) == (
        submitted.pk,
        "Submitted",
    )
    assert (rows[no_plan.staff_id].work_plan_id, rows[no_plan.staff_id].state_label) == (
        None,
        "Not started",
    )
    assert rows[no_plan.staff_id].due == cycle.workplan_due


def test_team_rows_as_sro():
    cycle = CycleFactory()
    line = ReportingLineFactory(cycle=cycle)
    assert [r.line.pk for r in team_rows(line.sro.user, cycle, as_role="sro")] == [line.pk]
    assert team_rows(line.sro.user, cycle) == []


def test_team_rows_due_date_and_overdue_follow_entry_on_duty():
    cycle = CycleFactory()
    fro = StaffMemberFactory()
    newcomer = StaffMemberFactory(entry_on_duty=datetime.date(2026, 6, 10))
    ReportingLineFactory(staff=newcomer, cycle=cycle, fro=fro)
    veteran_plan = build_document("approved", cycle=cycle, fro=fro)
    with time_machine.travel(datetime.date(2026, 7, 1), tick=False):
        rows = {r.line.staff_id: r for r in team_rows(fro.user, cycle)}
        assert rows[newcomer.pk].due == datetime.date(2026, 8, 10)
        assert rows[newcomer.pk].overdue is False
        # Approved documents are never overdue.
        assert rows[veteran_plan.staff_id].overdue is False
    with time_machine.travel(datetime.date(2026, 8, 11), tick=False):
        rows = {r.line.staff_id: r for r in team_rows(fro.user, cycle)}
        assert rows[newcomer.pk].overdue is True
        assert rows[veteran_plan.staff_id].overdue is False


# --- my tasks ----------------------------------------------------------------------------


def render_tasks(tasks) -> list[tuple]:
    return [(t.label, t.url, t.due, t.overdue, t.role) for t in tasks]


@pytest.mark.parametrize("size", SIZES)
def test_work_plan_tasks_run_a_constant_number_of_queries(size, django_assert_max_num_queries):
    cycle = CycleFactory()
    fro = StaffMemberFactory()
    WorkPlanFactory(staff=fro, cycle=cycle)  # the FRO's own document, a draft
    stage_of = build_team(fro, cycle, size)
    for _ in range(size // 5):
        AdditionalSupervisorFactory(work_plan__cycle=cycle, supervisor=fro.user)
    acting = acting_documents(fro.user)  # read once by My tasks for every app's tasks
    with django_assert_max_num_queries(TASKS_QUERIES):
        rendered = render_tasks(work_plan_tasks(fro.user, cycle, acting=acting))
    waiting = sum(1 for s in stage_of.values() if s in {"submitted", "midpoint_staff_submitted"})
    assert len(rendered) == 1 + waiting + size // 5
    assert rendered[0][0] == "Draft and submit your work plan"


def test_fro_tasks_are_approvals_and_midpoint_reviews_with_their_due_dates():
    cycle = CycleFactory()
    fro = StaffMemberFactory()
    submitted = build_document("submitted", cycle=cycle, fro=fro)
    approved = build_document("midpoint_submitted", cycle=cycle, fro=fro)
    staff = approved.staff.user
    build_document("draft", cycle=cycle, fro=fro)  # a draft waits for nobody but its owner

    tasks = work_plan_tasks(fro.user, cycle)

    assert sorted((t.label, t.url_name, t.url_args, t.due, t.role) for t in tasks) == sorted(
        [
            # The FRO is a staff member too.
            ("Create your work plan", "workplans:mine", (), cycle.workplan_due, "Staff member"),
            (
                f"Approve the work plan of {submitted.staff.user}",
                "workplans:document",
                (submitted.pk,),
                cycle.workplan_due,
                "FRO",
            ),
            (
                f"Comment on and finalise the mid-point review of {staff}",
                "workplans:midpoint",
                (approved.pk,),
                cycle.midpoint_due,
                "FRO",
            ),
        ]
    )
    assert fro_of(submitted) == fro.user


@pytest.mark.parametrize(
    ("stage", "label"),
    [
        ("none", "Create your work plan"),
        ("draft", "Draft and submit your work plan"),
        ("returned", "Your FRO returned your work plan: revise and resubmit"),
        ("submitted", None),
        ("approved", "Enter your mid-point review comments"),
        ("midpoint_open", "Enter your mid-point review comments"),
        ("midpoint_staff_submitted", None),
    ],
)
def test_staff_tasks_follow_their_document(stage, label):
    cycle = CycleFactory()
    line = ReportingLineFactory(cycle=cycle)
    staff = line.staff.user
    if stage != "none":
        build = {"midpoint_staff_submitted": "midpoint_submitted"}.get(stage, stage)
        build_document(build, staff=line.staff, cycle=cycle)
    labels = [t.label for t in work_plan_tasks(staff, cycle)]
    assert labels == ([label] if label else [])


def test_no_midpoint_task_when_the_cycle_has_none():
    cycle = CycleFactory(midpoint_required=False)
    work_plan = build_document("approved", cycle=cycle)
    assert work_plan_tasks(work_plan.staff.user, cycle) == []


def test_supervision_requests_wait_for_the_proposed_supervisor():
    request = AdditionalSupervisorFactory()
    cycle = request.work_plan.cycle
    tasks = work_plan_tasks(request.supervisor, cycle)
    assert [(t.label, t.url_name, t.role) for t in tasks] == [
        (
            f"Answer {request.work_plan.staff.user}'s request to be an additional supervisor",
            "workplans:supervision-requests",
            "Additional supervisor",
        )
    ]
    services.answer_supervision_request(request=request, actor=request.supervisor, accept=True)
    assert work_plan_tasks(request.supervisor, cycle) == []


def test_no_tasks_without_an_open_cycle():
    assert work_plan_tasks(UserFactory(), None) == []


# --- visible documents -------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("who", ["hod", "fro"])
def test_visible_work_plans_is_one_query_whatever_the_size(
    who, size, django_assert_max_num_queries
):
    cycle = CycleFactory()
    fro = StaffMemberFactory()
    build_team(fro, cycle, size)
    # The team sits in other units; give the HOD the entity of the team's unit.
    team_entity = WorkPlan.objects.filter(cycle=cycle).first().staff.unit.entity
    hod = DepartmentRoleFactory(entity=team_entity, role=DepartmentRole.Role.HOD).user
    WorkPlanFactory(cycle=cycle)  # elsewhere: seen by neither
    user = hod if who == "hod" else fro.user
    expected = set(
        WorkPlan.objects.filter(cycle=cycle, staff__lines__fro=fro).values_list("pk", flat=True)
    )
    with django_assert_max_num_queries(VISIBLE_QUERIES):
        rows = [(wp.pk, wp.state, wp.staff_id) for wp in visible_work_plans(user)]
    assert {pk for pk, _, _ in rows} == expected
    assert len(rows) == len(expected)  # no duplicates from the joins
