"""The rebuttal's forms whose text is kept as a draft while it is typed (`pmsystem.drafts`):
the staff member's statement, the HOD's reply and the panel's report."""

from __future__ import annotations

import re

from django.http import Http404

from org.models import User
from pmsystem.drafts import DraftForm


def case_actions(user: User, document_id: int) -> frozenset[str]:
    """What `user` may do on the document's rebuttal now: the case's actions once it is filed
    (404 when they may not see the case), "file" for the staff member who may still file it
    (404 when they may not see the document)."""
    from workplans.selectors import get_visible_work_plan

    from .models import RebuttalCase
    from .permissions import allowed_case_actions, visible_cases
    from .workflow import CASE

    case = RebuttalCase.objects.filter(document_id=document_id).first()
    if case is not None:
        if not visible_cases(user).filter(pk=case.pk).exists():
            raise Http404("No such rebuttal.")
        return allowed_case_actions(user, case)
    document = get_visible_work_plan(user, document_id)
    if document.staff_id != user.pk:
        return frozenset()
    # As rebuttals.views.file asks before showing the form.
    unfiled = RebuttalCase(document=document, state=RebuttalCase.State.NOT_FILED)
    if CASE.refusal(unfiled, "file", frozenset({"staff"})) is not None:
        return frozenset()
    return frozenset({"file"})


FORMS = (
    DraftForm("rebuttal", re.compile("statement"), frozenset({"file"}), case_actions),
    DraftForm("rebuttal_reply", re.compile("reply"), frozenset({"reply"}), case_actions),
    DraftForm("panel_report", re.compile("report"), frozenset({"report"}), case_actions),
)
