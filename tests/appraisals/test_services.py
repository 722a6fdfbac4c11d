"""End-of-cycle services: rating scales, the timeline of rating changes, additional
supervisors, read-only signed stages, signatures, acting officers and improvement plans
(docs/rules.md sections 3, 5 and 7)."""

from __future__ import annotations

import datetime
import json
import logging
import re

import pytest
import time_machine

from appraisals import services
from appraisals.models import (
    Appraisal,
    CompetencyAssessment,
    GoalAssessment,
    ImprovementPlan,
    SupervisorComment,
)
from appraisals.permissions import allowed_actions
from appraisals.selectors import evaluation_context
from appraisals.services import Assessment
from org.models import Delegation, DepartmentRole, RatingScale
from pmsystem.errors import ApplicationError
from pmsystem.models import DocumentEvent, Signature
from pmsystem.signatures import content_hash
from tests.appraisals.helpers import (
    appraisal_of,
    fill_self_evaluation,
    fresh,
    hr_focal_point,
    level,
    make_document_at,
    rate_everything,
)
from tests.factories import (
    AdditionalSupervisorFactory,
    CycleFactory,
    DelegationFactory,
    DepartmentRoleFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.workplans.helpers import fro_of, make_approved_work_plan, sro_of
from workplans.models import AdditionalSupervisor

pytestmark = pytest.mark.django_db

S = Appraisal.State
OVERALL, COMPETENCY, GOAL = (
    RatingScale.Kind.OVERALL,
    RatingScale.Kind.COMPETENCY,
    RatingScale.Kind.GOAL,
)


def refused(call, **kwargs) -> str:
    with pytest.raises(ApplicationError) as exc:
        call(**kwargs)
    return exc.value.message


def security_events(caplog) -> list[dict]:
    return [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "pmsystem.security"
    ]


def ratings_of(document) -> tuple:
    appraisal = appraisal_of(document)
    return (
        appraisal.overall_rating_id,
        appraisal.fro_overall_comment,
        sorted(GoalAssessment.objects.filter(appraisal=appraisal).values_list("pk", "rating_id")),
        sorted(
            CompetencyAssessment.objects.filter(appraisal=appraisal).values_list("pk", "rating_id")
        ),
    )


def save_ratings(document, *, overall_id, goal_id=None, competency_id=None, actor=None):
    """Every row rated with the given level ids (the FRO unless `actor`)."""
    appraisal = appraisal_of(document)
    return services.save_ratings(
        document=document,
        actor=actor or fro_of(document),
        goals={row.pk: Assessment(rating_id=goal_id) for row in appraisal.goal_rows.all()},
        competencies={
            row.pk: Assessment(rating_id=competency_id) for row in appraisal.competency_rows.all()
        },
        overall_rating_id=overall_id,
        overall_comment="Comments.",
    )


# --- rating scales -----------------------------------------------------------------------


def test_ratings_use_the_levels_of_the_cycles_own_scales():
    document = make_document_at("fro_evaluation")
    save_ratings(
        document,
        overall_id=level(document, OVERALL, "EX").pk,
        goal_id=level(document, GOAL, "SM").pk,
        competency_id=level(document, COMPETENCY, "OUT").pk,
    )
    appraisal = appraisal_of(document)
    assert appraisal.overall_rating.scale.kind == OVERALL
    assert appraisal.overall_rating.scale.cycle_id == document.cycle_id
    assert {row.rating.code for row in appraisal.goal_rows.all()} == {"SM"}
    assert {row.rating.code for row in appraisal.competency_rows.all()} == {"OUT"}


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        ("overall_from_other_cycle", "That rating is not on the overall scale of {cycle}."),
        ("overall_from_goal_scale", "That rating is not on the overall scale of {cycle}."),
        ("competency_from_overall_scale", "That rating is not on the competency scale of {cycle}."),
        ("competency_from_other_cycle", "That rating is not on the competency scale of {cycle}."),
        ("goal_from_competency_scale", "That rating is not on the goal scale of {cycle}."),
        ("goal_from_other_cycle", "That rating is not on the goal scale of {cycle}."),
    ],
)
def test_a_rating_level_of_another_scale_or_cycle_is_refused(wrong, message):
    document = make_document_at("fro_evaluation")
    other = make_document_at("not_started", cycle=CycleFactory(midpoint_required=False))
    assert other.cycle_id != document.cycle_id
    ids = {
        "overall_id": level(document, OVERALL, "SM").pk,
        "goal_id": level(document, GOAL, "SM").pk,
        "competency_id": level(document, COMPETENCY, "FC").pk,
    }
    ids.update(
        {
            "overall_from_other_cycle": {"overall_id": level(other, OVERALL, "SM").pk},
            "overall_from_goal_scale": {"overall_id": level(document, GOAL, "SM").pk},
            "competency_from_overall_scale": {"competency_id": level(document, OVERALL, "SM").pk},
            "competency_from_other_cycle": {"competency_id": level(other, COMPETENCY, "FC").pk},
            "goal_from_competency_scale": {"goal_id": level(document, COMPETENCY, "FC").pk},
            "goal_from_other_cycle": {"goal_id": level(other, GOAL, "SM").pk},
        }[wrong]
    )
    before = ratings_of(document)
    events = DocumentEvent.objects.filter(document=document).count()
    assert refused(save_ratings, document=document, **ids) == message.format(cycle=document.cycle)
    assert ratings_of(document) == before
    assert DocumentEvent.objects.filter(document=document).count() == events


# --- the timeline of rating changes ------------------------------------------------------


def test_every_rating_change_appears_on_the_timeline():
    document = make_document_at("fro_evaluation", goals=3, competencies=3)
    appraisal = appraisal_of(document)
    rate_everything(document, overall="SM", competency="FC", goal="SM")

    first = DocumentEvent.objects.get(document=document, kind="ratings_changed")
    lines = first.comment.splitlines()
    rows = appraisal.goal_rows.count() + appraisal.competency_rows.count()
    assert len(lines) == rows + 1
    assert first.summary == f"Ratings changed ({rows + 1})"
    assert first.actor == fro_of(document)
    for row in appraisal.goal_rows.select_related("goal"):
        assert f"{row.goal}: not rated → Successfully meets performance expectations" in lines
    for row in appraisal.competency_rows.select_related("competency"):
        assert f"{row.competency}: not rated → Fully competent" in lines
    assert "Overall: not rated → Successfully meets performance expectations" in lines

    # One competency up, the overall up: two lines, nothing else.
    changed = appraisal.competency_rows.select_related("competency").first()
    services.save_ratings(
        document=document,
        actor=fro_of(document),
        goals={},
        competencies={
            changed.pk: Assessment(
                comment="Outstanding", rating_id=level(document, COMPETENCY, "OUT").pk
            )
        },
        overall_rating_id=level(document, OVERALL, "EX").pk,
        overall_comment="Better than I first wrote.",
    )
    second = DocumentEvent.objects.filter(document=document, kind="ratings_changed").last()
    assert second.pk != first.pk
    assert second.comment.splitlines() == [
        f"{changed.competency}: Fully competent → Outstanding",
        "Overall: Successfully meets performance expectations → Exceeds performance expectations",
    ]

    # Clearing a rating is a change too; saving the same ratings again is not.
    services.save_ratings(
        document=document,
        actor=fro_of(document),
        goals={},
        competencies={},
        overall_rating_id=None,
        overall_comment="Better than I first wrote.",
    )
    third = DocumentEvent.objects.filter(document=document, kind="ratings_changed").last()
    assert third.comment == "Overall: Exceeds performance expectations → not rated"
    services.save_ratings(
        document=document,
        actor=fro_of(document),
        goals={},
        competencies={},
        overall_rating_id=None,
        overall_comment="Only the comment changed.",
    )
    assert DocumentEvent.objects.filter(document=document, kind="ratings_changed").count() == 3


def test_timeline_events_cannot_be_edited():
    document = make_document_at("sro_review")
    event = DocumentEvent.objects.get(document=document, kind="sign_evaluation")
    event.summary = "Edited"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


# --- additional supervisors --------------------------------------------------------------


def accepted_supervisor(document):
    request = AdditionalSupervisorFactory(
        work_plan=document, state=AdditionalSupervisor.State.ACCEPTED
    )
    return request.supervisor


def test_accepted_additional_supervisor_comments_and_the_fro_sees_it():
    document = make_document_at("self_assessment")
    supervisor = accepted_supervisor(document)
    actions = allowed_actions(supervisor, document)
    assert {"supervisor_comment", "view_evaluation_as_supervisor"} <= actions

    services.save_supervisor_comment(
        document=document, actor=supervisor, comment="  Led the field mission well. "
    )
    fill_self_evaluation(document)
    services.submit_self_evaluation(document=document, actor=document.staff.user)
    # Still before the FRO signs: the comment may be revised, and stays one current row.
    services.save_supervisor_comment(
        document=document, actor=supervisor, comment="Led the field mission very well."
    )
    comments = evaluation_context(document)["supervisor_comments"]
    assert [(c.supervisor, c.comment) for c in comments] == [
        (supervisor, "Led the field mission very well.")
    ]
    assert "edit_ratings" in allowed_actions(fro_of(document), fresh(document))
    assert list(
        DocumentEvent.objects.filter(document=document, kind="supervisor_comment").values_list(
            "summary", "actor"
        )
    ) == [
        ("Additional supervisor's comments added", supervisor.pk),
        ("Additional supervisor's comments updated", supervisor.pk),
    ]


def test_additional_supervisor_never_rates_or_signs(caplog):
    document = make_document_at("fro_evaluation")
    supervisor = accepted_supervisor(document)
    actions = allowed_actions(supervisor, document)
    assert "edit_ratings" not in actions
    assert "sign_evaluation" not in actions
    assert "view_pips" not in actions
    before = ratings_of(document)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pmsystem.security"):
        assert (
            refused(
                save_ratings,
                document=document,
                actor=supervisor,
                overall_id=level(document, OVERALL, "EX").pk,
            )
            == "You may not change the ratings and the FRO's comments of this document."
        )
    assert ratings_of(document) == before
    refusals = [e for e in security_events(caplog) if e["event"] == "signed_stage_change_refused"]
    assert [(e["user"], e["action"]) for e in refusals] == [(supervisor.pk, "edit_ratings")]
    rate_everything(document)
    assert (
        refused(services.sign_evaluation, document=document, actor=supervisor)
        == "You may not sign this evaluation."
    )


def test_additional_supervisor_comments_close_when_the_fro_signs():
    supervisor = StaffMemberFactory().user
    document = make_document_at("sro_review", supervisors=[supervisor])
    assert "supervisor_comment" not in allowed_actions(supervisor, document)
    assert (
        refused(
            services.save_supervisor_comment, document=document, actor=supervisor, comment="Late."
        )
        == "This document is at the SRO review stage: its additional supervisors' comments can "
        "no longer change. Only a roll-back by an HR focal point reopens an earlier stage."
    )
    assert not SupervisorComment.objects.filter(appraisal_id=document.pk).exists()


def test_a_proposed_supervisor_who_has_not_accepted_may_not_comment():
    document = make_document_at("self_assessment")
    request = AdditionalSupervisorFactory(work_plan=document)
    assert allowed_actions(request.supervisor, document) == frozenset()
    assert (
        refused(
            services.save_supervisor_comment,
            document=document,
            actor=request.supervisor,
            comment="Hello.",
        )
        == "You may not change the additional supervisors' comments of this document."
    )


def test_additional_supervisor_comment_needs_text():
    document = make_document_at("self_assessment")
    supervisor = accepted_supervisor(document)
    assert (
        refused(services.save_supervisor_comment, document=document, actor=supervisor, comment=" ")
        == "Write your comments."
    )


# --- a signed stage is read-only ---------------------------------------------------------


def assert_refused_and_logged(caplog, call, message, action, actor, document, **kwargs):
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pmsystem.security"):
        assert refused(call, document=document, actor=actor, **kwargs) == message
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.name == "pmsystem.security" and "signed_stage_change_refused" in r.getMessage()
    ]
    assert len(lines) == 1
    assert '"event": "signed_stage_change_refused"' in lines[0]
    logged = json.loads(lines[0])
    assert (logged["user"], logged["document"], logged["action"]) == (
        actor.pk,
        document.pk,
        action,
    )


def test_the_self_evaluation_is_read_only_once_submitted(caplog):
    document = make_document_at("fro_evaluation")
    before = appraisal_of(document).self_overall_comment
    row = GoalAssessment.objects.filter(appraisal_id=document.pk).first()
    assert_refused_and_logged(
        caplog,
        services.save_self_evaluation,
        "This document is at the FRO evaluation stage: its self-evaluation can no longer change. "
        "Only a roll-back by an HR focal point reopens an earlier stage.",
        "edit_self_evaluation",
        document.staff.user,
        document,
        overall="Rewritten after the fact.",
        goals={row.pk: "Rewritten."},
        competencies={},
    )
    assert appraisal_of(document).self_overall_comment == before
    row.refresh_from_db()
    assert row.self_comment != "Rewritten."


def test_the_ratings_are_read_only_once_the_fro_signed(caplog):
    document = make_document_at("sro_review")
    before = ratings_of(document)
    changes = DocumentEvent.objects.filter(document=document, kind="ratings_changed").count()
    assert_refused_and_logged(
        caplog,
        services.save_ratings,
        "This document is at the SRO review stage: its ratings and the FRO's comments can no "
        "longer change. Only a roll-back by an HR focal point reopens an earlier stage.",
        "edit_ratings",
        fro_of(document),
        document,
        goals={},
        competencies={},
        overall_rating_id=level(document, OVERALL, "DN").pk,
        overall_comment="Changed my mind.",
    )
    assert ratings_of(document) == before
    assert (
        DocumentEvent.objects.filter(document=document, kind="ratings_changed").count() == changes
    )


def test_the_sro_comment_is_read_only_once_approved(caplog):
    document = make_document_at("acknowledgement")
    assert_refused_and_logged(
        caplog,
        services.save_sro_comment,
        "This document is at the acknowledgement stage: its SRO's comments can no longer "
        "change. Only a roll-back by an HR focal point reopens an earlier stage.",
        "edit_sro_comment",
        sro_of(document),
        document,
        comment="An afterthought.",
    )
    assert appraisal_of(document).sro_comment == "Agreed with the FRO."


def test_the_sro_saves_comments_while_reviewing():
    document = make_document_at("sro_review")
    services.save_sro_comment(document=document, actor=sro_of(document), comment=" Draft. ")
    assert appraisal_of(document).sro_comment == "Draft."


# --- signatures --------------------------------------------------------------------------


def test_signatures_carry_role_signer_and_the_hash_of_their_content():
    document = make_document_at("completed")
    staff, fro, sro = document.staff.user, fro_of(document), sro_of(document)
    found = list(Signature.objects.filter(document=document).order_by("signed_at", "pk"))
    assert [(s.stage, s.action, s.role, s.signer) for s in found] == [
        ("work_plan", "submit", "staff", staff),
        ("work_plan", "approve", "fro", fro),
        ("midpoint", "submit_midpoint", "staff", staff),
        ("midpoint", "finalise_midpoint", "fro", fro),
        ("self_assessment", "submit_self_evaluation", "staff", staff),
        ("fro_evaluation", "sign_evaluation", "fro", fro),
        ("sro_review", "approve_evaluation", "sro", sro),
        ("acknowledgement", "acknowledge", "staff", staff),
    ]
    for signature in found:
        assert re.fullmatch(r"[0-9a-f]{64}", signature.content_hash)
        assert signature.content_hash == content_hash(signature.content)
        assert signature.acting_for is None
        assert signature.voided_at is None
    fro_signature = found[5]
    assert fro_signature.content["overall_rating"] == "SM"
    assert fro_signature.content["overall_comment"] == "A solid year."
    # Each signing event names the signature it recorded.
    event = DocumentEvent.objects.get(document=document, kind="sign_evaluation")
    assert event.data["signature"] == fro_signature.content_hash


# --- acting officers ---------------------------------------------------------------------


def test_acting_fro_rates_and_signs_and_the_signature_reads_acting_for():
    document = make_document_at("fro_evaluation")
    fro, acting = fro_of(document), UserFactory()
    assert allowed_actions(acting, document) == frozenset()
    DelegationFactory(principal=fro, acting=acting, role=Delegation.Role.FRO)

    assert "edit_ratings" in allowed_actions(acting, document)
    rate_everything(document, actor=acting)
    services.sign_evaluation(document=document, actor=acting)

    assert appraisal_of(document).state == S.SRO_REVIEW
    signature = Signature.objects.get(document=document, stage="fro_evaluation")
    assert (signature.signer, signature.acting_for, signature.role) == (acting, fro, "fro")
    assert str(signature).endswith(f"signed by {acting} acting for {fro}")
    event = DocumentEvent.objects.get(document=document, kind="sign_evaluation")
    assert (event.actor, event.acting_for) == (acting, fro)


def test_acting_sro_approves_and_the_signature_reads_acting_for():
    document = make_document_at("sro_review")
    sro, acting = sro_of(document), UserFactory()
    DelegationFactory(principal=sro, acting=acting, role=Delegation.Role.SRO)
    services.approve_evaluation(document=document, actor=acting)
    signature = Signature.objects.get(document=document, stage="sro_review")
    assert (signature.signer, signature.acting_for, signature.role) == (acting, sro, "sro")


def test_an_expired_delegation_does_not_sign():
    document = make_document_at("fro_evaluation")
    rate_everything(document)
    acting = UserFactory()
    DelegationFactory(
        principal=fro_of(document),
        acting=acting,
        role=Delegation.Role.FRO,
        start=datetime.date.today() - datetime.timedelta(days=20),
        end=datetime.date.today() - datetime.timedelta(days=1),
    )
    assert (
        refused(services.sign_evaluation, document=document, actor=acting)
        == "You may not sign this evaluation."
    )
    assert not Signature.objects.filter(document=document, stage="fro_evaluation").exists()


# --- performance improvement plans -------------------------------------------------------

START = datetime.date(2027, 4, 15)
END = datetime.date(2027, 7, 15)


def open_pip(document, actor=None, **overrides):
    values = {
        "objectives": "Deliver the monthly reports on time.",
        "support": "Weekly coaching with the FRO; report-writing course.",
        "start": START,
        "end": END,
    }
    values.update(overrides)
    return services.open_improvement_plan(
        document=document, actor=actor or fro_of(document), **values
    )


def test_fro_opens_a_pip_prompted_by_an_underperformance_rating(
    django_capture_on_commit_callbacks, mailoutbox
):
    document = make_document_at("completed", overall="PM")
    assert appraisal_of(document).final_rating.underperformance
    assert "open_pip" in allowed_actions(fro_of(document), document)
    with django_capture_on_commit_callbacks(execute=True):
        plan = open_pip(document)
    assert (plan.state, plan.opened_by, plan.start, plan.end) == (
        ImprovementPlan.State.OPEN,
        fro_of(document),
        START,
        END,
    )
    assert DocumentEvent.objects.filter(document=document, kind="pip_opened").exists()
    assert [m.to for m in mailoutbox] == [[document.staff.user.email]]
    assert evaluation_context(document)["pips"] == [plan]


def test_a_pip_can_be_opened_at_any_time_and_a_document_can_have_several():
    document = make_approved_work_plan()
    first = open_pip(document)
    day = datetime.timedelta(days=1)
    second = open_pip(document, start=END + day, end=END + 60 * day)
    assert set(ImprovementPlan.objects.filter(document=document)) == {first, second}


def test_a_second_open_pip_over_the_same_days_is_refused_until_the_first_closes():
    document = make_approved_work_plan()
    first = open_pip(document)
    message = (
        "An open PIP already covers 15 Apr 2027 – 15 Jul 2027: close it, or choose dates "
        "after it ends."
    )
    assert refused(open_pip, document=document, start=END, end=END) == message
    assert list(ImprovementPlan.objects.filter(document=document)) == [first]
    services.close_improvement_plan(plan=first, actor=fro_of(document), outcome="partial")
    assert open_pip(document, start=END, end=END).state == ImprovementPlan.State.OPEN


@time_machine.travel(datetime.date(2027, 5, 1))
def test_a_pip_meeting_is_recorded_once_held_and_not_before_the_pip_starts():
    document = make_document_at("completed", overall="PM")
    plan = open_pip(document)
    fro = fro_of(document)
    assert (
        refused(
            services.add_improvement_meeting,
            plan=plan,
            actor=fro,
            held_on=datetime.date(2027, 5, 2),
            notes="Planned.",
        )
        == "Record a meeting once it has been held, not before."
    )
    assert (
        refused(
            services.add_improvement_meeting,
            plan=plan,
            actor=fro,
            held_on=datetime.date(2027, 4, 14),
            notes="Before it started.",
        )
        == "The PIP started on 15 Apr 2027: a review meeting is held after that."
    )
    assert not plan.meetings.exists()


def test_only_the_fro_opens_a_pip():
    document = make_document_at("completed", overall="DN")
    hod = DepartmentRoleFactory(entity=document.staff.unit.entity).user
    for actor in (document.staff.user, sro_of(document), hod, hr_focal_point(document)):
        assert "open_pip" not in allowed_actions(actor, document)
        assert (
            refused(open_pip, document=document, actor=actor)
            == "Only the FRO opens a performance improvement plan."
        )
    assert not ImprovementPlan.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"objectives": "  "}, "A PIP needs objectives and the support offered."),
        ({"support": ""}, "A PIP needs objectives and the support offered."),
        ({"start": END, "end": START}, "The PIP cannot end before it starts."),
    ],
)
def test_a_pip_needs_objectives_support_and_ordered_dates(overrides, message):
    document = make_document_at("completed", overall="PM")
    assert refused(open_pip, document=document, **overrides) == message
    assert not ImprovementPlan.objects.exists()


@time_machine.travel(datetime.date(2027, 9, 1))
def test_pip_review_meetings_and_closing_with_an_outcome():
    document = make_document_at("completed", overall="PM")
    fro, staff = fro_of(document), document.staff.user
    plan = open_pip(document)

    assert (
        refused(
            services.add_improvement_meeting,
            plan=plan,
            actor=staff,
            held_on=START,
            notes="My notes.",
        )
        == "Only the FRO records PIP review meetings."
    )
    assert (
        refused(services.add_improvement_meeting, plan=plan, actor=fro, held_on=START, notes=" ")
        == "Write the notes of the meeting."
    )
    later = services.add_improvement_meeting(
        plan=plan, actor=fro, held_on=START + datetime.timedelta(days=30), notes="Improving."
    )
    earlier = services.add_improvement_meeting(
        plan=plan, actor=fro, held_on=START, notes="Agreed the plan."
    )
    assert list(plan.meetings.all()) == [earlier, later]
    assert DocumentEvent.objects.filter(document=document, kind="pip_meeting").count() == 2

    for outcome in ("", "excellent"):
        assert (
            refused(services.close_improvement_plan, plan=plan, actor=fro, outcome=outcome)
            == "Choose the outcome of the PIP."
        )
    assert (
        refused(
            services.close_improvement_plan,
            plan=plan,
            actor=staff,
            outcome=ImprovementPlan.Outcome.IMPROVED,
        )
        == "Only the FRO closes a PIP."
    )
    plan.refresh_from_db()
    assert plan.state == ImprovementPlan.State.OPEN

    services.close_improvement_plan(
        plan=plan, actor=fro, outcome=ImprovementPlan.Outcome.IMPROVED, comment=" Met all. "
    )
    plan.refresh_from_db()
    assert (plan.state, plan.outcome, plan.outcome_comment) == (
        ImprovementPlan.State.CLOSED,
        "improved",
        "Met all.",
    )
    assert plan.closed_at is not None
    event = DocumentEvent.objects.get(document=document, kind="pip_closed")
    assert event.summary == "PIP closed: Performance improved to the expected level"

    assert (
        refused(services.add_improvement_meeting, plan=plan, actor=fro, held_on=END, notes="More.")
        == "This PIP is closed."
    )
    assert (
        refused(
            services.close_improvement_plan,
            plan=plan,
            actor=fro,
            outcome=ImprovementPlan.Outcome.PARTIAL,
        )
        == "This PIP is already closed."
    )


def test_everyone_concerned_sees_pips_and_an_unrelated_user_has_no_actions():
    document = make_document_at("completed", overall="PM")
    entity = document.staff.unit.entity
    people = {
        "staff": document.staff.user,
        "fro": fro_of(document),
        "sro": sro_of(document),
        "hod": DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HOD).user,
        "hr": hr_focal_point(document),
    }
    for role, user in people.items():
        assert "view_pips" in allowed_actions(user, document), role
    assert allowed_actions(UserFactory(), document) == frozenset()
    # An HOD of another entity is as unrelated as anyone.
    other_hod = DepartmentRoleFactory(role=DepartmentRole.Role.HOD).user
    assert allowed_actions(other_hod, document) == frozenset()
