"""Row locks: every write on a performance document locks the document's row first, through
`lock_document`, so that concurrent actions on one document (two tabs, two officers, a sweep)
take turns whatever stage they belong to. Later stages lock their own rows after it."""

from __future__ import annotations

from .models import MidpointReview, WorkPlan


def lock_document(document: WorkPlan) -> WorkPlan:
    """Re-read the document under a row lock, with what every service reads of it."""
    return (
        WorkPlan.objects.select_for_update(of=("self",))
        .select_related("staff__user", "staff__unit", "cycle")
        .get(pk=document.pk)
    )


def lock_midpoint(document: WorkPlan) -> MidpointReview:
    """The document's mid-point review under a row lock (unsaved when not started)."""
    midpoint = MidpointReview.objects.select_for_update().filter(work_plan=document).first()
    return midpoint or MidpointReview(work_plan=document)
