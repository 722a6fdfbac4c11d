"""HR changes a staff member's probation or contract type after they have records (issue 16,
docs/rules.md section 10): by re-importing the staff file or in the Django admin, the same way.

What an HR user expects: the milestones recorded so far are kept (never deleted), and the
schedule follows the current flags: on probation, the probation milestones are shown and
due; no longer on probation, none is due or shown as to do; on a technical-cooperation
contract, its appraisals; back on another contract, none. Nothing about a schedule is stored
but what happened (`ScheduleRecord`), so every route that writes the flags gives the same
result.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from org.importer import import_org
from org.models import StaffMember, User
from schedules import selectors, services
from schedules.models import ScheduleRecord
from tests.factories import CycleFactory, UserFactory, WorkPlanFactory
from workplans.models import WorkPlan

from .helpers import World, world

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 12, 1)
TC = StaffMember.ContractType.TECHNICAL_COOPERATION
FIXED_TERM = StaffMember.ContractType.FIXED_TERM
STAFF_HEADER = (
    "index_number,first_name,last_name,email,grade,gender,unit_code,entry_on_duty,"
    "contract_type,on_probation\n"
)


def reimport(
    member: StaffMember, *, on_probation: bool, contract_type: str, actor: User | None = None
) -> None:
    """HR re-imports the staff file with the member's row changed (as the system, or as
    `actor`)."""
    member.refresh_from_db()
    user = member.user
    row = ",".join(
        [
            member.index_number,
            user.first_name,
            user.last_name,
            user.email,
            member.grade,
            member.gender,
            member.unit.code,
            member.entry_on_duty.isoformat(),
            contract_type,
            "yes" if on_probation else "no",
        ]
    )
    result = import_org(files=[("staff.csv", (STAFF_HEADER + row + "\n").encode())], actor=actor)
    assert result.ok, result.errors


def admin_edit(
    member: StaffMember, *, on_probation: bool, contract_type: str, admin: User | None = None
) -> None:
    """A system administrator (`admin`, else a new one) changes the member in the Django
    admin's change form."""
    member.refresh_from_db()
    client = Client()
    client.force_login(admin or UserFactory(is_staff=True, is_superuser=True))
    data = {
        "user": member.user_id,
        "index_number": member.index_number,
        "grade": member.grade,
        "gender": member.gender,
        "unit": member.unit_id,
        "entry_on_duty": member.entry_on_duty.isoformat(),
        "contract_type": contract_type,
        "is_active": "on" if member.is_active else "",
    }
    if on_probation:
        data["on_probation"] = "on"
    url = reverse("admin:org_staffmember_change", args=[member.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


ROUTES: dict[str, Callable[..., None]] = {"import": reimport, "admin": admin_edit}


@pytest.fixture(params=list(ROUTES))
def change(request) -> Callable[..., None]:
    return ROUTES[request.param]


def codes(member: StaffMember) -> dict[str, str]:
    """The member's milestones and their states on TODAY ({} without a schedule)."""
    schedule = selectors.staff_schedule(member.pk, TODAY)
    return {step.code: step.state for step in schedule.steps} if schedule else {}


def fro_tasks(w: World, member: StaffMember) -> list[str]:
    """What the FRO's My tasks asks about the member's milestones on TODAY."""
    return [
        task.label
        for task in selectors.schedule_tasks(w.fro.user, TODAY)
        if task.url_args == (member.pk,)
    ]


def recorded(w: World, member: StaffMember, code: str, held_on: D) -> ScheduleRecord:
    return services.record_milestone(
        actor=w.fro.user,
        staff=member,
        code=code,
        held_on=held_on,
        summary="Met and agreed the next steps.",
        today=TODAY,
    )


def test_probation_turned_off_keeps_the_records_and_nothing_is_due(change):
    w = world()
    member = w.probationer(D(2026, 4, 1))
    WorkPlanFactory(staff=member, cycle=w.cycle)
    record = recorded(w, member, "discussion", D(2026, 4, 20))
    assert codes(member)["midterm_6"] == "overdue" and fro_tasks(w, member)

    change(member, on_probation=False, contract_type=FIXED_TERM)

    assert not StaffMember.objects.get(pk=member.pk).on_probation
    assert codes(member) == {}
    assert fro_tasks(w, member) == []
    assert selectors.schedule_tasks(member.user, TODAY) == []
    # The record of what happened stays, and so does the work plan.
    assert ScheduleRecord.objects.filter(pk=record.pk, staff=member).exists()
    assert WorkPlan.objects.filter(staff=member, cycle=w.cycle).exists()


def test_probation_turned_on_shows_the_milestones_and_turned_back_the_records_count(change):
    """A staff member HR forgot to flag: once on probation, their milestones are counted from
    their entry on duty (past ones overdue, the FRO asked to record them); off and on again,
    what was recorded in between is still done."""
    w = world()
    member = w.probationer(D(2026, 4, 1))
    StaffMember.objects.filter(pk=member.pk).update(on_probation=False)
    WorkPlanFactory(staff=member, cycle=w.cycle)
    assert codes(member) == {}

    change(member, on_probation=True, contract_type=FIXED_TERM)

    assert codes(member) == {
        "discussion": "overdue",
        "midterm_6": "overdue",
        "appraisal_12": "due",
        "midterm_18": "due",
        "report_21": "due",
    }
    labels = fro_tasks(w, member)
    assert len(labels) == 2 and all(label.startswith("Record the milestone") for label in labels)
    recorded(w, member, "discussion", D(2026, 4, 20))

    change(member, on_probation=False, contract_type=FIXED_TERM)
    assert codes(member) == {}
    change(member, on_probation=True, contract_type=FIXED_TERM)
    assert codes(member)["discussion"] == "done"
    assert ScheduleRecord.objects.filter(staff=member).count() == 1


def test_contract_type_to_technical_cooperation_and_back(change):
    cycle = CycleFactory(start_year=2026, tc_first_appraisal_months=6, tc_appraisal_every_months=12)
    w = world(cycle=cycle)
    member = w.probationer(D(2026, 4, 1))
    StaffMember.objects.filter(pk=member.pk).update(on_probation=False)
    WorkPlanFactory(staff=member, cycle=cycle)

    change(member, on_probation=False, contract_type="tc")

    assert StaffMember.objects.get(pk=member.pk).contract_type == TC
    assert codes(member) == {"tc_1": "overdue", "tc_2": "due"}
    schedule = selectors.staff_schedule(member.pk, TODAY)
    assert schedule is not None and schedule.kinds == ["tc"]
    record = recorded(w, member, "tc_1", D(2026, 10, 1))

    change(member, on_probation=False, contract_type=FIXED_TERM)
    assert codes(member) == {}
    assert fro_tasks(w, member) == []
    assert ScheduleRecord.objects.filter(pk=record.pk).exists()

    # On probation and on a technical-cooperation contract: both schedules.
    change(member, on_probation=True, contract_type="tc")
    both = codes(member)
    assert both["tc_1"] == "done" and both["discussion"] == "overdue"
    assert selectors.staff_schedule(member.pk, TODAY).kinds == ["probation", "tc"]


def test_the_importer_reads_the_technical_cooperation_contract_by_its_name():
    w = world()
    member = w.probationer(D(2026, 4, 1))
    for word in ("tc", "Technical cooperation", "technical_cooperation", "technical-cooperation"):
        reimport(member, on_probation=True, contract_type=word)
        assert StaffMember.objects.get(pk=member.pk).contract_type == TC, word
        reimport(member, on_probation=True, contract_type="fixed_term")


def test_the_records_of_someone_taken_off_probation_stay_on_their_page(change, client):
    """Taken off probation (by the import or the admin), the staff member's page and their own
    schedules page still show what was recorded, read-only; who could read it still can,
    no one else."""
    w = world()
    member = w.probationer(D(2026, 4, 1))
    recorded(w, member, "discussion", D(2026, 4, 20))
    change(member, on_probation=False, contract_type=FIXED_TERM)

    page = reverse("schedules:staff", args=[member.pk])
    for reader in (w.fro.user, w.hr, member.user):
        client.force_login(reader)
        html = client.get(page).content.decode()
        assert "This staff member is not on a special schedule." in html
        assert "Milestones recorded while on a special schedule" in html
        assert "Met and agreed the next steps." in html
        assert "Initial discussion" in html
    client.force_login(member.user)
    home = client.get(reverse("schedules:home")).content.decode()
    assert "The milestone recorded while you were on a special schedule" in home
    client.force_login(UserFactory())
    assert client.get(page).status_code == 404
