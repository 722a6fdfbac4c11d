"""The organisation importer: files in, units / users / staff / reporting lines out, or nothing."""

import csv
import datetime
import io
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from org.importer import import_org
from org.models import Category, DepartmentRole, OrgUnit, ReportingLine, StaffMember, User
from pmsystem.errors import ApplicationError
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UserFactory,
    WorkPlanFactory,
)
from workplans.permissions import visible_work_plans

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
UNITS_HEADER = "unit_code,unit_name,kind,parent_code,head_index_number\n"
STAFF_HEADER = (
    "index_number,first_name,last_name,email,grade,gender,unit_code,entry_on_duty,"
    "contract_type,on_probation,active\n"
)
LINES_HEADER = "index_number,cycle,fro_index_number,sro_index_number,effective_from\n"


def csv_file(name: str, text: str) -> tuple[str, bytes]:
    return name, text.encode()


def run(*files: tuple[str, bytes], **kwargs):
    return import_org(files=list(files), **kwargs)


def table_sizes() -> dict[str, int]:
    return {
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "staff": StaffMember.objects.count(),
        "lines": ReportingLine.objects.count(),
    }


def counts(result) -> dict[str, tuple[int, int, int]]:
    return {k: (c.created, c.updated, c.unchanged) for k, c in result.counts.items()}


def errors(result) -> list[tuple[str, int, str, str]]:
    return [(e.source, e.line, e.column, e.reason) for e in result.errors]


def sample_files() -> list[tuple[str, bytes]]:
    return [
        (name, (SAMPLES / name).read_bytes()) for name in ("units.csv", "staff.csv", "lines.csv")
    ]


@pytest.fixture
def cycle():
    return CycleFactory(name="2026-27", start_year=2026)


@pytest.fixture
def small_org(cycle):
    """DEP (entity) > DIV (division); three staff in DIV; a line for S3 in 2026-27."""
    result = run(
        csv_file(
            "units.csv",
            UNITS_HEADER + "DEP,Department,entity,,\nDIV,Division,division,DEP,\n",
        ),
        csv_file(
            "staff.csv",
            STAFF_HEADER
            + "S1,Ann,One,ann@example.org,P-5,F,DIV,2010-01-01,,,\n"
            + "S2,Bob,Two,bob@example.org,P-4,M,DIV,2011-01-01,,,\n"
            + "S3,Cy,Three,cy@example.org,P-2,X,DIV,2020-01-01,,,\n"
            + "S4,Di,Four,di@example.org,D-1,F,DIV,2009-01-01,,,\n",
        ),
        csv_file("lines.csv", LINES_HEADER + "S3,2026-27,S2,S1,\n"),
    )
    assert result.ok, result.errors
    return result


# --- samples ----------------------------------------------------------------------------------


def test_sample_files_import_cleanly_into_an_empty_database(cycle):
    result = run(*sample_files())
    assert result.errors == []
    assert counts(result) == {
        "units": (9, 0, 0),
        "users": (18, 0, 0),
        "staff": (18, 0, 0),
        "lines": (16, 0, 0),
    }
    procurement = OrgUnit.objects.get(code="DOS-LOG-SC-PU")
    assert procurement.entity.code == "DOS"
    assert procurement.parent.code == "DOS-LOG-SC"
    assert procurement.head.staff.index_number == "100006"
    dos = OrgUnit.objects.get(code="DOS")
    assert dos.entity_id == dos.pk and dos.parent is None
    mateo = StaffMember.objects.select_related("user").get(index_number="100004")
    assert mateo.user.first_name == "Mateo" and mateo.user.last_name == "Fernández"
    assert mateo.category == Category.PROFESSIONAL
    samuel = StaffMember.objects.get(index_number="100008")
    assert samuel.on_probation and samuel.entry_on_duty == datetime.date(2026, 2, 16)
    line = ReportingLine.objects.get(staff__index_number="100005")
    assert (line.fro.index_number, line.sro.index_number) == ("100004", "100002")
    assert line.effective_from == datetime.date(2026, 4, 1) and line.effective_to is None


def test_sample_workbook_holds_the_csv_files_and_imports_cleanly(cycle):
    workbook = openpyxl.load_workbook(SAMPLES / "org-sample.xlsx", read_only=True)
    for kind in ("units", "staff", "lines"):
        cells = [
            ["" if v is None else v.date().isoformat() if hasattr(v, "date") else str(v) for v in r]
            for r in workbook[kind].iter_rows(values_only=True)
        ]
        text = (SAMPLES / f"{kind}.csv").read_text(encoding="utf-8")
        assert cells == list(csv.reader(io.StringIO(text)))
    workbook.close()
    result = run(("org-sample.xlsx", (SAMPLES / "org-sample.xlsx").read_bytes()))
    assert result.errors == []
    assert counts(result)["staff"] == (18, 0, 0)
    assert counts(result)["lines"] == (16, 0, 0)


# --- idempotency ------------------------------------------------------------------------------


def test_reimporting_the_same_files_changes_nothing(cycle):
    run(*sample_files())
    before = {
        "units": list(OrgUnit.objects.values_list("id", "code", "name", "parent_id", "entity_id")),
        "staff": list(StaffMember.objects.values()),
        "users": list(User.objects.values_list("id", "email", "first_name", "password")),
        "lines": list(ReportingLine.objects.values()),
    }
    result = run(*sample_files())
    assert result.errors == []
    assert counts(result) == {
        "units": (0, 0, 9),
        "users": (0, 0, 18),
        "staff": (0, 0, 18),
        "lines": (0, 0, 16),
    }
    after = {
        "units": list(OrgUnit.objects.values_list("id", "code", "name", "parent_id", "entity_id")),
        "staff": list(StaffMember.objects.values()),
        "users": list(User.objects.values_list("id", "email", "first_name", "password")),
        "lines": list(ReportingLine.objects.values()),
    }
    assert after == before


def test_a_changed_row_updates_only_that_record(small_org):
    result = run(
        csv_file(
            "staff.csv",
            STAFF_HEADER
            + "S1,Ann,One,ann@example.org,P-5,F,DIV,2010-01-01,,,\n"
            + "S2,Bob,Two-Smith,bob@example.org,d-1,M,DIV,2011-01-01,,,\n",
        )
    )
    assert counts(result)["staff"] == (0, 1, 1)
    assert counts(result)["users"] == (0, 1, 1)
    bob = StaffMember.objects.select_related("user").get(index_number="S2")
    assert (bob.grade, bob.category, bob.user.last_name) == ("D-1", Category.DIRECTOR, "Two-Smith")


def test_blank_or_missing_optional_cells_keep_the_current_value(small_org):
    run(
        csv_file(
            "staff.csv",
            STAFF_HEADER + "S1,Ann,One,ann@example.org,P-5,F,DIV,2010-01-01,permanent,yes,no\n",
        )
    )
    result = run(
        csv_file(
            "staff.csv",
            "index_number,first_name,last_name,email,grade,gender,unit_code,entry_on_duty,active\n"
            "S1,Ann,One,ann@example.org,P-5,F,DIV,2010-01-01,\n",
        )
    )
    assert counts(result)["staff"] == (0, 0, 1)
    ann = StaffMember.objects.get(index_number="S1")
    assert (ann.contract_type, ann.on_probation, ann.is_active) == ("permanent", True, False)


# --- all or nothing, every error reported ---------------------------------------------------------


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(small_org):
    before = table_sizes()
    result = run(
        csv_file(
            "units.csv",
            UNITS_HEADER
            + "NEW,New division,division,DEP,\n"  # line 2: good
            + "SEC,Section,section,NOPE,\n"  # line 3: unknown parent
            + "DIV2,Division two,division,SECX,\n"  # line 4: unknown parent
            + "SUB,Sub-division,division,NEW,\n"  # line 5: division under a division
            + "NEW,Again,unit,DEP,\n",  # line 6: duplicate code
        ),
        csv_file(
            "staff.csv",
            STAFF_HEADER
            + "N1,Eve,New,eve@example.org,P-6,F,DIV,2024-01-01,,,\n"  # line 2: grade
            + "N2,Fay,New,fay@example.org,P-2,F,NOWHERE,2024-01-01,,,\n"  # line 3: unit
            + "N3,Gus,New,gus@example.org,P-2,M,DIV,15/01/2024,,,\n"  # line 4: date format
            + "N1,Hal,New,hal@example.org,P-2,M,DIV,2024-01-01,,,\n"  # line 5: duplicate
            + "N5,Ida,New,ann@example.org,P-2,F,DIV,2024-01-01,,,\n"  # line 6: email taken
            + "N6,Jo,New,jo@example.org,G-3,Q,DIV,2024-02-30,tenure,maybe,\n"  # line 7: 4 errors
            + "N7,Kim,New,kim@example.org,G-3,F,NEW,2024-01-01,,,\n",  # line 8: good
        ),
        csv_file(
            "lines.csv",
            LINES_HEADER
            + "S1,2026-27,S2,S2,\n"  # line 2: FRO == SRO
            + "S2,2026-27,S2,S1,\n"  # line 3: own FRO
            + "S4,2025-26,S1,S2,\n"  # line 4: unknown cycle
            + "S4,2026-27,S1,GHOST,2026-05-01\n"  # line 5: unknown SRO
            + "N7,2026-27,S1,S2,2027-06-01\n",  # line 6: outside the cycle
        ),
    )
    grades = (
        "G-1, G-2, G-3, G-4, G-5, G-6, G-7, P-1, P-2, P-3, P-4, P-5, D-1, D-2, ASG, USG, "
        "NO-A, NO-B, NO-C, NO-D, FS-1, FS-2, FS-3, FS-4, FS-5, FS-6, FS-7"
    )
    assert errors(result) == [
        (
            "units.csv",
            3,
            "parent_code",
            "Unknown unit code “NOPE”: not found in this import or in the system.",
        ),
        (
            "units.csv",
            4,
            "parent_code",
            "Unknown unit code “SECX”: not found in this import or in the system.",
        ),
        ("units.csv", 5, "parent_code", "A division cannot sit under a division (NEW)."),
        ("units.csv", 6, "unit_code", "Duplicate unit code; first given on line 2."),
        ("staff.csv", 2, "grade", f"Unknown grade “P-6”. Valid grades: {grades}."),
        (
            "staff.csv",
            3,
            "unit_code",
            "Unknown unit code “NOWHERE”: not found in this import or in the system.",
        ),
        ("staff.csv", 4, "entry_on_duty", "“15/01/2024” is not a date in the format YYYY-MM-DD."),
        ("staff.csv", 5, "index_number", "Duplicate index number; first given on line 2."),
        ("staff.csv", 6, "email", "Email ann@example.org is already used by index number S1."),
        ("staff.csv", 7, "gender", "“Q” is not a gender; use F, M or X."),
        ("staff.csv", 7, "entry_on_duty", "“2024-02-30” is not a valid date (format YYYY-MM-DD)."),
        (
            "staff.csv",
            7,
            "contract_type",
            "Unknown contract type “tenure”. Use one of: permanent, continuing, fixed_term, "
            "temporary, tc.",
        ),
        ("staff.csv", 7, "on_probation", "“maybe” is not yes or no."),
        ("lines.csv", 2, "sro_index_number", "The SRO must be a different person from the FRO."),
        ("lines.csv", 3, "fro_index_number", "A staff member cannot be their own FRO."),
        ("lines.csv", 4, "cycle", "Unknown cycle “2025-26”. Cycles: 2026-27."),
        (
            "lines.csv",
            5,
            "sro_index_number",
            "Unknown index number “GHOST”: not found in this import or in the system.",
        ),
        (
            "lines.csv",
            6,
            "effective_from",
            "2027-06-01 is outside cycle 2026-27 (2026-04-01 to 2027-03-31).",
        ),
    ]
    assert not result.ok and not result.written
    assert table_sizes() == before
    assert not OrgUnit.objects.filter(code="NEW").exists()


def test_fro_same_as_sro_is_refused_with_the_exact_message(small_org):
    result = run(csv_file("lines.csv", LINES_HEADER + "S4,2026-27,S1,S1,2026-04-01\n"))
    assert [str(e) for e in result.errors] == [
        "lines.csv: line 2: sro_index_number: The SRO must be a different person from the FRO."
    ]
    assert not ReportingLine.objects.filter(staff__index_number="S4").exists()


def test_staff_cannot_be_their_own_sro_and_officers_must_be_active(small_org):
    run(
        csv_file(
            "staff.csv", STAFF_HEADER + "S1,Ann,One,ann@example.org,P-5,F,DIV,2010-01-01,,,no\n"
        )
    )
    result = run(csv_file("lines.csv", LINES_HEADER + "S4,2026-27,S2,S4,\nS2,2026-27,S1,S4,\n"))
    assert errors(result) == [
        ("lines.csv", 2, "sro_index_number", "A staff member cannot be their own SRO."),
        ("lines.csv", 3, "fro_index_number", "The FRO (S1) is not an active staff member."),
    ]


def test_missing_required_column_is_reported_on_the_header_line(cycle):
    result = run(
        csv_file("staff.csv", "index_number,first_name,email,grade,gender,unit_code\nX,A,a@b.org\n")
    )
    assert errors(result) == [
        ("staff.csv", 1, "last_name", "This required column is missing."),
        ("staff.csv", 1, "entry_on_duty", "This required column is missing."),
    ]


def test_a_file_whose_header_says_nothing_known_is_refused(cycle):
    result = run(csv_file("people.csv", "name,age\nAnn,40\n"))
    assert len(result.errors) == 1
    assert result.errors[0].line == 1
    assert result.errors[0].reason.startswith("Cannot tell what this file holds")


def test_a_unit_under_a_unit_of_the_wrong_kind_is_refused(small_org):
    result = run(
        csv_file(
            "units.csv",
            UNITS_HEADER
            + "DEP2,Second department,entity,DEP,\n"
            + "SEC,Section,section,,\n"
            + "DIV,Division,section,DEP,\n"
            + "X,Thing,team,DEP,\n",
        )
    )
    assert errors(result) == [
        (
            "units.csv",
            2,
            "parent_code",
            "A department/office/mission has no parent; leave it blank.",
        ),
        ("units.csv", 3, "parent_code", "Required for a section: the code of the unit above it."),
        (
            "units.csv",
            5,
            "kind",
            "Unknown kind “team”. Use one of: entity (department, office or mission), division, "
            "section, unit.",
        ),
    ]
    OrgUnitFactory(code="SEC9", kind=OrgUnit.Kind.SECTION, parent=OrgUnit.objects.get(code="DIV"))
    result = run(csv_file("units.csv", UNITS_HEADER + "DIV,Division,unit,DEP,\n"))
    assert errors(result) == [
        ("units.csv", 2, "kind", "DIV cannot become a unit: SEC9 (section) sits under it.")
    ]


def test_an_email_of_another_login_is_refused_and_a_login_without_profile_is_linked(small_org):
    admin = UserFactory(email="admin@example.org", first_name="Old")
    result = run(
        csv_file(
            "staff.csv",
            STAFF_HEADER
            + "S1,Ann,One,admin@example.org,P-5,F,DIV,2010-01-01,,,\n"
            + "N1,Ned,New,ADMIN@example.org,P-3,M,DIV,2024-01-01,,,\n",
        )
    )
    assert errors(result) == [
        (
            "staff.csv",
            2,
            "email",
            "Email admin@example.org belongs to another account (one without a staff profile).",
        ),
        (
            "staff.csv",
            3,
            "email",
            "Email admin@example.org is also given for index number S1 on line 2.",
        ),
    ]
    result = run(
        csv_file(
            "staff.csv", STAFF_HEADER + "N1,Ned,New,Admin@Example.org,P-3,M,DIV,2024-01-01,,,\n"
        )
    )
    assert result.errors == []
    assert counts(result)["users"] == (0, 1, 0)
    assert counts(result)["staff"] == (1, 0, 0)
    admin.refresh_from_db()
    assert admin.staff.index_number == "N1" and admin.first_name == "Ned"
    assert admin.check_password("pass-word-123")  # a linked login keeps its password


def test_users_created_by_the_importer_have_an_unusable_password(small_org):
    user = User.objects.get(email="ann@example.org")
    assert not user.has_usable_password()
    assert user.is_active and not user.is_staff and not user.is_superuser


# --- reporting lines --------------------------------------------------------------------------


def test_a_reporting_line_change_closes_the_current_line_and_opens_the_next(small_org, cycle):
    first = ReportingLine.objects.get(staff__index_number="S3")
    assert (first.effective_from, first.effective_to) == (cycle.start, None)
    result = run(csv_file("lines.csv", LINES_HEADER + "S3,2026-27,S4,S1,2026-09-01\n"))
    assert result.errors == []
    assert counts(result)["lines"] == (0, 1, 0)
    first.refresh_from_db()
    assert first.effective_to == datetime.date(2026, 8, 31)
    current = ReportingLine.objects.get(staff__index_number="S3", effective_to__isnull=True)
    assert current.fro.index_number == "S4" and current.sro.index_number == "S1"
    assert current.effective_from == datetime.date(2026, 9, 1)
    again = run(csv_file("lines.csv", LINES_HEADER + "S3,2026-27,S4,S1,2026-09-01\n"))
    assert counts(again)["lines"] == (0, 0, 1)
    assert ReportingLine.objects.filter(staff__index_number="S3").count() == 2


def test_an_unchanged_line_with_another_date_is_left_alone(small_org):
    result = run(csv_file("lines.csv", LINES_HEADER + "S3,2026-27,S2,S1,2026-10-01\n"))
    assert counts(result)["lines"] == (0, 0, 1)
    assert ReportingLine.objects.filter(staff__index_number="S3").count() == 1


def test_a_change_without_a_date_starts_today(small_org):
    with time_machine.travel(datetime.date(2026, 11, 5)):
        result = run(csv_file("lines.csv", LINES_HEADER + "S3,2026-27,S1,S2,\n"))
    assert result.errors == []
    lines = ReportingLine.objects.filter(staff__index_number="S3").order_by("effective_from")
    assert [(x.effective_from, x.effective_to) for x in lines] == [
        (datetime.date(2026, 4, 1), datetime.date(2026, 11, 4)),
        (datetime.date(2026, 11, 5), None),
    ]


def test_a_change_must_start_after_the_current_line(small_org):
    result = run(csv_file("lines.csv", LINES_HEADER + "S3,2026-27,S1,S2,2026-04-01\n"))
    assert errors(result) == [
        (
            "lines.csv",
            2,
            "effective_from",
            "The new reporting line must start after 2026-04-01, when the current one started "
            "(give effective_from).",
        )
    ]


def test_after_a_line_ended_in_the_admin_the_next_one_starts_after_it(small_org):
    """A line given an end (Django admin) leaves the staff member no open line: the imported
    line must not overlap it, or the staff member would have two lines on the same days."""
    from org.services import save_reporting_line

    line = ReportingLine.objects.get(staff__index_number="S3")
    line.effective_to = datetime.date(2026, 9, 30)
    save_reporting_line(line=line)
    result = run(csv_file("lines.csv", LINES_HEADER + "S3,2026-27,S4,S1,2026-09-01\n"))
    assert errors(result) == [
        (
            "lines.csv",
            2,
            "effective_from",
            "The new reporting line must start after 2026-09-30, when the last one ends "
            "(give effective_from).",
        )
    ]
    with time_machine.travel(datetime.date(2026, 9, 15)):
        result = run(csv_file("lines.csv", LINES_HEADER + "S3,2026-27,S4,S1,\n"))
    assert [e.column for e in result.errors] == ["index_number"]
    assert ReportingLine.objects.filter(staff__index_number="S3").count() == 1
    result = run(csv_file("lines.csv", LINES_HEADER + "S3,2026-27,S4,S1,2026-10-01\n"))
    assert result.errors == []
    assert counts(result)["lines"] == (1, 0, 0)
    lines = ReportingLine.objects.filter(staff__index_number="S3").order_by("effective_from")
    assert [(x.effective_from, x.effective_to, x.fro.index_number) for x in lines] == [
        (datetime.date(2026, 4, 1), datetime.date(2026, 9, 30), "S2"),
        (datetime.date(2026, 10, 1), None, "S4"),
    ]


def test_lines_for_a_closed_cycle_are_refused(small_org):
    CycleFactory(name="2024-25", start_year=2024, status="closed")
    result = run(csv_file("lines.csv", LINES_HEADER + "S3,2024-25,S1,S2,\n"))
    assert errors(result) == [
        ("lines.csv", 2, "cycle", "Cycle 2024-25 is closed; its reporting lines cannot change.")
    ]


# --- XLSX -------------------------------------------------------------------------------------


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_workbook_with_three_sheets_imports_with_cross_references(cycle):
    data = workbook_bytes(
        {
            # Lines first: the sheet order does not matter, units and staff are written first.
            "lines": [
                ["index_number", "cycle", "fro_index_number", "sro_index_number", "effective_from"],
                [3, "2026-27", 2, 1, datetime.datetime(2026, 5, 1)],
            ],
            "Notes": [["Exported from the HR system on 2026-04-01"]],
            "staff": [
                ["Index Number", "First Name", "Last Name", "Email", "Grade", "Gender"]
                + ["Unit Code", "Entry on duty", "On probation"],
                [
                    1,
                    "Ann",
                    "One",
                    "ann@example.org",
                    "D-1",
                    "F",
                    "E",
                    datetime.date(2001, 1, 2),
                    False,
                ],
                [
                    2,
                    "Bob",
                    "Two",
                    "bob@example.org",
                    "P-5",
                    "M",
                    "D",
                    datetime.date(2005, 3, 4),
                    False,
                ],
                [
                    3,
                    "Cy",
                    "Three",
                    "cy@example.org",
                    "G-4",
                    "X",
                    "S",
                    datetime.date(2026, 1, 5),
                    True,
                ],
            ],
            "units": [
                ["unit_code", "unit_name", "kind", "parent_code", "head_index_number"],
                ["E", "Entity", "department", None, 1],
                ["D", "Division", "division", "E", 2],
                [],
                ["S", "Section", "section", "D", None],
            ],
        }
    )
    result = run(("hr-export.xlsx", data))
    assert result.errors == []
    assert counts(result) == {
        "units": (3, 0, 0),
        "users": (3, 0, 0),
        "staff": (3, 0, 0),
        "lines": (1, 0, 0),
    }
    assert result.warnings == [
        "hr-export.xlsx [Notes]: sheet ignored (its columns are not recognised)."
    ]
    cy = StaffMember.objects.get(index_number="3")
    assert cy.entry_on_duty == datetime.date(2026, 1, 5) and cy.on_probation
    assert cy.unit.entity.code == "E"
    line = ReportingLine.objects.get(staff=cy)
    assert line.effective_from == datetime.date(2026, 5, 1)
    assert OrgUnit.objects.get(code="D").head.staff.index_number == "2"


def test_xlsx_errors_name_the_sheet_and_row(cycle):
    data = workbook_bytes(
        {
            "units": [["unit_code", "unit_name", "kind"], ["E", "Entity", "entity"]],
            "staff": [
                ["index_number", "first_name", "last_name", "email", "grade", "gender"]
                + ["unit_code", "entry_on_duty"],
                [],
                [1, "Ann", "One", "ann@example.org", "D-1", "F", "E", "1 March 2020"],
            ],
        }
    )
    result = run(("hr.xlsx", data))
    assert [str(e) for e in result.errors] == [
        "hr.xlsx [staff]: line 3: entry_on_duty: “1 March 2020” is not a date in the format "
        "YYYY-MM-DD."
    ]
    assert not OrgUnit.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(cycle):
    result = run(("broken.xlsx", b"not a zip"))
    assert errors(result) == [
        ("broken.xlsx", 1, "", "This is not a readable XLSX workbook (BadZipFile).")
    ]


def test_csv_with_byte_order_mark_and_semicolons_is_read(cycle):
    text = "\ufeffunit_code;unit_name;kind\r\nE;Entité;entity\r\n"
    result = run(("units.csv", text.encode("utf-8")))
    assert result.errors == []
    assert OrgUnit.objects.get(code="E").name == "Entité"


def test_csv_that_is_not_utf8_says_where(cycle):
    result = run(("units.csv", "unit_code,unit_name,kind\nE,Entité,entity\n".encode("latin-1")))
    assert errors(result) == [
        (
            "units.csv",
            2,
            "",
            "This is not UTF-8 text. Save the file as “CSV UTF-8” and import it again.",
        )
    ]


# --- structure --------------------------------------------------------------------------------


def test_a_division_moved_to_another_entity_takes_its_units_along(small_org):
    OrgUnitFactory(code="SEC", kind=OrgUnit.Kind.SECTION, parent=OrgUnit.objects.get(code="DIV"))
    result = run(
        csv_file(
            "units.csv",
            UNITS_HEADER + "OTHER,Other entity,entity,,\nDIV,Division,division,OTHER,\n",
        )
    )
    assert result.errors == []
    assert counts(result)["units"] == (1, 1, 0)
    assert OrgUnit.objects.get(code="SEC").entity.code == "OTHER"
    assert OrgUnit.objects.get(code="DIV").entity.code == "OTHER"


def test_dry_run_reports_counts_and_writes_nothing(cycle):
    before = table_sizes()
    result = run(*sample_files(), dry_run=True)
    assert result.ok and not result.written
    assert counts(result)["staff"] == (18, 0, 0)
    assert table_sizes() == before


# --- HR focal point scope ---------------------------------------------------------------------


def test_an_hr_focal_point_imports_only_within_their_entities(small_org, cycle):
    mine = OrgUnit.objects.get(code="DEP")
    hr = DepartmentRoleFactory(entity=mine, role=DepartmentRole.Role.HR_FOCAL_POINT).user
    other = EntityFactory(code="FAR")
    far_div = OrgUnitFactory(code="FARDIV", parent=other)
    outsider = StaffMemberFactory(index_number="F1", unit=far_div)
    before = table_sizes()
    result = run(
        csv_file(
            "units.csv", UNITS_HEADER + "FARSEC,Far section,section,FARDIV,\nNEW,New,entity,,\n"
        ),
        csv_file(
            "staff.csv",
            STAFF_HEADER
            + "N1,Ned,New,ned@example.org,P-3,M,FARDIV,2024-01-01,,,\n"
            + f"F1,Fi,Far,{outsider.user.email},P-3,F,DIV,2024-01-01,,,\n"
            + "N2,Nia,New,nia@example.org,P-3,F,DIV,2024-01-01,,,\n",
        ),
        csv_file("lines.csv", LINES_HEADER + "S4,2026-27,S1,S2,\n"),
        actor=hr,
    )
    assert errors(result) == [
        (
            "units.csv",
            2,
            "unit_code",
            "Unit FARSEC is in FAR; you may import only for DEP.",
        ),
        ("units.csv", 3, "unit_code", "Unit NEW is in NEW; you may import only for DEP."),
        ("staff.csv", 2, "unit_code", "Index number N1 is in FAR; you may import only for DEP."),
        ("staff.csv", 3, "unit_code", "Index number F1 is in FAR; you may import only for DEP."),
    ]
    assert table_sizes() == before
    ok = run(
        csv_file(
            "staff.csv", STAFF_HEADER + "N2,Nia,New,nia@example.org,P-3,F,DIV,2024-01-01,,,\n"
        ),
        csv_file("lines.csv", LINES_HEADER + "N2,2026-27,S1,S2,\n"),
        actor=hr,
    )
    assert ok.errors == []
    assert StaffMember.objects.get(index_number="N2").unit.code == "DIV"


def test_a_user_who_may_not_import_is_refused(small_org):
    with pytest.raises(ApplicationError) as excinfo:
        run(*sample_files(), actor=UserFactory())
    assert excinfo.value.message == "You may not import staff, units or reporting lines."


# --- bulk -------------------------------------------------------------------------------------


def synthetic_files(n: int) -> list[tuple[str, bytes]]:
    units = (
        UNITS_HEADER
        + "E,Entity,entity,,\n"
        + "".join(f"D{d},Division {d},division,E,\n" for d in range(10))
    )
    staff = STAFF_HEADER + "".join(
        f"{i},First{i},Last{i},p{i}@example.org,P-3,F,D{i % 10},2020-01-01,,,\n" for i in range(n)
    )
    lines = LINES_HEADER + "".join(f"{i},2026-27,{(i + 1) % n},{(i + 2) % n},\n" for i in range(n))
    return [
        csv_file("units.csv", units),
        csv_file("staff.csv", staff),
        csv_file("lines.csv", lines),
    ]


@pytest.mark.parametrize("rows", [30, 600])
def test_query_count_does_not_grow_with_the_number_of_rows(
    cycle, rows, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40):
        result = run(*synthetic_files(rows))
    assert result.errors == []
    assert StaffMember.objects.count() == rows
    with django_assert_max_num_queries(12):
        again = run(*synthetic_files(rows))
    assert counts(again)["lines"] == (0, 0, rows)


# --- command ----------------------------------------------------------------------------------


def test_command_imports_and_prints_counts(cycle, capsys):
    call_command("import_org", *(str(SAMPLES / n) for n in ("units.csv", "staff.csv", "lines.csv")))
    out = capsys.readouterr().out
    assert "units: 9 created, 0 updated, 0 unchanged" in out
    assert "lines: 16 created, 0 updated, 0 unchanged" in out
    assert StaffMember.objects.count() == 18


def test_command_prints_every_error_and_exits_non_zero_writing_nothing(small_org, tmp_path, capsys):
    path = tmp_path / "lines.csv"
    path.write_text(LINES_HEADER + "S4,2026-27,S1,S1,\nS4,2099-00,S1,S2,\n", encoding="utf-8")
    before = table_sizes()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_org", str(path))
    err = capsys.readouterr().err
    assert "line 2: sro_index_number: The SRO must be a different person from the FRO." in err
    assert "line 3: cycle: Unknown cycle “2099-00”. Cycles: 2026-27." in err
    assert str(excinfo.value) == "2 errors; nothing was written."
    assert excinfo.value.returncode == 1
    assert table_sizes() == before


def test_command_dry_run_writes_nothing(cycle, capsys):
    files = [str(SAMPLES / n) for n in ("units.csv", "staff.csv", "lines.csv")]
    call_command("import_org", *files, "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run: nothing was written." in out
    assert "units: 9 created, 0 updated, 0 unchanged" in out
    assert not OrgUnit.objects.exists()


def test_command_refuses_a_missing_file():
    with pytest.raises(CommandError, match="no-such.csv"):
        call_command("import_org", "no-such.csv")


def test_command_line_exit_status_is_one_on_errors(small_org, tmp_path, capsys):
    path = tmp_path / "units.csv"
    path.write_text(UNITS_HEADER + "X,Bad,team,,\n", encoding="utf-8")
    with pytest.raises(SystemExit) as excinfo:
        execute_from_command_line(["manage.py", "import_org", str(path)])
    assert excinfo.value.code == 1
    assert "units.csv: line 2: kind: Unknown kind “team”." in capsys.readouterr().err


def test_reporting_line_factory_lines_are_respected(cycle):
    """A line made outside the importer is the current line the importer compares with."""
    line = ReportingLineFactory(cycle=cycle)
    staff, fro, sro = line.staff, line.fro, line.sro
    result = run(
        csv_file(
            "lines.csv",
            LINES_HEADER + f"{staff.index_number},2026-27,{fro.index_number},{sro.index_number},\n",
        )
    )
    assert counts(result)["lines"] == (0, 0, 1)


def test_after_an_imported_fro_change_the_new_fro_sees_the_work_plan_and_the_old_does_not(
    small_org, cycle
):
    work_plan = WorkPlanFactory(staff=StaffMember.objects.get(index_number="S3"), cycle=cycle)
    old_fro = User.objects.get(staff__index_number="S2")
    new_fro = User.objects.get(staff__index_number="S4")
    assert work_plan in visible_work_plans(old_fro)
    assert work_plan not in visible_work_plans(new_fro)
    run(csv_file("lines.csv", LINES_HEADER + "S3,2026-27,S4,S1,2026-06-01\n"))
    assert work_plan in visible_work_plans(new_fro)
    assert work_plan not in visible_work_plans(old_fro)


def test_an_imported_future_dated_line_takes_effect_on_its_date(small_org, cycle):
    """A line imported with a later effective_from changes nothing until that day, then
    everything at once, with nobody acting."""
    work_plan = WorkPlanFactory(staff=StaffMember.objects.get(index_number="S3"), cycle=cycle)
    old_fro = User.objects.get(staff__index_number="S2")
    new_fro = User.objects.get(staff__index_number="S4")
    with time_machine.travel(datetime.date(2026, 6, 10)) as clock:
        run(csv_file("lines.csv", LINES_HEADER + "S3,2026-27,S4,S1,2026-07-01\n"))
        assert work_plan in visible_work_plans(old_fro)
        assert work_plan not in visible_work_plans(new_fro)
        clock.move_to(datetime.date(2026, 7, 1))
        assert work_plan in visible_work_plans(new_fro)
        assert work_plan not in visible_work_plans(old_fro)
