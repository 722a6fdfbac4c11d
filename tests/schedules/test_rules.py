"""Special schedules (issue 16 section 4, docs/rules.md section 10): the figures of one cycle
per staff member, milestones against hand-computed dates, the FRO records, HR corrects, My
tasks and the reminder sweep follow the dates, the review board reads probationary reports
under the conflict rule."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from compliance.models import Reminder
from compliance.reminders import run_daily_sweep
from compliance.selectors import my_tasks
from org.models import Cycle, Delegation, StaffMember
from pmsystem.errors import ApplicationError
from schedules import pending, permissions, selectors, services
from schedules.models import ReportComment, ScheduleRecord
from tests.factories import CycleFactory, DelegationFactory, StaffMemberFactory, UserFactory

from .helpers import World, world

pytestmark = pytest.mark.django_db
D = datetime.date


def dues(staff: StaffMember, today: D) -> dict[str, D]:
    schedule = selectors.staff_schedule(staff.pk, today)
    assert schedule is not None
    return {s.code: s.due for s in schedule.steps}


def discussed(today: D | None = None) -> tuple[World, StaffMember, ScheduleRecord]:
    """A probationer who entered on duty on 1 April 2026, whose FRO recorded the initial
    discussion as held on 20 April (on `today`)."""
    w = world()
    member = w.probationer(D(2026, 4, 1))
    return w, member, w.held(member, "discussion", D(2026, 4, 20), today=today)


# --- which figures, which dates -------------------------------------------------------------


def test_entry_on_31_january_counts_months_to_the_last_day_of_short_months():
    w = world()
    member = w.probationer(D(2026, 1, 31))
    assert dues(member, D(2026, 6, 1)) == {
        "discussion": D(2026, 2, 28),
        "midterm_6": D(2026, 7, 31),
        "appraisal_12": D(2027, 1, 31),
        "midterm_18": D(2027, 7, 31),
        "report_21": D(2027, 10, 31),
    }


def test_entry_on_29_february_falls_on_the_28th_in_common_years():
    w = world()
    member = w.probationer(D(2024, 2, 29))
    assert dues(member, D(2024, 3, 1)) == {
        "discussion": D(2024, 3, 29),
        "midterm_6": D(2024, 8, 29),
        "appraisal_12": D(2025, 2, 28),
        "midterm_18": D(2025, 8, 29),
        "report_21": D(2025, 11, 29),
    }


def test_the_cycle_containing_the_entry_on_duty_sets_the_figures_else_the_latest_open():
    first = CycleFactory(
        start_year=2026,
        probation_schedule=[{"code": "discussion", "months": 2}],
    )
    later = CycleFactory(start_year=2027, probation_schedule=[{"code": "discussion", "months": 3}])
    w = world(cycle=first)
    inside = w.probationer(D(2026, 5, 10))
    before = w.probationer(D(2020, 5, 10))
    assert dues(inside, D(2026, 6, 1)) == {"discussion": D(2026, 7, 10)}
    # Entry before every cycle: the latest open cycle (2027) gives its figures.
    assert dues(before, D(2026, 6, 1)) == {"discussion": D(2020, 8, 10)}
    later.status = Cycle.Status.CLOSED
    later.save()
    assert dues(before, D(2026, 6, 1)) == {"discussion": D(2020, 7, 10)}


def test_technical_cooperation_appraisals_follow_the_cycle_figures_and_stop_without_them():
    cycle = CycleFactory(start_year=2026, tc_first_appraisal_months=6, tc_appraisal_every_months=12)
    w = world(cycle=cycle)
    tc = StaffMemberFactory(
        unit=w.unit,
        entry_on_duty=D(2026, 4, 30),
        contract_type=StaffMember.ContractType.TECHNICAL_COOPERATION,
    )
    # Listed up to a year ahead of today.
    assert dues(tc, D(2026, 5, 1)) == {"tc_1": D(2026, 10, 30)}
    assert dues(tc, D(2026, 11, 1)) == {"tc_1": D(2026, 10, 30), "tc_2": D(2027, 10, 30)}
    cycle.tc_first_appraisal_months = None
    cycle.save()
    assert selectors.staff_schedule(tc.pk, D(2026, 5, 1)) is None


def test_a_milestone_in_the_next_cycle_belongs_to_that_cycle_and_reaches_the_fro_in_time():
    w = world()  # 1 April 2026 – 31 March 2027, open
    following = CycleFactory(start_year=2027, status=Cycle.Status.PLANNED)
    member = w.probationer(D(2026, 6, 15))
    spans = selectors.cycle_spans()
    appraisal = D(2027, 6, 15)
    assert dues(member, D(2027, 6, 1))["appraisal_12"] == appraisal
    assert selectors.cycle_of(appraisal, spans) == following.pk
    actions = {
        a.subject: a for a in pending.pending_actions(today=D(2027, 6, 1), entity_ids=[w.entity.pk])
    }
    action = actions[pending.subject(member.pk, "appraisal_12")]
    assert (action.cycle_id, action.responsible_id, action.due) == (
        following.pk,
        w.fro.pk,
        appraisal,
    )
    with time_machine.travel(D(2027, 6, 1), tick=False):
        labels = [t.label for t in my_tasks(w.fro.user, w.cycle) if t.url_name == "schedules:staff"]
    # Within the 14-day window: the appraisal; the earlier milestones are overdue.
    assert any("Probation appraisal (12 months)" in label for label in labels)
    assert not any("Mid-term review (18 months)" in label for label in labels)


# --- recording ------------------------------------------------------------------------------


def test_the_current_fro_records_a_milestone_once_and_nobody_else_may():
    w = world()
    member = w.probationer(D(2026, 4, 1))
    today = D(2026, 5, 10)
    for actor in (member.user, w.sro.user, w.hr, w.hod, w.board, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.record_milestone(
                actor=actor,
                staff=member,
                code="discussion",
                held_on=today,
                summary="x",
                today=today,
            )
    assert not ScheduleRecord.objects.exists()
    record = services.record_milestone(
        actor=w.fro.user,
        staff=member,
        code="discussion",
        held_on=D(2026, 4, 20),
        summary=" Agreed. ",
        today=today,
    )
    assert (record.due, record.summary, record.board, record.cycle_id) == (
        D(2026, 5, 1),
        "Agreed.",
        False,
        w.cycle.pk,
    )
    with pytest.raises(ApplicationError, match="already recorded"):
        services.record_milestone(
            actor=w.fro.user,
            staff=member,
            code="discussion",
            held_on=today,
            summary="x",
            today=today,
        )


@pytest.mark.parametrize(
    ("code", "held_on", "summary", "message"),
    [
        ("discussion", D(2026, 5, 11), "Agreed.", "A milestone cannot be held in the future."),
        ("discussion", D(2026, 5, 1), "   ", "Write a summary of the discussion."),
        ("nope", D(2026, 5, 1), "Agreed.", "This milestone is not on the staff member's schedule."),
    ],
)
def test_a_record_is_refused_whole(code, held_on, summary, message):
    w = world()
    member = w.probationer(D(2026, 4, 1))
    with pytest.raises(ApplicationError) as error:
        services.record_milestone(
            actor=w.fro.user,
            staff=member,
            code=code,
            held_on=held_on,
            summary=summary,
            today=D(2026, 5, 10),
        )
    assert error.value.message == message
    assert not ScheduleRecord.objects.exists()


def test_an_acting_fro_records_while_the_delegation_holds():
    w = world()
    member = w.probationer(D(2026, 4, 1))
    acting = StaffMemberFactory(unit=w.unit).user
    DelegationFactory(
        principal=w.fro.user,
        acting=acting,
        role=Delegation.Role.FRO,
        start=datetime.date.today() - datetime.timedelta(days=1),
        end=datetime.date.today() + datetime.timedelta(days=5),
    )
    assert (
        services.record_milestone(
            actor=acting, staff=member, code="discussion", held_on=D(2026, 4, 2), summary="Met."
        ).recorded_by
        == acting
    )


def test_the_sro_named_acting_fro_behind_the_service_still_may_not_record():
    """One person, one role: a delegation written around the service (a raw insert) does not
    let the staff member's SRO record their milestones as FRO, nor list them as their team."""
    w = world()
    member = w.probationer(D(2026, 4, 1))
    Delegation.objects.create(
        principal=w.fro.user,
        acting=w.sro.user,
        role=Delegation.Role.FRO,
        start=datetime.date.today() - datetime.timedelta(days=1),
        end=datetime.date.today() + datetime.timedelta(days=5),
    )
    with pytest.raises(PermissionDenied, match="SRO"):
        services.record_milestone(
            actor=w.sro.user, staff=member, code="discussion", held_on=D(2026, 4, 2), summary="x"
        )
    assert not ScheduleRecord.objects.exists()
    assert member.pk not in set(permissions.supervised_staff_ids(w.sro.user))


def test_hr_of_the_entity_corrects_and_removes_but_not_on_a_schedule_where_they_hold_a_role():
    w, member, record = discussed()
    for actor in (w.fro.user, member.user, w.hod, w.board):
        with pytest.raises(PermissionDenied):
            services.correct_record(actor=actor, record=record, held_on=D(2026, 4, 21), summary="x")
        with pytest.raises(PermissionDenied):
            services.remove_record(actor=actor, record=record)
    record.refresh_from_db()
    assert record.summary == "Met."
    corrected = services.correct_record(
        actor=w.hr, record=record, held_on=D(2026, 4, 21), summary="Met twice."
    )
    assert (corrected.held_on, corrected.summary, corrected.corrected_by) == (
        D(2026, 4, 21),
        "Met twice.",
        w.hr,
    )
    # An HR focal point on probation in their own entity does not correct their own record.
    own = w.held(_on_probation(w.hr.staff, w), "discussion", datetime.date.today())
    with pytest.raises(PermissionDenied, match="another HR focal point"):
        services.remove_record(actor=w.hr, record=own)
    services.remove_record(actor=w.hr, record=record)
    assert not ScheduleRecord.objects.filter(pk=record.pk).exists()


def _on_probation(member: StaffMember, w) -> StaffMember:
    from tests.factories import ReportingLineFactory

    member.on_probation = True
    member.entry_on_duty = datetime.date.today() - datetime.timedelta(days=40)
    member.save()
    ReportingLineFactory(staff=member, cycle=w.cycle, fro=w.fro, sro=w.sro)
    return member


# --- tasks and reminders --------------------------------------------------------------------


def test_my_tasks_the_staff_member_sees_their_next_milestone_the_fro_those_due_or_overdue():
    w, member, _ = discussed(today=D(2026, 9, 25))
    with time_machine.travel(D(2026, 9, 25), tick=False):
        own = [t for t in my_tasks(member.user, w.cycle) if t.url_name == "schedules:home"]
        fro = [t for t in my_tasks(w.fro.user, w.cycle) if t.url_name == "schedules:staff"]
    assert [(t.label, t.due) for t in own] == [
        ("Your next milestone: Mid-term review (6 months)", D(2026, 10, 1))
    ]
    # 1 October is within 14 days; the 12-month appraisal is not.
    assert [(t.due, t.url_args) for t in fro] == [(D(2026, 10, 1), (member.pk,))]


def test_the_sweep_reminds_the_fro_of_an_overdue_milestone_once():
    w, member, _ = discussed(today=D(2026, 10, 5))
    run_daily_sweep(D(2026, 10, 5))
    run_daily_sweep(D(2026, 10, 5))
    rows = set(
        Reminder.objects.filter(stage="schedule").values_list("subject", "recipient_id", "kind")
    )
    subject = pending.subject(member.pk, "midterm_6")
    # Week 1: the FRO, and the SRO told of it; once, however many sweeps run.
    assert rows == {(subject, w.fro.pk, "overdue-1"), (subject, w.sro.pk, "overdue-1")}
    # Week 2: the HR focal points of the entity; recorded, nothing more waits.
    run_daily_sweep(D(2026, 10, 12))
    assert set(
        Reminder.objects.filter(stage="schedule", kind="overdue-2").values_list(
            "recipient_id", flat=True
        )
    ) == {w.fro.pk, w.hr.pk}
    services.record_milestone(
        actor=w.fro.user,
        staff=member,
        code="midterm_6",
        held_on=D(2026, 10, 12),
        summary="Held.",
        today=D(2026, 10, 13),
    )
    assert not [
        a
        for a in pending.pending_actions(today=D(2026, 10, 13), entity_ids=[w.entity.pk])
        if a.due < D(2026, 10, 13)
    ]


# --- the review board -----------------------------------------------------------------------


def _report(w, member):
    return w.held(member, "report_21", datetime.date.today(), summary="Confirm the appointment.")


def test_a_board_member_reads_a_recorded_probationary_report_and_comments():
    w = world()
    member = w.probationer(datetime.date.today() - datetime.timedelta(days=660))
    record = _report(w, member)
    assert record.board
    assert list(selectors.board_reports(w.entity.pk)) == [record]
    comment = services.comment_on_report(
        actor=w.board, record=record, kind="recommendation", text=" Confirm. "
    )
    assert (comment.text, comment.author) == ("Confirm.", w.board)
    for actor in (w.hr, w.hod, member.user, UserFactory()):
        with pytest.raises(ApplicationError, match="Only the members"):
            services.comment_on_report(actor=actor, record=record, kind="comment", text="x")
    assert ReportComment.objects.count() == 1


@pytest.mark.parametrize("role", ["fro", "sro", "staff"])
def test_a_board_member_never_reviews_a_report_where_they_hold_a_role(role):
    from tests.factories import DepartmentRoleFactory

    w = world()
    member = w.probationer(datetime.date.today() - datetime.timedelta(days=660))
    record = _report(w, member)
    person = {"fro": w.fro.user, "sro": w.sro.user, "staff": member.user}[role]
    DepartmentRoleFactory(entity=w.entity, user=person, role="review_board")
    name = {"fro": "FRO", "sro": "SRO", "staff": "staff member"}[role]
    with pytest.raises(ApplicationError) as error:
        services.comment_on_report(actor=person, record=record, kind="comment", text="x")
    assert error.value.message == (
        f"You are the {name} on this document, so you do not review it for the review board: "
        "another member does."
    )
    assert not ReportComment.objects.exists()


def test_only_the_report_reaches_the_board():
    w, _, record = discussed()
    with pytest.raises(ApplicationError, match="Only probationary reports"):
        services.comment_on_report(actor=w.board, record=record, kind="comment", text="x")
    assert not selectors.board_reports(w.entity.pk).exists()


# --- colleague feedback ---------------------------------------------------------------------


def test_the_colleague_feedback_milestone_shows_the_round_of_its_cycle_document(client):
    from django.urls import reverse

    from feedback.models import ColleagueRound
    from tests.factories import WorkPlanFactory

    w = world()
    member = w.probationer(D(2026, 5, 1))  # mid-term on 1 November 2026, in the cycle
    step = selectors.staff_schedule(member.pk).step("midterm_6")
    assert step.milestone.colleague_feedback and step.colleagues is None
    document = WorkPlanFactory(staff=member, cycle=w.cycle)
    assert selectors.staff_schedule(member.pk).step("midterm_6").colleagues == (
        document.pk,
        "No colleagues named yet",
    )
    ColleagueRound.objects.create(document=document, state=ColleagueRound.State.SUBMITTED)
    assert selectors.staff_schedule(member.pk).step("midterm_6").colleagues == (
        document.pk,
        "Waiting for the FRO's confirmation",
    )
    client.force_login(member.user)
    page = client.get(reverse("schedules:home")).content.decode()
    assert reverse("feedback:colleagues", args=[document.pk]) in page
    # The other milestones carry no round.
    assert selectors.staff_schedule(member.pk).step("appraisal_12").colleagues is None
