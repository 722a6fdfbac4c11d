"""The evaluation's forms whose text is kept as a draft while it is typed (`pmsystem.drafts`):
the self-evaluation, the FRO's comments with the ratings, the SRO's comments, the additional
supervisor's comments and the staff member's final comment."""

from __future__ import annotations

import re

from org.models import User
from pmsystem.drafts import DraftForm


def document_actions(user: User, document_id: int) -> frozenset[str]:
    """What `user` may do on the whole document now (404 when they may not see it)."""
    from workplans.selectors import get_visible_work_plan

    from .permissions import allowed_actions

    return allowed_actions(user, get_visible_work_plan(user, document_id))


# The row comments of appraisals.forms.parse_rows ("goal-12-comment", "competency-3-comment").
ROW_COMMENTS = r"(goal|competency)-[0-9]{1,19}-comment"
# The managerial-accountability answers, by question id ("accountability-4").
ANSWERS = r"accountability-[0-9]{1,19}"

FORMS = (
    DraftForm(
        "self_evaluation",
        re.compile(rf"{ROW_COMMENTS}|{ANSWERS}|overall"),
        frozenset({"edit_self_evaluation", "submit_self_evaluation"}),
        document_actions,
    ),
    DraftForm(
        "ratings",
        re.compile(rf"{ROW_COMMENTS}|overall_comment|accountability_comment"),
        frozenset({"edit_ratings", "sign_evaluation"}),
        document_actions,
    ),
    DraftForm(
        "sro_review",
        re.compile("comment"),
        frozenset({"edit_sro_comment", "approve_evaluation"}),
        document_actions,
    ),
    DraftForm(
        "supervisor_comment",
        re.compile("comment"),
        frozenset({"supervisor_comment"}),
        document_actions,
    ),
    DraftForm(
        "acknowledgement",
        re.compile("comment"),
        frozenset({"acknowledge", "edit_final_comment"}),
        document_actions,
    ),
)
