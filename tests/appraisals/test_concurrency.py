"""Two concurrent sign-offs of one stage: exactly one succeeds, the other sees a clear message
(issue 4). The services lock the document row (SELECT ... FOR UPDATE), so the second waits and
then sees the first.

Each racer runs in its own thread with its own database connection (see
`tests.concurrency.race`). Row locks only mean something on PostgreSQL: on
SQLite these tests are skipped, and in CI (the `CI` variable is set) they fail instead
(`bash scripts/test.sh tests/appraisals/test_concurrency.py`).
"""

from __future__ import annotations

import pytest

from appraisals import services
from appraisals.models import Appraisal
from appraisals.workflow import APPRAISAL
from pmsystem.models import DocumentEvent, Signature
from tests.appraisals.helpers import make_document_at, rate_everything
from tests.concurrency import race, require_postgresql, reseed_competency_catalogue, slow_down
from tests.workplans.helpers import fro_of, sro_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# How long each racer holds the document after reading it: long enough that, without the row
# lock, both racers would read the same state before either writes.
HOLD_SECONDS = 0.4


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("tests/appraisals/test_concurrency.py")


@pytest.fixture(autouse=True)
def _competency_catalogue(transactional_db):
    reseed_competency_catalogue()


@pytest.fixture(autouse=True)
def _slow_lock(monkeypatch):
    slow_down(monkeypatch, services, seconds=HOLD_SECONDS)


def events(document, *kinds: str) -> list[str]:
    return list(
        DocumentEvent.objects.filter(document=document, kind__in=kinds)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def test_two_sro_approvals_racing_end_with_one_approval():
    document = make_document_at("sro_review")
    sro = sro_of(document)

    results = race(
        lambda: services.approve_evaluation(document=document, actor=sro, comment="First."),
        lambda: services.approve_evaluation(document=document, actor=sro, comment="Second."),
    )

    assert sorted(results) == [
        ("ok", ""),
        (
            "refused",
            "This evaluation is awaiting acknowledgement: it can no longer be approved.",
        ),
    ], results
    appraisal = Appraisal.objects.get(pk=document.pk)
    assert appraisal.state == Appraisal.State.ACKNOWLEDGEMENT
    # The comment is the winner's, and it is what the one signature holds.
    winner_comment = "First." if results[0][0] == "ok" else "Second."
    assert appraisal.sro_comment == winner_comment
    signature = Signature.objects.get(document=document, stage="sro_review")
    assert signature.content["sro_comment"] == winner_comment
    assert events(document, "approve_evaluation") == ["approve_evaluation"]


def test_an_approval_racing_a_return_ends_with_one_of_them():
    document = make_document_at("sro_review")
    sro = sro_of(document)

    results = race(
        lambda: services.approve_evaluation(document=document, actor=sro),
        lambda: services.return_evaluation_to_fro(document=document, actor=sro, reason="Redo."),
    )

    state = Appraisal.objects.get(pk=document.pk).state
    if state == Appraisal.State.ACKNOWLEDGEMENT:
        assert results == [
            ("ok", ""),
            (
                "refused",
                "This evaluation is awaiting acknowledgement: it can no longer be returned.",
            ),
        ]
    else:
        assert state == Appraisal.State.FRO_EVALUATION
        # Returned to the FRO, the evaluation comes back to the SRO later: the refusal is the
        # workflow's own for that state ("cannot be approved yet" or "can no longer be").
        assert results == [
            ("refused", APPRAISAL.refusal(Appraisal(state=state), "approve_evaluation", {"sro"})),
            ("ok", ""),
        ]
        assert results[0][1].startswith("This evaluation is FRO evaluation: it ")
    assert len(events(document, "approve_evaluation", "return_to_fro")) == 1
    assert Signature.objects.filter(document=document, stage="sro_review").count() == 1


def test_two_fro_signatures_racing_end_with_one_signature():
    document = make_document_at("fro_evaluation")
    rate_everything(document)
    fro = fro_of(document)

    results = race(
        lambda: services.sign_evaluation(document=document, actor=fro),
        lambda: services.sign_evaluation(document=document, actor=fro),
    )

    assert sorted(results) == [
        ("ok", ""),
        ("refused", "This evaluation is SRO review: it can no longer be signed."),
    ], results
    assert Appraisal.objects.get(pk=document.pk).state == Appraisal.State.SRO_REVIEW
    assert Signature.objects.filter(document=document, stage="fro_evaluation").count() == 1
    assert events(document, "sign_evaluation") == ["sign_evaluation"]


def test_ratings_saved_while_the_fro_signs_never_change_the_signed_evaluation():
    """A second tab saves new ratings as the first signs: either the save lands first and is
    what gets signed, or it is refused as a change to a signed stage."""
    document = make_document_at("fro_evaluation")
    rate_everything(document, overall="SM")
    fro = fro_of(document)

    results = race(
        lambda: services.sign_evaluation(document=document, actor=fro),
        lambda: rate_everything(document, overall="EX"),
    )

    assert results[0] == ("ok", "")
    signature = Signature.objects.get(document=document, stage="fro_evaluation")
    appraisal = Appraisal.objects.select_related("overall_rating").get(pk=document.pk)
    assert signature.content["overall_rating"] == appraisal.overall_rating.code
    if results[1] != ("ok", ""):
        assert results[1] == (
            "refused",
            "This document is at the SRO review stage: its ratings and the FRO's comments can "
            "no longer change. Only a roll-back by an HR focal point reopens an earlier stage.",
        )
        assert appraisal.overall_rating.code == "SM"
