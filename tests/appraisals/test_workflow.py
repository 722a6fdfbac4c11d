"""Every transition and guard of the end-of-cycle evaluation (docs/rules.md section 3, steps 6-9),
through the services that take them."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from appraisals import services
from appraisals.models import Appraisal, CompetencyAssessment, GoalAssessment
from appraisals.permissions import allowed_actions
from appraisals.workflow import APPRAISAL
from org.models import RatingScale
from pmsystem.errors import ApplicationError
from pmsystem.models import DocumentEvent, Signature
from pmsystem.workflow import lower_first
from tests.appraisals.helpers import (
    appraisal_of,
    fill_self_evaluation,
    finalise_midpoint,
    fresh,
    level,
    make_document_at,
    rate_everything,
)
from tests.factories import CycleFactory
from tests.workplans.helpers import (
    fro_of,
    make_approved_work_plan,
    make_complete_work_plan,
    make_submitted_work_plan,
    sro_of,
)
from workplans import services as workplan_services

pytestmark = pytest.mark.django_db

S = Appraisal.State
EVALUATION_TRANSITIONS = {
    "start_evaluation",
    "submit_self_evaluation",
    "sign_evaluation",
    "approve_evaluation",
    "return_to_fro",
    "acknowledge",
}


def refused(call, **kwargs) -> str:
    with pytest.raises(ApplicationError) as exc:
        call(**kwargs)
    return exc.value.message


def state_of(document) -> str:
    return Appraisal.objects.get(pk=document.pk).state


def signatures(document, stage: str | None = None):
    found = Signature.objects.filter(document=document)
    return found.filter(stage=stage) if stage else found


def no_midpoint_cycle():
    return CycleFactory(midpoint_required=False)


# --- the declaration ---------------------------------------------------------------------


def test_the_evaluation_transitions_are_the_declared_ones():
    declared = {
        name: (set(t.sources), t.target, set(t.roles), t.signs)
        for name, t in APPRAISAL.transitions.items()
        if name in EVALUATION_TRANSITIONS
    }
    assert declared == {
        "start_evaluation": ({"not_started"}, "self_assessment", {"staff", "fro"}, False),
        "submit_self_evaluation": ({"self_assessment"}, "fro_evaluation", {"staff"}, True),
        "sign_evaluation": ({"fro_evaluation"}, "sro_review", {"fro"}, True),
        "approve_evaluation": ({"sro_review"}, "acknowledgement", {"sro"}, True),
        "return_to_fro": ({"sro_review"}, "fro_evaluation", {"sro"}, True),
        "acknowledge": ({"acknowledgement"}, "completed", {"staff"}, True),
    }
    # Everything else is HR's roll-back, and nothing else.
    for name, transition in APPRAISAL.transitions.items():
        if name not in EVALUATION_TRANSITIONS:
            assert transition.roles == {"hr"}, name


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("not_started", {"staff": {"start_evaluation"}, "fro": {"start_evaluation"}, "sro": set()}),
        ("self_assessment", {"staff": set(), "fro": set(), "sro": set()}),
        ("fro_evaluation", {"staff": set(), "fro": set(), "sro": set()}),
        (
            "sro_review",
            {"staff": set(), "fro": set(), "sro": {"approve_evaluation", "return_to_fro"}},
        ),
        ("acknowledgement", {"staff": {"acknowledge"}, "fro": set(), "sro": set()}),
        ("completed", {"staff": set(), "fro": set(), "sro": set()}),
    ],
)
def test_allowed_evaluation_transitions_per_role_and_stage(stage, expected):
    """The guards are part of the answer: at self_assessment the staff member may not submit
    an empty self-evaluation, at fro_evaluation the FRO may not sign before rating."""
    document = make_document_at(stage)
    people = {"staff": document.staff.user, "fro": fro_of(document), "sro": sro_of(document)}
    actual = {
        role: set(allowed_actions(user, document)) & EVALUATION_TRANSITIONS
        for role, user in people.items()
    }
    assert actual == expected


def test_a_state_label_keeps_its_acronym_in_a_refusal():
    assert lower_first("SRO review") == "SRO review"
    assert lower_first("Awaiting acknowledgement") == "awaiting acknowledgement"


# --- start -------------------------------------------------------------------------------


def test_start_requires_the_approved_work_plan():
    message = "The end-of-cycle evaluation starts once the FRO has approved the work plan."
    for document in (
        make_complete_work_plan(cycle=no_midpoint_cycle()),
        make_submitted_work_plan(cycle=no_midpoint_cycle()),
    ):
        for actor in (document.staff.user, fro_of(document)):
            assert "start_evaluation" not in allowed_actions(actor, document)
            assert refused(services.start_evaluation, document=document, actor=actor) == message
        assert not Appraisal.objects.filter(pk=document.pk).exists()
        assert not GoalAssessment.objects.filter(appraisal_id=document.pk).exists()


def test_start_requires_the_finalised_midpoint_when_the_cycle_requires_one():
    document = make_approved_work_plan()
    assert document.cycle.midpoint_required
    staff, fro = document.staff.user, fro_of(document)
    message = "The end-of-cycle evaluation starts once the mid-point review is finalised."
    assert refused(services.start_evaluation, document=document, actor=staff) == message

    workplan_services.start_midpoint(work_plan=document, actor=staff)
    assert refused(services.start_evaluation, document=fresh(document), actor=staff) == message
    workplan_services.submit_midpoint(work_plan=document, actor=staff, comments="Halfway.")
    assert refused(services.start_evaluation, document=fresh(document), actor=fro) == message
    assert not Appraisal.objects.filter(pk=document.pk).exists()

    workplan_services.finalise_midpoint(work_plan=document, actor=fro, comments="Agreed.")
    document = fresh(document)
    assert "start_evaluation" in allowed_actions(staff, document)
    services.start_evaluation(document=document, actor=staff)
    assert state_of(document) == S.SELF_ASSESSMENT


def test_start_needs_no_midpoint_when_the_cycle_has_none():
    document = make_approved_work_plan(cycle=no_midpoint_cycle())
    staff = document.staff.user
    assert "start_evaluation" in allowed_actions(staff, document)
    appraisal = services.start_evaluation(document=document, actor=staff)
    assert appraisal.state == S.SELF_ASSESSMENT
    assert appraisal.started_at is not None


def test_start_opens_one_row_per_current_goal_and_competency_and_records_the_event():
    document = make_approved_work_plan(cycle=no_midpoint_cycle(), goals=4, competencies=3)
    services.start_evaluation(document=document, actor=fro_of(document))
    appraisal = appraisal_of(document)
    assert sorted(appraisal.goal_rows.values_list("goal_id", flat=True)) == sorted(
        document.goals.filter(is_current=True).values_list("pk", flat=True)
    )
    assert appraisal.goal_rows.count() == 4
    assert sorted(appraisal.competency_rows.values_list("competency_id", flat=True)) == sorted(
        document.competencies.values_list("pk", flat=True)
    )
    event = DocumentEvent.objects.get(document=document, kind="start_evaluation")
    assert event.actor == fro_of(document)
    assert not signatures(document, "self_assessment").exists()


def test_the_sro_may_not_start_the_evaluation():
    document = make_approved_work_plan(cycle=no_midpoint_cycle())
    assert (
        refused(services.start_evaluation, document=document, actor=sro_of(document))
        == "You may not start end-of-cycle evaluation."
    )
    assert not Appraisal.objects.filter(pk=document.pk).exists()


def test_midpoint_helper_finalises_through_the_services():
    document = finalise_midpoint(make_approved_work_plan())
    assert document.midpoint.state == "finalised"
    assert signatures(document, "midpoint").count() == 2


# --- self-evaluation ---------------------------------------------------------------------


def test_self_evaluation_submit_needs_the_overall_comment():
    document = make_document_at("self_assessment")
    staff = document.staff.user
    fill_self_evaluation(document, overall="   ")
    assert "submit_self_evaluation" not in allowed_actions(staff, document)
    assert (
        refused(services.submit_self_evaluation, document=document, actor=staff)
        == "Write your overall self-assessment before submitting."
    )
    assert state_of(document) == S.SELF_ASSESSMENT
    assert not signatures(document, "self_assessment").exists()


def test_staff_member_submits_and_signs_the_self_evaluation_and_the_fro_is_told(
    django_capture_on_commit_callbacks, mailoutbox
):
    document = make_document_at("self_assessment")
    staff = document.staff.user
    fill_self_evaluation(document, overall="I delivered three of three goals.")
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_self_evaluation(document=document, actor=staff)
    appraisal = appraisal_of(document)
    assert appraisal.state == S.FRO_EVALUATION
    assert appraisal.self_submitted_at is not None
    signature = signatures(document, "self_assessment").get()
    assert (signature.signer, signature.role, signature.action) == (
        staff,
        "staff",
        "submit_self_evaluation",
    )
    assert signature.content["overall"] == "I delivered three of three goals."
    assert DocumentEvent.objects.filter(document=document, kind="submit_self_evaluation").exists()
    assert [m.to for m in mailoutbox] == [[fro_of(document).email]]


def test_only_the_staff_member_submits_the_self_evaluation():
    document = make_document_at("self_assessment")
    fill_self_evaluation(document)
    for actor in (fro_of(document), sro_of(document)):
        assert (
            refused(services.submit_self_evaluation, document=document, actor=actor)
            == "You may not submit self-evaluation."
        )
    assert state_of(document) == S.SELF_ASSESSMENT


# --- the FRO signs -----------------------------------------------------------------------


def assert_sign_refused(document, message):
    fro = fro_of(document)
    assert "sign_evaluation" not in allowed_actions(fro, document)
    assert refused(services.sign_evaluation, document=document, actor=fro) == message
    appraisal = appraisal_of(document)
    assert appraisal.state == S.FRO_EVALUATION
    assert appraisal.fro_signed_at is None
    assert not signatures(document, "fro_evaluation").exists()


def test_fro_sign_needs_everything_rated_and_the_overall_comment():
    document = make_document_at("fro_evaluation")
    assert document.cycle.goal_ratings_enabled
    assert_sign_refused(
        document,
        "Rate every goal. Rate every value and competency. Give the overall rating. "
        "Write the overall comments.",
    )


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"goal": None}, "Rate every goal."),
        ({"competency": None}, "Rate every value and competency."),
        ({"overall": None}, "Give the overall rating."),
        ({"comment": "  "}, "Write the overall comments."),
    ],
)
def test_fro_sign_names_what_is_missing(missing, message):
    document = make_document_at("fro_evaluation")
    rate_everything(document, **missing)
    assert_sign_refused(document, message)


def test_fro_sign_needs_every_goal_not_just_one():
    document = make_document_at("fro_evaluation")
    rate_everything(document)
    first = GoalAssessment.objects.filter(appraisal_id=document.pk).first()
    GoalAssessment.objects.filter(pk=first.pk).update(rating=None)
    assert_sign_refused(document, "Rate every goal.")
    rate_everything(document)
    CompetencyAssessment.objects.filter(
        pk=CompetencyAssessment.objects.filter(appraisal_id=document.pk).first().pk
    ).update(rating=None)
    assert_sign_refused(document, "Rate every value and competency.")


def test_goal_ratings_are_not_required_when_the_cycle_does_not_rate_goals():
    document = make_document_at("fro_evaluation", cycle=CycleFactory(goal_ratings_enabled=False))
    rate_everything(document, goal=None)
    fro = fro_of(document)
    assert "sign_evaluation" in allowed_actions(fro, document)
    services.sign_evaluation(document=document, actor=fro)
    assert state_of(document) == S.SRO_REVIEW


def test_goal_ratings_are_ignored_when_the_cycle_does_not_rate_goals():
    document = make_document_at("fro_evaluation", cycle=CycleFactory(goal_ratings_enabled=False))
    rate_everything(document, goal="EX")
    rows = GoalAssessment.objects.filter(appraisal_id=document.pk)
    assert rows.exists()
    assert not rows.filter(rating__isnull=False).exists()
    # The FRO's comments per goal are kept; only the rating is dropped.
    assert not rows.filter(fro_comment="").exists()
    event = DocumentEvent.objects.get(document=document, kind="ratings_changed")
    assert "Goal" not in event.comment
    assert "Overall: not rated → Successfully meets performance expectations" in event.comment


def test_fro_signs_the_complete_evaluation_and_the_sro_is_told(
    django_capture_on_commit_callbacks, mailoutbox
):
    document = make_document_at("fro_evaluation")
    rate_everything(document, overall="EX")
    fro = fro_of(document)
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_evaluation(document=document, actor=fro)
    appraisal = appraisal_of(document)
    assert appraisal.state == S.SRO_REVIEW
    assert appraisal.fro_signed_at is not None
    signature = signatures(document, "fro_evaluation").get()
    assert (signature.signer, signature.role, signature.acting_for) == (fro, "fro", None)
    assert signature.content["overall_rating"] == "EX"
    assert [m.to for m in mailoutbox] == [[sro_of(document).email]]


def test_only_the_fro_signs_the_evaluation():
    document = make_document_at("fro_evaluation")
    rate_everything(document)
    for actor in (document.staff.user, sro_of(document)):
        assert (
            refused(services.sign_evaluation, document=document, actor=actor)
            == "You may not sign this evaluation."
        )
    assert state_of(document) == S.FRO_EVALUATION


# --- the SRO -----------------------------------------------------------------------------


def test_sro_approves_with_comments_and_the_staff_member_is_told(
    django_capture_on_commit_callbacks, mailoutbox
):
    document = make_document_at("sro_review")
    sro = sro_of(document)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_evaluation(document=document, actor=sro, comment="  Fair rating. ")
    appraisal = appraisal_of(document)
    assert appraisal.state == S.ACKNOWLEDGEMENT
    assert appraisal.sro_comment == "Fair rating."
    assert appraisal.sro_signed_at is not None
    signature = signatures(document, "sro_review").get()
    assert (signature.signer, signature.role, signature.action) == (
        sro,
        "sro",
        "approve_evaluation",
    )
    assert signature.content["sro_comment"] == "Fair rating."
    assert [m.to for m in mailoutbox] == [[document.staff.user.email]]


def test_only_the_sro_approves():
    document = make_document_at("sro_review")
    for actor in (document.staff.user, fro_of(document)):
        assert (
            refused(services.approve_evaluation, document=document, actor=actor)
            == "You may not approve this evaluation."
        )
    assert state_of(document) == S.SRO_REVIEW
    assert not signatures(document, "sro_review").exists()


def test_sro_return_needs_a_reason():
    document = make_document_at("sro_review")
    assert (
        refused(
            services.return_evaluation_to_fro, document=document, actor=sro_of(document), reason=" "
        )
        == "Give the reason for returning the evaluation to the FRO."
    )
    assert state_of(document) == S.SRO_REVIEW
    assert not signatures(document, "sro_review").exists()


def test_sro_returns_to_the_fro_who_revises_and_signs_again(
    django_capture_on_commit_callbacks, mailoutbox
):
    document = make_document_at("sro_review")
    fro, sro = fro_of(document), sro_of(document)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_evaluation_to_fro(
            document=document, actor=sro, reason="The overall rating needs support."
        )
    assert state_of(document) == S.FRO_EVALUATION
    event = DocumentEvent.objects.get(document=document, kind="return_to_fro")
    assert event.comment == "The overall rating needs support."
    assert [m.to for m in mailoutbox] == [[fro.email]]
    assert "The overall rating needs support." in mailoutbox[0].body

    document = fresh(document)
    assert "edit_ratings" in allowed_actions(fro, document)
    rate_everything(document, overall="EX", comment="Exceptional delivery on goal 2.")
    services.sign_evaluation(document=document, actor=fro)
    assert state_of(document) == S.SRO_REVIEW
    fro_signatures = signatures(document, "fro_evaluation")
    assert fro_signatures.count() == 2
    assert fro_signatures.last().content["overall_rating"] == "EX"
    services.approve_evaluation(document=document, actor=sro)
    assert state_of(document) == S.ACKNOWLEDGEMENT


# --- acknowledgement ---------------------------------------------------------------------


@pytest.mark.parametrize("days", [14, 30])
def test_acknowledgement_completes_and_starts_the_rebuttal_clock(
    days, django_capture_on_commit_callbacks, mailoutbox
):
    document = make_document_at(
        "acknowledgement", overall="PM", cycle=CycleFactory(rebuttal_filing_days=days)
    )
    staff = document.staff.user
    moment = datetime.datetime(2027, 5, 20, 10, 30, tzinfo=datetime.UTC)
    with (
        time_machine.travel(moment, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.acknowledge_evaluation(document=document, actor=staff, comment="Noted.")
    appraisal = appraisal_of(document)
    assert appraisal.state == S.COMPLETED
    assert appraisal.acknowledged_at == moment
    assert appraisal.final_rating == level(document, RatingScale.Kind.OVERALL, "PM")
    assert appraisal.final_rating_id == appraisal.overall_rating_id
    assert appraisal.staff_final_comment == "Noted."
    assert appraisal.rebuttal_deadline == datetime.date(2027, 5, 20) + datetime.timedelta(days)
    signature = signatures(document, "acknowledgement").get()
    assert (signature.signer, signature.role) == (staff, "staff")
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [fro_of(document).email, sro_of(document).email]
    )


def test_final_rating_is_empty_until_acknowledged():
    document = make_document_at("acknowledgement", overall="EX")
    appraisal = appraisal_of(document)
    assert appraisal.overall_rating.code == "EX"
    assert appraisal.final_rating is None
    assert appraisal.rebuttal_deadline is None


def test_only_the_staff_member_acknowledges():
    document = make_document_at("acknowledgement")
    for actor in (fro_of(document), sro_of(document)):
        assert (
            refused(services.acknowledge_evaluation, document=document, actor=actor)
            == "You may not acknowledge this evaluation."
        )
    appraisal = appraisal_of(document)
    assert appraisal.state == S.ACKNOWLEDGEMENT
    assert appraisal.acknowledged_at is None


# --- stale actions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "call", "who", "message"),
    [
        (
            "self_assessment",
            services.start_evaluation,
            "staff",
            "This evaluation is self-evaluation: it can no longer be started.",
        ),
        (
            "fro_evaluation",
            services.submit_self_evaluation,
            "staff",
            "This evaluation is FRO evaluation: it can no longer be submitted.",
        ),
        (
            "sro_review",
            services.sign_evaluation,
            "fro",
            "This evaluation is SRO review: it can no longer be signed.",
        ),
        (
            "acknowledgement",
            services.approve_evaluation,
            "sro",
            "This evaluation is awaiting acknowledgement: it can no longer be approved.",
        ),
        (
            "completed",
            services.acknowledge_evaluation,
            "staff",
            "This evaluation is completed: it can no longer be acknowledged.",
        ),
    ],
)
def test_a_stale_action_is_refused_with_a_clear_message(stage, call, who, message):
    """The same button pressed again (a second tab, a double click) once the stage moved on."""
    document = make_document_at(stage)
    actor = {"staff": document.staff.user, "fro": fro_of(document), "sro": sro_of(document)}[who]
    count = Signature.objects.count()
    events = DocumentEvent.objects.count()
    assert refused(call, document=document, actor=actor) == message
    assert state_of(document) == stage
    assert Signature.objects.count() == count
    assert DocumentEvent.objects.count() == events


def test_a_stale_return_is_refused_with_a_clear_message():
    document = make_document_at("acknowledgement")
    assert (
        refused(
            services.return_evaluation_to_fro,
            document=document,
            actor=sro_of(document),
            reason="Too late.",
        )
        == "This evaluation is awaiting acknowledgement: it can no longer be returned."
    )
    assert state_of(document) == S.ACKNOWLEDGEMENT


def test_a_stale_approval_with_comments_gets_the_clear_message():
    """The second "Approve" carries the SRO's comments too: the refusal is the stale action's,
    and the signed comment stays."""
    document = make_document_at("acknowledgement")
    assert (
        refused(
            services.approve_evaluation,
            document=document,
            actor=sro_of(document),
            comment="Approved again.",
        )
        == "This evaluation is awaiting acknowledgement: it can no longer be approved."
    )
    assert appraisal_of(document).sro_comment == "Agreed with the FRO."
    assert Signature.objects.filter(document=document, stage="sro_review").count() == 1


def test_an_approval_with_comments_by_someone_else_is_refused_as_not_theirs():
    document = make_document_at("sro_review")
    assert (
        refused(
            services.approve_evaluation,
            document=document,
            actor=fro_of(document),
            comment="I approve my own rating.",
        )
        == "You may not approve this evaluation."
    )
    assert appraisal_of(document).sro_comment == ""
    assert state_of(document) == S.SRO_REVIEW
