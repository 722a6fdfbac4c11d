"""What waits on mandatory training, for the reminder sweep and My tasks (`pmsystem.pending`).

- training: a person must complete a course by its deadline (`training.selectors`): reminded
  before it (the default `reminder_days_before`: the action belongs to no cycle) and every
  week after it; escalated week 1 to their FRO, week 2 to the HR focal points of their
  entity, week 3 and later to its HOD(s).
Nothing waits on a course done, or whose person left. A fixed number of queries whatever the
number of people: the obligations (`selectors.obligations`), the FROs of lines in effect, the
entities' roles.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterator

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import Cycle, DepartmentRole
from org.relations import current_department_roles, lines_in_effect
from pmsystem.i18n import interpolate
from pmsystem.pending import PendingAction, Stage

from .models import Course
from .selectors import DONE, obligations


def subject(course_id: int, user_id: int) -> str:
    return f"training:{course_id}:{user_id}"


def name_subject(value: str, memo: dict) -> str:
    """ "training:<course>:<user>" as the course's name (for the emails), each course read
    once per `memo` (a task's emails, a page's rows)."""
    try:
        course_id = int(value.split(":")[1])
    except (IndexError, ValueError):
        return gettext("Mandatory training")
    key = ("training.course", course_id)
    if key not in memo:
        memo[key] = Course.objects.filter(pk=course_id).values_list("name", flat=True).first()
    name = memo[key]
    if name is None:
        return gettext("Mandatory training")
    return interpolate(gettext("Mandatory training: %(course)s"), {"course": name})


STAGES = (
    Stage(
        "training",
        _("Mandatory training"),
        "staff",
        None,
        about_document=False,
        name_subject=name_subject,
    ),
)


def pending_actions(
    *, today: datetime.date, entity_ids: Collection[int] | None = None
) -> Iterator[PendingAction]:
    waiting = [o for o in obligations(today=today, entity_ids=entity_ids) if o.state != DONE]
    if not waiting:
        return
    fros = dict(
        lines_in_effect(today)
        .filter(cycle__status=Cycle.Status.OPEN)
        .order_by("cycle__start")
        .values_list("staff_id", "fro_id")
    )
    roles: dict[tuple[int, str], list[int]] = defaultdict(list)
    for entity_id, role, user_id in (
        current_department_roles(today)
        .filter(
            user__is_active=True,
            role__in=[DepartmentRole.Role.HOD, DepartmentRole.Role.HR_FOCAL_POINT],
        )
        .values_list("entity_id", "role", "user_id")
    ):
        roles[(entity_id, role)].append(user_id)
    for o in waiting:
        fro = fros.get(o.user_id)
        yield PendingAction(
            subject=subject(o.course_id, o.user_id),
            stage="training",
            responsible_id=o.user_id,
            due=o.due,
            escalation=(
                ("fro", (fro,) if fro else ()),
                ("hr", tuple(sorted(roles.get((o.entity_id, "hr_focal_point"), ())))),
                ("hod", tuple(sorted(roles.get((o.entity_id, "hod"), ())))),
            ),
            staff_id=o.user_id if o.has_profile else None,
            entity_id=o.entity_id,
            unit_id=o.unit_id,
        )
