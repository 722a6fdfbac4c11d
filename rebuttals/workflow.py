"""The rebuttal case: every state and transition, declared once.

Roles: the document relations of `workplans.permissions.relations_for` (staff, fro, sro,
hod, hr, …) plus `panel_member` and `panel_chair` from the case's panel.
"""

from __future__ import annotations

import datetime

from appraisals.models import Appraisal
from pmsystem.workflow import Transition, Workflow

from .models import Group, RebuttalCase

S = RebuttalCase.State


def filing_refusal(case: RebuttalCase, today: datetime.date | None = None) -> str | None:
    """Rule: a completed document whose final rating is rebuttable, within N calendar days
    (setting) of the staff member's acknowledgement."""
    appraisal = getattr(case.document, "appraisal", None)
    if appraisal is None or appraisal.state != Appraisal.State.COMPLETED:
        return "Only a completed evaluation can be rebutted."
    rating = appraisal.final_rating
    if rating is None or not rating.rebuttable:
        label = rating.label if rating else "no rating"
        return f"A rating of \u201c{label}\u201d cannot be rebutted."
    today = today or datetime.date.today()
    deadline = appraisal.rebuttal_deadline
    if deadline is not None and today > deadline:
        return f"The rebuttal window closed on {deadline:%-d %B %Y}."
    return None


def _panel_complete(case: RebuttalCase) -> str | None:
    seats = set(case.panel.filter(excused_at__isnull=True).values_list("seat", flat=True))
    if seats != set(Group.values):
        return "The panel needs a chair and one member from each of the other two groups."
    return None


CASE = Workflow(
    document="rebuttal",
    state_field="state",
    states=dict(S.choices),
    transitions=[
        Transition(
            "file",
            "File rebuttal",
            (S.NOT_FILED,),
            S.FILED,
            frozenset({"staff"}),
            guard=filing_refusal,
        ),
        Transition("reply", "Reply to rebuttal", (S.FILED,), S.REPLIED, frozenset({"hod"})),
        Transition(
            "report",
            "Record the panel's report",
            (S.REPLIED,),
            S.REPORTED,
            frozenset({"panel_chair"}),
            guard=_panel_complete,
        ),
        Transition(
            "forward",
            "Forward to the status file",
            (S.REPORTED,),
            S.FORWARDED,
            frozenset({"hr"}),
        ),
    ],
)
