"""Who may see and do what on a work plan: the role x action matrix of docs/rules.md section 7
for the work-plan stage and the mid-point review, and access that follows the dated relations
whatever route changed them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from org.models import DepartmentRole, ReportingLine, User
from org.services import end_department_role, save_reporting_line
from pmsystem.errors import ApplicationError
from pmsystem.models import DocumentEvent, Signature
from tests.factories import (
    AdditionalSupervisorFactory,
    DepartmentRoleFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UserFactory,
    WorkPlanFactory,
)
from tests.workplans.helpers import (
    current_goal_inputs,
    fro_of,
    line_of,
    make_approved_work_plan,
    make_complete_work_plan,
    make_submitted_work_plan,
)
from workplans import services
from workplans.models import CheckIn, GoalChange, MidpointReview, WorkPlan
from workplans.permissions import (
    allowed_actions,
    documents_where,
    roles_for,
    visible_work_plans,
)
from workplans.services import DevelopmentGoalInput

pytestmark = pytest.mark.django_db

PEOPLE = ["staff", "fro", "sro", "supervisor", "hod", "hr", "colleague", "other_hod"]


@dataclass
class Cast:
    work_plan: WorkPlan
    users: dict[str, User]

    def __getitem__(self, who: str) -> User:
        return self.users[who]

    def fresh(self) -> WorkPlan:
        """The document as a new request would load it (no cached mid-point review)."""
        return WorkPlan.objects.get(pk=self.work_plan.pk)


def build_cast(work_plan: WorkPlan) -> Cast:
    """Everyone of section 7 around one document: the staff member, FRO, SRO, an accepted
    additional supervisor, the HOD and an HR focal point of the entity, a colleague in the
    same unit with no relation, and the HOD of another entity."""
    entity = work_plan.staff.unit.entity
    line = line_of(work_plan)
    users = {
        "staff": work_plan.staff.user,
        "fro": line.fro.user,
        "sro": line.sro.user,
        "supervisor": AdditionalSupervisorFactory(work_plan=work_plan, state="accepted").supervisor,
        "hod": DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HOD).user,
        "hr": DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user,
        "colleague": StaffMemberFactory(unit=work_plan.staff.unit).user,
        "other_hod": DepartmentRoleFactory(role=DepartmentRole.Role.HOD).user,
    }
    return Cast(work_plan=work_plan, users=users)


def advance(cast: Cast, stage: str) -> None:
    """Move the cast's draft document to `stage` through the services, as the people would."""
    staff, fro = cast["staff"], cast["fro"]
    if stage == "draft":
        return
    services.submit_work_plan(work_plan=cast.work_plan, actor=staff)
    if stage == "submitted":
        return
    services.approve_work_plan(work_plan=cast.work_plan, actor=fro)
    if stage == "approved":
        return
    services.start_midpoint(work_plan=cast.work_plan, actor=staff)
    services.save_midpoint_comments(work_plan=cast.work_plan, actor=staff, comments="Going well.")
    services.save_midpoint_comments(work_plan=cast.work_plan, actor=fro, comments="Agreed so far.")
    if stage == "midpoint_open":
        return
    services.submit_midpoint(work_plan=cast.work_plan, actor=staff, comments="Going well.")
    if stage == "midpoint_staff_submitted":
        return
    services.finalise_midpoint(work_plan=cast.work_plan, actor=fro, comments="Agreed.")
    assert stage == "midpoint_finalised", stage


@pytest.fixture
def cast() -> Cast:
    return build_cast(make_complete_work_plan())


# --- seeing the document -----------------------------------------------------------------

EXPECTED_ROLES = {
    "staff": {"staff"},
    "fro": {"fro"},
    "sro": {"sro"},
    "supervisor": {"additional_supervisor"},
    "hod": {"hod", "entity_viewer"},
    "hr": {"hr", "entity_viewer"},
    "colleague": set(),
    "other_hod": set(),
}


@pytest.mark.parametrize("who", PEOPLE)
def test_who_sees_the_work_plan(cast, who):
    visible = cast.work_plan in visible_work_plans(cast[who])
    assert visible is (who not in {"colleague", "other_hod"})
    assert roles_for(cast[who], cast.work_plan) == EXPECTED_ROLES[who]


def test_anonymous_users_see_nothing(cast):
    anonymous = AnonymousUser()
    assert not visible_work_plans(anonymous).exists()
    assert roles_for(anonymous, cast.work_plan) == frozenset()
    assert allowed_actions(anonymous, cast.work_plan) == frozenset()


def test_entity_roles_see_every_document_of_their_entity_and_no_other(cast):
    other_unit_same_entity = WorkPlanFactory(
        staff=StaffMemberFactory(unit__parent=cast.work_plan.staff.unit.entity)
    )
    elsewhere = WorkPlanFactory()
    for who in ("hod", "hr"):
        assert set(visible_work_plans(cast[who])) == {cast.work_plan, other_unit_same_entity}
    assert set(visible_work_plans(cast["other_hod"])) == set()
    assert elsewhere not in visible_work_plans(cast["fro"])


# --- the matrix --------------------------------------------------------------------------

STAFF_ALWAYS = {"view", "propose_additional_supervisor", "add_check_in", "view_check_ins"}
FRO_ALWAYS = {"view", "add_check_in", "view_check_ins"}
SRO_ALWAYS = {"view"}
READ_ONLY = {"view"}
# HR rolls back through the appraisals layer (its "roll_back" comes from `rollback_targets`):
# the work plan's own roll-back transitions are never offered as actions here.
HR_AFTER_MIDPOINT_START = {"view", "view_midpoint"}

MATRIX = {
    "draft": {
        "staff": STAFF_ALWAYS | {"edit", "submit"},
        "fro": FRO_ALWAYS,
        "sro": SRO_ALWAYS,
        "supervisor": READ_ONLY,
        "hod": READ_ONLY,
        "hr": READ_ONLY,
    },
    "submitted": {
        "staff": STAFF_ALWAYS,
        "fro": FRO_ALWAYS | {"approve", "return"},
        "sro": SRO_ALWAYS,
        "supervisor": READ_ONLY,
        "hod": READ_ONLY,
        "hr": READ_ONLY,
    },
    "approved": {
        "staff": STAFF_ALWAYS | {"change_goals", "start_midpoint"},
        "fro": FRO_ALWAYS | {"start_midpoint"},
        "sro": SRO_ALWAYS,
        "supervisor": READ_ONLY,
        "hod": READ_ONLY,
        "hr": READ_ONLY,
    },
    "midpoint_open": {
        "staff": STAFF_ALWAYS
        | {"change_goals", "edit_midpoint_staff", "submit_midpoint", "view_midpoint"},
        "fro": FRO_ALWAYS | {"edit_midpoint_fro", "view_midpoint"},
        "sro": SRO_ALWAYS | {"view_midpoint"},
        "supervisor": READ_ONLY,
        "hod": READ_ONLY | {"view_midpoint"},
        "hr": HR_AFTER_MIDPOINT_START,
    },
    "midpoint_staff_submitted": {
        "staff": STAFF_ALWAYS | {"change_goals", "view_midpoint"},
        "fro": FRO_ALWAYS | {"edit_midpoint_fro", "finalise_midpoint", "view_midpoint"},
        "sro": SRO_ALWAYS | {"view_midpoint"},
        "supervisor": READ_ONLY,
        "hod": READ_ONLY | {"view_midpoint"},
        "hr": HR_AFTER_MIDPOINT_START,
    },
    "midpoint_finalised": {
        "staff": STAFF_ALWAYS | {"change_goals", "view_midpoint"},
        "fro": FRO_ALWAYS | {"view_midpoint"},
        "sro": SRO_ALWAYS | {"view_midpoint"},
        "supervisor": READ_ONLY,
        "hod": READ_ONLY | {"view_midpoint"},
        "hr": HR_AFTER_MIDPOINT_START,
    },
}


@pytest.mark.parametrize("stage", list(MATRIX))
def test_allowed_actions_matrix(cast, stage):
    advance(cast, stage)
    work_plan = cast.fresh()
    actual = {who: set(allowed_actions(cast[who], work_plan)) for who in PEOPLE}
    expected = {**MATRIX[stage], "colleague": set(), "other_hod": set()}
    assert actual == expected


def test_the_matrix_holds_for_a_cycle_without_midpoint_review(cast):
    cycle = cast.work_plan.cycle
    cycle.midpoint_required = False
    cycle.save()
    advance(cast, "approved")
    work_plan = cast.fresh()
    assert set(allowed_actions(cast["staff"], work_plan)) == STAFF_ALWAYS | {"change_goals"}
    assert set(allowed_actions(cast["fro"], work_plan)) == FRO_ALWAYS


# --- denied actions change nothing -------------------------------------------------------


def snapshot(work_plan: WorkPlan) -> dict:
    work_plan = WorkPlan.objects.get(pk=work_plan.pk)
    midpoint = MidpointReview.objects.filter(work_plan=work_plan).first()
    return {
        "state": work_plan.state,
        "return_comment": work_plan.return_comment,
        "midpoint": midpoint and (midpoint.state, midpoint.staff_comments, midpoint.fro_comments),
        "signatures": Signature.objects.filter(document=work_plan).count(),
        "events": DocumentEvent.objects.filter(document=work_plan).count(),
        "goals": sorted((g.pk, g.title, g.is_current) for g in work_plan.goals.all()),
        "goal_changes": GoalChange.objects.filter(work_plan=work_plan).count(),
        "development_goals": work_plan.development_goals.count(),
        "competencies": sorted(work_plan.competencies.values_list("pk", flat=True)),
        "check_ins": CheckIn.objects.filter(work_plan=work_plan).count(),
        "supervisors": sorted(work_plan.additional_supervisors.values_list("pk", "state")),
    }


def _save(work_plan, actor):
    goals = current_goal_inputs(work_plan)
    goals[0].title = "Changed by someone"
    services.save_work_plan(
        work_plan=work_plan,
        actor=actor,
        goals=goals,
        development_goals=[DevelopmentGoalInput(title="Other")],
        competency_ids=[],
    )


ACTIONS = {
    "submit": lambda wp, u: services.submit_work_plan(work_plan=wp, actor=u),
    "approve": lambda wp, u: services.approve_work_plan(work_plan=wp, actor=u),
    "return": lambda wp, u: services.return_work_plan(work_plan=wp, actor=u, comment="No."),
    "edit": _save,
    "start_midpoint": lambda wp, u: services.start_midpoint(work_plan=wp, actor=u),
    "submit_midpoint": lambda wp, u: services.submit_midpoint(
        work_plan=wp, actor=u, comments="Mine."
    ),
    "finalise_midpoint": lambda wp, u: services.finalise_midpoint(
        work_plan=wp, actor=u, comments="Done."
    ),
    "edit_midpoint": lambda wp, u: services.save_midpoint_comments(
        work_plan=wp, actor=u, comments="Overwritten."
    ),
    "add_check_in": lambda wp, u: services.add_check_in(
        work_plan=wp, actor=u, held_on=datetime.date.today(), note="Note."
    ),
    "propose_additional_supervisor": lambda wp, u: services.propose_additional_supervisor(
        work_plan=wp, actor=u, supervisor=UserFactory()
    ),
}

# (stage, action, the people who may take it there); everybody else is refused.
DENIALS = [
    ("draft", "submit", {"staff"}),
    ("draft", "edit", {"staff"}),
    ("draft", "add_check_in", {"staff", "fro"}),
    ("draft", "propose_additional_supervisor", {"staff"}),
    ("draft", "approve", set()),
    ("submitted", "approve", {"fro"}),
    ("submitted", "return", {"fro"}),
    ("submitted", "edit", set()),
    ("submitted", "submit", set()),
    ("approved", "start_midpoint", {"staff", "fro"}),
    ("approved", "approve", set()),
    ("approved", "return", set()),
    ("midpoint_open", "submit_midpoint", {"staff"}),
    ("midpoint_open", "finalise_midpoint", set()),
    ("midpoint_open", "edit_midpoint", {"staff", "fro"}),
    ("midpoint_staff_submitted", "finalise_midpoint", {"fro"}),
    ("midpoint_staff_submitted", "submit_midpoint", set()),
    ("midpoint_finalised", "edit_midpoint", set()),
    ("midpoint_finalised", "finalise_midpoint", set()),
]


@pytest.mark.parametrize(
    ("stage", "action", "allowed"), DENIALS, ids=[f"{s}-{a}" for s, a, _ in DENIALS]
)
def test_a_denied_action_changes_nothing(cast, stage, action, allowed):
    advance(cast, stage)
    for who in PEOPLE:
        if who in allowed:
            continue
        before = snapshot(cast.work_plan)
        with pytest.raises(ApplicationError):
            ACTIONS[action](cast.fresh(), cast[who])
        assert snapshot(cast.work_plan) == before, f"{who} changed the document by {action}"


@pytest.mark.parametrize(
    ("stage", "action", "allowed"),
    [d for d in DENIALS if d[2]],
    ids=[f"{s}-{a}" for s, a, w in DENIALS if w],
)
def test_the_allowed_people_may_take_the_action(stage, action, allowed):
    """The other side of the denial table: it is the relation, not a broken service, that
    refuses."""
    for who in sorted(allowed):
        # Each allowed person acts on a fresh copy of the same situation.
        other = build_cast(make_complete_work_plan())
        advance(other, stage)
        before = snapshot(other.work_plan)
        ACTIONS[action](other.fresh(), other[who])
        assert snapshot(other.work_plan) != before, f"{who} could not {action} at {stage}"


# --- access follows the relations, whatever route changed them --------------------------


def change_fro(work_plan: WorkPlan, *, on: datetime.date = datetime.date(2026, 10, 1)) -> User:
    """Close the current line the day before `on` and open the next with a new FRO (same SRO),
    through the same service as the Django admin; returns the new FRO's user."""
    old = line_of(work_plan)
    old.effective_to = on - datetime.timedelta(days=1)
    save_reporting_line(line=old)
    new = ReportingLineFactory.build(
        staff=work_plan.staff,
        cycle=work_plan.cycle,
        sro=old.sro,
        fro=StaffMemberFactory(unit=work_plan.staff.unit),
        effective_from=on,
    )
    save_reporting_line(line=new)
    return new.fro.user


def assert_fro_changed(work_plan: WorkPlan, old_fro: User, new_fro: User) -> None:
    assert work_plan not in visible_work_plans(old_fro)
    assert roles_for(old_fro, work_plan) == frozenset()
    assert allowed_actions(old_fro, work_plan) == frozenset()
    with pytest.raises(ApplicationError, match="You may not act on this work plan."):
        services.approve_work_plan(work_plan=work_plan, actor=old_fro)
    assert work_plan in visible_work_plans(new_fro)
    assert roles_for(new_fro, work_plan) == {"fro"}


@time_machine.travel(datetime.date(2026, 11, 2))
def test_access_follows_a_change_of_fro():
    work_plan = make_submitted_work_plan()
    old_fro = fro_of(work_plan)
    bystander = WorkPlanFactory(cycle=work_plan.cycle)
    bystander_roles = {fro_of(bystander): roles_for(fro_of(bystander), bystander)}
    new_fro = change_fro(work_plan)

    assert_fro_changed(work_plan, old_fro, new_fro)
    services.approve_work_plan(work_plan=work_plan, actor=new_fro)
    assert WorkPlan.objects.get(pk=work_plan.pk).state == WorkPlan.State.APPROVED
    # The staff member and SRO keep theirs; other documents are untouched.
    assert roles_for(work_plan.staff.user, work_plan) == {"staff"}
    assert roles_for(line_of(work_plan).sro.user, work_plan) == {"sro"}
    assert {u: roles_for(u, bystander) for u in bystander_roles} == bystander_roles


@time_machine.travel(datetime.date(2026, 11, 2))
def test_access_follows_a_line_edited_behind_the_services_back():
    """Nothing is granted and stored: a raw update of the line (as any route that forgets a
    signal would make) changes who may see and act at once."""
    work_plan = make_submitted_work_plan()
    old_fro = fro_of(work_plan)
    new_fro = StaffMemberFactory(unit=work_plan.staff.unit)
    ReportingLine.objects.filter(pk=line_of(work_plan).pk).update(fro=new_fro)
    assert_fro_changed(work_plan, old_fro, new_fro.user)


def test_a_future_dated_line_takes_effect_on_its_first_day_with_nobody_acting():
    with time_machine.travel(datetime.date(2026, 9, 20)) as clock:
        work_plan = make_submitted_work_plan()
        old_fro = fro_of(work_plan)
        new_fro = change_fro(work_plan, on=datetime.date(2026, 10, 1))
        # Not yet: the old FRO still acts, the new one sees nothing.
        assert roles_for(old_fro, work_plan) == {"fro"}
        assert work_plan not in visible_work_plans(new_fro)
        assert not documents_where(new_fro, "fro").filter(pk=work_plan.pk).exists()
        clock.move_to(datetime.date(2026, 9, 30))
        assert roles_for(old_fro, work_plan) == {"fro"}
        clock.move_to(datetime.date(2026, 10, 1))
        assert_fro_changed(work_plan, old_fro, new_fro)
        assert list(documents_where(new_fro, "fro")) == [work_plan]
        assert not documents_where(old_fro, "fro").exists()


@time_machine.travel(datetime.date(2026, 11, 2))
def test_the_document_keeps_who_signed_after_the_line_changes():
    work_plan = make_approved_work_plan()
    old_fro = fro_of(work_plan)
    change_fro(work_plan)
    approval = Signature.objects.get(document=work_plan, action="approve")
    assert (approval.signer, approval.role) == (old_fro, "fro")
    assert roles_for(old_fro, work_plan) == frozenset()


def test_entity_roles_lose_sight_when_the_role_ends(cast):
    role = DepartmentRole.objects.get(user=cast["hr"])
    end_department_role(department_role=role)
    assert cast.work_plan not in visible_work_plans(cast["hr"])
    assert allowed_actions(cast["hr"], cast.work_plan) == frozenset()
    assert cast.work_plan in visible_work_plans(cast["hod"])


def test_entity_roles_follow_their_dates_as_the_clock_passes_them(cast):
    role = DepartmentRole.objects.get(user=cast["hr"])
    DepartmentRole.objects.filter(pk=role.pk).update(end=datetime.date(2026, 12, 31))
    future = DepartmentRoleFactory(
        entity=role.entity,
        role=DepartmentRole.Role.HR_FOCAL_POINT,
        start=datetime.date(2027, 1, 1),
    ).user
    with time_machine.travel(datetime.date(2026, 12, 31)):
        assert cast.work_plan in visible_work_plans(cast["hr"])
        assert "hr" in roles_for(cast["hr"], cast.work_plan)
        assert cast.work_plan not in visible_work_plans(future)
    with time_machine.travel(datetime.date(2027, 1, 1)):
        assert cast.work_plan not in visible_work_plans(cast["hr"])
        assert roles_for(cast["hr"], cast.work_plan) == frozenset()
        assert cast.work_plan in visible_work_plans(future)
        assert "hr" in roles_for(future, cast.work_plan)


def test_a_declined_or_cancelled_supervisor_holds_nothing():
    work_plan = WorkPlanFactory()
    declined = AdditionalSupervisorFactory(work_plan=work_plan, state="declined").supervisor
    cancelled = AdditionalSupervisorFactory(work_plan=work_plan, state="cancelled").supervisor
    for user in (declined, cancelled):
        assert work_plan not in visible_work_plans(user)
        assert allowed_actions(user, work_plan) == frozenset()
