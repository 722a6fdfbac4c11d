"""The work plan's forms whose text is kept as a draft while it is typed (`pmsystem.drafts`):
the goals and development goals of the work plan, and each side's mid-point comments."""

from __future__ import annotations

import re

from org.models import User
from pmsystem.drafts import DraftForm


def document_actions(user: User, document_id: int) -> frozenset[str]:
    """What `user` may do on the work plan now (404 when they may not see it)."""
    from .permissions import allowed_actions
    from .selectors import get_visible_work_plan

    return allowed_actions(user, get_visible_work_plan(user, document_id))


FORMS = (
    # workplans/views.edit: the goal and development-goal formsets ("goals-0-title", ...).
    DraftForm(
        "work_plan",
        re.compile(r"(goals|dev)-[0-9]{1,3}-(title|description|success_criteria|activities)"),
        frozenset({"edit", "change_goals"}),
        document_actions,
    ),
    # workplans/views.midpoint: the staff member's or the FRO's part, each their own draft.
    DraftForm(
        "midpoint",
        re.compile("comments"),
        frozenset({"edit_midpoint_staff", "edit_midpoint_fro"}),
        document_actions,
    ),
)
