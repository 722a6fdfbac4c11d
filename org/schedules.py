"""Special schedules (docs/rules.md section 10): when a staff member on probation or on a
technical-cooperation contract is due for each milestone, counted from their entry on duty
with the figures of a cycle (`Cycle.probation_schedule`, `Cycle.tc_first_appraisal_months`,
`Cycle.tc_appraisal_every_months`).

Pure calendar arithmetic: months are counted with `pmsystem.dates.add_months`, so a day the
target month lacks becomes its last day (entry on 31 January: one month later is the last day
of February, six months later 31 July).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext

from pmsystem.dates import add_months
from pmsystem.i18n import interpolate

from .profiles import MILESTONE_LABELS

# How far ahead technical-cooperation appraisals are listed (they repeat for as long as the
# contract runs).
TC_PREFIX = "tc_"


@dataclass(frozen=True)
class Milestone:
    code: str
    months: int
    due: datetime.date
    colleague_feedback: bool = False
    board: bool = False

    @property
    def label(self) -> str:
        """What the milestone is called, in the reader's language."""
        if self.code.startswith(TC_PREFIX):
            return interpolate(
                gettext("Appraisal %(number)s (%(months)s months after entry on duty)"),
                {"number": self.code.removeprefix(TC_PREFIX), "months": self.months},
            )
        known = MILESTONE_LABELS.get(self.code)
        if known is not None:
            return str(known)
        return interpolate(
            gettext("%(code)s (%(months)s months after entry on duty)"),
            {"code": self.code.replace("_", " ").capitalize(), "months": self.months},
        )


def schedule_refusal(schedule: object) -> str | None:
    """Why a cycle's probation schedule is not valid (None when it is): a list of milestones
    with distinct codes and a whole number of months from 0 to 120."""
    if not isinstance(schedule, list):
        return gettext("The probation schedule must be a list of milestones.")
    seen: set[str] = set()
    for milestone in schedule:
        if not isinstance(milestone, dict):
            return gettext("Each milestone must have a code and a number of months.")
        code, months = milestone.get("code"), milestone.get("months")
        if not isinstance(code, str) or not code or code.startswith(TC_PREFIX):
            return gettext("Each milestone needs a code (not starting with “tc_”).")
        if not isinstance(months, int) or isinstance(months, bool) or not 0 <= months <= 120:
            return interpolate(
                gettext("Milestone %(code)s: months must be a whole number from 0 to 120."),
                {"code": code},
            )
        if code in seen:
            return interpolate(gettext("Milestone %(code)s appears twice."), {"code": code})
        seen.add(code)
    return None


def probation_milestones(
    entry_on_duty: datetime.date, schedule: list[dict[str, object]]
) -> list[Milestone]:
    """The probation milestones of a staff member who entered on duty on `entry_on_duty`, in
    date order."""
    milestones = [
        Milestone(
            code=str(item["code"]),
            months=int(item["months"]),  # type: ignore[call-overload]
            due=add_months(entry_on_duty, int(item["months"])),  # type: ignore[call-overload]
            colleague_feedback=bool(item.get("colleague_feedback")),
            board=bool(item.get("board")),
        )
        for item in schedule
    ]
    return sorted(milestones, key=lambda m: (m.due, m.code))


def tc_appraisals(
    entry_on_duty: datetime.date, first: int | None, every: int | None, until: datetime.date
) -> list[Milestone]:
    """The appraisals of a technical-cooperation contract: `first` months after entry on duty,
    then every `every` months, up to `until` (none when the cycle sets no first appraisal)."""
    if not first:
        return []
    found: list[Milestone] = []
    months, number = first, 1
    while True:
        due = add_months(entry_on_duty, months)
        if due > until:
            return found
        found.append(Milestone(code=f"{TC_PREFIX}{number}", months=months, due=due))
        if not every:
            return found
        months += every
        number += 1
