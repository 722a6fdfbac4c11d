"""The rebuttal case: every state and transition, declared once.

Roles: the document relations of `workplans.permissions.relations_for` (staff, fro, sro,
hod, hr, …) plus `panel_member` and `panel_chair` from the case's panel.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from appraisals.models import Appraisal
from pmsystem.i18n import interpolate, translated
from pmsystem.workflow import Transition, Workflow

from .models import Group, RebuttalCase

S = RebuttalCase.State


def filing_refusal(case: RebuttalCase, today: datetime.date | None = None) -> str | None:
    """Rule: a completed document whose final rating is rebuttable, within N calendar days
    (setting) of the staff member's acknowledgement."""
    appraisal = getattr(case.document, "appraisal", None)
    if appraisal is None or appraisal.state != Appraisal.State.COMPLETED:
        return gettext("Only a completed evaluation can be rebutted.")
    rating = appraisal.final_rating
    if rating is None or not rating.rebuttable:
        label = translated(rating.label) if rating else gettext("no rating")
        return interpolate(
            gettext("A rating of “%(rating)s” cannot be rebutted."), {"rating": label}
        )
    today = today or timezone.localdate()
    deadline = appraisal.rebuttal_deadline
    if deadline is not None and today > deadline:
        return interpolate(
            gettext("The rebuttal window closed on %(date)s."),
            {"date": date_format(deadline, "DATE_FORMAT")},
        )
    return None


def _panel_complete(case: RebuttalCase) -> str | None:
    seats = set(case.panel.filter(excused_at__isnull=True).values_list("seat", flat=True))
    if seats != set(Group.values):
        return gettext("The panel needs a chair and one member from each of the other two groups.")
    return None


CASE = Workflow(
    document="rebuttal",
    state_field="state",
    states=dict(S.choices),
    too_early=_("This rebuttal is %(state)s: it cannot be %(past)s yet."),
    too_late=_("This rebuttal is %(state)s: it can no longer be %(past)s."),
    transitions=[
        Transition(
            "file",
            _("File rebuttal"),
            (S.NOT_FILED,),
            S.FILED,
            frozenset({"staff"}),
            guard=filing_refusal,
            action=_("file this rebuttal"),
            past=pgettext_lazy("rebuttal", "filed"),
        ),
        Transition(
            "reply",
            _("Reply to rebuttal"),
            (S.FILED,),
            S.REPLIED,
            frozenset({"hod"}),
            action=_("reply to this rebuttal"),
            past=pgettext_lazy("rebuttal", "replied to"),
        ),
        Transition(
            "report",
            _("Record the panel's report"),
            (S.REPLIED,),
            S.REPORTED,
            frozenset({"panel_chair"}),
            guard=_panel_complete,
            action=_("record the panel's report"),
            past=pgettext_lazy("rebuttal", "recorded"),
        ),
        Transition(
            "forward",
            _("Forward to the status file"),
            (S.REPORTED,),
            S.FORWARDED,
            frozenset({"hr"}),
            action=_("forward to the status file"),
            past=pgettext_lazy("rebuttal", "forwarded"),
        ),
    ],
)
