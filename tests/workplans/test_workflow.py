"""Every transition and guard of the work plan and the mid-point review (docs/rules.md section 3,
steps 1-5), through the services that take them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from pmsystem.errors import ApplicationError
from pmsystem.models import DocumentEvent, Signature
from pmsystem.workflow import Transition, Workflow
from tests.factories import (
    DepartmentRoleFactory,
    StaffMemberFactory,
    UnitGoalFactory,
    WorkPlanFactory,
)
from tests.workplans.helpers import (
    chosen_competency_ids,
    current_goal_inputs,
    fro_of,
    goal_inputs,
    make_approved_work_plan,
    make_complete_work_plan,
    make_submitted_work_plan,
    sro_of,
)
from workplans import services
from workplans.models import MidpointReview, WorkPlan
from workplans.permissions import allowed_actions
from workplans.services import DevelopmentGoalInput
from workplans.workflow import MIDPOINT, WORK_PLAN

pytestmark = pytest.mark.django_db

State = WorkPlan.State
MP = MidpointReview.State


def submit(work_plan, actor=None):
    return services.submit_work_plan(work_plan=work_plan, actor=actor or work_plan.staff.user)


def refused(call, **kwargs) -> str:
    with pytest.raises(ApplicationError) as exc:
        call(**kwargs)
    return exc.value.message


def assert_submit_refused(work_plan, message):
    signatures = Signature.objects.count()
    assert refused(submit, work_plan=work_plan) == message
    work_plan.refresh_from_db()
    assert work_plan.state == State.DRAFT
    assert work_plan.submitted_at is None
    assert Signature.objects.count() == signatures


# --- the declaration ---------------------------------------------------------------------

KNOWN_ROLES = {"staff", "fro", "sro", "additional_supervisor", "hod", "hr", "entity_viewer"}


def declared_workflows() -> list[tuple[str, Workflow]]:
    """Every Workflow instance declared in an installed app's `workflow` module."""
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.workflow")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if isinstance(value, Workflow):
                found.append((f"{config.name}.workflow.{name}", value))
    return found


def test_every_declared_workflow_is_found():
    names = {name for name, _ in declared_workflows()}
    assert {"workplans.workflow.WORK_PLAN", "workplans.workflow.MIDPOINT"} <= names


@pytest.mark.parametrize("workflow", [WORK_PLAN, MIDPOINT], ids=["work_plan", "midpoint"])
def test_every_work_plan_transition_names_roles_that_roles_for_can_answer(workflow):
    assert workflow.transitions
    for transition in workflow.transitions.values():
        assert transition.roles, transition.name
        assert transition.roles <= KNOWN_ROLES, transition.name


def test_every_transition_of_every_declared_workflow_names_who_may_take_it():
    for name, workflow in declared_workflows():
        for transition in workflow.transitions.values():
            assert transition.roles, f"{name}.{transition.name} is open to everyone"
            assert all(isinstance(r, str) and r for r in transition.roles)
            assert set(transition.sources) <= set(workflow.states), transition.name
            assert transition.target in workflow.states, transition.name


def _thing_workflow(transition: Transition) -> Workflow:
    return Workflow(
        document="thing",
        state_field="state",
        states={"a": "A", "b": "B"},
        too_early="This thing is %(state)s: it cannot be %(past)s yet.",
        too_late="This thing is %(state)s: it can no longer be %(past)s.",
        transitions=[transition],
    )


def test_a_workflow_refuses_a_transition_without_roles():
    with pytest.raises(ValueError, match="every transition names who may take it"):
        _thing_workflow(Transition("go", "Go", ("a",), "b", frozenset(), action="go", past="gone"))


def test_a_workflow_refuses_a_transition_without_its_refusals_worded():
    """Refusals are whole translatable sentences: a transition says what one may not do and
    what the document can no longer be, rather than having English words assembled."""
    with pytest.raises(ValueError, match="every transition words its refusals"):
        _thing_workflow(Transition("go", "Go", ("a",), "b", frozenset({"staff"}), action="go"))


def test_the_work_plan_transitions_are_the_declared_ones():
    assert {
        name: (set(t.sources), t.target, set(t.roles), t.signs)
        for name, t in WORK_PLAN.transitions.items()
    } == {
        "submit": ({"draft", "returned"}, "submitted", {"staff"}, True),
        "approve": ({"submitted"}, "approved", {"fro"}, True),
        "return": ({"submitted"}, "returned", {"fro"}, True),
        "roll_back": ({"submitted", "approved", "returned"}, "draft", {"hr"}, False),
    }
    assert {
        name: (set(t.sources), t.target, set(t.roles), t.signs)
        for name, t in MIDPOINT.transitions.items()
    } == {
        "start_midpoint": ({"not_started"}, "open", {"staff", "fro"}, False),
        "submit_midpoint": ({"open"}, "staff_submitted", {"staff"}, True),
        "finalise_midpoint": ({"staff_submitted"}, "finalised", {"fro"}, True),
        "roll_back": ({"staff_submitted", "finalised"}, "open", {"hr"}, False),
        "reset": ({"open", "staff_submitted", "finalised"}, "not_started", {"hr"}, False),
    }


# --- submit ------------------------------------------------------------------------------


def test_staff_member_submits_a_complete_draft():
    work_plan = make_complete_work_plan()
    assert "submit" in allowed_actions(work_plan.staff.user, work_plan)
    work_plan = submit(work_plan)
    work_plan.refresh_from_db()
    assert work_plan.state == State.SUBMITTED
    assert work_plan.submitted_at is not None
    event = DocumentEvent.objects.filter(document=work_plan).last()
    assert (event.kind, event.summary, event.actor) == (
        "work_plan_submit",
        "Submit work plan (Staff member)",
        work_plan.staff.user,
    )


@pytest.mark.parametrize("who", ["fro", "sro", "hod"])
def test_only_the_staff_member_submits(who):
    work_plan = make_complete_work_plan()
    actor = {
        "fro": lambda: fro_of(work_plan),
        "sro": lambda: sro_of(work_plan),
        "hod": lambda: DepartmentRoleFactory(entity=work_plan.staff.unit.entity).user,
    }[who]()
    assert "submit" not in allowed_actions(actor, work_plan)
    assert refused(submit, work_plan=work_plan, actor=actor) == "You may not submit this work plan."
    work_plan.refresh_from_db()
    assert work_plan.state == State.DRAFT


def test_a_user_without_any_relation_may_not_act():
    work_plan = make_complete_work_plan()
    stranger = StaffMemberFactory().user
    assert refused(submit, work_plan=work_plan, actor=stranger) == (
        "You may not act on this work plan."
    )


def test_submit_only_from_draft_or_returned():
    work_plan = make_submitted_work_plan()
    assert refused(submit, work_plan=work_plan) == (
        "This work plan is submitted: it can no longer be submitted."
    )
    services.approve_work_plan(work_plan=work_plan, actor=fro_of(work_plan))
    assert refused(submit, work_plan=work_plan) == (
        "This work plan is approved: it can no longer be submitted."
    )


def test_submit_guard_too_few_goals():
    work_plan = make_complete_work_plan(goals=2)
    assert_submit_refused(work_plan, "A work plan has 3 to 5 goals; this one has 2.")


def test_submit_guard_too_many_goals_follows_the_cycle_setting():
    work_plan = make_complete_work_plan(goals=5)
    cycle = work_plan.cycle
    cycle.max_goals = 4
    cycle.save()
    work_plan = WorkPlan.objects.get(pk=work_plan.pk)
    assert_submit_refused(work_plan, "A work plan has 3 to 4 goals; this one has 5.")


def test_goal_bounds_are_read_from_the_cycle():
    work_plan = make_complete_work_plan(goals=3)
    cycle = work_plan.cycle
    cycle.min_goals, cycle.max_goals = 1, 2
    cycle.save()
    work_plan = WorkPlan.objects.get(pk=work_plan.pk)
    assert_submit_refused(work_plan, "A work plan has 1 to 2 goals; this one has 3.")
    # Saving more than the maximum is refused straight away, with the cycle's figure.
    assert refused(
        services.save_work_plan,
        work_plan=work_plan,
        actor=work_plan.staff.user,
        goals=goal_inputs(work_plan, 3),
        development_goals=[],
        competency_ids=[],
    ) == ("A work plan has at most 2 goals.")

    other = make_complete_work_plan(goals=1, cycle=cycle)
    assert submit(other).state == State.SUBMITTED


def test_submit_guard_weights_must_total_100():
    work_plan = make_complete_work_plan(weights=[50, 30, 10])
    assert_submit_refused(work_plan, "Goal weights must total 100; they total 90.")


def test_submit_guard_weights_on_every_goal_or_none():
    work_plan = make_complete_work_plan(weights=[50, 50, None])
    assert_submit_refused(work_plan, "Give every goal a weight, or none.")


def test_weights_totalling_100_may_be_submitted():
    work_plan = make_complete_work_plan(weights=[50, 30, 20])
    assert submit(work_plan).state == State.SUBMITTED


def test_submit_guard_every_goal_needs_success_criteria():
    work_plan = make_complete_work_plan()
    goals = current_goal_inputs(work_plan)
    goals[1].success_criteria = "   "
    services.save_work_plan(
        work_plan=work_plan,
        actor=work_plan.staff.user,
        goals=goals,
        development_goals=[DevelopmentGoalInput(title="Course")],
        competency_ids=chosen_competency_ids(work_plan),
    )
    assert_submit_refused(work_plan, "Goal \u201cGoal 2\u201d needs success criteria.")


def test_submit_guard_development_goal_required():
    work_plan = make_complete_work_plan(development_goals=0)
    assert_submit_refused(work_plan, "Add at least one development goal.")


@pytest.mark.parametrize("count", [2, 6])
def test_submit_guard_three_to_five_competencies(count):
    work_plan = make_complete_work_plan(competencies=count)
    assert_submit_refused(work_plan, f"Choose 3 to 5 competencies with your FRO; {count} chosen.")


@pytest.mark.parametrize("count", [3, 5])
def test_three_to_five_competencies_may_be_submitted(count):
    assert submit(make_complete_work_plan(competencies=count)).state == State.SUBMITTED


def test_submit_guard_goals_aligned_when_unit_goals_exist():
    work_plan = WorkPlanFactory()
    UnitGoalFactory(owner_unit=work_plan.staff.unit.entity, cycle=work_plan.cycle)
    services.save_work_plan(
        work_plan=work_plan,
        actor=work_plan.staff.user,
        goals=goal_inputs(work_plan, 3),
        development_goals=[DevelopmentGoalInput(title="Course")],
        competency_ids=chosen_competency_ids(work_plan),
    )
    assert_submit_refused(work_plan, "Align every goal to a goal of your unit or department.")


def test_unaligned_goals_may_be_submitted_when_no_unit_goal_exists():
    work_plan = WorkPlanFactory()
    # A goal of another entity is not one this staff member could align to.
    UnitGoalFactory(cycle=work_plan.cycle)
    services.save_work_plan(
        work_plan=work_plan,
        actor=work_plan.staff.user,
        goals=goal_inputs(work_plan, 3),
        development_goals=[DevelopmentGoalInput(title="Course")],
        competency_ids=chosen_competency_ids(work_plan),
    )
    assert submit(work_plan).state == State.SUBMITTED


def test_submit_guard_lists_every_problem():
    work_plan = make_complete_work_plan(goals=2, development_goals=0, competencies=1)
    assert_submit_refused(
        work_plan,
        "A work plan has 3 to 5 goals; this one has 2. Add at least one development goal. "
        "Choose 3 to 5 competencies with your FRO; 1 chosen.",
    )


def test_an_empty_work_plan_cannot_be_submitted():
    work_plan = WorkPlanFactory()
    assert "submit" not in allowed_actions(work_plan.staff.user, work_plan)
    assert_submit_refused(
        work_plan,
        "A work plan has 3 to 5 goals; this one has 0. Add at least one development goal. "
        "Choose 3 to 5 competencies with your FRO; 0 chosen.",
    )


# --- approve and return ------------------------------------------------------------------


def test_fro_approves_a_submitted_work_plan():
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)
    assert {"approve", "return"} <= allowed_actions(fro, work_plan)
    services.approve_work_plan(work_plan=work_plan, actor=fro)
    work_plan.refresh_from_db()
    assert work_plan.state == State.APPROVED
    assert work_plan.approved_at is not None
    assert not {"approve", "return"} & allowed_actions(fro, work_plan)


@pytest.mark.parametrize("who", ["staff", "sro", "hod", "hr"])
def test_only_the_fro_approves_or_returns(who):
    work_plan = make_submitted_work_plan()
    entity = work_plan.staff.unit.entity
    actor = {
        "staff": lambda: work_plan.staff.user,
        "sro": lambda: sro_of(work_plan),
        "hod": lambda: DepartmentRoleFactory(entity=entity, role="hod").user,
        "hr": lambda: DepartmentRoleFactory(entity=entity, role="hr_focal_point").user,
    }[who]()
    assert not {"approve", "return"} & allowed_actions(actor, work_plan)
    assert refused(services.approve_work_plan, work_plan=work_plan, actor=actor) == (
        "You may not approve this work plan."
    )
    assert refused(
        services.return_work_plan, work_plan=work_plan, actor=actor, comment="Redo goal 2."
    ) == ("You may not return this work plan.")
    work_plan.refresh_from_db()
    assert work_plan.state == State.SUBMITTED


def test_approve_and_return_only_from_submitted():
    work_plan = make_complete_work_plan()
    fro = fro_of(work_plan)
    assert refused(services.approve_work_plan, work_plan=work_plan, actor=fro) == (
        "This work plan is draft: it cannot be approved yet."
    )
    assert refused(services.return_work_plan, work_plan=work_plan, actor=fro, comment="Why?") == (
        "This work plan is draft: it cannot be returned yet."
    )


def test_return_requires_a_comment():
    work_plan = make_submitted_work_plan()
    for comment in ("", "   \n"):
        assert refused(
            services.return_work_plan, work_plan=work_plan, actor=fro_of(work_plan), comment=comment
        ) == ("Say what needs to change when returning a work plan.")
    work_plan.refresh_from_db()
    assert work_plan.state == State.SUBMITTED


def test_a_returned_work_plan_is_editable_again_and_shows_the_comment():
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)
    services.return_work_plan(work_plan=work_plan, actor=fro, comment="  Make goal 2 measurable.  ")
    work_plan.refresh_from_db()
    assert work_plan.state == State.RETURNED
    assert work_plan.is_editable_by_staff
    assert work_plan.return_comment == "Make goal 2 measurable."
    event = DocumentEvent.objects.filter(document=work_plan).last()
    assert (event.kind, event.comment, event.actor) == (
        "work_plan_return",
        "Make goal 2 measurable.",
        fro,
    )
    staff_actions = allowed_actions(work_plan.staff.user, work_plan)
    assert {"edit", "submit"} <= staff_actions
    assert "approve" not in allowed_actions(fro, work_plan)

    # The staff member fixes it and submits again; the FRO then approves.
    goals = current_goal_inputs(work_plan)
    goals[1].success_criteria = "Three reports a quarter."
    services.save_work_plan(
        work_plan=work_plan,
        actor=work_plan.staff.user,
        goals=goals,
        development_goals=[DevelopmentGoalInput(title="Course")],
        competency_ids=chosen_competency_ids(work_plan),
    )
    submit(work_plan)
    work_plan.refresh_from_db()
    assert work_plan.state == State.SUBMITTED
    assert work_plan.return_comment == ""
    services.approve_work_plan(work_plan=work_plan, actor=fro)
    work_plan.refresh_from_db()
    assert work_plan.state == State.APPROVED
    assert list(
        DocumentEvent.objects.filter(document=work_plan, kind__startswith="work_plan_")
        .order_by("pk")
        .values_list("kind", flat=True)
    ) == ["work_plan_submit", "work_plan_return", "work_plan_submit", "work_plan_approve"]


def test_a_stale_approval_is_refused_with_a_clear_message():
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)
    services.approve_work_plan(work_plan=work_plan, actor=fro)
    # The same (stale) object instance, as a second click on the same page would send.
    assert refused(services.approve_work_plan, work_plan=work_plan, actor=fro) == (
        "This work plan is approved: it can no longer be approved."
    )
    assert refused(
        services.return_work_plan, work_plan=work_plan, actor=fro, comment="Too late"
    ) == ("This work plan is approved: it can no longer be returned.")
    assert Signature.objects.filter(document=work_plan, action="approve").count() == 1


def test_approving_a_returned_work_plan_is_refused():
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)
    services.return_work_plan(work_plan=work_plan, actor=fro, comment="Redo.")
    assert refused(services.approve_work_plan, work_plan=work_plan, actor=fro) == (
        "This work plan is returned for changes: it can no longer be approved."
    )


# --- mid-point review --------------------------------------------------------------------


def start(work_plan, actor):
    return services.start_midpoint(work_plan=work_plan, actor=actor)


def test_no_midpoint_review_when_the_cycle_does_not_require_one():
    work_plan = make_approved_work_plan()
    cycle = work_plan.cycle
    cycle.midpoint_required = False
    cycle.save()
    work_plan = WorkPlan.objects.get(pk=work_plan.pk)
    for actor in (work_plan.staff.user, fro_of(work_plan)):
        assert "start_midpoint" not in allowed_actions(actor, work_plan)
        assert refused(start, work_plan=work_plan, actor=actor) == (
            f"The {cycle.name} cycle has no mid-point review: check-ins replace it."
        )
    assert not MidpointReview.objects.filter(work_plan=work_plan).exists()


@pytest.mark.parametrize("stage", ["draft", "submitted", "returned"])
def test_no_midpoint_review_before_approval(stage):
    work_plan = make_submitted_work_plan()
    if stage == "draft":
        work_plan = make_complete_work_plan()
    elif stage == "returned":
        services.return_work_plan(work_plan=work_plan, actor=fro_of(work_plan), comment="Redo.")
    for actor in (work_plan.staff.user, fro_of(work_plan)):
        assert refused(start, work_plan=work_plan, actor=actor) == (
            "The mid-point review starts once the FRO has approved the work plan."
        )
    assert not MidpointReview.objects.filter(work_plan=work_plan).exists()


@pytest.mark.parametrize("side", ["staff", "fro"])
def test_either_side_may_start_the_midpoint_review(side):
    work_plan = make_approved_work_plan()
    actor = work_plan.staff.user if side == "staff" else fro_of(work_plan)
    assert "start_midpoint" in allowed_actions(actor, work_plan)
    midpoint = start(work_plan, actor)
    midpoint.refresh_from_db()
    assert (midpoint.state, midpoint.started_by) == (MP.OPEN, actor)
    assert DocumentEvent.objects.filter(document=work_plan, kind="midpoint_started").count() == 1
    assert refused(start, work_plan=work_plan, actor=actor) == (
        "This mid-point review is open for the staff member's comments: it can no longer be "
        "started."
    )


@pytest.mark.parametrize("who", ["sro", "hod"])
def test_others_may_not_start_the_midpoint_review(who):
    work_plan = make_approved_work_plan()
    actor = (
        sro_of(work_plan)
        if who == "sro"
        else DepartmentRoleFactory(entity=work_plan.staff.unit.entity).user
    )
    assert refused(start, work_plan=work_plan, actor=actor) == (
        "You may not start this mid-point review."
    )


@pytest.fixture
def open_midpoint():
    work_plan = make_approved_work_plan()
    start(work_plan, work_plan.staff.user)
    return WorkPlan.objects.get(pk=work_plan.pk)


def test_staff_submit_of_the_midpoint_requires_comments(open_midpoint):
    work_plan = open_midpoint
    assert refused(
        services.submit_midpoint, work_plan=work_plan, actor=work_plan.staff.user, comments="  "
    ) == ("Write your mid-point comments before submitting them.")
    assert MidpointReview.objects.get(work_plan=work_plan).state == MP.OPEN


def test_staff_submits_midpoint_comments_and_signs(open_midpoint):
    work_plan = open_midpoint
    staff = work_plan.staff.user
    services.save_midpoint_comments(work_plan=work_plan, actor=staff, comments="Draft thoughts")
    assert MidpointReview.objects.get(work_plan=work_plan).staff_comments == "Draft thoughts"
    services.submit_midpoint(work_plan=work_plan, actor=staff, comments=" On track. ")
    midpoint = MidpointReview.objects.get(work_plan=work_plan)
    assert (midpoint.state, midpoint.staff_comments) == (MP.STAFF_SUBMITTED, "On track.")
    assert midpoint.staff_submitted_at is not None
    signature = Signature.objects.get(document=work_plan, stage="midpoint")
    assert (signature.action, signature.role, signature.signer) == (
        "submit_midpoint",
        "staff",
        staff,
    )
    # The staff part is now closed to the staff member.
    assert refused(
        services.save_midpoint_comments, work_plan=work_plan, actor=staff, comments="More"
    ) == ("Your mid-point comments are signed: they can no longer change.")


def test_fro_may_not_submit_the_staff_part(open_midpoint):
    work_plan = open_midpoint
    assert refused(
        services.submit_midpoint, work_plan=work_plan, actor=fro_of(work_plan), comments="Hi"
    ) == ("You may not submit mid-point comments.")
    midpoint = MidpointReview.objects.get(work_plan=work_plan)
    assert (midpoint.state, midpoint.fro_comments) == (MP.OPEN, "")


def test_fro_finalises_only_after_the_staff_member_submitted(open_midpoint):
    work_plan = open_midpoint
    fro = fro_of(work_plan)
    assert "finalise_midpoint" not in allowed_actions(fro, work_plan)
    assert refused(
        services.finalise_midpoint, work_plan=work_plan, actor=fro, comments="Good."
    ) == (
        "This mid-point review is open for the staff member's comments: it cannot be finalised yet."
    )
    midpoint = MidpointReview.objects.get(work_plan=work_plan)
    assert (midpoint.state, midpoint.fro_comments) == (MP.OPEN, "")


def test_fro_finalise_requires_fro_comments(open_midpoint):
    work_plan = open_midpoint
    services.submit_midpoint(work_plan=work_plan, actor=work_plan.staff.user, comments="Fine.")
    assert refused(
        services.finalise_midpoint, work_plan=work_plan, actor=fro_of(work_plan), comments=" "
    ) == ("Write the FRO's mid-point comments before finalising.")
    assert MidpointReview.objects.get(work_plan=work_plan).state == MP.STAFF_SUBMITTED


def test_staff_member_may_not_finalise(open_midpoint):
    work_plan = open_midpoint
    staff = work_plan.staff.user
    services.submit_midpoint(work_plan=work_plan, actor=staff, comments="Fine.")
    assert "finalise_midpoint" not in allowed_actions(staff, work_plan)
    assert refused(services.finalise_midpoint, work_plan=work_plan, actor=staff, comments="x") == (
        "Your mid-point comments are signed: they can no longer change."
    )


def test_a_finalised_midpoint_review_is_signed_and_read_only(open_midpoint):
    work_plan = open_midpoint
    staff, fro = work_plan.staff.user, fro_of(work_plan)
    services.submit_midpoint(work_plan=work_plan, actor=staff, comments="On track.")
    services.save_midpoint_comments(work_plan=work_plan, actor=fro, comments="Draft")
    assert "finalise_midpoint" in allowed_actions(fro, work_plan)
    services.finalise_midpoint(work_plan=work_plan, actor=fro, comments="Agreed.")
    midpoint = MidpointReview.objects.get(work_plan=work_plan)
    assert (midpoint.state, midpoint.staff_comments, midpoint.fro_comments) == (
        MP.FINALISED,
        "On track.",
        "Agreed.",
    )
    assert midpoint.finalised_at is not None
    signature = Signature.objects.get(document=work_plan, action="finalise_midpoint")
    assert (signature.role, signature.signer) == ("fro", fro)
    assert signature.content == {
        "document": work_plan.pk,
        "staff_comments": "On track.",
        "fro_comments": "Agreed.",
    }
    work_plan = WorkPlan.objects.get(pk=work_plan.pk)
    for actor in (staff, fro):
        actions = allowed_actions(actor, work_plan)
        assert not {"edit_midpoint_staff", "edit_midpoint_fro", "finalise_midpoint"} & actions
        assert "view_midpoint" in actions
        assert refused(
            services.save_midpoint_comments, work_plan=work_plan, actor=actor, comments="Changed"
        ) == (
            "Your mid-point comments are signed: they can no longer change."
            if actor == staff
            else "The mid-point review is finalised: its comments can no longer change."
        )
    assert refused(services.finalise_midpoint, work_plan=work_plan, actor=fro, comments="x") == (
        "The mid-point review is finalised: its comments can no longer change."
    )
    midpoint.refresh_from_db()
    assert (midpoint.staff_comments, midpoint.fro_comments) == ("On track.", "Agreed.")
