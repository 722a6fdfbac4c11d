"""Roll-back (docs/rules.md section 3): an HR focal point of the entity returns a document to an
earlier stage on the written request of the FRO or SRO, with the reason. What came after is
kept in the history but no longer current; signatures after it are voided; a completed
document cannot be rolled back (setting)."""

from __future__ import annotations

import json
import logging

import pytest

from appraisals import services
from appraisals.models import Appraisal, GoalAssessment, RollBack
from appraisals.permissions import HR_TRANSITIONS, allowed_actions
from appraisals.selectors import document_stage, evaluation_context, rollback_targets
from org.models import DepartmentRole
from pmsystem.errors import ApplicationError
from pmsystem.models import DocumentEvent, Signature
from tests.appraisals.helpers import (
    appraisal_of,
    fill_self_evaluation,
    finalise_midpoint,
    fresh,
    hr_focal_point,
    make_document_at,
    rate_everything,
)
from tests.factories import CycleFactory, DepartmentRoleFactory, UserFactory
from tests.workplans.helpers import (
    fro_of,
    make_approved_work_plan,
    make_complete_work_plan,
    make_submitted_work_plan,
    sro_of,
)
from workplans import services as workplan_services
from workplans.models import MidpointReview, WorkPlan

pytestmark = pytest.mark.django_db

S = Appraisal.State
ALL_TARGETS = ["work_plan", "midpoint", "self_assessment", "fro_evaluation", "sro_review"]


def refused(call, **kwargs) -> str:
    with pytest.raises(ApplicationError) as exc:
        call(**kwargs)
    return exc.value.message


def roll_back(document, target, *, actor=None, requested_by=None, reason="Written request."):
    return services.roll_back_document(
        document=document,
        actor=actor or hr_focal_point(document),
        requested_by=requested_by or fro_of(document),
        reason=reason,
        target_stage=target,
    )


def targets(document) -> list[str]:
    return [stage for stage, _ in rollback_targets(fresh(document))]


def valid(document, stage):
    return Signature.objects.filter(document=document, stage=stage, voided_at__isnull=True)


def voided(document, stage):
    return Signature.objects.filter(document=document, stage=stage, voided_at__isnull=False)


def assert_nothing_rolled_back(document, stage):
    assert document_stage(fresh(document)) == stage
    assert not RollBack.objects.filter(document=document).exists()
    assert not Signature.objects.filter(document=document, voided_at__isnull=False).exists()
    assert not DocumentEvent.objects.filter(document=document, kind="rolled_back").exists()


# --- who -----------------------------------------------------------------------------------


@pytest.mark.parametrize("requester", ["fro", "sro"])
def test_hr_rolls_back_on_the_written_request_of_the_fro_or_sro(requester):
    document = make_document_at("sro_review")
    hr = hr_focal_point(document)
    officer = {"fro": fro_of(document), "sro": sro_of(document)}[requester]
    assert "roll_back" in allowed_actions(hr, document)
    rollback = roll_back(
        document, "fro_evaluation", actor=hr, requested_by=officer, reason="  Email of 3 May. "
    )
    assert (rollback.requested_by, rollback.requester_role, rollback.performed_by) == (
        officer,
        requester,
        hr,
    )
    assert (rollback.reason, rollback.target_stage, rollback.from_state) == (
        "Email of 3 May.",
        "fro_evaluation",
        "sro_review",
    )
    assert appraisal_of(document).state == S.FRO_EVALUATION
    assert evaluation_context(fresh(document))["rollbacks"] == [rollback]


def test_a_roll_back_needs_the_reason():
    document = make_document_at("sro_review")
    assert (
        refused(roll_back, document=document, target="fro_evaluation", reason="  ")
        == "Record the reason given in the written request."
    )
    assert_nothing_rolled_back(document, "sro_review")


def test_a_request_by_anyone_but_the_fro_or_sro_is_refused():
    document = make_document_at("sro_review")
    hr = hr_focal_point(document)
    hod = DepartmentRoleFactory(entity=document.staff.unit.entity).user
    for requester in (document.staff.user, hod, hr, UserFactory()):
        assert (
            refused(
                roll_back,
                document=document,
                target="fro_evaluation",
                actor=hr,
                requested_by=requester,
            )
            == "A roll-back needs the written request of the FRO or the SRO."
        )
    assert_nothing_rolled_back(document, "sro_review")


def test_only_an_hr_focal_point_of_the_entity_rolls_back():
    document = make_document_at("sro_review")
    other_entity_hr = DepartmentRoleFactory(role=DepartmentRole.Role.HR_FOCAL_POINT).user
    hod = DepartmentRoleFactory(entity=document.staff.unit.entity).user
    for actor in (fro_of(document), sro_of(document), document.staff.user, hod, other_entity_hr):
        assert "roll_back" not in allowed_actions(actor, document)
        assert (
            refused(roll_back, document=document, target="fro_evaluation", actor=actor)
            == "Only an HR focal point of the entity rolls documents back."
        )
    assert_nothing_rolled_back(document, "sro_review")


# --- acknowledgement back to the FRO's evaluation ----------------------------------------


def test_roll_back_to_the_fro_evaluation_voids_later_signatures_and_keeps_the_history(
    django_capture_on_commit_callbacks, mailoutbox, caplog
):
    document = make_document_at("acknowledgement", overall="PM")
    staff, fro, sro = document.staff.user, fro_of(document), sro_of(document)
    hr = hr_focal_point(document)
    before = appraisal_of(document)
    ratings = list(
        GoalAssessment.objects.filter(appraisal=before).values_list(
            "pk", "rating_id", "fro_comment"
        )
    )
    with (
        django_capture_on_commit_callbacks(execute=True),
        caplog.at_level(logging.INFO, logger="pmsystem.security"),
    ):
        rollback = roll_back(
            document,
            "fro_evaluation",
            actor=hr,
            requested_by=sro,
            reason="The SRO asks the FRO to revisit goal 2.",
        )

    appraisal = appraisal_of(document)
    assert appraisal.state == S.FRO_EVALUATION
    # The SRO's and the FRO's signatures are voided, with the reason; the self-evaluation's,
    # the mid-point's and the work plan's stay valid.
    for stage in ("fro_evaluation", "sro_review"):
        signature = Signature.objects.get(document=document, stage=stage)
        assert signature.voided_at is not None, stage
        assert signature.void_reason == (
            "Rolled back to FRO evaluation: The SRO asks the FRO to revisit goal 2."
        )
    for stage in ("work_plan", "midpoint", "self_assessment"):
        assert valid(document, stage).exists(), stage
        assert not voided(document, stage).exists(), stage
    # The SRO's comment is no longer current but kept in the roll-back's snapshot.
    assert appraisal.sro_comment == ""
    assert rollback.snapshot["evaluation"]["state"] == "acknowledgement"
    assert rollback.snapshot["evaluation"]["sro_review"]["sro_comment"] == "Agreed with the FRO."
    assert rollback.snapshot["evaluation"]["fro_evaluation"]["overall_rating"] == "PM"
    # The ratings stay for the FRO to revise.
    assert appraisal.overall_rating_id == before.overall_rating_id
    assert appraisal.fro_overall_comment == before.fro_overall_comment
    assert (
        list(
            GoalAssessment.objects.filter(appraisal=appraisal).values_list(
                "pk", "rating_id", "fro_comment"
            )
        )
        == ratings
    )
    assert "edit_ratings" in allowed_actions(fro, fresh(document))

    # The staff member and both officers are told, not the HR focal point.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([staff.email, fro.email, sro.email])
    assert all("The SRO asks the FRO to revisit goal 2." in m.body for m in mailoutbox)

    event = DocumentEvent.objects.get(document=document, kind="rolled_back")
    assert event.actor == hr
    assert event.comment == "The SRO asks the FRO to revisit goal 2."
    assert event.summary == (
        f"Rolled back to FRO evaluation at the request of the SRO, {sro} (2 signatures voided)"
    )
    # The summary is also kept as a phrase, for readers of other languages.
    assert event.data == {"rollback": rollback.pk, "voided": 2, "phrase": event.data["phrase"]}
    assert event.data["phrase"]["params"]["count"] == 2
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "pmsystem.security"]
    assert [
        (e["user"], e["document"], e["target"], e["requested_by"])
        for e in logged
        if e["event"] == "rollback"
    ] == [(hr.pk, document.pk, "fro_evaluation", sro.pk)]


def test_after_a_roll_back_the_fro_signs_again_and_the_sro_approves_again():
    document = make_document_at("acknowledgement")
    fro, sro = fro_of(document), sro_of(document)
    roll_back(document, "fro_evaluation", requested_by=fro)

    rate_everything(document, overall="EX", comment="Revised after the request.")
    services.sign_evaluation(document=document, actor=fro)
    services.approve_evaluation(document=document, actor=sro, comment="Agreed, again.")
    assert appraisal_of(document).state == S.ACKNOWLEDGEMENT

    first, second = Signature.objects.filter(document=document, stage="fro_evaluation")
    assert first.voided_at is not None and first.content["overall_rating"] == "SM"
    assert second.voided_at is None and second.content["overall_rating"] == "EX"
    assert second.signer == fro
    old_sro, new_sro = Signature.objects.filter(document=document, stage="sro_review")
    assert (
        old_sro.voided_at is not None and old_sro.content["sro_comment"] == "Agreed with the FRO."
    )
    assert new_sro.voided_at is None and new_sro.content["sro_comment"] == "Agreed, again."

    services.acknowledge_evaluation(document=document, actor=document.staff.user)
    appraisal = appraisal_of(document)
    assert appraisal.state == S.COMPLETED
    assert appraisal.final_rating.code == "EX"


# --- back to the work plan and to the mid-point --------------------------------------------


def test_roll_back_to_the_work_plan_returns_it_to_draft_and_voids_everything(
    django_capture_on_commit_callbacks, mailoutbox
):
    document = make_document_at("acknowledgement")
    staff = document.staff.user
    signed = Signature.objects.filter(document=document).count()
    with django_capture_on_commit_callbacks(execute=True):
        rollback = roll_back(document, "work_plan", requested_by=sro_of(document))

    document = fresh(document)
    assert document.state == WorkPlan.State.DRAFT
    assert document.approved_at is None
    assert document_stage(document) == "work_plan"
    assert not Signature.objects.filter(document=document, voided_at__isnull=True).exists()
    assert Signature.objects.filter(document=document).count() == signed
    appraisal = appraisal_of(document)
    assert appraisal.state == S.NOT_STARTED
    assert (appraisal.self_overall_comment, appraisal.overall_rating, appraisal.sro_comment) == (
        "",
        None,
        "",
    )
    assert not appraisal.goal_rows.exists()
    assert document.midpoint.state == MidpointReview.State.NOT_STARTED
    assert document.midpoint.staff_comments == ""
    # What was current is in the snapshot.
    assert rollback.snapshot["work_plan_state"] == "approved"
    assert rollback.snapshot["midpoint"]["staff_comments"] == "Half of the outputs are delivered."
    assert rollback.snapshot["evaluation"]["self_assessment"]["overall"] == (
        "I delivered my goals."
    )
    assert "edit" in allowed_actions(staff, document)
    assert len(mailoutbox) == 3


def test_a_document_rolled_back_to_the_work_plan_goes_through_the_cycle_again():
    document = make_document_at("sro_review")
    roll_back(document, "work_plan")
    document = fresh(document)
    workplan_services.submit_work_plan(work_plan=document, actor=document.staff.user)
    workplan_services.approve_work_plan(work_plan=document, actor=fro_of(document))
    document = finalise_midpoint(fresh(document))
    services.start_evaluation(document=document, actor=document.staff.user)
    fill_self_evaluation(document)
    services.submit_self_evaluation(document=document, actor=document.staff.user)
    rate_everything(document, overall="EX")
    services.sign_evaluation(document=document, actor=fro_of(document))
    assert appraisal_of(document).state == S.SRO_REVIEW
    assert valid(document, "fro_evaluation").get().content["overall_rating"] == "EX"
    assert voided(document, "fro_evaluation").get().content["overall_rating"] == "SM"


def test_roll_back_to_the_midpoint_reopens_it_for_the_staff_member():
    document = make_document_at("fro_evaluation")
    assert "midpoint" in targets(document)
    roll_back(document, "midpoint")
    document = fresh(document)
    midpoint = document.midpoint
    assert midpoint.state == MidpointReview.State.OPEN
    assert (midpoint.staff_submitted_at, midpoint.finalised_at) == (None, None)
    assert midpoint.staff_comments == "Half of the outputs are delivered."
    assert document.state == WorkPlan.State.APPROVED
    assert appraisal_of(document).state == S.NOT_STARTED
    assert document_stage(document) == "midpoint"
    assert valid(document, "work_plan").count() == 2
    assert voided(document, "midpoint").count() == 2
    assert voided(document, "self_assessment").count() == 1
    assert "edit_midpoint_staff" in allowed_actions(document.staff.user, document)


def test_the_midpoint_is_a_target_only_when_the_cycle_requires_one():
    document = make_document_at("fro_evaluation", cycle=CycleFactory(midpoint_required=False))
    assert targets(document) == ["work_plan", "self_assessment"]
    assert (
        refused(roll_back, document=document, target="midpoint")
        == "This document cannot be rolled back to \u201cMid-point review (staff comments)\u201d "
        "from where it is now."
    )
    assert_nothing_rolled_back(document, "fro_evaluation")


def test_a_midpoint_review_never_started_is_not_rolled_back():
    """A cycle made to require the mid-point review after a document went past it without one:
    the mid-point is a target again, and the workflow refuses to roll back a review that was
    never started (nothing changes)."""
    cycle = CycleFactory(midpoint_required=False)
    document = make_document_at("fro_evaluation", cycle=cycle)
    cycle.midpoint_required = True
    cycle.save(update_fields=["midpoint_required"])
    assert "midpoint" in targets(document)
    assert (
        refused(roll_back, document=fresh(document), target="midpoint")
        == "This mid-point review is not started: it cannot be rolled back yet."
    )
    assert_nothing_rolled_back(document, "fro_evaluation")
    assert not MidpointReview.objects.filter(work_plan=document).exists()


# --- completed documents and targets ------------------------------------------------------


def test_a_completed_document_cannot_be_rolled_back():
    document = make_document_at("completed")
    hr = hr_focal_point(document)
    assert rollback_targets(document) == []
    assert "roll_back" not in allowed_actions(hr, document)
    for target in ALL_TARGETS:
        assert (
            refused(roll_back, document=document, target=target, actor=hr)
            == "A completed document cannot be rolled back."
        )
    assert_nothing_rolled_back(document, "completed")
    assert appraisal_of(document).final_rating is not None


def test_a_completed_document_can_be_rolled_back_when_the_cycle_allows_it():
    document = make_document_at(
        "completed", overall="PM", cycle=CycleFactory(rollback_completed_allowed=True)
    )
    assert targets(document) == ALL_TARGETS
    roll_back(document, "sro_review", requested_by=sro_of(document))
    appraisal = appraisal_of(document)
    assert appraisal.state == S.SRO_REVIEW
    assert (appraisal.final_rating, appraisal.acknowledged_at, appraisal.staff_final_comment) == (
        None,
        None,
        "",
    )
    assert appraisal.rebuttal_deadline is None
    assert voided(document, "acknowledgement").count() == 1
    assert voided(document, "sro_review").count() == 1
    assert valid(document, "fro_evaluation").count() == 1
    # The SRO reviews again from their own comments.
    assert appraisal.sro_comment == "Agreed with the FRO."


@pytest.mark.parametrize(
    ("stage", "target"),
    [
        ("fro_evaluation", "fro_evaluation"),
        ("fro_evaluation", "sro_review"),
        ("self_assessment", "self_assessment"),
        ("sro_review", "sro_review"),
        ("acknowledgement", "bogus"),
    ],
)
def test_a_target_at_or_after_the_current_stage_is_refused(stage, target):
    document = make_document_at(stage)
    label = dict(RollBack.Stage.choices).get(target, target)
    assert (
        refused(roll_back, document=document, target=target)
        == f"This document cannot be rolled back to \u201c{label}\u201d from where it is now."
    )
    assert_nothing_rolled_back(document, stage)


def midpoint_at(state: str) -> WorkPlan:
    document = make_approved_work_plan()
    staff, fro = document.staff.user, fro_of(document)
    workplan_services.start_midpoint(work_plan=document, actor=staff)
    if state in ("staff_submitted", "finalised"):
        workplan_services.submit_midpoint(work_plan=document, actor=staff, comments="Halfway.")
    if state == "finalised":
        workplan_services.finalise_midpoint(work_plan=document, actor=fro, comments="Agreed.")
    return fresh(document)


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: make_complete_work_plan(), []),
        (lambda: make_submitted_work_plan(), ["work_plan"]),
        (lambda: make_approved_work_plan(), ["work_plan"]),
        (lambda: midpoint_at("open"), ["work_plan"]),
        (lambda: midpoint_at("staff_submitted"), ["work_plan", "midpoint"]),
        (lambda: midpoint_at("finalised"), ["work_plan", "midpoint"]),
        (lambda: make_document_at("self_assessment"), ["work_plan", "midpoint"]),
        (
            lambda: make_document_at("fro_evaluation"),
            ["work_plan", "midpoint", "self_assessment"],
        ),
        (
            lambda: make_document_at("sro_review"),
            ["work_plan", "midpoint", "self_assessment", "fro_evaluation"],
        ),
        (lambda: make_document_at("acknowledgement"), ALL_TARGETS),
        (lambda: make_document_at("completed"), []),
    ],
    ids=[
        "draft",
        "submitted",
        "approved",
        "midpoint_open",
        "midpoint_submitted",
        "midpoint_finalised",
        "self_assessment",
        "fro_evaluation",
        "sro_review",
        "acknowledgement",
        "completed",
    ],
)
def test_rollback_targets_at_each_stage(build, expected):
    """HR is offered "roll_back" exactly when there is a stage to return to, and never the
    raw roll-back transitions (reset, roll_back_to_…) that know nothing of later stages."""
    document = build()
    assert targets(document) == expected
    actions = allowed_actions(hr_focal_point(document), fresh(document))
    assert ("roll_back" in actions) == bool(expected)
    assert not actions & (HR_TRANSITIONS - {"roll_back"})


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("not_started", ["work_plan"]),
        ("self_assessment", ["work_plan"]),
        ("fro_evaluation", ["work_plan", "self_assessment"]),
        ("sro_review", ["work_plan", "self_assessment", "fro_evaluation"]),
        ("acknowledgement", ["work_plan", "self_assessment", "fro_evaluation", "sro_review"]),
    ],
)
def test_rollback_targets_without_a_midpoint(stage, expected):
    document = make_document_at(stage, cycle=CycleFactory(midpoint_required=False))
    assert targets(document) == expected


@pytest.mark.parametrize("target", ["self_assessment", "fro_evaluation", "sro_review"])
def test_every_evaluation_target_can_be_reached_from_acknowledgement(target):
    document = make_document_at("acknowledgement")
    roll_back(document, target)
    assert appraisal_of(document).state == target
    order = ["self_assessment", "fro_evaluation", "sro_review"]
    for stage in order:
        is_voided = order.index(stage) >= order.index(target)
        assert voided(document, stage).exists() == is_voided, stage
        assert valid(document, stage).exists() == (not is_voided), stage
