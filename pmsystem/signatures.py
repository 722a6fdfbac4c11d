"""Signatures: who signed which stage of a document, in which role (acting for whom), when,
and the SHA-256 of the canonical JSON of everything the signer saw, so the record can be
re-verified later (`manage.py verify_signatures`). Every stage's services sign through here;
what each stage signs is its own content function (`workplans.signing`,
`appraisals.signing`)."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from .models import Signature
from .security import log_event

if TYPE_CHECKING:  # the document and its people, for the annotations only
    from org.models import User
    from workplans.models import WorkPlan


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a stage's content."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def record_signature(
    *,
    document: WorkPlan,
    stage: str,
    action: str,
    signer: User,
    role: str,
    content: dict[str, Any],
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
