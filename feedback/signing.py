"""Colleagues' signed answers, re-verified (`manage.py verify_signatures`, through
`pmsystem.registry.register_signature_check`): each answer's text must still hash to the
SHA-256 it was signed with (`services.answer_colleague_request`). Streamed as plain values,
so memory holds one chunk whatever the database holds."""

from __future__ import annotations

from django.utils import timezone

from pmsystem.signatures import content_hash

from .models import ColleagueRequest, colleague_answer_content


def verify_colleague_answers() -> tuple[int, list[str]]:
    """(answers checked, one line per answer whose text no longer matches its signature)."""
    rows = (
        ColleagueRequest.objects.filter(state=ColleagueRequest.State.ANSWERED)
        .order_by("pk")
        .values_list(
            "pk",
            "round__document_id",
            "colleague_id",
            "strengths",
            "areas_to_develop",
            "examples",
            "answered_at",
            "content_hash",
        )
    )
    count, problems = 0, []
    for (
        pk,
        document_id,
        colleague_id,
        strengths,
        areas,
        examples,
        answered_at,
        stored,
    ) in rows.iterator(chunk_size=2000):
        count += 1
        content = colleague_answer_content(document_id, colleague_id, strengths, areas, examples)
        if not stored:
            reason = "answered without a signature"
        elif content_hash(content) != stored:
            reason = "the answer does not match its signature"
        else:
            continue
        when = f"{timezone.localtime(answered_at):%Y-%m-%d %H:%M}" if answered_at else "?"
        problems.append(
            f"document {document_id}: colleague feedback {pk} (by user {colleague_id}, "
            f"{when}): {reason}"
        )
    return count, problems
