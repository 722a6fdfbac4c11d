"""docs/rules.md section 6, reminders: before a deadline (14, 7 and 1 days — the cycle's setting)
the person whose action is due is reminded; after it, week 1 the FRO, week 2 the SRO, week 3
and every week after the HOD are told too; nothing for a stage that is done."""

from __future__ import annotations

import datetime

import pytest

from compliance.models import Reminder
from compliance.reminders import milestone, run_daily_sweep, stages
from org.models import Cycle
from pmsystem.pending import PendingAction
from tests.builders import build_document
from tests.compliance.reminder_helpers import (
    END_OF_CYCLE_DUE,
    MIDPOINT_DUE,
    WORKPLAN_DUE,
    make_team,
    planned,
    sweep,
    sweep_daily,
)
from tests.factories import CycleFactory, WorkPlanFactory

pytestmark = pytest.mark.django_db

D = datetime.timedelta


def test_reminders_before_the_deadline_14_7_and_1_days_then_weekly_escalation_fro_sro_hod():
    """A staff member who never starts their work plan, swept every day from 20 days before
    the deadline to four weeks after it."""
    team = make_team()
    staff, fro, sro, hod = team.staff.pk, team.fro.pk, team.sro.pk, team.hod.pk

    plans = sweep_daily(WORKPLAN_DUE - D(20), WORKPLAN_DUE + D(28))

    def staff_row(kind):
        return ("work_plan", kind, staff, "staff")

    assert plans == {
        WORKPLAN_DUE - D(14): [staff_row("before-14")],
        WORKPLAN_DUE - D(7): [staff_row("before-7")],
        WORKPLAN_DUE - D(1): [staff_row("before-1")],
        # Week 1 after the deadline (days 1-7): the staff member and the FRO.
        WORKPLAN_DUE + D(1): sorted(
            [staff_row("overdue-1"), ("work_plan", "overdue-1", fro, "fro")]
        ),
        # Week 2: the SRO.
        WORKPLAN_DUE + D(8): sorted(
            [staff_row("overdue-2"), ("work_plan", "overdue-2", sro, "sro")]
        ),
        # Week 3 and every week after: the HOD.
        WORKPLAN_DUE + D(15): sorted(
            [staff_row("overdue-3"), ("work_plan", "overdue-3", hod, "hod")]
        ),
        WORKPLAN_DUE + D(22): sorted(
            [staff_row("overdue-4"), ("work_plan", "overdue-4", hod, "hod")]
        ),
    }
    assert set(Reminder.objects.values_list("due_date", flat=True)) == {WORKPLAN_DUE}


def test_nothing_before_the_first_milestone_and_on_the_deadline_itself():
    make_team()
    sweep(WORKPLAN_DUE - D(15))
    sweep(WORKPLAN_DUE)  # the 1-day reminder is the last one before the deadline: caught up now
    assert planned(WORKPLAN_DUE - D(15)) == []
    assert [row[1] for row in planned(WORKPLAN_DUE)] == ["before-1"]
    sweep(WORKPLAN_DUE + D(0))
    assert Reminder.objects.count() == 1


def test_a_missed_day_is_caught_up_with_the_latest_milestone_only():
    """Beat did not run on the 7-days-before day: the next sweep sends that one (not the
    14-day one as well)."""
    team = make_team()
    result = sweep(WORKPLAN_DUE - D(5))
    assert result.planned == 1
    assert planned(WORKPLAN_DUE - D(5)) == [("work_plan", "before-7", team.staff.pk, "staff")]


def test_the_days_before_are_the_cycles_setting():
    team = make_team(CycleFactory(reminder_days_before=[10, 3]))
    plans = sweep_daily(WORKPLAN_DUE - D(20), WORKPLAN_DUE)
    assert plans == {
        WORKPLAN_DUE - D(10): [("work_plan", "before-10", team.staff.pk, "staff")],
        WORKPLAN_DUE - D(3): [("work_plan", "before-3", team.staff.pk, "staff")],
    }


def test_an_empty_setting_sends_no_advance_reminders_but_still_escalates():
    team = make_team(CycleFactory(reminder_days_before=[]))
    plans = sweep_daily(WORKPLAN_DUE - D(20), WORKPLAN_DUE + D(1))
    assert plans == {
        WORKPLAN_DUE + D(1): sorted(
            [
                ("work_plan", "overdue-1", team.staff.pk, "staff"),
                ("work_plan", "overdue-1", team.fro.pk, "fro"),
            ]
        )
    }


def test_an_extended_deadline_is_a_new_key_and_reminds_again():
    team = make_team()
    sweep(WORKPLAN_DUE - D(7))
    Cycle.objects.filter(pk=team.cycle.pk).update(workplan_due=WORKPLAN_DUE + D(30))
    sweep(WORKPLAN_DUE - D(7) + D(30))
    assert list(Reminder.objects.order_by("due_date").values_list("kind", "due_date")) == [
        ("before-7", WORKPLAN_DUE),
        ("before-7", WORKPLAN_DUE + D(30)),
    ]


def test_new_staff_are_reminded_against_their_own_work_plan_deadline():
    """Entered on duty after the cycle started: due two months after entry on duty."""
    team = make_team(entry_on_duty=datetime.date(2026, 6, 10))
    due = team.cycle.workplan_due_for(team.staff)
    assert due == datetime.date(2026, 8, 10)
    sweep(WORKPLAN_DUE - D(14))
    sweep(due - D(14))
    assert list(Reminder.objects.values_list("kind", "due_date", "planned_on")) == [
        ("before-14", due, due - D(14))
    ]


@pytest.mark.parametrize(
    ("build", "stage", "responsible", "due"),
    [
        ("draft", "work_plan", "staff", WORKPLAN_DUE),
        ("returned", "work_plan", "staff", WORKPLAN_DUE),
        ("submitted", "work_plan_approval", "fro", WORKPLAN_DUE),
        ("approved", "midpoint_staff", "staff", MIDPOINT_DUE),
        ("midpoint_open", "midpoint_staff", "staff", MIDPOINT_DUE),
        ("midpoint_submitted", "midpoint_fro", "fro", MIDPOINT_DUE),
        ("not_started", "self_evaluation", "staff", END_OF_CYCLE_DUE),
        ("self_assessment", "self_evaluation", "staff", END_OF_CYCLE_DUE),
        ("fro_evaluation", "fro_evaluation", "fro", END_OF_CYCLE_DUE),
        ("sro_review", "sro_review", "sro", END_OF_CYCLE_DUE),
        ("acknowledgement", "acknowledgement", "staff", END_OF_CYCLE_DUE),
    ],
)
def test_the_person_whose_action_is_due_is_reminded_at_every_stage(build, stage, responsible, due):
    team = make_team()
    document = document_at(team, build)
    sweep(due - D(1))
    assert planned(due - D(1)) == [(stage, "before-1", getattr(team, responsible).pk, responsible)]
    row = Reminder.objects.get()
    assert (row.document_id, row.staff_id, row.cycle_id, row.responsible_id) == (
        document.pk if document else None,
        team.staff.pk,
        team.cycle.pk,
        getattr(team, responsible).pk,
    )


def document_at(team, build: str):
    """The team's staff member's document at `build` (tests/builders.py; an empty draft from
    the factory)."""
    kwargs = {"staff": team.staff, "cycle": team.cycle}
    if build == "draft":
        return WorkPlanFactory(**kwargs)
    return build_document(build, **kwargs)


def test_a_staff_member_without_a_work_plan_is_reminded_to_create_it():
    team = make_team()
    sweep(WORKPLAN_DUE - D(1))
    row = Reminder.objects.get()
    assert (row.stage, row.recipient_id, row.document_id) == ("work_plan", team.staff.pk, None)


@pytest.mark.parametrize(
    "day",
    [WORKPLAN_DUE - D(1), WORKPLAN_DUE + D(15), MIDPOINT_DUE + D(15), END_OF_CYCLE_DUE + D(15)],
)
def test_nothing_for_a_completed_document(day):
    team = make_team()
    build_document("completed", staff=team.staff, cycle=team.cycle)
    result = sweep(day)
    assert (result.pending_actions, result.planned) == (0, 0)


def test_nothing_for_done_stages_only_the_stage_that_waits():
    """An approved work plan with a finalised mid-point review, long after both deadlines:
    only the self-evaluation is reminded, not the work plan nor the mid-point."""
    team = make_team()
    build_document("midpoint_finalised", staff=team.staff, cycle=team.cycle)
    for day in (WORKPLAN_DUE + D(15), MIDPOINT_DUE + D(15)):
        assert sweep(day).planned == 0
    sweep(END_OF_CYCLE_DUE - D(14))
    assert [row[0] for row in planned(END_OF_CYCLE_DUE - D(14))] == ["self_evaluation"]


def test_without_a_midpoint_review_the_approved_plan_goes_straight_to_self_evaluation():
    team = make_team(CycleFactory(midpoint_required=False))
    build_document("approved", staff=team.staff, cycle=team.cycle)
    assert sweep(MIDPOINT_DUE + D(15)).planned == 0
    sweep(END_OF_CYCLE_DUE - D(7))
    assert planned(END_OF_CYCLE_DUE - D(7)) == [
        ("self_evaluation", "before-7", team.staff.pk, "staff")
    ]


def test_an_fros_overdue_action_reaches_the_fro_once_in_week_one_then_sro_and_hod():
    team = make_team()
    build_document("submitted", staff=team.staff, cycle=team.cycle)
    plans = sweep_daily(WORKPLAN_DUE + D(1), WORKPLAN_DUE + D(15))
    fro, sro, hod = team.fro.pk, team.sro.pk, team.hod.pk
    stage = "work_plan_approval"
    assert plans == {
        WORKPLAN_DUE + D(1): [(stage, "overdue-1", fro, "fro")],
        WORKPLAN_DUE + D(8): sorted(
            [(stage, "overdue-2", fro, "fro"), (stage, "overdue-2", sro, "sro")]
        ),
        WORKPLAN_DUE + D(15): sorted(
            [(stage, "overdue-3", fro, "fro"), (stage, "overdue-3", hod, "hod")]
        ),
    }


def test_no_hod_means_no_week_three_escalation_but_the_reminder_still_goes():
    team = make_team(with_hod=False)
    sweep(WORKPLAN_DUE + D(15))
    assert planned(WORKPLAN_DUE + D(15)) == [("work_plan", "overdue-3", team.staff.pk, "staff")]


def test_closed_cycles_inactive_staff_and_inactive_officers_are_left_out():
    closed = make_team(CycleFactory(status=Cycle.Status.CLOSED))
    inactive = make_team()
    inactive.staff.is_active = False
    inactive.staff.save()
    gone_fro = make_team()
    gone_fro.fro.user.is_active = False
    gone_fro.fro.user.save()

    sweep(WORKPLAN_DUE + D(1))

    recipients = {row[2] for row in planned(WORKPLAN_DUE + D(1))}
    assert recipients == {gone_fro.staff.pk}
    assert closed.staff.pk not in recipients


def test_sweeping_a_given_date_by_argument_matches_the_frozen_clock():
    team = make_team()
    result = run_daily_sweep(WORKPLAN_DUE - D(14))
    assert (result.today, result.pending_actions, result.planned) == (WORKPLAN_DUE - D(14), 1, 1)
    assert planned(WORKPLAN_DUE - D(14)) == [("work_plan", "before-14", team.staff.pk, "staff")]


def test_every_app_declares_its_stages_once_with_who_acts():
    registry = stages()
    assert {
        "work_plan",
        "work_plan_approval",
        "midpoint_staff",
        "midpoint_fro",
        "self_evaluation",
        "fro_evaluation",
        "sro_review",
        "acknowledgement",
    } <= set(registry)
    assert all(stage.role and stage.label for stage in registry.values())


def test_the_milestone_rule_on_its_own():
    action = PendingAction(
        subject="document:1:2",
        stage="work_plan",
        responsible_id=2,
        due=WORKPLAN_DUE,
        escalation=(("fro", (3,)), ("sro", (4,)), ("hod", (5, 6))),
    )

    def at(days: int):
        return milestone(action, today=WORKPLAN_DUE + D(days), days_before=(14, 7, 1))

    assert at(-15) is None
    assert at(-14) == at(-8) == ("before-14", ((2, "staff"),))
    assert at(-7) == ("before-7", ((2, "staff"),))
    assert at(-1) == at(0) == ("before-1", ((2, "staff"),))
    assert at(1) == at(7) == ("overdue-1", ((2, "staff"), (3, "fro")))
    assert at(8) == at(14) == ("overdue-2", ((2, "staff"), (4, "sro")))
    assert at(15) == ("overdue-3", ((2, "staff"), (5, "hod"), (6, "hod")))
    assert at(70) == ("overdue-10", ((2, "staff"), (5, "hod"), (6, "hod")))


def test_links_reversed_once_per_name_are_the_urls_reverse_gives(monkeypatch):
    """`Links` (one per task of emails) writes each document's id into its name's URL
    reversed once, and checks the first id against `reverse`: every stage's URL for many
    ids is what `reverse` gives; a name whose stand-in URL does not come out the same is
    reversed each time."""
    from django.urls import NoReverseMatch, reverse

    from compliance.reminders import Links, stages

    links = Links()
    names = {stage.url_name for stage in stages().values() if stage.url_name}
    assert names
    for name in sorted(names):
        for document_id in (1, 7, 42, 987, 123456, 987654321, 10**12):
            assert links(name, document_id) == reverse(name, args=[document_id]), name
    assert links("home") == reverse("home")

    # A URL that names its id twice: the stand-in is not found once, so that name is
    # reversed every time.
    from pmsystem import links as links_module  # where `Links` reverses

    def twice(name, args=None):
        return f"/twice/{args[0]}/{args[0]}/" if args else reverse(name)

    calls = []
    monkeypatch.setattr(
        links_module, "reverse", lambda name, args=None: calls.append(args) or twice(name, args)
    )
    checked = Links()
    name = sorted(names)[0]
    assert [checked(name, document_id) for document_id in (3, 4, 5)] == [
        "/twice/3/3/",
        "/twice/4/4/",
        "/twice/5/5/",
    ]
    assert calls == [[3], [Links.STAND_IN], [4], [5]]

    # A URL the stand-in does not fit: that name is reversed every time, its ids still work.
    def small(name, args=None):
        if args and args[0] == Links.STAND_IN:
            raise NoReverseMatch("too long")
        return f"/small/{args[0]}/" if args else reverse(name)

    monkeypatch.setattr(links_module, "reverse", small)
    assert [Links()(name, document_id) for document_id in (3, 4)] == ["/small/3/", "/small/4/"]
