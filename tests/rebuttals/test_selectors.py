"""Reads for rebuttals: HR's monitoring list with what is late (frozen clock), the rebuttal
part of "My tasks" for the HOD, HR and the chair, and constant queries at 5 and 50 cases for
the monitor page and My tasks."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from compliance.selectors import my_tasks
from org.models import Delegation, DepartmentRole, OrgUnit, RatingLevel, User
from pmsystem.pending import Task
from rebuttals import services
from rebuttals.models import (
    Group,
    PanelMember,
    PanelRoster,
    RebuttalCase,
    RosterMember,
    StatusFileRecord,
)
from rebuttals.selectors import CaseRow, monitored_cases, rebuttal_tasks
from tests.factories import (
    DelegationFactory,
    DepartmentRoleFactory,
    StaffMemberFactory,
    UserFactory,
    WorkPlanFactory,
)
from tests.rebuttals.helpers import (
    built_rebuttable_document,
    entity_role,
    filed_case,
    full_panel,
    published_roster,
)
from tests.workplans.helpers import fro_of

pytestmark = pytest.mark.django_db

S = RebuttalCase.State
UTC = datetime.UTC
FILED = datetime.datetime(2027, 5, 10, 9, 0, tzinfo=UTC)


def on(days: int) -> datetime.datetime:
    """A moment `days` after the filing."""
    return FILED + datetime.timedelta(days=days)


def hod_of(case: RebuttalCase) -> User:
    return entity_role(case.document.staff.unit.entity, DepartmentRole.Role.HOD)


def hr_of(case: RebuttalCase) -> User:
    return entity_role(case.document.staff.unit.entity, DepartmentRole.Role.HR_FOCAL_POINT)


def level(case: RebuttalCase, code: str) -> RatingLevel:
    return RatingLevel.objects.get(
        scale__cycle=case.document.cycle, scale__kind="overall", code=code
    )


@pytest.fixture
def case() -> RebuttalCase:
    """A case filed at FILED: the HOD's reply is due on day 14, the report on day 60."""
    with time_machine.travel(on(-2), tick=False):
        document = built_rebuttable_document()  # acknowledged two days before the filing
    with time_machine.travel(FILED, tick=False):
        case = filed_case(document)
    assert (case.reply_due, case.report_due) == (on(14).date(), on(60).date())
    return case


def case_filed_on(day: int, *, unit: OrgUnit) -> RebuttalCase:
    """Another case, of a staff member of `unit`, filed `day` days after FILED."""
    with time_machine.travel(on(day - 2), tick=False):
        document = built_rebuttable_document(staff=StaffMemberFactory(unit=unit))
    with time_machine.travel(on(day), tick=False):
        return filed_case(document)


def late_ids(user: User) -> set[int]:
    return set(monitored_cases(user, late_only=True).values_list("pk", flat=True))


def row(case: RebuttalCase) -> CaseRow:
    return CaseRow(RebuttalCase.objects.get(pk=case.pk), datetime.date.today())


# --- monitored_cases: what is late -------------------------------------------------------------


def test_the_hod_reply_is_late_from_the_day_after_it_was_due(case):
    hr = hr_of(case)
    with time_machine.travel(on(14), tick=False):
        assert late_ids(hr) == set()
        assert (row(case).reply_late, row(case).late) == (False, False)
    with time_machine.travel(on(15), tick=False):
        assert late_ids(hr) == {case.pk}
        assert (row(case).reply_late, row(case).report_late, row(case).late) == (
            True,
            False,
            True,
        )
        services.reply_to_rebuttal(case=case, actor=hod_of(case), reply="Late, but here.")
        assert late_ids(hr) == set()
        assert row(case).reply_late is False


def test_the_report_is_late_from_the_day_after_it_was_due(case):
    hr = hr_of(case)
    services.reply_to_rebuttal(case=case, actor=hod_of(case), reply="The rating stands.")
    chair = full_panel(case)[Group.CHAIR].user
    with time_machine.travel(on(60), tick=False):
        assert late_ids(hr) == set()
        assert row(case).report_late is False
    with time_machine.travel(on(61), tick=False):
        assert late_ids(hr) == {case.pk}
        assert (row(case).reply_late, row(case).report_late) == (False, True)
        services.record_report(
            case=case, actor=chair, rating=level(case, "PM"), report="Maintained."
        )
        assert late_ids(hr) == set()
        assert row(case).late is False


def test_an_unanswered_case_is_late_for_both_after_the_report_date(case):
    with time_machine.travel(on(61), tick=False):
        assert (row(case).reply_late, row(case).report_late) == (True, True)
        assert late_ids(hr_of(case)) == {case.pk}


def test_the_late_filter_and_the_state_filter_combine(case):
    hr = hr_of(case)
    replied = case_filed_on(0, unit=case.document.staff.unit)
    services.reply_to_rebuttal(case=replied, actor=hod_of(case), reply="Done.")
    with time_machine.travel(on(15), tick=False):
        assert late_ids(hr) == {case.pk}
        assert set(monitored_cases(hr, state=S.REPLIED).values_list("pk", flat=True)) == {
            replied.pk
        }
        assert not monitored_cases(hr, state=S.REPLIED, late_only=True).exists()
        assert set(monitored_cases(hr, state=S.FILED, late_only=True)) == {case}


def test_each_hr_focal_point_and_hod_monitors_their_own_entities_only(case):
    entity = case.document.staff.unit.entity
    other_hr = DepartmentRoleFactory(role=DepartmentRole.Role.HR_FOCAL_POINT).user
    other_entity = OrgUnit.objects.get(department_roles__user=other_hr)
    theirs = case_filed_on(0, unit=other_entity)
    hr, hod = hr_of(case), hod_of(case)
    # An HR focal point of both entities sees both and filters by entity.
    both = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user
    DepartmentRoleFactory(entity=other_entity, user=both, role=DepartmentRole.Role.HR_FOCAL_POINT)

    assert list(monitored_cases(hr)) == [case]
    assert list(monitored_cases(hod)) == [case]
    assert list(monitored_cases(other_hr)) == [theirs]
    assert set(monitored_cases(both)) == {case, theirs}
    assert list(monitored_cases(both, entity_id=other_entity.pk)) == [theirs]
    for user in (
        case.document.staff.user,
        fro_of(case.document),
        entity_role(entity, DepartmentRole.Role.STAFF_REPRESENTATIVE),
    ):
        assert not monitored_cases(user).exists()


def test_the_monitor_page_marks_and_filters_what_is_late(case, client):
    on_time = case_filed_on(10, unit=case.document.staff.unit)
    hr = hr_of(case)
    with time_machine.travel(on(15), tick=False):
        client.force_login(hr)
        page = client.get(reverse("rebuttals:monitor")).content.decode()
        assert page.count('<span class="badge overdue">late</span>') == 1
        page = client.get(reverse("rebuttals:monitor"), {"late": "on"}).content.decode()
    assert str(case.document.staff.user) in page
    assert str(on_time.document.staff.user) not in page


# --- rebuttal_tasks ---------------------------------------------------------------------------


def tasks_of(user: User) -> list[tuple]:
    return [(t.label, t.url_name, t.url_args, t.due, t.role) for t in rebuttal_tasks(user, None)]


def test_the_hod_is_asked_to_reply_until_they_do(case):
    hod = hod_of(case)
    name = case.document.staff.user
    assert tasks_of(hod) == [
        (f"Reply to the rebuttal of {name}", "rebuttals:case", (case.pk,), case.reply_due, "HOD")
    ]
    services.reply_to_rebuttal(case=case, actor=hod, reply="Reply.")
    assert tasks_of(hod) == []


def test_the_acting_hod_is_asked_to_reply(case):
    acting = UserFactory()
    assert tasks_of(acting) == []
    DelegationFactory(principal=hod_of(case), acting=acting, role=Delegation.Role.HOD)
    assert [t[0] for t in tasks_of(acting)] == [
        f"Reply to the rebuttal of {case.document.staff.user}"
    ]


def test_hr_is_asked_to_constitute_the_panel_then_to_forward_the_report(case):
    hr = hr_of(case)
    name = case.document.staff.user
    members = published_roster(case.document.staff.unit.entity)
    constitute = (
        f"Constitute the rebuttal panel for {name}",
        "rebuttals:case",
        (case.pk,),
        case.report_due,
        "HR focal point",
    )
    assert tasks_of(hr) == [constitute]
    services.reply_to_rebuttal(case=case, actor=hod_of(case), reply="Reply.")
    assert tasks_of(hr) == [constitute]
    panel = full_panel(case, members)
    assert tasks_of(hr) == []
    # A member excused for a conflict leaves a seat to fill: the task comes back.
    services.declare_conflict(
        case=case, actor=panel[Group.STAFF_DESIGNATED].user, reason="My former FRO."
    )
    assert tasks_of(hr) == [constitute]
    spare = RosterMember.objects.filter(
        roster__entity=case.document.staff.unit.entity, group=Group.STAFF_DESIGNATED
    ).exclude(user=panel[Group.STAFF_DESIGNATED].user)[0]
    services.appoint_panel_member(case=case, actor=hr, roster_member=spare)
    assert tasks_of(hr) == []
    services.record_report(
        case=case, actor=panel[Group.CHAIR].user, rating=level(case, "SM"), report="Raised."
    )
    assert tasks_of(hr) == [
        (
            f"Forward the panel report on {name} to the status file",
            "rebuttals:case",
            (case.pk,),
            case.report_due,
            "HR focal point",
        )
    ]
    services.forward_to_status_file(case=case, actor=hr)
    assert tasks_of(hr) == []


def test_the_chair_is_asked_for_the_report_once_the_hod_replied(case):
    panel = full_panel(case)
    chair = panel[Group.CHAIR].user
    assert tasks_of(chair) == []  # nothing to record before the HOD's reply
    services.reply_to_rebuttal(case=case, actor=hod_of(case), reply="Reply.")
    assert tasks_of(chair) == [
        (
            f"Record the panel report on {case.document.staff.user}",
            "rebuttals:case",
            (case.pk,),
            case.report_due,
            "Panel chair",
        )
    ]
    for seat in (Group.HOD_DESIGNATED, Group.STAFF_DESIGNATED):
        assert tasks_of(panel[seat].user) == []
    services.record_report(case=case, actor=chair, rating=level(case, "PM"), report="Kept.")
    assert tasks_of(chair) == []


def test_nobody_else_gets_a_rebuttal_task(case):
    document = case.document
    entity = document.staff.unit.entity
    others = [
        document.staff.user,
        fro_of(document),
        entity_role(entity, DepartmentRole.Role.STAFF_REPRESENTATIVE),
        DepartmentRoleFactory(role=DepartmentRole.Role.HOD).user,
        DepartmentRoleFactory(role=DepartmentRole.Role.HR_FOCAL_POINT).user,
    ]
    for user in others:
        assert tasks_of(user) == [], user


def test_rebuttal_tasks_reach_my_tasks_with_overdue_first(case):
    hod = hod_of(case)
    later = case_filed_on(10, unit=case.document.staff.unit)
    with time_machine.travel(on(15), tick=False):
        tasks = my_tasks(hod, case.document.cycle)
        assert [(t.url_args, t.overdue) for t in tasks] == [
            ((case.pk,), True),
            ((later.pk,), False),
        ]
        assert all(isinstance(t, Task) for t in tasks)


# --- constant queries at 5 and 50 cases -------------------------------------------------------

SIZES = [5, 50]
# The same bound at both sizes. Measured: monitor page 5, my_tasks 10 (one for the documents
# the user acts on, read once for every app's tasks, two for feedback: upward answers due,
# colleague requests and lists, one for the ratings standards to acknowledge, one for the
# mandatory courses, one for the rebuttal cases waiting, compiled once per process), home
# page 17 (issue 14: 13 and 21 before); the pages leave a little room for the session and
# security middleware, and an N+1 shows at 50 cases.
# Pages count one query for the second-factor check: it follows today's roles on every request
# (org.middleware.MFARequiredMiddleware) unless the account is required and already enrolled.
MONITOR_PAGE_QUERIES = 9
# Issue 16 section 4: one more for the special schedules (the staff member's own milestones and
# those of the staff they are FRO of, with their figures and records, in one query).
MY_TASKS_QUERIES = 11
HOME_PAGE_QUERIES = 18
STATES = [S.FILED, S.REPLIED, S.REPORTED, S.FORWARDED]


def more_cases(template: RebuttalCase, count: int, manager: User) -> dict[str, int]:
    """`count` cases in the template's entity and cycle, spread over the states, with
    `manager` in the chair of the replied ones. The rows are written straight to the tables:
    these tests read, the services are tested elsewhere (a document through all nine steps
    takes about a second; fifty would make the test slow without testing more)."""
    unit = template.document.staff.unit
    cycle = template.document.cycle
    roster, _ = PanelRoster.objects.get_or_create(entity=unit.entity)
    chair = RosterMember.objects.create(
        roster=roster,
        user=manager,
        group=Group.CHAIR,
        designated_by=manager,
    )
    seen = {state: 0 for state in STATES}
    for i in range(count):
        state = STATES[i % len(STATES)]
        seen[state] += 1
        document = WorkPlanFactory(staff=StaffMemberFactory(unit=unit), cycle=cycle)
        case = RebuttalCase.objects.create(
            document=document,
            state=state,
            statement=f"Statement {i}.",
            original_rating=template.original_rating,
            reply_due=template.reply_due,
            report_due=template.report_due,
            hod_reply="" if state == S.FILED else "Reply.",
        )
        if state == S.REPLIED:
            PanelMember.objects.create(
                case=case, roster_member=chair, user=manager, seat=Group.CHAIR, appointed_by=manager
            )
        if state in (S.REPORTED, S.FORWARDED):
            RebuttalCase.objects.filter(pk=case.pk).update(
                panel_rating=template.original_rating, report="Kept."
            )
        if state == S.FORWARDED:
            StatusFileRecord.objects.create(
                case=case, forwarded_by=manager, report_pdf="r.pdf", evaluation_pdf="e.pdf"
            )
    return seen


@pytest.fixture
def manager_and_template() -> tuple[User, RebuttalCase]:
    """A case filed through the services, and a manager who is both HOD and HR focal point
    of its entity (so every rebuttal task list has rows)."""
    template = filed_case(built_rebuttable_document())
    entity = template.document.staff.unit.entity
    manager = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HOD).user
    DepartmentRoleFactory(entity=entity, user=manager, role=DepartmentRole.Role.HR_FOCAL_POINT)
    return manager, template


@pytest.mark.parametrize("size", SIZES)
def test_monitor_page_runs_constant_queries(
    manager_and_template, size, client, django_assert_max_num_queries
):
    manager, template = manager_and_template
    more_cases(template, size - 1, manager)
    client.force_login(manager)
    with django_assert_max_num_queries(MONITOR_PAGE_QUERIES):
        page = client.get(reverse("rebuttals:monitor")).content.decode()
    assert page.count('href="/rebuttals/') >= size
    assert RebuttalCase.objects.count() == size


@pytest.mark.parametrize("size", SIZES)
def test_my_tasks_runs_constant_queries(manager_and_template, size, django_assert_max_num_queries):
    manager, template = manager_and_template
    seen = more_cases(template, size - 1, manager)
    seen[S.FILED] += 1  # the template
    with django_assert_max_num_queries(MY_TASKS_QUERIES):
        tasks = my_tasks(manager, template.document.cycle)
    # Filed: reply (HOD) and constitute (HR); replied: constitute and report (chair); reported:
    # forward; forwarded: nothing.
    assert len(tasks) == 2 * seen[S.FILED] + 2 * seen[S.REPLIED] + seen[S.REPORTED]


@pytest.mark.parametrize("size", SIZES)
def test_my_tasks_page_runs_constant_queries(
    manager_and_template, size, client, django_assert_max_num_queries
):
    manager, template = manager_and_template
    more_cases(template, size - 1, manager)
    client.force_login(manager)
    with django_assert_max_num_queries(HOME_PAGE_QUERIES):
        page = client.get(reverse("home")).content.decode()
    assert page.count("Reply to the rebuttal of") == (size - 1 + 3) // 4 + 1
