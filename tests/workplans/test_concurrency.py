"""Concurrent actions on one work plan end with exactly one transition: the services lock the
document row (SELECT ... FOR UPDATE), so the second action waits and then sees the first.

Each racer runs in its own thread with its own database connection. Row locks only mean
something on PostgreSQL: on SQLite these tests are skipped, and in CI (the `CI` variable is
set) they fail instead, because CI must run them on PostgreSQL (`bash scripts/test.sh`).
"""

from __future__ import annotations

import pytest

from pmsystem.models import DocumentEvent, Signature
from tests.concurrency import race, require_postgresql, reseed_competency_catalogue, slow_down
from tests.workplans.helpers import fro_of, make_approved_work_plan, make_submitted_work_plan
from workplans import services
from workplans.models import MidpointReview, WorkPlan

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# How long each racer holds the document after reading it: long enough that, without the row
# lock, both racers would read the same state before either writes.
HOLD_SECONDS = 0.4


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("tests/workplans/test_concurrency.py")


@pytest.fixture(autouse=True)
def _competency_catalogue(transactional_db):
    reseed_competency_catalogue()


@pytest.fixture(autouse=True)
def _slow_lock(monkeypatch):
    slow_down(monkeypatch, services, seconds=HOLD_SECONDS)


def transitions(work_plan: WorkPlan, *kinds: str) -> list[str]:
    return list(
        DocumentEvent.objects.filter(document=work_plan, kind__in=kinds)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def test_two_fro_approvals_racing_end_with_one_approval():
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)

    results = race(
        lambda: services.approve_work_plan(work_plan=work_plan, actor=fro),
        lambda: services.approve_work_plan(work_plan=work_plan, actor=fro),
    )

    assert sorted(results) == [
        ("ok", ""),
        ("refused", "This work plan is approved: it can no longer be approved."),
    ]
    assert WorkPlan.objects.get(pk=work_plan.pk).state == WorkPlan.State.APPROVED
    assert Signature.objects.filter(document=work_plan, action="approve").count() == 1
    assert transitions(work_plan, "work_plan_approve") == ["work_plan_approve"]


def test_an_approval_racing_a_return_ends_with_one_of_them():
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)

    results = race(
        lambda: services.approve_work_plan(work_plan=work_plan, actor=fro),
        lambda: services.return_work_plan(work_plan=work_plan, actor=fro, comment="Redo."),
    )

    state = WorkPlan.objects.get(pk=work_plan.pk).state
    if state == WorkPlan.State.APPROVED:
        assert results == [
            ("ok", ""),
            ("refused", "This work plan is approved: it can no longer be returned."),
        ]
    else:
        assert state == WorkPlan.State.RETURNED
        assert results == [
            ("refused", "This work plan is returned for changes: it can no longer be approved."),
            ("ok", ""),
        ]
    assert len(transitions(work_plan, "work_plan_approve", "work_plan_return")) == 1
    assert (
        Signature.objects.filter(document=work_plan, action__in=["approve", "return"]).count() == 1
    )


def test_two_submits_racing_end_with_one_submission():
    """The staff member clicks "Submit" twice (or in two tabs)."""
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)
    services.return_work_plan(work_plan=work_plan, actor=fro, comment="Sharpen goal 1.")
    staff = work_plan.staff.user

    results = race(
        lambda: services.submit_work_plan(work_plan=work_plan, actor=staff),
        lambda: services.submit_work_plan(work_plan=work_plan, actor=staff),
    )

    assert sorted(results) == [
        ("ok", ""),
        ("refused", "This work plan is submitted: it can no longer be submitted."),
    ]
    assert WorkPlan.objects.get(pk=work_plan.pk).state == WorkPlan.State.SUBMITTED
    # One submission before the return, exactly one after it.
    assert transitions(work_plan, "work_plan_submit", "work_plan_return") == [
        "work_plan_submit",
        "work_plan_return",
        "work_plan_submit",
    ]


def test_a_submit_racing_an_approval_ends_with_one_transition():
    """A second "Submit" from another tab arrives while the FRO approves: only the approval
    happens, and it signs exactly the content the staff member submitted."""
    work_plan = make_submitted_work_plan()
    fro, staff = fro_of(work_plan), work_plan.staff.user
    events_before = transitions(work_plan, "work_plan_submit", "work_plan_approve")

    results = race(
        lambda: services.approve_work_plan(work_plan=work_plan, actor=fro),
        lambda: services.submit_work_plan(work_plan=work_plan, actor=staff),
    )

    assert results[0] == ("ok", "")
    assert results[1][0] == "refused"
    assert results[1][1] in {
        "This work plan is submitted: it can no longer be submitted.",
        "This work plan is approved: it can no longer be submitted.",
    }
    assert WorkPlan.objects.get(pk=work_plan.pk).state == WorkPlan.State.APPROVED
    assert transitions(work_plan, "work_plan_submit", "work_plan_approve") == [
        *events_before,
        "work_plan_approve",
    ]
    submitted = Signature.objects.get(document=work_plan, action="submit")
    approved = Signature.objects.get(document=work_plan, action="approve")
    assert approved.content_hash == submitted.content_hash


def test_staff_and_fro_starting_the_midpoint_review_together_start_it_once():
    """Either side may start the review; when both do at once, the second gets the clear
    message, not a database error on the one-review-per-document constraint."""
    work_plan = make_approved_work_plan()
    fro, staff = fro_of(work_plan), work_plan.staff.user

    results = race(
        lambda: services.start_midpoint(work_plan=work_plan, actor=staff),
        lambda: services.start_midpoint(work_plan=work_plan, actor=fro),
    )

    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert [r[1] for r in results if r[0] == "refused"] == [
        "This mid-point review is open for the staff member's comments: it can no longer be "
        "started."
    ]
    midpoint = MidpointReview.objects.get(work_plan=work_plan)
    winner = staff if results[0][0] == "ok" else fro
    assert (midpoint.state, midpoint.started_by) == (MidpointReview.State.OPEN, winner)
    assert transitions(work_plan, "midpoint_started") == ["midpoint_started"]
