"""Signatures and the timeline: the record of who did what to a document.

A signature stores the stage's content at that moment and its SHA-256, so the record can be
re-verified later; a timeline event is append-only.
"""

from __future__ import annotations

import hashlib
import json

from org.models import User
from pmsystem.i18n import Phrase, render_in
from pmsystem.security import log_event

from .models import DocumentEvent, Signature, WorkPlan


def canonical_json(content: dict) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(content: dict) -> str:
    """SHA-256 of the canonical JSON of a stage's content."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def work_plan_content(work_plan: WorkPlan) -> dict:
    """The work-plan stage as signed: goals, competencies and development goals."""
    return {
        "document": work_plan.pk,
        "staff": work_plan.staff.index_number,
        "cycle": work_plan.cycle.name,
        "goals": [g.content() for g in work_plan.goals.filter(is_current=True)],
        "competencies": sorted(work_plan.competencies.values_list("code", flat=True)),
        "development_goals": [d.content() for d in work_plan.development_goals.all()],
    }


def record_signature(
    *,
    document: WorkPlan,
    stage: str,
    action: str,
    signer: User,
    role: str,
    content: dict,
    acting_for: User | None = None,
) -> Signature:
    signature = Signature(
        document=document,
        stage=stage,
        action=action,
        signer=signer,
        role=role,
        acting_for=acting_for,
        content=content,
        content_hash=content_hash(content),
    )
    signature.full_clean()
    signature.save()
    log_event(
        "signature",
        user=signer.pk,
        document=document.pk,
        stage=stage,
        action=action,
        role=role,
        acting_for=acting_for.pk if acting_for else None,
        signature=signature.pk,
        content_hash=signature.content_hash,
    )
    return signature


def record_event(
    *,
    document: WorkPlan,
    kind: str,
    summary: Phrase | str,
    actor: User | None,
    comment: str = "",
    data: dict | None = None,
    acting_for: User | None = None,
) -> DocumentEvent:
    """One timeline event. A phrase summary (pmsystem.i18n) is kept in `data["phrase"]`, so
    each reader sees it in their language; `summary` keeps it in English, the record's own."""
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
