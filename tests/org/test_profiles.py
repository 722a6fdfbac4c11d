"""Policy profiles (org.profiles) set the defaults of new cycles; special schedules
(org.schedules) count milestones from entry on duty, checked against dates worked out by hand."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from feedback.models import settings_for
from feedback.services import feedback_settings
from org.models import Cycle, Organisation, RatingScale
from org.schedules import probation_milestones, schedule_refusal, tc_appraisals
from org.services import create_cycle, organisation, save_organisation
from tests.factories import CycleFactory

D = datetime.date
pytestmark = pytest.mark.django_db


def codes(cycle: Cycle, kind: str) -> list[str]:
    scale = RatingScale.objects.get(cycle=cycle, kind=kind)
    return list(scale.levels.values_list("code", flat=True))


def test_the_un_profile_is_the_default_and_keeps_todays_cycle():
    cycle = create_cycle(name="2026-27", start_year=2026)
    assert cycle.profile == "un"
    assert (cycle.start, cycle.end) == (D(2026, 4, 1), D(2027, 3, 31))
    assert (cycle.workplan_due, cycle.midpoint_due, cycle.end_of_cycle_due) == (
        D(2026, 5, 31),
        D(2026, 10, 31),
        D(2027, 6, 30),
    )
    assert codes(cycle, "overall") == ["EX", "SM", "PM", "DN"]
    assert codes(cycle, "competency") == ["OUT", "FC", "RD", "UNS"]
    assert cycle.board_receives == Cycle.BoardReceives.COMPLETED
    assert not cycle.accountability_questions.exists()
    assert cycle.tc_first_appraisal_months is None
    assert [m["months"] for m in cycle.probation_schedule] == [1, 6, 12, 18, 21]


def test_the_ilo_profile_gives_a_biennium_three_levels_questions_and_board_routing():
    cycle = create_cycle(name="2026-27 ILO", start_year=2026, profile="ilo")
    assert (cycle.start, cycle.end) == (D(2026, 1, 1), D(2027, 12, 31))
    assert cycle.workplan_due == D(2026, 2, 28)
    assert cycle.midpoint_due == D(2027, 1, 31)
    assert cycle.end_of_cycle_due == D(2028, 2, 29)  # 2028 is a leap year
    assert codes(cycle, "overall") == ["CE", "FM", "NF"]
    overall = RatingScale.objects.get(cycle=cycle, kind="overall").levels.all()
    assert [level.label for level in overall] == [
        "Consistently exceeds performance requirements",
        "Fully meets performance requirements",
        "Does not fully meet performance requirements",
    ]
    assert [level.underperformance for level in overall] == [False, False, True]
    assert not any(level.rebuttable for level in overall)  # no rebuttal in the ILO's framework
    assert codes(cycle, "goal") == codes(cycle, "competency") == ["EXD", "FMT", "PMT"]
    assert cycle.board_receives == Cycle.BoardReceives.SIGNED
    questions = list(cycle.accountability_questions.values_list("position", "text"))
    assert [position for position, _ in questions] == [1, 2, 3]
    assert "geographical representation and gender" in questions[2][1]
    assert (cycle.tc_first_appraisal_months, cycle.tc_appraisal_every_months) == (6, 12)


def test_every_figure_stays_editable_per_cycle():
    cycle = create_cycle(
        name="ILO short", start_year=2026, profile="ilo", board_receives="completed", min_goals=2
    )
    assert cycle.board_receives == "completed" and cycle.min_goals == 2
    cycle.probation_schedule = [{"code": "discussion", "months": 2}]
    cycle.full_clean()


def test_the_organisations_profile_sets_the_defaults_of_new_cycles():
    assert organisation().profile == "un" and not Organisation.objects.exists()
    row = organisation()
    row.profile = "ilo"
    save_organisation(settings_row=row)
    assert CycleFactory(start_year=2026).profile == "ilo"
    assert create_cycle(name="UN anyway", start_year=2030, profile="un").profile == "un"


def test_an_unknown_profile_is_refused_by_validation():
    row = organisation()
    row.profile = "xyz"
    with pytest.raises(ValidationError):
        save_organisation(settings_row=row)


def test_the_feedback_campaign_takes_its_timing_from_the_profile():
    un = CycleFactory()
    ilo = create_cycle(name="ILO", start_year=2028, profile="ilo")
    assert settings_for(un).upward_opens_months_before == 4
    assert settings_for(ilo).upward_opens_months_before == 5
    assert feedback_settings(ilo).upward_opens_months_before == 5
    assert settings_for(ilo).window() == (D(2029, 9, 28), D(2029, 11, 28))  # due 28 February 2030


@pytest.mark.parametrize(
    "schedule",
    [
        "not a list",
        [{"code": "x"}],
        [{"code": "", "months": 1}],
        [{"code": "tc_1", "months": 1}],
        [{"code": "x", "months": -1}],
        [{"code": "x", "months": 1.5}],
        [{"code": "x", "months": True}],
        [{"code": "x", "months": 1}, {"code": "x", "months": 2}],
        ["x"],
    ],
)
def test_a_malformed_probation_schedule_is_refused_with_a_reason(schedule):
    assert schedule_refusal(schedule)
    cycle = Cycle(
        name="bad",
        start=D(2026, 4, 1),
        end=D(2027, 3, 31),
        workplan_due=D(2026, 5, 31),
        midpoint_due=D(2026, 10, 31),
        end_of_cycle_due=D(2027, 6, 30),
        probation_schedule=schedule,
    )
    with pytest.raises(ValidationError) as refused:
        cycle.full_clean()
    assert "probation_schedule" in refused.value.message_dict


def dates(entry: datetime.date) -> dict[str, datetime.date]:
    schedule = create_cycle(name=f"c{entry}", start_year=2024).probation_schedule
    return {m.code: m.due for m in probation_milestones(entry, schedule)}


def test_probation_from_29_february():
    # Worked out by hand: a month on is 29 March; a year on, 2025 has no 29 February.
    assert dates(D(2024, 2, 29)) == {
        "discussion": D(2024, 3, 29),
        "midterm_6": D(2024, 8, 29),
        "appraisal_12": D(2025, 2, 28),
        "midterm_18": D(2025, 8, 29),
        "report_21": D(2025, 11, 29),
    }


def test_probation_from_31_january():
    # A month after 31 January is the last day of February; six months on, 31 July again.
    assert dates(D(2025, 1, 31)) == {
        "discussion": D(2025, 2, 28),
        "midterm_6": D(2025, 7, 31),
        "appraisal_12": D(2026, 1, 31),
        "midterm_18": D(2026, 7, 31),
        "report_21": D(2026, 10, 31),
    }
    assert dates(D(2027, 1, 31))["discussion"] == D(2027, 2, 28)
    assert dates(D(2028, 1, 31))["discussion"] == D(2028, 2, 29)


def test_probation_across_a_cycle_boundary():
    # Entry on 1 October 2025, in the UN cycle 2025-26 (to 31 March 2026): the discussion
    # falls in that cycle, the six-month mid-term on 1 April 2026, the next cycle's first day.
    found = dates(D(2025, 10, 1))
    assert found["discussion"] == D(2025, 11, 1)
    assert found["midterm_6"] == D(2026, 4, 1)
    assert found["report_21"] == D(2027, 7, 1)


def test_milestones_come_in_date_order_with_their_flags():
    schedule = [
        {"code": "report", "months": 21, "board": True},
        {"code": "discussion", "months": 1},
        {"code": "midterm", "months": 6, "colleague_feedback": True},
    ]
    found = probation_milestones(D(2026, 3, 15), schedule)
    assert [m.code for m in found] == ["discussion", "midterm", "report"]
    assert found[1].colleague_feedback and found[2].board and not found[0].board
    assert found[0].label == "Initial discussion"
    assert found[1].label == "Midterm (6 months after entry on duty)"


def test_technical_cooperation_first_appraisal_after_six_months_then_yearly():
    # Entry on 31 August 2025: 6 months on is 28 February 2026 (no 31st), then every 12
    # months counted from entry (18 months: 28 February 2027), up to the date given.
    found = tc_appraisals(D(2025, 8, 31), 6, 12, until=D(2027, 12, 31))
    assert [(m.code, m.due) for m in found] == [
        ("tc_1", D(2026, 2, 28)),
        ("tc_2", D(2027, 2, 28)),
    ]
    assert "Appraisal 1" in found[0].label
    assert tc_appraisals(D(2025, 8, 31), None, 12, until=D(2030, 1, 1)) == []
    assert len(tc_appraisals(D(2025, 8, 31), 6, None, until=D(2030, 1, 1))) == 1
