"""The document's timeline: one append-only event per action, of a kind declared in
`pmsystem.event_kinds`. Every stage's services write through `record_event`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .event_kinds import EventKind
from .i18n import Phrase, render_in
from .models import DocumentEvent

if TYPE_CHECKING:  # the document and its people, for the annotations only
    from org.models import User
    from workplans.models import WorkPlan


def record_event(
    *,
    document: WorkPlan,
    kind: str,
    summary: Phrase | str,
    actor: User | None,
    comment: str = "",
    data: dict[str, Any] | None = None,
    acting_for: User | None = None,
) -> DocumentEvent:
    """One timeline event. A phrase summary (pmsystem.i18n) is kept in `data["phrase"]`, so
    each reader sees it in their language; `summary` keeps it in English, the record's own."""
    kind = EventKind(kind)  # a kind nobody declared is a programming error
    data = dict(data or {})
    if isinstance(summary, dict):
        data["phrase"] = summary
        summary = render_in(summary, "en")
    return DocumentEvent.objects.create(
        document=document,
        kind=kind,
        summary=summary[:300],
        actor=actor,
        acting_for=acting_for,
        comment=comment,
        data=data,
    )


# What sends a document back to an earlier step, and what moves it on again: while the last of
# these is a return, the document waits on it.
RETURN_KINDS = frozenset({"work_plan_return", "return_to_fro", "rolled_back"})
FORWARD_KINDS = frozenset(
    {
        "work_plan_submit",
        "work_plan_approve",
        "midpoint_started",
        "submit_midpoint",
        "finalise_midpoint",
        "start_evaluation",
        "submit_self_evaluation",
        "sign_evaluation",
        "approve_evaluation",
        "acknowledge",
    }
)


def pending_return(document_id: int) -> DocumentEvent | None:
    """The return (by the FRO or the SRO) or roll-back (by HR) the document still waits on:
    the last event that moved it, when it moved it back; None once it moved on again."""
    event = (
        DocumentEvent.objects.filter(document_id=document_id, kind__in=RETURN_KINDS | FORWARD_KINDS)
        .select_related("actor", "acting_for")
        .order_by("-created_at", "-pk")
        .first()
    )
    return event if event is not None and event.kind in RETURN_KINDS else None
