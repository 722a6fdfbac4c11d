"""The compliance summary (compliance/summary.py) always equals the dashboard's aggregate over
the base tables: after random document steps (services, bulk writes, plain updates as the
admin makes them), roll-backs, imports, reporting-line changes, moved units, edited cycles,
deleted documents and rolled-back transactions; and `check_compliance_summary` reports a
difference and repairs it."""

from __future__ import annotations

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from appraisals import services as appraisal_services
from appraisals.models import Appraisal
from compliance import dashboard as reports
from compliance import summary
from compliance.models import (
    EntitySummary,
    FroLedger,
    FroSummary,
    StageLedger,
    StageSummary,
)
from org import bulk, deadlines
from org.importer import import_org
from org.models import (
    BulkChange,
    Cycle,
    DeadlineExtension,
    OrgUnit,
    ReportingLine,
    StaffMember,
)
from org.services import change_reporting_line
from pmsystem.errors import ApplicationError
from pmsystem.notifications import muted
from standards.models import Acknowledgement, RatingsStandard
from tests.appraisals.helpers import hr_focal_point
from tests.builders import build_document
from tests.factories import StaffMemberFactory
from tests.workplans.helpers import fro_of
from workplans import services as workplan_services
from workplans.models import Goal, MidpointReview, WorkPlan

from .helpers import at, build_small_org, extend_deadline, moment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="triggers: PostgreSQL"),
]

DAYS = [datetime.date(2026, 5, 1), datetime.date(2026, 6, 15), datetime.date(2027, 7, 10)]


def assert_equal_to_base_tables(what: str) -> None:
    for today in DAYS:  # "overdue" is decided at read time: any day gives the same sums
        result = summary.compare(today)
        assert result.differences == [], f"after {what} (read on {today}): " + "; ".join(
            map(str, result.differences[:5])
        )


def staff_csv(staff: StaffMember, **changes) -> tuple[str, bytes]:
    row = {
        "index_number": staff.index_number,
        "first_name": staff.user.first_name,
        "last_name": staff.user.last_name,
        "email": staff.user.email,
        "grade": staff.grade,
        "gender": staff.gender,
        "unit_code": staff.unit.code,
        "entry_on_duty": staff.entry_on_duty.isoformat(),
        "active": "yes" if staff.is_active else "no",
    } | changes
    text = ",".join(row) + "\n" + ",".join(str(v) for v in row.values()) + "\n"
    return ("staff.csv", text.encode())


class Steps:
    """Random changes to the small organisation, each through a route the application has."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.org = build_small_org()
        self.cycle = self.org.cycle

    def documents(self) -> list[WorkPlan]:
        return list(WorkPlan.objects.select_related("staff__unit", "cycle").order_by("pk"))

    def people(self) -> list[StaffMember]:
        return list(StaffMember.objects.select_related("user", "unit").order_by("pk"))

    def new_document(self) -> str:
        stage = self.rng.choice(
            ["draft", "submitted", "approved", "midpoint_open", "self_assessment", "completed"]
        )
        staff = StaffMemberFactory(
            unit=self.rng.choice([self.org.unit1, self.org.div2, self.org.other_div]),
            grade=self.rng.choice(["G-4", "P-3", "D-1", "NO-B"]),
            gender=self.rng.choice("FMX"),
        )
        build_document(stage, staff=staff, cycle=self.cycle, fro=self.org.fro, sro=self.org.sro)
        return f"a new document at {stage} (bulk writer)"

    def plain_update(self) -> str:
        """What the admin or a script does: a row's state and dates changed in place."""
        document = self.rng.choice(self.documents())
        day = datetime.datetime(2026, self.rng.randint(4, 12), self.rng.randint(1, 28), 12)
        when = day.replace(tzinfo=datetime.UTC)
        choice = self.rng.randrange(3)
        if choice == 0:
            state = self.rng.choice(list(WorkPlan.State.values))
            WorkPlan.objects.filter(pk=document.pk).update(
                state=state, approved_at=when if state == WorkPlan.State.APPROVED else None
            )
            return f"work plan {document.pk} set to {state}"
        if choice == 1:
            state = self.rng.choice(list(MidpointReview.State.values))
            MidpointReview.objects.update_or_create(
                work_plan=document,
                defaults={"state": state, "finalised_at": when},
                create_defaults={
                    "state": state,
                    "finalised_at": when,
                    "started_by_id": document.staff_id,
                },
            )
            return f"mid-point review of {document.pk} set to {state}"
        state = self.rng.choice(list(Appraisal.State.values))
        updated = Appraisal.objects.filter(document=document).update(
            state=state, sro_signed_at=when, acknowledged_at=when
        )
        return f"evaluation of {document.pk} set to {state} ({updated} row)"

    def service_step(self) -> str:
        submitted = WorkPlan.objects.filter(state=WorkPlan.State.SUBMITTED).first()
        if submitted is not None:
            workplan_services.approve_work_plan(work_plan=submitted, actor=fro_of(submitted))
            return f"work plan {submitted.pk} approved by its FRO"
        staff = StaffMemberFactory(unit=self.org.unit1)
        document = build_document("draft", staff=staff, cycle=self.cycle, fro=self.org.fro)
        workplan_services.submit_work_plan(work_plan=document, actor=staff.user)
        return f"work plan {document.pk} submitted by the staff member"

    def roll_back(self) -> str:
        candidates = WorkPlan.objects.filter(
            appraisal__state__in=[Appraisal.State.SRO_REVIEW, Appraisal.State.ACKNOWLEDGEMENT],
            staff__unit__entity=self.org.entity,
        )
        document = candidates.first()
        if document is None:
            document = build_document(
                "sro_review",
                staff=StaffMemberFactory(unit=self.org.div2),
                cycle=self.cycle,
                fro=self.org.fro,
                sro=self.org.sro,
            )
        target = self.rng.choice(["work_plan", "self_assessment", "fro_evaluation"])
        appraisal_services.roll_back_document(
            document=document,
            actor=hr_focal_point(document, self.org.hr),
            requested_by=fro_of(document),
            reason="Written request.",
            target_stage=target,
        )
        return f"document {document.pk} rolled back to {target}"

    def staff_import(self) -> str:
        person = self.rng.choice([p for p in self.people() if p.pk not in (self.org.fro.pk,)])
        change = self.rng.choice(
            [
                {"unit_code": self.rng.choice(["UNIT1", "DIV2", "DEP", "ODIV", "SEC1"])},
                {"grade": self.rng.choice(["G-2", "P-4", "D-2", "NO-C", "FS-5"])},
                {"active": self.rng.choice(["yes", "no"])},
                {"gender": self.rng.choice("FMX")},
                {"entry_on_duty": f"2026-0{self.rng.randint(1, 9)}-1{self.rng.randint(0, 9)}"},
            ]
        )
        result = import_org(files=[staff_csv(person, **change)])
        assert result.ok, result.errors
        return f"import: {person.index_number} {change}"

    def line_change(self) -> str:
        person = self.rng.choice(list(self.org.staff.values()))
        fro, sro = self.rng.sample([self.org.fro, self.org.sro, self.org.staff["q1"]], 2)
        if person.pk in (fro.pk, sro.pk):
            return "no line change (the staff member would supervise themselves)"
        try:
            change_reporting_line(
                staff=person,
                cycle=self.cycle,
                fro=fro,
                sro=sro,
                effective_from=self.cycle.start
                + datetime.timedelta(days=self.rng.randint(60, 200)),
            )
        except ApplicationError as refused:  # a conflict of interest: nothing changed
            return f"no line change ({refused})"
        return f"reporting line of {person.index_number} changed"

    def edit_line(self) -> str:
        """What the admin does to a reporting line: ends it, gives it another FRO, or deletes
        it (the ratings standards' FROs, FroSummary)."""
        line = self.rng.choice(list(ReportingLine.objects.order_by("pk")))
        choice = self.rng.randrange(3)
        if choice == 0:
            end = line.effective_from + datetime.timedelta(days=self.rng.randint(0, 90))
            ReportingLine.objects.filter(pk=line.pk).update(effective_to=end)
            return f"reporting line {line.pk} ended on {end} (admin)"
        if choice == 1:
            officers = [self.org.fro, self.org.sro, self.org.staff["q1"]]
            free = [o for o in officers if o.pk not in (line.staff_id, line.sro_id, line.fro_id)]
            if not free:
                return "no FRO change (no other officer free)"
            ReportingLine.objects.filter(pk=line.pk).update(fro=free[0])
            return f"reporting line {line.pk} given FRO {free[0].pk} (admin)"
        line.delete()
        return f"reporting line {line.pk} deleted (admin)"

    def bulk_reassign(self) -> str:
        """HR's bulk page: the FRO of a unit's staff replaced from a day in the cycle."""
        cycle = Cycle.objects.get(pk=self.cycle.pk)
        effective_from = cycle.start + datetime.timedelta(days=self.rng.randint(30, 250))
        officers = self.rng.sample([self.org.fro, self.org.staff["q1"]], 2)
        refusals = []
        for fro in officers:  # the one who is not their FRO already
            selection = bulk.Selection(kind="unit", unit=self.org.unit1, fro=fro)
            try:
                preview = bulk.reassignment_preview(
                    actor=self.org.hr,
                    entity=self.org.entity,
                    cycle=cycle,
                    selection=selection,
                    effective_from=effective_from,
                )
                with muted():
                    bulk.reassign_lines(
                        actor=self.org.hr,
                        entity=self.org.entity,
                        cycle=cycle,
                        selection=selection,
                        effective_from=effective_from,
                        reason="The unit has a new chief.",
                        previewed=preview.digest,
                    )
            except ApplicationError as refused:
                refusals.append(str(refused))
                continue
            return f"UNIT1's FRO replaced from {effective_from} (bulk page)"
        return f"no bulk reassignment ({'; '.join(refusals)})"

    def move_unit(self) -> str:
        unit = self.org.div2
        entity = self.rng.choice([self.org.entity, self.org.other])
        OrgUnit.objects.filter(pk__in=[unit.pk]).update(parent=entity, entity=entity)
        return f"DIV2 moved under {entity.code}"

    def edit_cycle(self) -> str:
        cycle = Cycle.objects.get(pk=self.cycle.pk)
        cycle.workplan_due = datetime.date(2026, self.rng.randint(5, 7), self.rng.randint(1, 28))
        cycle.midpoint_due = datetime.date(2026, 10, self.rng.randint(1, 31))
        cycle.new_staff_workplan_months = self.rng.randint(1, 4)
        cycle.save()
        return f"cycle dates changed ({cycle.workplan_due}, {cycle.midpoint_due})"

    def delete_document(self) -> str:
        document = self.rng.choice(self.documents())
        if Appraisal.objects.filter(document=document).exists():
            return "kept a document with an evaluation"
        document.delete()
        return f"document {document.pk} deleted"

    def extension(self) -> str:
        """HR extends a deadline for the entity (the bulk page's service), undoes an extension,
        or the admin deletes one."""
        cycle = Cycle.objects.get(pk=self.cycle.pk)
        choice = self.rng.randrange(4)
        live = BulkChange.objects.filter(kind=BulkChange.Kind.EXTENSION, undone_at__isnull=True)
        if choice == 2 and live.exists():
            change = self.rng.choice(list(live))
            with muted():
                bulk.undo_bulk_change(change=change, actor=self.org.hr)
            return f"extension {change.pk} undone"
        if choice == 3 and DeadlineExtension.objects.exists():
            row = self.rng.choice(list(DeadlineExtension.objects.all()))
            row.delete()
            return f"extension row of {row.staff_id} deleted (admin)"
        deadline = self.rng.choice(["work_plan", "midpoint", "end_of_cycle"])
        due = deadlines.cycle_due(cycle, deadline) + datetime.timedelta(
            days=self.rng.randint(5, 120)
        )
        try:
            extend_deadline(self.org, deadline, due, bulk.Selection(kind="entity"), cycle=cycle)
        except ApplicationError as refused:
            return f"no extension ({refused})"
        return f"extension of {deadline} to {due} (bulk page)"

    def rolled_back_transaction(self) -> str:
        with pytest.raises(RuntimeError), transaction.atomic():
            self.plain_update()
            self.staff_import()
            raise RuntimeError("the request failed")
        return "a transaction that changed a document and a staff member, rolled back"


@pytest.mark.slow
def test_summary_equals_the_base_tables_after_random_changes_by_every_route():
    rng = random.Random(15)  # noqa: S311 - a reproducible sequence, not a secret
    steps = Steps(rng)
    assert StageLedger.objects.exists() and StageSummary.objects.exists()
    assert_equal_to_base_tables("building the small organisation")
    moves = [
        steps.new_document,
        steps.plain_update,
        steps.plain_update,
        steps.service_step,
        steps.roll_back,
        steps.staff_import,
        steps.line_change,
        steps.edit_line,
        steps.move_unit,
        steps.edit_cycle,
        steps.delete_document,
        steps.extension,
        steps.extension,
        steps.rolled_back_transaction,
    ]
    done = []
    for _ in range(36):
        move = rng.choice(moves)
        done.append(move())
        assert_equal_to_base_tables(done[-1])
    # The sequence went through the kinds of change the rule names.
    kinds = ("rolled back to", "import:", "reporting line", "set to", "(bulk writer)")
    for kind in (*kinds, "(bulk page)", "undone", "(admin)"):
        assert any(kind in d for d in done), kind


def test_the_dashboard_reads_the_summary_with_the_base_tables_figures():
    """The same figures as the hand-computed small organisation (tests/compliance/helpers.py),
    read from the summary, in one aggregate query over a handful of rows."""
    org = build_small_org()
    today = datetime.date(2027, 7, 10)
    scope = reports.resolve_scope(org.hr, cycle_id=org.cycle.pk, today=today)
    from .helpers import EXPECTED_AFTER_DEADLINES, figures

    board = reports.compliance_dashboard(scope)
    got = {s.stage: figures(s) for s in board.summary.stages}
    assert got == EXPECTED_AFTER_DEADLINES
    assert EntitySummary.objects.filter(entity=org.entity).exists()
    # people_count: the dashboard's own figure
    for stage, (
        total,
        not_started,
        in_progress,
        done,
        on_time,
        late,
        overdue,
    ) in EXPECTED_AFTER_DEADLINES.items():
        for status, expected in (
            ("not_started", not_started),
            ("in_progress", in_progress),
            ("done", done),
            ("on_time", on_time),
            ("late", late),
            ("overdue", overdue),
        ):
            assert reports.people_count(scope, stage=stage, status=status) == expected
            assert len(reports.people(scope, stage=stage, status=status)) == expected
        assert reports.people_count(scope) == total


def test_check_compliance_summary_reports_a_difference_and_fix_repairs_it():
    org = build_small_org()
    out = io.StringIO()
    call_command("check_compliance_summary", stdout=out)
    assert "0 differences" in out.getvalue()
    # Behind the triggers' back (as a restored backup or a manual edit might).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE compliance_stagesummary SET workplan_done = workplan_done + 1 "
            "WHERE id = (SELECT min(id) FROM compliance_stagesummary WHERE total > 0)"
        )
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 differences"):
        call_command("check_compliance_summary", stdout=out)
    assert "workplan_done: summary" in out.getvalue()
    out = io.StringIO()
    call_command("check_compliance_summary", "--fix", stdout=out)
    assert "rebuilt" in out.getvalue() and "0 differences" in out.getvalue()
    assert org.cycle.pk in set(StageSummary.objects.values_list("cycle_id", flat=True))


def test_a_deleted_cycle_leaves_nothing_in_the_summary():
    org = build_small_org()
    other = build_document("approved")  # its own new cycle
    cycle = other.cycle
    assert StageLedger.objects.filter(cycle=cycle).exists()
    Appraisal.objects.filter(document__cycle=cycle).delete()
    WorkPlan.objects.filter(cycle=cycle).delete()
    Goal.objects.filter(cycle=cycle).delete()  # the unit goal its work plan aligned to
    cycle.delete()
    assert not StageLedger.objects.filter(cycle_id=cycle.pk).exists()
    assert not StageSummary.objects.filter(cycle_id=cycle.pk).exists()
    assert not EntitySummary.objects.filter(cycle_id=cycle.pk).exists()
    assert not FroLedger.objects.filter(cycle_id=cycle.pk).exists()
    assert not FroSummary.objects.filter(cycle_id=cycle.pk).exists()
    assert summary.compare().differences == []
    assert StageLedger.objects.filter(cycle=org.cycle).exists()


def test_check_compliance_summary_reports_a_difference_in_the_froes_and_fix_repairs_it():
    build_small_org()
    assert FroSummary.objects.filter(lines__gt=0).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE compliance_frosummary SET lines = lines + 1 "
            "WHERE id = (SELECT min(id) FROM compliance_frosummary WHERE lines > 0)"
        )
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 differences"):
        call_command("check_compliance_summary", stdout=out)
    assert "FROs (cycle, entity, FRO, dates)" in out.getvalue()
    assert "lines: summary" in out.getvalue()
    out = io.StringIO()
    call_command("check_compliance_summary", "--fix", stdout=out)
    assert "0 differences" in out.getvalue()


def publish_and_acknowledge(org) -> None:
    """Standards in force in both entities, acknowledged by every officer the steps use."""
    for entity in (org.entity, org.other):
        standard = RatingsStandard.objects.create(
            entity=entity,
            cycle=org.cycle,
            version=1,
            state=RatingsStandard.State.PUBLISHED,
            created_by=org.hr,
            published_by=org.hr,
            published_at=moment("2026-05-01"),
        )
        for officer in (org.fro, org.staff["q1"]):
            Acknowledgement.objects.create(standard=standard, user=officer.user)


@pytest.mark.slow
def test_the_ratings_standards_froes_from_the_summary_equal_the_lines_after_random_changes():
    """The dashboard reads each entity's FROs and acknowledgements from FroSummary
    (`summary.froes_in_effect`, and its prepared counts `summary.standards_counts`); the
    standards list page reads the lines. All agree, on
    days before, inside and after the lines' dates, after each change to the lines, the staff
    and the units."""
    from standards.selectors import standards_status

    rng = random.Random(7)  # noqa: S311 - a reproducible sequence, not a secret
    steps = Steps(rng)
    publish_and_acknowledge(steps.org)
    moves = [
        steps.line_change,
        steps.edit_line,
        steps.bulk_reassign,
        steps.staff_import,
        steps.move_unit,
    ]
    entity_ids = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.ENTITY).values_list("pk", flat=True))
    seen_acknowledged, done_all = False, []
    for _ in range(16):
        done = rng.choice(moves)()
        done_all.append(done)
        cycle = Cycle.objects.get(pk=steps.cycle.pk)
        for day in [cycle.start - datetime.timedelta(days=30), *DAYS]:
            with at(day):
                base = standards_status(entity_ids, cycle)
                read = standards_status(entity_ids, cycle, froes=summary.froes_in_effect(cycle))
                counted = standards_status(
                    entity_ids, cycle, counts=summary.standards_counts(cycle)
                )
            got = [(row.entity.pk, row.froes, row.acknowledged) for row in read]
            assert got == [(row.entity.pk, row.froes, row.acknowledged) for row in base], done
            assert [(row.entity.pk, row.froes, row.acknowledged) for row in counted] == got, done
            assert any(row.froes for row in read)
            seen_acknowledged |= any(row.acknowledged for row in read)
    assert seen_acknowledged
    assert any("(bulk page)" in d for d in done_all), done_all


def test_the_grouped_counts_equal_the_aggregate_over_the_base_tables_for_every_kind_of_scope():
    """`summary.grouped_counts` (one prepared statement per kind of scope: every held entity,
    one entity, a division, a unit; with and without a category) gives the rows of the
    dashboard's own aggregate over the base tables, on days before, inside and after the
    deadlines; the same statement serves another scope of its kind with that scope's values."""
    from compliance.dashboard import counters, population, resolve_scope

    org = build_small_org()
    hr = org.hr
    scopes = [
        {},
        {"entity_id": org.entity.pk},
        {"unit_id": org.div1.pk},
        {"unit_id": org.div2.pk},
        {"unit_id": org.unit1.pk},
        {"category": "GS"},
        {"category": "P"},
        {"entity_id": org.entity.pk, "category": "GS"},
        {"unit_id": org.div1.pk, "category": "P"},
    ]
    seen_rows = 0
    for today in DAYS:
        for kwargs in scopes:
            scope = resolve_scope(hr, cycle_id=org.cycle.pk, today=today, **kwargs)
            group = "unit__entity_id" if scope.node is None else "unit_id"
            base = (
                population(scope)
                .values(group, "category", "gender")
                .annotate(**counters(scope.cycle, today))
                .order_by()
            )

            def key(row: dict, group: str = group) -> tuple:
                return (row[group], row["category"], row["gender"])

            expected = sorted(({**row} for row in base if row["total"]), key=key)
            got = sorted(summary.grouped_counts(scope, group), key=key)
            assert got == expected, (today, kwargs)
            seen_rows += len(got)
    assert seen_rows
