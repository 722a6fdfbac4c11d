"""HR's bulk work (org.bulk, issue 17): reassigning many reporting lines at once through the
plan of a single change, deadline extensions, launching a cycle; previews that are what is
applied, all or nothing, the record and its undo."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from appraisals.pending import pending_actions as evaluation_pending
from compliance.selectors import my_tasks
from org import bulk, deadlines
from org.models import BulkChange, Cycle, DepartmentRole, OrgUnit, ReportingLine, StaffMember
from org.services import change_reporting_line
from pmsystem.errors import ApplicationError
from pmsystem.notifications import muted
from tests.appraisals.helpers import make_document_at
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    WorkPlanFactory,
)
from tests.workplans.helpers import fro_of, sro_of
from workplans.models import WorkPlan
from workplans.pending import pending_actions as work_plan_pending
from workplans.permissions import visible_work_plans
from workplans.selectors import work_plan_tasks

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


class World:
    """One entity: a division and a section below it; an HR focal point; a leaving FRO, their
    SRO and a successor; `size` staff of the section reporting to the leaving FRO."""

    def __init__(self, size: int = 3, cycle: Cycle | None = None):
        self.cycle = cycle or CycleFactory()
        self.entity = EntityFactory()
        self.division = OrgUnitFactory(parent=self.entity, kind=OrgUnit.Kind.DIVISION)
        self.section = OrgUnitFactory(parent=self.division, kind=OrgUnit.Kind.SECTION)
        self.hr = StaffMemberFactory(unit=self.division)
        DepartmentRoleFactory(
            entity=self.entity, user=self.hr.user, role=DepartmentRole.Role.HR_FOCAL_POINT
        )
        self.old_fro = StaffMemberFactory(unit=self.division, grade="P-4")
        self.sro = StaffMemberFactory(unit=self.division, grade="P-5")
        self.new_fro = StaffMemberFactory(unit=self.division, grade="P-4")
        self.staff = [StaffMemberFactory(unit=self.section) for _ in range(size)]
        for person in self.staff:
            ReportingLineFactory(staff=person, cycle=self.cycle, fro=self.old_fro, sro=self.sro)

    def replace(self, leaving=None, replacement=None) -> bulk.Selection:
        return bulk.Selection(
            kind="replace",
            leaving=leaving or self.old_fro,
            replacement=replacement or self.new_fro,
        )

    def preview(self, selection, *, effective_from=TODAY, actor=None):
        return bulk.reassignment_preview(
            actor=(actor or self.hr).user,
            entity=self.entity,
            cycle=self.cycle,
            selection=selection,
            effective_from=effective_from,
        )

    def reassign(self, selection, *, effective_from=TODAY, actor=None, previewed=None):
        actor = actor or self.hr
        if previewed is None:
            previewed = self.preview(selection, effective_from=effective_from, actor=actor).digest
        return bulk.reassign_lines(
            actor=actor.user,
            entity=self.entity,
            cycle=self.cycle,
            selection=selection,
            effective_from=effective_from,
            reason="Ahmed retires at the end of the month; Sara takes over his team.",
            previewed=previewed,
        )


def lines_snapshot():
    return sorted(
        ReportingLine.objects.values_list(
            "pk", "staff_id", "fro_id", "sro_id", "effective_from", "effective_to"
        )
    )


def test_a_reassignment_moves_access_from_the_old_fro_to_the_new_one(client):
    world = World(size=3)
    documents = [WorkPlanFactory(staff=person, cycle=world.cycle) for person in world.staff]
    ids = {document.pk for document in documents}
    assert set(visible_work_plans(world.old_fro.user).values_list("pk", flat=True)) == ids
    assert not visible_work_plans(world.new_fro.user).exists()

    change = world.reassign(world.replace())

    assert change.count == 3 and change.kind == BulkChange.Kind.REASSIGNMENT
    assert set(visible_work_plans(world.new_fro.user).values_list("pk", flat=True)) == ids
    assert not visible_work_plans(world.old_fro.user).exists()
    # Through the pages as well: the new FRO opens each document, the old one finds none.
    for document in documents:
        assert fro_of(document) == world.new_fro.user
        client.force_login(world.new_fro.user)
        assert client.get(f"/workplans/{document.pk}/").status_code == 200
        client.force_login(world.old_fro.user)
        assert client.get(f"/workplans/{document.pk}/").status_code == 404
    # The old line ends the day before, the new starts on the day; the record keeps both.
    for row in change.rows.select_related("closed_line", "new_line"):
        assert row.closed_line.effective_to == TODAY - datetime.timedelta(days=1)
        assert row.new_line.effective_from == TODAY and row.new_line.effective_to is None
        assert (row.old_fro, row.new_fro) == (world.old_fro, world.new_fro)
        assert row.old_sro == row.new_sro == world.sro


def test_the_leaving_officer_as_sro_is_replaced_in_that_role():
    world = World(size=2)
    boss = StaffMemberFactory(unit=world.division, grade="D-1")
    ReportingLine.objects.filter(staff=world.old_fro, cycle=world.cycle).delete()
    reports = StaffMemberFactory(unit=world.section)
    ReportingLineFactory(staff=reports, cycle=world.cycle, fro=world.sro, sro=world.old_fro)
    world.reassign(world.replace(replacement=boss))
    line = ReportingLine.objects.get(staff=reports, cycle=world.cycle, effective_to=None)
    assert (line.fro, line.sro) == (world.sro, boss)
    assert ReportingLine.objects.filter(fro=boss, effective_to=None).count() == 2


def test_an_sro_made_fro_of_the_same_staff_is_refused_and_nothing_changes():
    world = World(size=3)
    before = lines_snapshot()
    selection = bulk.Selection(kind="unit", unit=world.section, fro=world.sro)
    preview = world.preview(selection)
    assert preview.blocked and not preview.rows
    assert {plan.refusal for plan in preview.refused} == {
        "The SRO must be a different person from the FRO."
    }
    with pytest.raises(ApplicationError, match="Nothing was changed"):
        world.reassign(selection, previewed=preview.digest)
    assert lines_snapshot() == before
    assert not BulkChange.objects.exists()


def test_an_sro_who_signed_is_never_made_fro_even_with_a_new_sro():
    document = make_document_at("acknowledgement")
    staff = document.staff
    entity = staff.unit.entity
    hr = StaffMemberFactory(unit=staff.unit)
    DepartmentRoleFactory(entity=entity, user=hr.user, role=DepartmentRole.Role.HR_FOCAL_POINT)
    other = StaffMemberFactory(unit=staff.unit)
    selection = bulk.Selection(
        kind="people",
        people=(staff.index_number,),
        fro=sro_of(document).staff,
        sro=other,
    )
    preview = bulk.reassignment_preview(
        actor=hr.user,
        entity=entity,
        cycle=document.cycle,
        selection=selection,
        effective_from=TODAY,
    )
    (refused,) = preview.refused
    assert "signed this staff member's" in refused.refusal and "as SRO" in refused.refusal
    # The single change refuses it for the same reason (the same plan backs both).
    with pytest.raises(ApplicationError, match="as SRO, so they cannot be named its FRO"):
        change_reporting_line(
            staff=staff,
            cycle=document.cycle,
            fro=sro_of(document).staff,
            sro=other,
            effective_from=TODAY,
        )


def test_all_or_nothing_with_every_refused_row_reported():
    world = World(size=4)
    before = lines_snapshot()
    # The first staff member would become their own FRO; a named number is unknown.
    numbers = (*(p.index_number for p in world.staff), "NOPE-1")
    selection = bulk.Selection(kind="people", people=numbers, fro=world.staff[0])
    preview = world.preview(selection)
    assert [plan.staff for plan in preview.refused] == [world.staff[0]]
    assert preview.refused[0].refusal == "A staff member cannot be their own FRO."
    assert [m.index_number for m in preview.missing] == ["NOPE-1"]
    assert len(preview.rows) == 3
    with pytest.raises(ApplicationError):
        world.reassign(selection, previewed=preview.digest)
    assert lines_snapshot() == before
    assert not BulkChange.objects.exists()


def test_the_preview_is_what_is_applied_and_a_changed_preview_is_refused():
    world = World(size=3)
    selection = world.replace()
    preview = world.preview(selection)
    previewed = {(p.staff.pk, p.line.fro_id, p.line.sro_id) for p in preview.rows}
    # Someone joins the leaving FRO's team after the preview: confirming it changes nothing.
    newcomer = StaffMemberFactory(unit=world.section)
    ReportingLineFactory(staff=newcomer, cycle=world.cycle, fro=world.old_fro, sro=world.sro)
    before = lines_snapshot()
    with pytest.raises(bulk.PreviewChanged):
        world.reassign(selection, previewed=preview.digest)
    assert lines_snapshot() == before
    # Previewed again, what is written is exactly the preview's rows.
    preview = world.preview(selection)
    assert len(preview.rows) == 4
    change = world.reassign(selection, previewed=preview.digest)
    written = set(change.rows.values_list("staff_id", "new_fro_id", "new_sro_id"))
    assert written == {(p.staff.pk, p.line.fro_id, p.line.sro_id) for p in preview.rows}
    assert previewed < written


def test_a_future_effective_date_changes_access_on_that_day():
    world = World(size=2)
    document = WorkPlanFactory(staff=world.staff[0], cycle=world.cycle)
    later = TODAY + datetime.timedelta(days=10)
    world.reassign(world.replace(), effective_from=later)
    assert visible_work_plans(world.old_fro.user).filter(pk=document.pk).exists()
    assert not visible_work_plans(world.new_fro.user).filter(pk=document.pk).exists()
    with time_machine.travel(later, tick=False):
        assert visible_work_plans(world.new_fro.user).filter(pk=document.pk).exists()
        assert not visible_work_plans(world.old_fro.user).filter(pk=document.pk).exists()


def test_hr_makes_no_change_to_a_document_where_they_hold_a_role():
    world = World(size=2)
    ReportingLine.objects.filter(staff=world.staff[1]).update(fro=world.hr)
    selection = bulk.Selection(kind="unit", unit=world.section, sro=world.new_fro)
    preview = world.preview(selection)
    (refused,) = preview.refused
    assert refused.staff == world.staff[1]
    assert "another HR focal point of the entity does" in refused.refusal


def test_only_an_hr_focal_point_of_the_entity_reassigns():
    world = World(size=1)
    hod = StaffMemberFactory(unit=world.division)
    DepartmentRoleFactory(entity=world.entity, user=hod.user, role=DepartmentRole.Role.HOD)
    other_hr = StaffMemberFactory()
    DepartmentRoleFactory(
        entity=EntityFactory(), user=other_hr.user, role=DepartmentRole.Role.HR_FOCAL_POINT
    )
    before = lines_snapshot()
    for actor in (hod, other_hr):
        with pytest.raises(ApplicationError, match="Only an HR focal point"):
            world.reassign(world.replace(), actor=actor, previewed="x")
    assert lines_snapshot() == before
    assert list(bulk.hr_entities(world.hr.user)) == [world.entity]
    assert list(bulk.record_entities(hod.user)) == [world.entity]
    assert not bulk.hr_entities(hod.user).exists()


def test_everyone_concerned_is_told_with_the_hand_over_note(
    mailoutbox, django_capture_on_commit_callbacks
):
    world = World(size=2)
    with django_capture_on_commit_callbacks(execute=True):
        world.reassign(world.replace())
    recipients = {address for message in mailoutbox for address in message.to}
    expected = {p.user.email for p in (*world.staff, world.old_fro, world.new_fro, world.sro)}
    assert recipients == expected
    assert all("Sara takes over his team" in message.body for message in mailoutbox)


# --- undo -------------------------------------------------------------------------------------


def test_undo_within_the_window_restores_the_lines_and_access():
    world = World(size=3)
    documents = [WorkPlanFactory(staff=person, cycle=world.cycle) for person in world.staff]
    before = lines_snapshot()
    change = world.reassign(world.replace())
    assert bulk.undo_refusal(change, world.hr.user) is None
    with muted():
        bulk.undo_bulk_change(change=change, actor=world.hr.user)
    assert lines_snapshot() == before
    assert visible_work_plans(world.old_fro.user).count() == len(documents)
    assert not visible_work_plans(world.new_fro.user).exists()
    change.refresh_from_db()
    assert change.undone_by == world.hr.user and change.undone_at is not None
    assert change.rows.count() == 3  # the record stays
    assert bulk.undo_refusal(change, world.hr.user) == "This change was already undone."


def test_undo_is_refused_to_others_after_the_window_and_once_something_was_signed():
    world = World(size=1)
    colleague = StaffMemberFactory(unit=world.division)
    DepartmentRoleFactory(
        entity=world.entity, user=colleague.user, role=DepartmentRole.Role.HR_FOCAL_POINT
    )
    change = world.reassign(world.replace())
    assert "who made this change, may undo it" in bulk.undo_refusal(change, colleague.user)
    later = timezone.now() + datetime.timedelta(hours=25)
    assert "ended" in bulk.undo_refusal(change, world.hr.user, now=later)
    with pytest.raises(ApplicationError):
        bulk.undo_bulk_change(change=change, actor=colleague.user)
    # The new FRO acts on the document (a signed stage): the change stays.
    from tests.workplans.helpers import make_approved_work_plan

    make_approved_work_plan(staff=world.staff[0], cycle=world.cycle)
    assert "was signed since this change" in bulk.undo_refusal(change, world.hr.user)


# --- deadline extensions ----------------------------------------------------------------------


def test_an_extension_moves_reminders_and_my_tasks_for_those_it_names_only():
    world = World(size=3)
    outsider = StaffMemberFactory(unit=world.division)
    ReportingLineFactory(staff=outsider, cycle=world.cycle, fro=world.old_fro, sro=world.sro)
    cycle = world.cycle
    due = cycle.workplan_due + datetime.timedelta(days=45)
    selection = bulk.Selection(kind="unit", unit=world.section)
    preview = bulk.extension_preview(
        entity=world.entity,
        cycle=cycle,
        deadline="work_plan",
        due=due,
        selection=selection,
    )
    assert [row.staff for row in preview.rows] == sorted(world.staff, key=lambda s: s.index_number)
    change = bulk.extend_deadline(
        actor=world.hr.user,
        entity=world.entity,
        cycle=cycle,
        deadline="work_plan",
        due=due,
        selection=selection,
        reason="The section moved offices in May.",
        previewed=preview.digest,
    )
    assert change.count == 3 and change.extensions.count() == 3
    dues = {
        action.staff_id: action.due
        for action in work_plan_pending(today=TODAY)
        if action.stage == "work_plan"
    }
    assert {dues[p.pk] for p in world.staff} == {due}
    assert dues[outsider.pk] == cycle.workplan_due
    (task,) = work_plan_tasks(world.staff[0].user, cycle)
    assert task.due == due
    (task,) = [t for t in my_tasks(world.staff[1].user, cycle) if t.url_name == "workplans:mine"]
    assert task.due == due
    (task,) = work_plan_tasks(outsider.user, cycle)
    assert task.due == cycle.workplan_due
    assert deadlines.due_for(cycle, world.staff[0], "work_plan") == due
    # Undone, every due date falls back to the cycle's.
    with muted():
        bulk.undo_bulk_change(change=change, actor=world.hr.user)
    assert deadlines.due_for(cycle, world.staff[0], "work_plan") == cycle.workplan_due


def test_an_extension_reaches_the_evaluation_stages_and_never_brings_a_date_forward():
    document = make_document_at("fro_evaluation")
    cycle, staff = document.cycle, document.staff
    entity = staff.unit.entity
    hr = StaffMemberFactory(unit=staff.unit)
    DepartmentRoleFactory(entity=entity, user=hr.user, role=DepartmentRole.Role.HR_FOCAL_POINT)
    selection = bulk.Selection(kind="people", people=(staff.index_number,))
    with pytest.raises(ApplicationError, match="must be after"):
        bulk.extension_preview(
            entity=entity,
            cycle=cycle,
            deadline="end_of_cycle",
            due=cycle.end_of_cycle_due,
            selection=selection,
        )
    due = cycle.end_of_cycle_due + datetime.timedelta(days=30)
    preview = bulk.extension_preview(
        entity=entity, cycle=cycle, deadline="end_of_cycle", due=due, selection=selection
    )
    bulk.extend_deadline(
        actor=hr.user,
        entity=entity,
        cycle=cycle,
        deadline="end_of_cycle",
        due=due,
        selection=selection,
        reason="Extended sick leave of the FRO.",
        previewed=preview.digest,
    )
    (action,) = [a for a in evaluation_pending(today=TODAY) if a.staff_id == staff.pk]
    assert (action.stage, action.due) == ("fro_evaluation", due)
    # A shorter extension later changes nothing for them (the latest date holds).
    shorter = cycle.end_of_cycle_due + datetime.timedelta(days=10)
    preview = bulk.extension_preview(
        entity=entity, cycle=cycle, deadline="end_of_cycle", due=shorter, selection=selection
    )
    assert not preview.rows and [row.due for row in preview.unchanged] == [due]


def test_an_extension_naming_someone_outside_the_entity_is_blocked():
    world = World(size=1)
    stranger = StaffMemberFactory()
    ReportingLineFactory(staff=stranger, cycle=world.cycle)
    selection = bulk.Selection(
        kind="people", people=(world.staff[0].index_number, stranger.index_number)
    )
    due = world.cycle.workplan_due + datetime.timedelta(days=7)
    preview = bulk.extension_preview(
        entity=world.entity, cycle=world.cycle, deadline="work_plan", due=due, selection=selection
    )
    assert preview.blocked and [m.index_number for m in preview.missing] == [stranger.index_number]
    with pytest.raises(ApplicationError):
        bulk.extend_deadline(
            actor=world.hr.user,
            entity=world.entity,
            cycle=world.cycle,
            deadline="work_plan",
            due=due,
            selection=selection,
            reason="Moved offices.",
            previewed=preview.digest,
        )
    assert not BulkChange.objects.exists()


# --- launching a cycle ------------------------------------------------------------------------


def test_launching_a_cycle_copies_the_last_lines_and_leaves_out_what_cannot_be_made():
    world = World(size=4)
    # The first staff member's FRO changed during the cycle: the last line is copied.
    first = world.staff[0]
    change_reporting_line(
        staff=first,
        cycle=world.cycle,
        fro=world.new_fro,
        sro=world.sro,
        effective_from=TODAY,
    )
    # The second already has a line in the new cycle; the third's FRO left the organisation.
    new_cycle = CycleFactory(name="2027-28", start_year=2027, status=Cycle.Status.PLANNED)
    kept = ReportingLineFactory(
        staff=world.staff[1], cycle=new_cycle, fro=world.sro, sro=world.new_fro
    )
    leaver = StaffMemberFactory(unit=world.division, is_active=False)
    ReportingLine.objects.filter(staff=world.staff[2], cycle=world.cycle).update(fro=leaver)
    preview = bulk.launch_preview(actor=world.hr.user, entity=world.entity, cycle=new_cycle)
    assert [p.staff for p in preview.refused] == [world.staff[2]]
    assert preview.refused[0].refusal == "The FRO must be an active staff member."
    assert preview.kept == 1
    copied = {p.staff for p in preview.rows}
    assert first in copied and world.staff[3] in copied and world.staff[1] not in copied
    change = bulk.launch_cycle(
        actor=world.hr.user,
        entity=world.entity,
        cycle=new_cycle,
        reason="",
        previewed=preview.digest,
    )
    assert change.source_cycle == world.cycle and change.count == len(preview.rows)
    line = ReportingLine.objects.get(staff=first, cycle=new_cycle)
    assert (line.fro, line.sro, line.effective_from) == (world.new_fro, world.sro, new_cycle.start)
    assert ReportingLine.objects.get(staff=world.staff[1], cycle=new_cycle) == kept
    assert not ReportingLine.objects.filter(staff=world.staff[2], cycle=new_cycle).exists()
    # Launching again finds nothing more to copy but the one left out.
    again = bulk.launch_preview(actor=world.hr.user, entity=world.entity, cycle=new_cycle)
    assert not again.rows and len(again.refused) == 1
    # Undone (nobody started a document in the new cycle yet): the copied lines go.
    bulk.undo_bulk_change(change=change, actor=world.hr.user)
    assert list(ReportingLine.objects.filter(cycle=new_cycle)) == [kept]


def test_a_launch_is_not_undone_once_a_document_was_started():
    world = World(size=1)
    new_cycle = CycleFactory(name="2027-28", start_year=2027, status=Cycle.Status.OPEN)
    preview = bulk.launch_preview(actor=world.hr.user, entity=world.entity, cycle=new_cycle)
    change = bulk.launch_cycle(
        actor=world.hr.user,
        entity=world.entity,
        cycle=new_cycle,
        reason="Launch",
        previewed=preview.digest,
    )
    WorkPlanFactory(staff=world.staff[0], cycle=new_cycle)
    assert "has started their" in bulk.undo_refusal(change, world.hr.user)


# --- the single change backs the bulk one -----------------------------------------------------


def test_change_reporting_line_closes_the_current_line_and_refuses_what_a_row_would():
    world = World(size=1)
    person = world.staff[0]
    line = change_reporting_line(
        staff=person,
        cycle=world.cycle,
        fro=world.new_fro,
        sro=world.sro,
        effective_from=TODAY,
    )
    assert line.pk and line.fro == world.new_fro
    assert ReportingLine.objects.filter(staff=person, effective_to=None).get() == line
    with pytest.raises(ApplicationError, match="must start after"):
        change_reporting_line(
            staff=person,
            cycle=world.cycle,
            fro=world.old_fro,
            sro=world.sro,
            effective_from=TODAY,
        )
    with pytest.raises(ApplicationError, match="different person"):
        change_reporting_line(
            staff=person,
            cycle=world.cycle,
            fro=world.sro,
            sro=world.sro,
            effective_from=TODAY + datetime.timedelta(days=1),
        )
    assert StaffMember.objects.filter(pk=person.pk).exists()
    assert WorkPlan.objects.count() == 0
