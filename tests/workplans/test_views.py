"""Work-plan pages through the client: the whole approval flow, forms that keep what was
typed, stale buttons, and every document URL tried as every role."""

import pytest
from django.urls import reverse

from org.models import DepartmentRole
from tests.builders import build_document
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UnitGoalFactory,
    UserFactory,
    WorkPlanFactory,
)
from tests.workplans.helpers import (
    chosen_competency_ids,
    fro_of,
    make_complete_work_plan,
)
from workplans.models import GoalChange, WorkPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    return CycleFactory()


def goal_post(work_plan, goals, *, competencies=(), dev=("Learn Python",), extra=None):
    """The edit form as a browser posts it."""
    data = {
        "goals-TOTAL_FORMS": str(max(len(goals), 1)),
        "goals-INITIAL_FORMS": "0",
        "dev-TOTAL_FORMS": str(len(dev)),
        "dev-INITIAL_FORMS": "0",
        "competencies": [str(c) for c in competencies],
    }
    for i, goal in enumerate(goals):
        for key, value in goal.items():
            data[f"goals-{i}-{key}"] = value
    for i, title in enumerate(dev):
        data[f"dev-{i}-title"] = title
    data.update(extra or {})
    return data


def test_staff_drafts_submits_fro_returns_then_approves(
    client, cycle, mailoutbox, django_capture_on_commit_callbacks
):
    staff = StaffMemberFactory()
    line = ReportingLineFactory(staff=staff, cycle=cycle)
    unit_goal = UnitGoalFactory(owner_unit=staff.unit.entity, cycle=cycle)
    client.force_login(staff.user)

    response = client.post(reverse("workplans:mine"))
    work_plan = WorkPlan.objects.get(staff=staff, cycle=cycle)
    assert response.url == reverse("workplans:edit", args=[work_plan.pk])
    goals = [
        {"title": f"Goal {n}", "success_criteria": f"Measure {n}", "aligned_to": unit_goal.pk}
        for n in range(1, 4)
    ]
    data = goal_post(work_plan, goals, competencies=chosen_competency_ids(work_plan))
    data["submit"] = "1"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("workplans:edit", args=[work_plan.pk]), data)
    assert response.status_code == 302
    work_plan.refresh_from_db()
    assert work_plan.state == WorkPlan.State.SUBMITTED
    assert [m.to for m in mailoutbox] == [[line.fro.user.email]]

    client.force_login(line.fro.user)
    page = client.get(reverse("workplans:document", args=[work_plan.pk]))
    assert "Approve and sign" in page.content.decode()
    client.post(
        reverse("workplans:transition", args=[work_plan.pk, "return"]),
        {"comment": "Make goal 2 measurable."},
    )
    work_plan.refresh_from_db()
    assert work_plan.state == WorkPlan.State.RETURNED

    client.force_login(staff.user)
    page = client.get(reverse("workplans:edit", args=[work_plan.pk])).content.decode()
    assert "Make goal 2 measurable." in page
    client.post(reverse("workplans:transition", args=[work_plan.pk, "submit"]))
    client.force_login(line.fro.user)
    client.post(reverse("workplans:transition", args=[work_plan.pk, "approve"]))
    work_plan.refresh_from_db()
    assert work_plan.state == WorkPlan.State.APPROVED
    assert work_plan.signatures.count() == 4


def test_form_with_errors_keeps_everything_typed(client, cycle):
    staff = StaffMemberFactory()
    ReportingLineFactory(staff=staff, cycle=cycle)
    work_plan = WorkPlanFactory(staff=staff, cycle=cycle)
    client.force_login(staff.user)
    goals = [
        {"title": "Publish the annual report", "success_criteria": "Published by June"},
        {"title": "", "description": "A description with no title", "weight": "20"},
    ]
    response = client.post(
        reverse("workplans:edit", args=[work_plan.pk]), goal_post(work_plan, goals)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give the goal a title (or clear the whole goal)." in page
    assert "Publish the annual report" in page
    assert "Published by June" in page
    assert "A description with no title" in page
    assert not work_plan.goals.exists()


def test_a_refused_submission_saves_nothing_and_keeps_what_was_typed(client, cycle):
    """ "Save and submit" is one step: refused, nothing changes and the form comes back with
    the entries as typed (finding: two goals ticked for removal were already gone)."""
    staff = StaffMemberFactory()
    ReportingLineFactory(staff=staff, cycle=cycle)
    work_plan = WorkPlanFactory(staff=staff, cycle=cycle)
    client.force_login(staff.user)
    data = goal_post(work_plan, [{"title": "Only goal", "success_criteria": "Done"}])
    data["submit"] = "1"
    response = client.post(reverse("workplans:edit", args=[work_plan.pk]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved." in page
    assert "A work plan has 3 to 5 goals; this one has 1." in page
    assert 'value="Only goal"' in page
    work_plan.refresh_from_db()
    assert work_plan.state == WorkPlan.State.DRAFT
    assert not work_plan.goals.exists()


def test_removing_goals_and_submitting_too_few_keeps_every_goal(client):
    work_plan = make_complete_work_plan()
    client.force_login(work_plan.staff.user)
    goals = [
        {"id": g.pk, "title": g.title, "success_criteria": g.success_criteria}
        for g in work_plan.goals.filter(is_current=True)
    ]
    data = goal_post(work_plan, goals, competencies=chosen_competency_ids(work_plan))
    data["goals-0-DELETE"] = "on"
    data["goals-1-DELETE"] = "on"
    data["submit"] = "1"
    before = sorted(work_plan.goals.filter(is_current=True).values_list("pk", flat=True))
    response = client.post(reverse("workplans:edit", args=[work_plan.pk]), data)
    assert response.status_code == 200
    assert "Nothing was saved." in response.content.decode()
    assert sorted(work_plan.goals.filter(is_current=True).values_list("pk", flat=True)) == before
    assert not GoalChange.objects.filter(work_plan=work_plan, kind="removed").exists()


def test_goal_aligned_outside_the_line_is_refused(client, cycle):
    staff = StaffMemberFactory()
    ReportingLineFactory(staff=staff, cycle=cycle)
    work_plan = WorkPlanFactory(staff=staff, cycle=cycle)
    foreign = UnitGoalFactory(owner_unit=EntityFactory(), cycle=cycle)
    client.force_login(staff.user)
    data = goal_post(work_plan, [{"title": "G", "aligned_to": foreign.pk}])
    response = client.post(reverse("workplans:edit", args=[work_plan.pk]), data)
    assert "Select a valid choice." in response.content.decode()
    assert not work_plan.goals.exists()


def test_stale_approve_button_gives_the_reason_not_an_error(client):
    work_plan = build_document("approved")
    client.force_login(fro_of(work_plan))
    response = client.post(
        reverse("workplans:transition", args=[work_plan.pk, "approve"]), follow=True
    )
    assert response.status_code == 200
    assert "it can no longer be approved" in response.content.decode()


def test_fro_creates_on_behalf_but_cannot_fill(client, cycle):
    staff = StaffMemberFactory()
    line = ReportingLineFactory(staff=staff, cycle=cycle)
    client.force_login(line.fro.user)
    client.post(reverse("workplans:create", args=[staff.pk]))
    work_plan = WorkPlan.objects.get(staff=staff)
    assert client.get(reverse("workplans:edit", args=[work_plan.pk])).status_code == 403


def test_team_page_constant_queries(client, cycle, django_assert_max_num_queries):
    fro = StaffMemberFactory()
    unit = OrgUnitFactory()

    def add(n):
        for _ in range(n):
            staff = StaffMemberFactory(unit=unit)
            ReportingLineFactory(staff=staff, cycle=cycle, fro=fro)

    client.force_login(fro.user)
    add(5)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("workplans:team")).status_code == 200
    add(45)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workplans:team"))
    assert response.content.decode().count("Create work plan") == 50


# --- every document URL as every role ------------------------------------------------------


def document_urls(work_plan):
    return {
        "document": reverse("workplans:document", args=[work_plan.pk]),
        "edit": reverse("workplans:edit", args=[work_plan.pk]),
        "check-ins": reverse("workplans:check-ins", args=[work_plan.pk]),
        "midpoint": reverse("workplans:midpoint", args=[work_plan.pk]),
    }


@pytest.fixture
def people():
    supervisor = UserFactory()
    work_plan = build_document("approved", supervisors=[supervisor])
    entity = work_plan.staff.unit.entity
    other_entity = EntityFactory()
    return work_plan, {
        "staff": work_plan.staff.user,
        "fro": fro_of(work_plan),
        "sro": work_plan.staff.lines.get().sro.user,
        "additional_supervisor": supervisor,
        "hod": DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HOD).user,
        "hr": DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user,
        "other_hod": DepartmentRoleFactory(entity=other_entity, role="hod").user,
        "unrelated": StaffMemberFactory().user,
    }


# docs/rules.md section 7, work-plan stage (the plan is approved, so nobody may edit it: the
# staff member changes goals through the same page).
EXPECTED = {
    "staff": {"document": 200, "edit": 200, "check-ins": 200, "midpoint": 200},
    "fro": {"document": 200, "edit": 403, "check-ins": 200, "midpoint": 200},
    "sro": {"document": 200, "edit": 403, "check-ins": 403, "midpoint": 200},
    "additional_supervisor": {"document": 200, "edit": 403, "check-ins": 403, "midpoint": 403},
    "hod": {"document": 200, "edit": 403, "check-ins": 403, "midpoint": 200},
    "hr": {"document": 200, "edit": 403, "check-ins": 403, "midpoint": 200},
    "other_hod": {"document": 404, "edit": 404, "check-ins": 404, "midpoint": 404},
    "unrelated": {"document": 404, "edit": 404, "check-ins": 404, "midpoint": 404},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_document_urls_answer_each_role_as_designed(client, people, role):
    work_plan, users = people
    client.force_login(users[role])
    answers = {name: client.get(url).status_code for name, url in document_urls(work_plan).items()}
    assert answers == EXPECTED[role]


def test_document_urls_send_anonymous_users_to_login(client, people):
    work_plan, _ = people
    for url in document_urls(work_plan).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ["sro", "additional_supervisor", "hod", "hr", "unrelated"])
def test_only_the_fro_can_return_by_post(client, people, role):
    work_plan, users = people
    work_plan.state = WorkPlan.State.SUBMITTED
    WorkPlan.objects.filter(pk=work_plan.pk).update(state=WorkPlan.State.SUBMITTED)
    events = work_plan.events.count()
    client.force_login(users[role])
    response = client.post(
        reverse("workplans:transition", args=[work_plan.pk, "return"]), {"comment": "No"}
    )
    assert response.status_code in {302, 403, 404}
    work_plan.refresh_from_db()
    assert work_plan.state == WorkPlan.State.SUBMITTED
    assert work_plan.events.count() == events
