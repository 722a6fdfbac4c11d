"""Signatures: who signed which stage of a document, in which role (acting for whom), when,
and the SHA-256 of the canonical JSON of everything the signer saw, so the record can be
re-verified later (`manage.py verify_signatures`). Every stage's services sign through here;
what each stage signs is its own content function (`workplans.signing`,
`appraisals.signing`)."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import orjson

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


def hash_matches(content: Any, stored_hash: str) -> bool:
    """Whether `content` hashes to `stored_hash`, as `content_hash` computes it, for
    `verify_signatures`' half a million checks.

    orjson writes the same canonical JSON as `canonical_json` (sorted keys, no spaces, no
    ASCII escaping; tests/test_signatures_json.py compares them) ten times faster; it differs
    on some floats (`1e-07` against `1e-7`) and refuses what the standard encoder accepts
    (integers beyond 64 bits, non-string keys). A match is exact: the same JSON text is the
    same content. A mismatch, or content orjson refuses, is decided again by `content_hash`,
    so no signature is reported for how orjson writes a number."""
    try:
        fast = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        fast = ""
    return fast == stored_hash or content_hash(content) == stored_hash


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
