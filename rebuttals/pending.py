"""What waits on rebuttal cases, for the reminder sweep (`pmsystem.pending`).

- rebuttal_reply: the HOD(s) of the entity reply, due `case.reply_due`;
- rebuttal_panel: the HR focal points constitute the panel, due `case.report_due`;
- rebuttal_report: the chair records the panel's report, due `case.report_due`.
Late actions escalate weekly to the entity's HR focal points, who coordinate the panels and
their deadlines (docs/rules.md section 4). Four queries whatever the number of cases.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import DepartmentRole
from pmsystem.pending import PendingAction, Stage

from .models import Group, PanelMember, RebuttalCase
from .selectors import roster_notice

S = RebuttalCase.State


def unpublished_roster(entity_id: int) -> str | None:
    """Why HR cannot constitute a panel yet, for their reminder: the entity's roster is not
    published, what it lacks (the case page says the same; None once it is published)."""
    notice = roster_notice(entity_id)
    if notice is None:
        return None
    lines = [
        gettext(
            "The panel cannot be constituted yet: the department's panel roster is not published."
        )
    ]
    if notice.because:
        lines.append(notice.because)
    if notice.problems:
        lines.append(gettext("It lacks:") + " " + " ".join(notice.problems))
    return "\n".join(lines)


STAGES = (
    Stage("rebuttal_reply", _("Rebuttal: the HOD's reply"), "hod", "rebuttals:for-document"),
    Stage(
        "rebuttal_panel",
        _("Rebuttal: constituting the panel"),
        "hr",
        "rebuttals:for-document",
        explain=unpublished_roster,
    ),
    Stage("rebuttal_report", _("Rebuttal: the panel's report"), "panel", "rebuttals:for-document"),
)


def _people(role: str, today: datetime.date) -> dict[int, tuple[int, ...]]:
    people: dict[int, list[int]] = {}
    for entity_id, user_id in (
        DepartmentRole.objects.filter(role=role, start__lte=today)
        .exclude(end__lt=today)
        .values_list("entity_id", "user_id")
    ):
        people.setdefault(entity_id, []).append(user_id)
    return {entity_id: tuple(sorted(ids)) for entity_id, ids in people.items()}


def pending_actions(
    *, today: datetime.date, entity_ids: Collection[int] | None = None
) -> Iterator[PendingAction]:
    cases = RebuttalCase.objects.filter(state__in=[S.FILED, S.REPLIED])
    if entity_ids is not None:
        cases = cases.filter(document__staff__unit__entity_id__in=list(entity_ids))
    rows = list(
        cases.values_list(
            "pk",
            "state",
            "reply_due",
            "report_due",
            "panel_constituted_at",
            "document_id",
            "document__cycle_id",
            "document__staff_id",
            "document__staff__unit_id",
            "document__staff__unit__entity_id",
        )
    )
    if not rows:
        return
    hods = _people(DepartmentRole.Role.HOD, today)
    hrs = _people(DepartmentRole.Role.HR_FOCAL_POINT, today)
    chairs = dict(
        PanelMember.objects.filter(
            case_id__in=[row[0] for row in rows], seat=Group.CHAIR, excused_at__isnull=True
        ).values_list("case_id", "user_id")
    )
    for row in rows:
        pk, state, reply_due, report_due, constituted, document_id = row[:6]
        cycle_id, staff_id, unit_id, entity_id = row[6:]
        common = {
            "subject": f"rebuttal:{pk}",
            "escalation": (("hr", hrs.get(entity_id, ())),),
            "cycle_id": cycle_id,
            "staff_id": staff_id,
            "document_id": document_id,
            "entity_id": entity_id,
            "unit_id": unit_id,
        }
        if state == S.FILED:
            for hod in hods.get(entity_id, ()):
                yield PendingAction(
                    stage="rebuttal_reply", responsible_id=hod, due=reply_due, **common
                )
        if constituted is None:
            for hr in hrs.get(entity_id, ()):
                yield PendingAction(
                    stage="rebuttal_panel", responsible_id=hr, due=report_due, **common
                )
        elif state == S.REPLIED and pk in chairs:
            yield PendingAction(
                stage="rebuttal_report", responsible_id=chairs[pk], due=report_due, **common
            )
