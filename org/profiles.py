"""Policy profiles: the UN Secretariat's and the ILO's rules as data (docs/rules.md section 10).

An organisation chooses a profile (`org.models.Organisation.profile`); the profile sets the
defaults of every new cycle (`org.services.create_cycle`): its calendar, scales, review-board
routing, managerial-accountability questions, the probation schedule and the appraisal schedule
of technical-cooperation contracts. Every figure is then a field of the cycle, editable per
cycle; nothing else in the code asks which profile a cycle came from.

Code that needs a figure reads it from the cycle; only settings created after the cycle (the
feedback app's, `feedback.models.profile_defaults`) ask the cycle's profile for theirs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy, gettext_noop

from pmsystem.dates import add_months

# (code, label, rebuttable, underperformance), highest first. The labels are stored in English
# and shown with `translated` in the reader's language.
Level = tuple[str, str, bool, bool]

UN_OVERALL_SCALE: list[Level] = [
    ("EX", gettext_noop("Exceeds performance expectations"), False, False),
    ("SM", gettext_noop("Successfully meets performance expectations"), False, False),
    ("PM", gettext_noop("Partially meets performance expectations"), True, True),
    ("DN", gettext_noop("Does not meet performance expectations"), True, True),
]
UN_COMPETENCY_SCALE: list[Level] = [
    ("OUT", gettext_noop("Outstanding"), False, False),
    ("FC", gettext_noop("Fully competent"), False, False),
    ("RD", gettext_noop("Requires development"), False, False),
    ("UNS", gettext_noop("Unsatisfactory"), False, False),
]
# The ILO's framework (IGDS 100): three overall levels; outputs and competencies are rated
# exceeded / fully met / partially met.
ILO_OVERALL_SCALE: list[Level] = [
    ("CE", gettext_noop("Consistently exceeds performance requirements"), False, False),
    ("FM", gettext_noop("Fully meets performance requirements"), False, False),
    # Underperformance, but not rebuttable: the ILO's framework has no rebuttal (IGDS 100;
    # its review goes to the Reports Board), so no ILO rating opens a rebuttal case.
    ("NF", gettext_noop("Does not fully meet performance requirements"), False, True),
]
ILO_OUTPUT_SCALE: list[Level] = [
    ("EXD", gettext_noop("Exceeded"), False, False),
    ("FMT", gettext_noop("Fully met"), False, False),
    ("PMT", gettext_noop("Partially met"), False, False),
]

ILO_ACCOUNTABILITY_QUESTIONS = [
    gettext_noop("How is performance managed in the unit?"),
    gettext_noop("How does the manager support the development of staff?"),
    gettext_noop(
        "What actions were taken in respect of the targets for geographical representation "
        "and gender?"
    ),
]

# The probation schedule of both profiles, in months after entry on duty: an initial
# discussion within a month, mid-term reviews at 6 and 18 months (colleague feedback is
# designated at the first), a yearly appraisal, and the probationary report at 21 months,
# which goes to the review board.
DEFAULT_PROBATION_SCHEDULE: list[dict[str, object]] = [
    {"code": "discussion", "months": 1},
    {"code": "midterm_6", "months": 6, "colleague_feedback": True},
    {"code": "appraisal_12", "months": 12},
    {"code": "midterm_18", "months": 18},
    {"code": "report_21", "months": 21, "board": True},
]
# What each milestone is called (the codes above are stored on the cycle).
MILESTONE_LABELS = {
    "discussion": gettext_lazy("Initial discussion"),
    "midterm_6": gettext_lazy("Mid-term review (6 months)"),
    "appraisal_12": gettext_lazy("Probation appraisal (12 months)"),
    "midterm_18": gettext_lazy("Mid-term review (18 months)"),
    "report_21": gettext_lazy("Probationary report (21 months)"),
}


@dataclass(frozen=True)
class Profile:
    """What a profile sets on a new cycle. Dates are given as months after the cycle's first
    day, the day before: 2 months after 1 April is 31 May."""

    code: str
    label: str
    cycle_years: int
    start_month: int
    workplan_months: int
    midpoint_months: int
    end_of_cycle_months: int
    midpoint_required: bool
    overall_scale: list[Level]
    competency_scale: list[Level]
    goal_scale: list[Level]
    board_receives: str
    accountability_questions: list[str] = field(default_factory=list)
    probation_schedule: list[dict[str, object]] = field(
        default_factory=lambda: [dict(m) for m in DEFAULT_PROBATION_SCHEDULE]
    )
    # Technical-cooperation contracts: first appraisal N months after entry on duty, then
    # every M months (None: their appraisal follows the cycle like everyone's).
    tc_first_appraisal_months: int | None = None
    tc_appraisal_every_months: int | None = None
    # The upward-feedback campaign: opens and closes N months before the end-of-cycle date.
    upward_opens_months_before: int = 4
    upward_closes_months_before: int = 3

    def dates(self, start_year: int) -> dict[str, datetime.date]:
        """The calendar of a cycle starting in `start_year`."""
        start = datetime.date(start_year, self.start_month, 1)

        def at(months: int) -> datetime.date:
            return add_months(start, months) - datetime.timedelta(days=1)

        return {
            "start": start,
            "end": at(12 * self.cycle_years),
            "workplan_due": at(self.workplan_months),
            "midpoint_due": at(self.midpoint_months),
            "end_of_cycle_due": at(self.end_of_cycle_months),
        }

    def cycle_fields(self, start_year: int) -> dict[str, object]:
        """The cycle's fields this profile sets (dates included)."""
        return self.dates(start_year) | {
            "profile": self.code,
            "midpoint_required": self.midpoint_required,
            "board_receives": self.board_receives,
            "probation_schedule": [dict(m) for m in self.probation_schedule],
            "tc_first_appraisal_months": self.tc_first_appraisal_months,
            "tc_appraisal_every_months": self.tc_appraisal_every_months,
        }


UN = Profile(
    code="un",
    label=gettext_noop("UN Secretariat"),
    cycle_years=1,
    start_month=4,
    workplan_months=2,  # 31 May
    midpoint_months=7,  # 31 October
    end_of_cycle_months=15,  # 30 June after the cycle
    midpoint_required=True,
    overall_scale=UN_OVERALL_SCALE,
    competency_scale=UN_COMPETENCY_SCALE,
    goal_scale=UN_OVERALL_SCALE,
    board_receives="completed",
)
ILO = Profile(
    code="ilo",
    label=gettext_noop("ILO"),
    cycle_years=2,
    start_month=1,  # the biennium: 1 January of an even year to 31 December of the next
    workplan_months=2,  # end of February
    midpoint_months=13,  # end of January of the second year
    end_of_cycle_months=26,  # end of February after the biennium
    midpoint_required=True,
    overall_scale=ILO_OVERALL_SCALE,
    competency_scale=ILO_OUTPUT_SCALE,
    goal_scale=ILO_OUTPUT_SCALE,
    board_receives="signed",
    accountability_questions=ILO_ACCOUNTABILITY_QUESTIONS,
    tc_first_appraisal_months=6,
    tc_appraisal_every_months=12,
    upward_opens_months_before=5,
    upward_closes_months_before=3,
)
PROFILES = {profile.code: profile for profile in (UN, ILO)}
CHOICES = [(profile.code, gettext_lazy(profile.label)) for profile in PROFILES.values()]
DEFAULT = UN.code


def profile(code: str) -> Profile:
    """The profile called `code` (the UN Secretariat's when unknown)."""
    return PROFILES.get(code, UN)
