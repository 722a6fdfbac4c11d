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
