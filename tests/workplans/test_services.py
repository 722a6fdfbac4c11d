"""Services of the work plan: creation, drafting, changes after approval, signatures,
additional supervisors, check-ins and unit work plans (docs/rules.md section 3)."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine

from org.models import Cycle, OrgUnit
from pmsystem.errors import ApplicationError
from pmsystem.models import DocumentEvent, Signature
from pmsystem.signatures import content_hash
from tests.factories import (
    AdditionalSupervisorFactory,
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    GoalFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UnitGoalFactory,
    UserFactory,
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
from workplans.models import CheckIn, Competency, DevelopmentGoal, Goal, GoalChange, WorkPlan
from workplans.permissions import allowed_actions, roles_for, visible_work_plans
from workplans.selectors import document_context, entity_goal_tree
from workplans.services import DevelopmentGoalInput, GoalInput
from workplans.signing import work_plan_content

pytestmark = pytest.mark.django_db

UN_CORE_VALUES = {"integrity", "professionalism", "respect_for_diversity"}


def refused(call, **kwargs) -> str:
    with pytest.raises(ApplicationError) as exc:
        call(**kwargs)
    return exc.value.message


def current_development_inputs(work_plan) -> list[DevelopmentGoalInput]:
    """The plan's development goals as the form posts them back (one placeholder when none)."""
    return [
        DevelopmentGoalInput(title=d.title, activities=d.activities, target_date=d.target_date)
        for d in work_plan.development_goals.all()
    ] or [DevelopmentGoalInput(title="Course")]


def save(work_plan, actor=None, *, goals, development_goals=None, competency_ids=None):
    return services.save_work_plan(
        work_plan=work_plan,
        actor=actor or work_plan.staff.user,
        goals=goals,
        development_goals=development_goals
        if development_goals is not None
        else current_development_inputs(work_plan),
        competency_ids=competency_ids
        if competency_ids is not None
        else chosen_competency_ids(work_plan),
    )


# --- creation ----------------------------------------------------------------------------


def test_staff_member_creates_their_work_plan():
    line = ReportingLineFactory()
    staff = line.staff
    work_plan = services.create_work_plan(staff=staff, cycle=line.cycle, actor=staff.user)
    work_plan.refresh_from_db()
    assert (work_plan.state, work_plan.created_by) == (WorkPlan.State.DRAFT, staff.user)
    event = DocumentEvent.objects.get(document=work_plan)
    assert (event.kind, event.summary, event.actor) == ("created", "Work plan created", staff.user)
    # The core values are part of every work plan.
    assert set(work_plan.competencies.values_list("code", flat=True)) == UN_CORE_VALUES
    assert roles_for(staff.user, work_plan) == {"staff"}
    assert roles_for(line.fro.user, work_plan) == {"fro"}
    assert roles_for(line.sro.user, work_plan) == {"sro"}


def test_values_and_behaviours_cycle_includes_its_four_values():
    cycle = CycleFactory(competency_framework=Cycle.Framework.VALUES_BEHAVIOURS)
    work_plan = WorkPlanFactory(cycle=cycle)
    assert set(work_plan.competencies.values_list("code", flat=True)) == {
        "inclusion",
        "integrity",
        "humility",
        "humanity",
    }
    assert set(work_plan.competencies.values_list("framework", flat=True)) == {"vb"}


def test_fro_creates_the_empty_document_on_the_staff_members_behalf(
    django_capture_on_commit_callbacks, mailoutbox
):
    line = ReportingLineFactory()
    staff, fro = line.staff, line.fro.user
    with django_capture_on_commit_callbacks(execute=True):
        work_plan = services.create_work_plan(staff=staff, cycle=line.cycle, actor=fro)
    assert work_plan.created_by == fro
    assert work_plan.goals.count() == 0
    event = DocumentEvent.objects.get(document=work_plan)
    assert event.summary == f"Work plan created by the FRO, {fro}, on behalf of {staff.user}"
    assert event.actor == fro
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([staff.user.email], f"[pmsystem] Your FRO started your {line.cycle} work plan")
    ]
    # The staff member owns the document they did not create.
    assert "edit" in allowed_actions(staff.user, work_plan)


def test_the_fro_never_fills_in_the_work_plan():
    line = ReportingLineFactory()
    fro = line.fro.user
    work_plan = services.create_work_plan(staff=line.staff, cycle=line.cycle, actor=fro)
    assert "edit" not in allowed_actions(fro, work_plan)
    assert refused(save, work_plan=work_plan, actor=fro, goals=goal_inputs(work_plan)) == (
        "An FRO may create a work plan but never fills it in."
    )
    assert not Goal.objects.filter(work_plan=work_plan).exists()
    assert not DevelopmentGoal.objects.filter(work_plan=work_plan).exists()


@pytest.mark.parametrize("who", ["sro", "colleague", "hod"])
def test_nobody_else_creates_a_work_plan(who):
    line = ReportingLineFactory()
    actor = {
        "sro": lambda: line.sro.user,
        "colleague": lambda: StaffMemberFactory(unit=line.staff.unit).user,
        "hod": lambda: DepartmentRoleFactory(entity=line.staff.unit.entity).user,
    }[who]()
    assert refused(services.create_work_plan, staff=line.staff, cycle=line.cycle, actor=actor) == (
        "Only the staff member or their FRO may create this work plan."
    )
    assert not WorkPlan.objects.exists()


def test_a_former_fro_no_longer_creates_the_work_plan():
    line = ReportingLineFactory()
    line.effective_to = line.effective_from + datetime.timedelta(days=30)
    line.save()
    ReportingLineFactory(
        staff=line.staff, cycle=line.cycle, effective_from=line.effective_to, sro=line.sro
    )
    assert refused(
        services.create_work_plan, staff=line.staff, cycle=line.cycle, actor=line.fro.user
    ) == ("Only the staff member or their FRO may create this work plan.")


def test_no_work_plan_without_a_reporting_line():
    staff, cycle = StaffMemberFactory(), CycleFactory()
    message = (
        f"{staff.user} has no FRO for the {cycle} cycle yet: ask an HR focal point to "
        "record the reporting line."
    )
    assert refused(services.create_work_plan, staff=staff, cycle=cycle, actor=staff.user) == (
        message
    )
    # A line that has ended is no line.
    ReportingLineFactory(
        staff=staff, cycle=cycle, effective_to=cycle.start + datetime.timedelta(days=10)
    )
    assert refused(services.create_work_plan, staff=staff, cycle=cycle, actor=staff.user) == (
        message
    )
    assert not WorkPlan.objects.exists()


def test_no_work_plan_in_a_cycle_that_is_not_open():
    cycle = CycleFactory(status=Cycle.Status.PLANNED)
    line = ReportingLineFactory(cycle=cycle)
    assert refused(
        services.create_work_plan, staff=line.staff, cycle=cycle, actor=line.staff.user
    ) == (f"The {cycle} cycle is not open.")


def test_one_work_plan_per_staff_member_per_cycle():
    work_plan = WorkPlanFactory()
    staff, cycle = work_plan.staff, work_plan.cycle
    message = f"A work plan of {staff.user} for {cycle} already exists."
    for actor in (staff.user, fro_of(work_plan)):
        assert refused(services.create_work_plan, staff=staff, cycle=cycle, actor=actor) == (
            message
        )
    assert WorkPlan.objects.filter(staff=staff).count() == 1
    # The next cycle is a new document.
    next_cycle = CycleFactory(start_year=2027)
    assert WorkPlanFactory(staff=staff, cycle=next_cycle).pk != work_plan.pk


# --- drafting ----------------------------------------------------------------------------


def test_save_keeps_goals_competencies_and_development_goals():
    work_plan = WorkPlanFactory()
    unit_goal = UnitGoalFactory(owner_unit=work_plan.staff.unit, cycle=work_plan.cycle)
    chosen = chosen_competency_ids(work_plan, 4)
    save(
        work_plan,
        goals=[
            GoalInput(
                title="  Publish the report ",
                description="Quarterly.",
                success_criteria="Four reports published.",
                expected_date=datetime.date(2027, 3, 1),
                weight=60,
                aligned_to_id=unit_goal.pk,
            ),
            GoalInput(title="Train staff", success_criteria="Ten trained.", weight=40),
        ],
        development_goals=[
            DevelopmentGoalInput(
                title="Learn SQL", activities="Course", target_date=datetime.date(2026, 12, 1)
            ),
            DevelopmentGoalInput(title="   "),  # blank rows of the form are dropped
        ],
        competency_ids=chosen,
    )
    goals = list(work_plan.goals.filter(is_current=True).order_by("position"))
    assert [
        (g.title, g.success_criteria, g.weight, g.aligned_to_id, g.position, g.cycle_id)
        for g in goals
    ] == [
        ("Publish the report", "Four reports published.", 60, unit_goal.pk, 1, work_plan.cycle_id),
        ("Train staff", "Ten trained.", 40, None, 2, work_plan.cycle_id),
    ]
    assert goals[0].expected_date == datetime.date(2027, 3, 1)
    assert [(d.title, d.activities) for d in work_plan.development_goals.all()] == [
        ("Learn SQL", "Course")
    ]
    codes = set(work_plan.competencies.values_list("code", flat=True))
    assert UN_CORE_VALUES <= codes
    assert set(work_plan.competencies.values_list("pk", flat=True)) == set(chosen) | set(
        Competency.objects.filter(framework="un", kind="core_value").values_list("pk", flat=True)
    )
    event = DocumentEvent.objects.filter(document=work_plan).last()
    assert (event.kind, event.summary) == (
        "draft_saved",
        "Draft saved (2 added; competencies changed; development goals changed)",
    )


def test_core_values_stay_even_when_not_posted_and_other_catalogues_are_ignored():
    work_plan = WorkPlanFactory()
    vb_behaviour = Competency.objects.get(framework="vb", code="deliver_results")
    save(work_plan, goals=[], competency_ids=[vb_behaviour.pk])
    assert set(work_plan.competencies.values_list("code", flat=True)) == UN_CORE_VALUES


def test_saving_again_updates_goals_in_place_and_keeps_removed_ones_in_history():
    work_plan = make_complete_work_plan()
    before = {g.pk for g in work_plan.goals.all()}
    goals = current_goal_inputs(work_plan)
    goals[0].title = "Goal 1, reworded"
    removed = goals.pop()
    goals.append(GoalInput(title="Goal 4", success_criteria="Done."))
    save(work_plan, goals=goals)
    current = {g.pk: g.title for g in work_plan.goals.filter(is_current=True)}
    assert set(current) - before == {max(current)}  # one new goal
    assert current[goals[0].id] == "Goal 1, reworded"
    assert Goal.objects.get(pk=removed.id).is_current is False
    kinds = sorted(
        GoalChange.objects.filter(work_plan=work_plan, after_approval=False)
        .exclude(kind="added", goal_id__in=before)
        .values_list("kind", flat=True)
    )
    assert kinds == ["added", "changed", "removed"]
    assert not GoalChange.objects.filter(work_plan=work_plan, after_approval=True).exists()


def test_a_goal_aligned_outside_the_reporting_line_is_refused():
    entity = EntityFactory()
    division = OrgUnitFactory(parent=entity)
    sibling = OrgUnitFactory(parent=entity)
    work_plan = WorkPlanFactory(staff=StaffMemberFactory(unit=division))
    foreign = UnitGoalFactory(owner_unit=sibling, cycle=work_plan.cycle)
    goals = goal_inputs(work_plan, 3)
    goals[1].aligned_to_id = foreign.pk
    assert refused(save, work_plan=work_plan, goals=goals) == (
        "Goal \u201cGoal 2\u201d is aligned to a goal outside your reporting line: choose a "
        "goal of your own unit or of the units above it."
    )
    assert not work_plan.goals.exists()


@pytest.mark.parametrize("target", ["other_entity", "other_cycle", "personal_goal"])
def test_goals_align_only_to_current_unit_goals_of_the_line_and_cycle(target):
    work_plan = WorkPlanFactory()
    aligned_to = {
        "other_entity": lambda: UnitGoalFactory(cycle=work_plan.cycle),
        "other_cycle": lambda: UnitGoalFactory(
            owner_unit=work_plan.staff.unit, cycle=CycleFactory(start_year=2027)
        ),
        "personal_goal": lambda: GoalFactory(work_plan=WorkPlanFactory(cycle=work_plan.cycle)),
    }[target]()
    goals = goal_inputs(work_plan, 1, aligned_to_id=aligned_to.pk)
    assert "outside your reporting line" in refused(save, work_plan=work_plan, goals=goals)


def test_goals_align_to_the_staff_members_unit_and_every_unit_above():
    entity = EntityFactory()
    division = OrgUnitFactory(parent=entity)
    section = OrgUnitFactory(parent=division, kind=OrgUnit.Kind.SECTION)
    work_plan = WorkPlanFactory(staff=StaffMemberFactory(unit=section))
    targets = [UnitGoalFactory(owner_unit=u, cycle=work_plan.cycle) for u in (section, division)]
    targets.append(UnitGoalFactory(owner_unit=entity, cycle=work_plan.cycle))
    goals = [
        GoalInput(title=f"G{n}", success_criteria="Done.", aligned_to_id=t.pk)
        for n, t in enumerate(targets)
    ]
    save(work_plan, goals=goals)
    assert sorted(work_plan.goals.values_list("aligned_to_id", flat=True)) == sorted(
        t.pk for t in targets
    )


def test_a_goal_weight_above_100_is_refused():
    work_plan = WorkPlanFactory()
    goals = goal_inputs(work_plan, 3, weights=[50, 150, 0])
    assert refused(save, work_plan=work_plan, goals=goals) == (
        "The weight of goal \u201cGoal 2\u201d must be 0\u2013100."
    )


def test_a_submitted_work_plan_cannot_be_edited():
    work_plan = make_submitted_work_plan()
    goals = current_goal_inputs(work_plan)
    goals[0].title = "Sneaky change"
    assert refused(save, work_plan=work_plan, goals=goals) == (
        "This work plan is with the FRO for approval: it can change again once the FRO "
        "approves or returns it."
    )
    assert not work_plan.goals.filter(title="Sneaky change").exists()


@pytest.mark.parametrize("who", ["sro", "stranger"])
def test_only_the_staff_member_fills_in_the_work_plan(who):
    work_plan = WorkPlanFactory()
    actor = sro_of(work_plan) if who == "sro" else UserFactory()
    assert refused(save, work_plan=work_plan, actor=actor, goals=goal_inputs(work_plan)) == (
        "Only the staff member fills in their work plan."
    )
    assert not work_plan.goals.exists()


# --- after approval ----------------------------------------------------------------------


def test_goal_changes_after_approval_are_kept_and_the_fro_is_told(
    django_capture_on_commit_callbacks, mailoutbox
):
    work_plan = make_approved_work_plan()
    staff, fro = work_plan.staff.user, fro_of(work_plan)
    assert "change_goals" in allowed_actions(staff, work_plan)
    goals = current_goal_inputs(work_plan)
    old = Goal.objects.get(pk=goals[0].id).content()
    goals[0].title = "Goal 1, widened"
    goals[0].success_criteria = "Six reports."
    with django_capture_on_commit_callbacks(execute=True):
        save(work_plan, goals=goals)

    change = GoalChange.objects.get(work_plan=work_plan, after_approval=True)
    assert (change.kind, change.goal_id, change.actor) == ("changed", goals[0].id, staff)
    assert change.before == old
    assert change.after == {
        **old,
        "title": "Goal 1, widened",
        "success_criteria": "Six reports.",
    }
    assert change.changed_fields() == ["success_criteria", "title"]
    event = DocumentEvent.objects.filter(document=work_plan).last()
    assert (event.kind, event.summary, event.actor) == (
        "goals_changed",
        "Work plan changed after approval (1 changed)",
        staff,
    )
    # The summary is also kept as a phrase, so each reader sees it in their language.
    assert event.data == {
        "changes": [change.pk],
        "phrase": {
            "msgid": "Work plan changed after approval (%(detail)s)",
            "params": {"detail": {"msgid": "1 changed"}},
        },
    }
    assert event.text == "Work plan changed after approval (1 changed)"
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([fro.email], f"[pmsystem] {staff} changed their approved work plan")
    ]
    assert "1 changed" in mailoutbox[0].body
    # The document still reads as approved, and the FRO sees what changed since approval.
    work_plan.refresh_from_db()
    assert work_plan.state == WorkPlan.State.APPROVED
    assert document_context(work_plan)["changes_since_approval"] == [change]


def test_goals_added_and_removed_after_approval_are_kept(
    django_capture_on_commit_callbacks, mailoutbox
):
    work_plan = make_approved_work_plan()
    goals = current_goal_inputs(work_plan)
    removed = goals.pop()
    goals.append(
        GoalInput(title="New goal", success_criteria="Done.", aligned_to_id=removed.aligned_to_id)
    )
    with django_capture_on_commit_callbacks(execute=True):
        save(work_plan, goals=goals)
    changes = GoalChange.objects.filter(work_plan=work_plan, after_approval=True)
    assert sorted((c.kind, c.before is None, c.after is None) for c in changes) == [
        ("added", True, False),
        ("removed", False, True),
    ]
    assert Goal.objects.get(pk=removed.id).is_current is False
    assert DocumentEvent.objects.filter(document=work_plan).last().summary == (
        "Work plan changed after approval (1 added, 1 removed)"
    )
    assert len(mailoutbox) == 1


def test_saving_an_approved_plan_unchanged_records_nothing(
    django_capture_on_commit_callbacks, mailoutbox
):
    work_plan = make_approved_work_plan()
    events = DocumentEvent.objects.filter(document=work_plan).count()
    with django_capture_on_commit_callbacks(execute=True):
        save(work_plan, goals=current_goal_inputs(work_plan))
    assert not GoalChange.objects.filter(after_approval=True).exists()
    assert DocumentEvent.objects.filter(document=work_plan).count() == events
    assert mailoutbox == []


def test_an_approved_work_plan_cannot_be_saved_incomplete(
    django_capture_on_commit_callbacks, mailoutbox
):
    work_plan = make_approved_work_plan()
    events = DocumentEvent.objects.filter(document=work_plan).count()
    goals = current_goal_inputs(work_plan)[:2]
    with django_capture_on_commit_callbacks(execute=True):
        message = refused(save, work_plan=work_plan, goals=goals)
    assert message == (
        "An approved work plan must stay complete. A work plan has 3 to 5 goals; this one has 2."
    )
    assert work_plan.goals.filter(is_current=True).count() == 3
    assert not GoalChange.objects.filter(after_approval=True).exists()
    assert DocumentEvent.objects.filter(document=work_plan).count() == events
    assert mailoutbox == []


def test_an_approved_work_plan_keeps_its_development_goal():
    work_plan = make_approved_work_plan()
    assert refused(
        save, work_plan=work_plan, goals=current_goal_inputs(work_plan), development_goals=[]
    ) == ("An approved work plan must stay complete. Add at least one development goal.")
    assert work_plan.development_goals.count() == 1


# --- signatures --------------------------------------------------------------------------

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def assert_signed(work_plan, action, signer, role):
    signature = Signature.objects.get(document=work_plan, action=action)
    assert (signature.stage, signature.signer, signature.role) == ("work_plan", signer, role)
    assert signature.acting_for is None
    assert SHA256.match(signature.content_hash)
    assert signature.content_hash == content_hash(signature.content)
    assert signature.content == work_plan_content(WorkPlan.objects.get(pk=work_plan.pk))
    event = DocumentEvent.objects.get(document=work_plan, kind=f"work_plan_{action}")
    assert event.data["signature"] == signature.content_hash
    return signature


def test_submit_and_approve_are_signatures():
    work_plan = make_submitted_work_plan()
    submitted = assert_signed(work_plan, "submit", work_plan.staff.user, "staff")
    assert [g["title"] for g in submitted.content["goals"]] == ["Goal 1", "Goal 2", "Goal 3"]
    assert len(submitted.content["competencies"]) == 6
    fro = fro_of(work_plan)
    services.approve_work_plan(work_plan=work_plan, actor=fro)
    approved = assert_signed(work_plan, "approve", fro, "fro")
    # The FRO signed exactly what the staff member submitted.
    assert approved.content_hash == submitted.content_hash


def test_return_is_a_signature_and_a_changed_plan_hashes_differently():
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)
    services.return_work_plan(work_plan=work_plan, actor=fro, comment="Sharpen goal 1.")
    returned = assert_signed(work_plan, "return", fro, "fro")
    goals = current_goal_inputs(work_plan)
    goals[0].success_criteria = "Sharper criteria."
    save(work_plan, goals=goals)
    services.submit_work_plan(work_plan=work_plan, actor=work_plan.staff.user)
    resubmitted = Signature.objects.filter(document=work_plan, action="submit").last()
    assert resubmitted.content_hash != returned.content_hash
    assert resubmitted.content_hash == content_hash(resubmitted.content)


def test_the_content_hash_is_sha256_of_canonical_json():
    # Key order does not matter; any change of content does.
    assert content_hash({"b": 1, "a": "x"}) == content_hash({"a": "x", "b": 1})
    assert content_hash({"a": "x"}) != content_hash({"a": "y"})
    assert content_hash({}) == (
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"  # sha256("{}")
    )


# --- additional supervisors --------------------------------------------------------------


def propose(work_plan, supervisor, actor=None):
    return services.propose_additional_supervisor(
        work_plan=work_plan, actor=actor or work_plan.staff.user, supervisor=supervisor
    )


def test_staff_member_proposes_an_additional_supervisor(
    django_capture_on_commit_callbacks, mailoutbox
):
    work_plan = WorkPlanFactory()
    supervisor = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        request = propose(work_plan, supervisor)
    assert (request.state, request.supervisor) == ("proposed", supervisor)
    assert DocumentEvent.objects.filter(document=work_plan).last().summary == (
        f"{supervisor} proposed as additional supervisor"
    )
    assert [m.to for m in mailoutbox] == [[supervisor.email]]
    # Proposed is not accepted: no access yet.
    assert work_plan not in visible_work_plans(supervisor)
    assert roles_for(supervisor, work_plan) == frozenset()


def test_at_most_two_additional_supervisors():
    work_plan = WorkPlanFactory()
    AdditionalSupervisorFactory(work_plan=work_plan, state="accepted")
    AdditionalSupervisorFactory(work_plan=work_plan)
    third = UserFactory()
    assert refused(propose, work_plan=work_plan, supervisor=third) == (
        "A work plan has at most 2 additional supervisors."
    )
    assert work_plan.additional_supervisors.count() == 2


def test_the_limit_of_additional_supervisors_is_a_cycle_setting():
    work_plan = WorkPlanFactory()
    Cycle.objects.filter(pk=work_plan.cycle_id).update(max_additional_supervisors=1)
    work_plan = WorkPlan.objects.get(pk=work_plan.pk)
    AdditionalSupervisorFactory(work_plan=work_plan)
    assert refused(propose, work_plan=work_plan, supervisor=UserFactory()) == (
        "A work plan has at most 1 additional supervisor."
    )


def test_declined_and_cancelled_requests_do_not_count_against_the_limit():
    work_plan = WorkPlanFactory()
    AdditionalSupervisorFactory(work_plan=work_plan, state="declined")
    AdditionalSupervisorFactory(work_plan=work_plan, state="cancelled")
    AdditionalSupervisorFactory(work_plan=work_plan, state="accepted")
    assert propose(work_plan, UserFactory()).state == "proposed"


def test_the_fro_sro_or_staff_member_cannot_be_an_additional_supervisor():
    work_plan = WorkPlanFactory()
    fro, sro = fro_of(work_plan), sro_of(work_plan)
    assert refused(propose, work_plan=work_plan, supervisor=work_plan.staff.user) == (
        "You cannot be your own additional supervisor."
    )
    for officer, role in ((fro, "FRO"), (sro, "SRO")):
        assert refused(propose, work_plan=work_plan, supervisor=officer) == (
            f"{officer} already holds a role on this document ({role}): an additional "
            "supervisor is someone else."
        )
    assert not work_plan.additional_supervisors.exists()


def test_the_same_supervisor_is_not_proposed_twice():
    request = AdditionalSupervisorFactory()
    assert refused(propose, work_plan=request.work_plan, supervisor=request.supervisor) == (
        f"{request.supervisor} is already proposed or accepted."
    )


def test_an_inactive_account_cannot_be_proposed():
    work_plan = WorkPlanFactory()
    supervisor = UserFactory(is_active=False)
    assert refused(propose, work_plan=work_plan, supervisor=supervisor) == (
        f"{supervisor}'s account is not active."
    )


@pytest.mark.parametrize("who", ["fro", "stranger"])
def test_only_the_staff_member_proposes(who):
    work_plan = WorkPlanFactory()
    actor = fro_of(work_plan) if who == "fro" else UserFactory()
    assert refused(propose, work_plan=work_plan, supervisor=UserFactory(), actor=actor) == (
        "Only the staff member proposes additional supervisors."
    )


def test_accepting_grants_read_access(django_capture_on_commit_callbacks, mailoutbox):
    request = AdditionalSupervisorFactory()
    work_plan, supervisor = request.work_plan, request.supervisor
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_supervision_request(request=request, actor=supervisor, accept=True)
    request.refresh_from_db()
    assert request.state == "accepted"
    assert request.answered_at is not None
    assert work_plan in visible_work_plans(supervisor)
    assert roles_for(supervisor, work_plan) == {"additional_supervisor"}
    assert allowed_actions(supervisor, work_plan) == {"view"}
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([work_plan.staff.user.email], f"[pmsystem] {supervisor} accepted your request")
    ]


def test_declining_grants_nothing_and_answers_once():
    request = AdditionalSupervisorFactory()
    services.answer_supervision_request(request=request, actor=request.supervisor, accept=False)
    request.refresh_from_db()
    assert request.state == "declined"
    assert request.work_plan not in visible_work_plans(request.supervisor)
    assert refused(
        services.answer_supervision_request, request=request, actor=request.supervisor, accept=True
    ) == ("This request was already declined.")


def test_only_the_proposed_supervisor_answers():
    request = AdditionalSupervisorFactory()
    for actor in (request.work_plan.staff.user, UserFactory()):
        assert refused(
            services.answer_supervision_request, request=request, actor=actor, accept=True
        ) == ("Only the proposed supervisor answers this request.")
    request.refresh_from_db()
    assert request.state == "proposed"


def test_staff_member_cancels_a_request_before_acceptance():
    request = AdditionalSupervisorFactory()
    assert refused(
        services.cancel_supervision_request, request=request, actor=request.supervisor
    ) == ("Only the staff member may cancel this request.")
    services.cancel_supervision_request(request=request, actor=request.work_plan.staff.user)
    request.refresh_from_db()
    assert request.state == "cancelled"
    assert refused(
        services.answer_supervision_request, request=request, actor=request.supervisor, accept=True
    ) == ("This request was already cancelled.")
    assert request.work_plan not in visible_work_plans(request.supervisor)


def test_an_accepted_request_cannot_be_cancelled():
    request = AdditionalSupervisorFactory(state="accepted")
    assert refused(
        services.cancel_supervision_request, request=request, actor=request.work_plan.staff.user
    ) == ("This request was already accepted: it can no longer be cancelled.")
    request.refresh_from_db()
    assert request.state == "accepted"
    assert request.work_plan in visible_work_plans(request.supervisor)


# --- check-ins ---------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 9, 15, 12, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize("side", ["staff", "fro"])
def test_staff_member_and_fro_record_check_ins(side):
    work_plan = make_approved_work_plan()
    author = work_plan.staff.user if side == "staff" else fro_of(work_plan)
    check_in = services.add_check_in(
        work_plan=work_plan, actor=author, held_on=datetime.date(2026, 9, 15), note=" Talked. "
    )
    check_in.refresh_from_db()
    assert (check_in.author, check_in.held_on, check_in.note) == (
        author,
        datetime.date(2026, 9, 15),
        "Talked.",
    )


@pytest.mark.parametrize("who", ["sro", "hod", "supervisor", "stranger"])
def test_nobody_else_records_check_ins(who):
    work_plan = WorkPlanFactory()
    actor = {
        "sro": lambda: sro_of(work_plan),
        "hod": lambda: DepartmentRoleFactory(entity=work_plan.staff.unit.entity).user,
        "supervisor": lambda: (
            AdditionalSupervisorFactory(work_plan=work_plan, state="accepted").supervisor
        ),
        "stranger": lambda: UserFactory(),
    }[who]()
    assert refused(
        services.add_check_in,
        work_plan=work_plan,
        actor=actor,
        held_on=datetime.date.today(),
        note="Hello",
    ) == ("Only the staff member and the FRO record check-ins.")
    assert not CheckIn.objects.exists()


@time_machine.travel(datetime.datetime(2026, 9, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_a_check_in_is_not_dated_in_the_future_and_has_a_note():
    work_plan = WorkPlanFactory()
    staff = work_plan.staff.user
    assert refused(
        services.add_check_in,
        work_plan=work_plan,
        actor=staff,
        held_on=datetime.date(2026, 9, 16),
        note="Tomorrow",
    ) == ("A check-in cannot be dated in the future.")
    assert refused(
        services.add_check_in,
        work_plan=work_plan,
        actor=staff,
        held_on=datetime.date(2026, 9, 15),
        note="   ",
    ) == ("Write the check-in note.")
    assert not CheckIn.objects.exists()


# --- unit work plans ---------------------------------------------------------------------


@pytest.fixture
def org_tree():
    entity = EntityFactory()
    division = OrgUnitFactory(parent=entity, head=UserFactory())
    section = OrgUnitFactory(parent=division, kind=OrgUnit.Kind.SECTION, head=UserFactory())
    hod = DepartmentRoleFactory(entity=entity, role="hod").user
    return {
        "entity": entity,
        "division": division,
        "section": section,
        "hod": hod,
        "cycle": CycleFactory(),
    }


def save_unit_goal(unit, cycle, actor, title="Unit goal", **kwargs):
    return services.save_unit_goal(unit=unit, cycle=cycle, actor=actor, title=title, **kwargs)


def test_hod_keeps_the_entity_goals_and_unit_heads_their_units(org_tree):
    t = org_tree
    entity_goal = save_unit_goal(t["entity"], t["cycle"], t["hod"], title=" Serve members ")
    assert (entity_goal.owner_unit, entity_goal.title, entity_goal.work_plan) == (
        t["entity"],
        "Serve members",
        None,
    )
    division_goal = save_unit_goal(
        t["division"], t["cycle"], t["division"].head, aligned_to_id=entity_goal.pk
    )
    # A division head also maintains the goals of the sections under the division.
    section_goal = save_unit_goal(
        t["section"], t["cycle"], t["division"].head, aligned_to_id=division_goal.pk
    )
    assert section_goal.aligned_to == division_goal
    # The HOD may do it for any unit of the entity.
    save_unit_goal(t["section"], t["cycle"], t["hod"], title="By the HOD")
    # Editing keeps the same row.
    edited = save_unit_goal(
        t["division"], t["cycle"], t["division"].head, title="Reworded", goal=division_goal
    )
    assert edited.pk == division_goal.pk
    assert Goal.objects.get(pk=division_goal.pk).title == "Reworded"


@pytest.mark.parametrize("who", ["section_head", "staff", "other_hod", "hr"])
def test_others_may_not_maintain_unit_goals(org_tree, who):
    t = org_tree
    actor = {
        "section_head": lambda: t["section"].head,
        "staff": lambda: StaffMemberFactory(unit=t["division"]).user,
        "other_hod": lambda: DepartmentRoleFactory(role="hod").user,
        "hr": lambda: DepartmentRoleFactory(entity=t["entity"], role="hr_focal_point").user,
    }[who]()
    assert refused(save_unit_goal, unit=t["division"], cycle=t["cycle"], actor=actor) == (
        f"Only the HOD or the head of {t['division'].name} (or of a unit above it) "
        "maintains its goals."
    )
    assert not Goal.objects.exists()


def test_a_unit_goal_aligns_to_a_goal_of_a_unit_above(org_tree):
    t = org_tree
    sibling_goal = UnitGoalFactory(owner_unit=OrgUnitFactory(parent=t["entity"]), cycle=t["cycle"])
    own_goal = UnitGoalFactory(owner_unit=t["division"], cycle=t["cycle"])
    for target in (sibling_goal, own_goal):
        assert refused(
            save_unit_goal,
            unit=t["division"],
            cycle=t["cycle"],
            actor=t["hod"],
            aligned_to_id=target.pk,
        ) == ("A unit goal aligns to a goal of a unit above it.")


def test_a_goal_of_another_unit_is_not_edited_through_this_one(org_tree):
    t = org_tree
    other = UnitGoalFactory(owner_unit=t["section"], cycle=t["cycle"])
    assert refused(
        save_unit_goal, unit=t["division"], cycle=t["cycle"], actor=t["hod"], goal=other
    ) == ("That goal belongs to another unit.")


def test_a_unit_goal_others_align_to_cannot_be_removed(org_tree):
    t = org_tree
    goal = save_unit_goal(t["division"], t["cycle"], t["hod"], title="Reach")
    work_plan = WorkPlanFactory(staff=StaffMemberFactory(unit=t["division"]), cycle=t["cycle"])
    aligned = GoalFactory(work_plan=work_plan, aligned_to=goal)
    assert refused(services.remove_unit_goal, goal=goal, actor=t["hod"]) == (
        "1 goal still aligns to \u201cReach\u201d: realign them first."
    )
    UnitGoalFactory(owner_unit=t["section"], cycle=t["cycle"], aligned_to=goal)
    assert refused(services.remove_unit_goal, goal=goal, actor=t["hod"]) == (
        "2 goals still align to \u201cReach\u201d: realign them first."
    )
    aligned.aligned_to = None
    aligned.save()
    assert refused(services.remove_unit_goal, goal=goal, actor=t["hod"]) == (
        "1 goal still aligns to \u201cReach\u201d: realign them first."
    )
    assert Goal.objects.get(pk=goal.pk).is_current


def test_a_unit_goal_nothing_aligns_to_is_removed_by_its_head(org_tree):
    t = org_tree
    goal = UnitGoalFactory(owner_unit=t["division"], cycle=t["cycle"])
    # A goal that no longer counts (removed from its plan) does not hold the unit goal.
    GoalFactory(aligned_to=goal, is_current=False)
    assert refused(services.remove_unit_goal, goal=goal, actor=t["section"].head) == (
        "Only the HOD or the unit's head removes its goals."
    )
    services.remove_unit_goal(goal=goal, actor=t["division"].head)
    assert Goal.objects.get(pk=goal.pk).is_current is False


def test_entity_goal_tree_counts_aligned_and_unaligned_staff_goals(org_tree):
    t = org_tree
    cycle = t["cycle"]
    entity_goal = UnitGoalFactory(owner_unit=t["entity"], cycle=cycle, title="E1")
    division_goal = UnitGoalFactory(
        owner_unit=t["division"], cycle=cycle, aligned_to=entity_goal, title="D1"
    )
    lonely = UnitGoalFactory(owner_unit=t["section"], cycle=cycle, title="S1")
    plans = [
        WorkPlanFactory(staff=StaffMemberFactory(unit=t["section"]), cycle=cycle) for _ in range(2)
    ]
    GoalFactory(work_plan=plans[0], aligned_to=division_goal)
    GoalFactory(work_plan=plans[1], aligned_to=division_goal)
    GoalFactory(work_plan=plans[1], aligned_to=entity_goal)
    GoalFactory(work_plan=plans[1], aligned_to=division_goal, is_current=False)
    GoalFactory(work_plan=plans[0])  # aligned to nothing
    GoalFactory(work_plan=plans[0], is_current=False)  # removed: not counted
    # Another entity's goals and staff goals are not counted here.
    GoalFactory(work_plan=WorkPlanFactory(cycle=cycle))
    UnitGoalFactory(cycle=cycle, aligned_to=None)

    tree = entity_goal_tree(t["entity"], cycle)
    assert [
        (goal.title, depth, goal.staff_goal_count, goal.unit_goal_count)
        for goal, depth in tree["rows"]
    ] == [("E1", 0, 1, 1), ("D1", 1, 2, 0), ("S1", 0, 0, 0)]
    assert tree["unaligned_staff_goals"] == 1
    assert {u["pk"] for u in tree["units"]} == {
        t["entity"].pk,
        t["division"].pk,
        t["section"].pk,
    }
    assert lonely.pk in {g.pk for g, _ in tree["rows"]}
