"""Mandatory training (issue 16 section 2): who must take which course, by when, and whether
it is done — one rule (`training.selectors`), read the same by the organisation-wide reader
and the one-person reader, and followed by the clock (a role or a line that ends)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from org.models import DepartmentRole, StaffMember, User
from pmsystem.errors import ApplicationError
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
)
from training import selectors, services
from training.models import Completion, Course
from training.selectors import DONE, DUE, OVERDUE, Facts, assess, member

from .helpers import course, org

pytestmark = pytest.mark.django_db
D = datetime.date


def _course(**fields) -> Course:
    values = {
        "code": "X",
        "name": "X",
        "audience": "staff",
        "deadline_months": 6,
        "starts_on": D(2000, 1, 1),
        **fields,
    }
    return Course(**values)


# --- the dates, by hand -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "months", "due"),
    [
        (D(2024, 2, 29), 6, D(2024, 8, 29)),  # entry on 29 February
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # 31 January + 1 month: the month's last day
        (D(2023, 8, 31), 6, D(2024, 2, 29)),  # across a year, into a leap February
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),  # a cycle boundary (31 March -> 30 April)
    ],
)
def test_the_first_deadline_is_months_after_entry_on_duty(entry, months, due):
    c = _course(deadline_months=months)
    base, _ = member(c, Facts(entry_on_duty=entry, entity_id=1))
    assert assess(c, base, None, today=due) == (DUE, due, None)
    assert assess(c, base, None, today=due + datetime.timedelta(days=1)) == (OVERDUE, due, None)


def test_a_new_course_counts_from_the_day_it_is_in_force_not_from_an_old_appointment():
    c = _course(starts_on=D(2026, 9, 1), deadline_months=6)
    base, _ = member(c, Facts(entry_on_duty=D(2010, 5, 17), entity_id=1))
    assert assess(c, base, None, today=D(2026, 12, 6)) == (DUE, D(2027, 3, 1), None)


def test_a_completion_counts_for_its_validity_and_is_due_again_the_day_it_expires():
    c = _course(validity_years=2)
    base = D(2020, 1, 1)
    done = D(2024, 2, 29)
    assert assess(c, base, done, today=D(2026, 2, 27)) == (DONE, D(2026, 2, 28), D(2026, 2, 27))
    assert assess(c, base, done, today=D(2026, 2, 28)) == (DUE, D(2026, 2, 28), None)
    assert assess(c, base, done, today=D(2026, 3, 1)) == (OVERDUE, D(2026, 2, 28), None)
    # Without a validity a completion counts for good.
    assert assess(_course(), base, done, today=D(2040, 1, 1))[0] == DONE


def test_who_a_course_binds():
    staff = Facts(entry_on_duty=D(2020, 1, 1), grade="P-3", entity_id=7)
    assert member(_course(audience="grades", grades=["P-3", "P-4"]), staff)
    assert member(_course(audience="grades", grades=["D-1"]), staff) is None
    assert member(_course(audience="managers"), staff) is None  # not managing
    assert member(_course(audience="role", role="hod"), staff) is None
    hod = Facts(roles=(("hod", D(2025, 5, 2), 7),))
    assert member(_course(audience="role", role="hod"), hod) == (D(2025, 5, 2), 7)
    assert member(_course(entity_id=8), staff) is None  # another entity's course
    assert member(_course(entity_id=7), staff) == (D(2020, 1, 1), 7)


def test_an_fro_counts_from_their_first_line_in_any_cycle_or_from_appointment():
    o = org()
    earlier = CycleFactory(start_year=2024)
    ReportingLineFactory(
        staff=StaffMemberFactory(unit=o.unit),
        cycle=earlier,
        fro=o.fro,
        effective_from=D(2024, 6, 15),
    )
    first = course(o.admin, code="FIRST", deadline_from="first_managing")
    appointed = course(o.admin, code="APPT", deadline_from="appointment")
    found = {x.course_id: x for x in selectors.user_obligations(o.fro.user)}
    assert found[first.pk].due == D(2024, 12, 15)
    assert found[appointed.pk].due == D(2015, 9, 1)  # entry on duty 1 March 2015
    assert found[first.pk].state == OVERDUE
    # Someone with no team is not an FRO: nothing binds them.
    assert selectors.user_obligations(o.team[0].user) == []


def test_both_readers_give_every_person_the_same_obligations():
    o = org(team_size=3)
    other = EntityFactory()
    outsider = StaffMemberFactory(unit=OrgUnitFactory(parent=other), grade="P-3")
    DepartmentRoleFactory(
        entity=other,
        user=outsider.user,
        role=DepartmentRole.Role.HR_FOCAL_POINT,
        start=D(2026, 2, 1),
    )
    courses = [
        course(o.admin, code="MGR"),
        course(o.admin, code="ALL", audience="staff", validity_years=1),
        course(o.admin, code="P3", audience="grades", grades=["P-3"]),
        course(o.admin, code="HR", audience="role", role="hr_focal_point", deadline_months=3),
        course(o.hr, code="ENT", audience="staff", entity=o.entity),
    ]
    services.record_completion(
        actor=o.admin, user=o.fro.user, course=courses[0], completed_on=D(2026, 5, 1)
    )
    services.record_completion(
        actor=o.admin, user=o.team[0].user, course=courses[1], completed_on=D(2025, 1, 1)
    )
    everyone = selectors.obligations()
    people = {x.user_id for x in everyone}
    assert outsider.pk in people and o.hr.pk in people
    for user_id in people | {o.hod.pk}:
        alone = sorted(
            selectors.user_obligations(User.objects.get(pk=user_id)), key=lambda x: x.course_id
        )
        assert alone == sorted(
            (x for x in everyone if x.user_id == user_id), key=lambda x: x.course_id
        ), user_id
    # The entity's course binds its staff only.
    assert {x.user_id for x in everyone if x.course_id == courses[4].pk} == set(
        StaffMember.objects.filter(unit__entity=o.entity).values_list("pk", flat=True)
    )
    by_key = {(x.user_id, x.course_id): x for x in everyone}
    assert by_key[(o.fro.pk, courses[0].pk)].state == DONE
    assert by_key[(o.team[0].pk, courses[1].pk)].state == OVERDUE  # expired on 1 Jan 2026
    assert by_key[(outsider.pk, courses[3].pk)].due == D(2026, 5, 1)


def test_the_clock_ends_an_obligation_with_the_role_or_the_line():
    o = org(team_size=1)
    hr_course = course(o.admin, code="HR", audience="role", role="hr_focal_point")
    manager_course = course(o.admin, code="MGR")
    role = DepartmentRole.objects.get(user=o.hr, role="hr_focal_point")
    role.end = datetime.date.today() + datetime.timedelta(days=3)
    role.save()
    line = o.team[0].lines.get()
    line.effective_to = datetime.date.today() + datetime.timedelta(days=3)
    line.save()
    assert hr_course.pk in {x.course_id for x in selectors.user_obligations(o.hr)}
    assert manager_course.pk in {x.course_id for x in selectors.user_obligations(o.fro.user)}
    with time_machine.travel(datetime.date.today() + datetime.timedelta(days=5), tick=False):
        assert selectors.user_obligations(o.hr) == []
        assert selectors.user_obligations(o.fro.user) == []
        assert {x.user_id for x in selectors.obligations()} == set()


def test_an_inactive_account_or_course_binds_nobody():
    o = org(team_size=1)
    c = course(o.admin, code="ALL", audience="staff")
    assert o.team[0].pk in {x.user_id for x in selectors.obligations()}
    o.team[0].user.is_active = False
    o.team[0].user.save()
    assert o.team[0].pk not in {x.user_id for x in selectors.obligations()}
    services.save_course(actor=o.admin, course=c, data={"is_active": False})
    assert selectors.obligations() == []


# --- the catalogue --------------------------------------------------------------------------------


def test_hr_keeps_their_entitys_courses_and_administrators_the_organisations():
    o = org()
    with pytest.raises(ApplicationError) as refused:
        course(o.hr, code="ORG")
    assert refused.value.message == (
        "An organisation-wide course is kept by the system administrators."
    )
    with pytest.raises(ApplicationError) as refused:
        course(o.hr, code="OTHER", entity=EntityFactory())
    assert refused.value.message == "You may not keep the courses of this entity."
    with pytest.raises(ApplicationError):
        course(o.hod, code="HOD", entity=o.entity)
    mine = course(o.hr, code="MINE", entity=o.entity)
    org_wide = course(o.admin, code="ORG")
    services.save_course(actor=o.hr, course=mine, data={"name": "Renamed"})
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.save_course(actor=o.hr, course=org_wide, data={"name": "Mine now"})
    assert Course.objects.get(pk=org_wide.pk).name == "Performance Management and Development"


def test_a_course_says_clearly_what_is_missing():
    o = org()
    with pytest.raises(ValidationError) as error:
        course(o.admin, code="G", audience="grades", grades=[])
    assert error.value.message_dict["grades"] == ["Choose the grades that must take the course."]
    with pytest.raises(ValidationError) as error:
        course(o.admin, code="R", audience="role", role="")
    assert "Choose the department role" in error.value.message_dict["role"][0]
    with pytest.raises(ValidationError) as error:
        course(o.admin, code="S", audience="staff", deadline_from="first_managing")
    assert error.value.message_dict["deadline_from"][0].startswith(
        "Only a course for FROs and SROs"
    )
    assert not Course.objects.exists()


# --- completions recorded by HR -------------------------------------------------------------------


def test_hr_records_completions_of_their_entitys_staff_only():
    o = org()
    c = course(o.admin)
    services.record_completion(actor=o.hr, user=o.fro.user, course=c, completed_on=D(2026, 11, 2))
    assert selectors.user_obligations(o.fro.user)[0].state == DONE
    stranger = StaffMemberFactory()
    with pytest.raises(ApplicationError) as refused:
        services.record_completion(
            actor=o.hr, user=stranger.user, course=c, completed_on=D(2026, 11, 2)
        )
    assert refused.value.message == (
        "You may only record the training of staff of the entities you keep."
    )
    with pytest.raises(ApplicationError) as refused:
        services.record_completion(
            actor=o.hr, user=o.fro.user, course=c, completed_on=D(2026, 11, 2)
        )
    assert refused.value.message == "This completion is already recorded."
    with pytest.raises(ApplicationError) as refused:
        services.record_completion(
            actor=o.hr,
            user=o.fro.user,
            course=c,
            completed_on=datetime.date.today() + datetime.timedelta(days=1),
        )
    assert refused.value.message == "A course cannot be completed in the future."
    with pytest.raises(ApplicationError):
        services.record_completion(
            actor=o.hod, user=o.fro.user, course=c, completed_on=D(2026, 10, 2)
        )
    assert Completion.objects.count() == 1


def test_the_admin_route_writes_no_course_completion_or_board_comment(admin_client):
    """Courses and completions are kept on the training pages (the rules of
    `training.services`), board comments on the board's: the Django admin only reads them."""
    o = org()
    c = course(o.admin)
    completion = services.record_completion(
        actor=o.hr, user=o.fro.user, course=c, completed_on=D(2026, 11, 2)
    )
    for url in (
        "/admin/training/course/add/",
        "/admin/training/completion/add/",
        "/admin/board/boardcomment/add/",
    ):
        assert admin_client.get(url).status_code == 403, url
    change = f"/admin/training/course/{c.pk}/change/"
    assert admin_client.get(change).status_code == 200  # readable
    admin_client.post(change, {"code": "HACK", "name": "Changed", "audience": "staff"})
    assert Course.objects.get(pk=c.pk).code == "PMD"
    delete = f"/admin/training/completion/{completion.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Completion.objects.filter(pk=completion.pk).exists()
