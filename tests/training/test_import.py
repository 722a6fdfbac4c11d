"""Completions imported from the learning system (issue 16 section 2): every bad row is
reported with its line and column and nothing is written; a good file writes, and the same file
again changes nothing; an HR focal point imports for their entities' staff only."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pmsystem.errors import ApplicationError
from tests.factories import StaffMemberFactory
from training import selectors, services
from training.models import Completion
from training.selectors import DONE

from .helpers import course, org

pytestmark = pytest.mark.django_db


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_every_bad_row_is_reported_and_nothing_is_written():
    o = org()
    course(o.admin)
    stranger = StaffMemberFactory()
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    data = _csv(
        "index_number,email,course_code,completed_on",
        f"{o.fro.index_number},,PMD,2026-11-02",  # good
        "999999,,PMD,2026-11-02",  # unknown person
        f"{o.fro.index_number},,NOPE,2026-11-02",  # unknown course
        f"{o.fro.index_number},,PMD,02/11/2026",  # not a date
        f"{o.fro.index_number},,PMD,{tomorrow}",  # in the future
        f"{stranger.index_number},,PMD,2026-11-02",  # not the HR's staff
        ",,PMD,2026-11-02",  # nobody named
        f",{o.team[0].user.email.upper()},PMD,2026-11-03",  # good, by email
    )
    result = services.import_completions(files=[("lms.csv", data)], actor=o.hr)
    assert [(e.line, e.column, e.reason) for e in result.errors] == [
        (3, "index_number", "No staff member has the index number “999999”."),
        (4, "course_code", "No course has the code “NOPE”."),
        (5, "completed_on", "“02/11/2026” is not a date in the format YYYY-MM-DD."),
        (6, "completed_on", "A course cannot be completed in the future."),
        (7, "index_number", "This person is not on the staff of an entity you keep."),
        (8, "index_number", "Give the person's index number or email."),
    ]
    assert not result.written and not Completion.objects.exists()


def test_a_good_file_writes_and_the_same_file_again_changes_nothing():
    o = org()
    c = course(o.admin)
    data = _csv(
        "Index Number;Course Code;Completed On;Score",
        f"{o.fro.index_number};PMD;2026-11-02;97",
        f"{o.fro.index_number};PMD;2026-11-02;97",
    )
    dry = services.import_completions(files=[("lms.csv", data)], actor=o.hr, dry_run=True)
    assert (dry.ok, dry.created, Completion.objects.count()) == (True, 1, 0)
    assert "lms.csv: columns ignored: score." in dry.warnings
    assert "lms.csv: line 3 repeats line 2." in dry.warnings
    result = services.import_completions(files=[("lms.csv", data)], actor=o.hr)
    assert (result.written, result.created, result.unchanged) == (True, 1, 0)
    completion = Completion.objects.get()
    assert (completion.course, completion.user, completion.source, completion.recorded_by) == (
        c,
        o.fro.user,
        "import",
        o.hr,
    )
    assert selectors.user_obligations(o.fro.user)[0].state == DONE
    again = services.import_completions(files=[("lms.csv", data)], actor=o.hr)
    assert (again.created, again.unchanged, Completion.objects.count()) == (0, 1, 1)


def test_an_xlsx_workbook_and_the_system_import_anyone():
    o = org()
    course(o.admin)
    other = StaffMemberFactory()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["index_number", "course_code", "completed_on"])
    sheet.append([other.index_number, "PMD", datetime.datetime(2026, 10, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    result = services.import_completions(files=[("lms.xlsx", buffer.getvalue())])
    assert (result.written, result.created) == (True, 1)
    assert Completion.objects.get().completed_on == datetime.date(2026, 10, 1)


def test_a_missing_column_or_someone_without_the_right_is_refused():
    o = org()
    result = services.import_completions(
        files=[("lms.csv", _csv("index_number,completed_on", "1,2026-01-01"))], actor=o.hr
    )
    assert [(e.line, e.column, e.reason) for e in result.errors] == [
        (1, "course_code", "This required column is missing.")
    ]
    with pytest.raises(ApplicationError) as refused:
        services.import_completions(files=[("lms.csv", b"x")], actor=o.fro.user)
    assert refused.value.message == "You may not import training completions."


def test_hr_imports_through_the_page_and_the_entity_page_changes(client):
    o = org(team_size=2)
    c = course(o.hr, code="ENT", audience="staff", entity=o.entity)
    client.force_login(o.hr)
    page = client.get(reverse("training:entity", args=[o.entity.pk]), {"course": c.pk})
    before = {row.obligation.user_id: row.obligation.state for row in page.context["people"]}
    assert before[o.team[0].pk] == "overdue"
    upload = SimpleUploadedFile(
        "lms.csv",
        _csv("index_number,course_code,completed_on", f"{o.team[0].index_number},ENT,2026-11-30"),
    )
    response = client.post(reverse("training:import"), {"files": upload})
    assert response.status_code == 200
    assert "1 new completions, 0 already recorded." in response.content.decode()
    page = client.get(reverse("training:entity", args=[o.entity.pk]), {"course": c.pk})
    after = {row.obligation.user_id: row.obligation.state for row in page.context["people"]}
    assert after[o.team[0].pk] == "done" and after[o.team[1].pk] == "overdue"


def test_the_management_command_imports_or_prints_every_error(tmp_path):
    from django.core.management import CommandError, call_command

    o = org()
    course(o.admin)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv("index_number,course_code,completed_on", "999999,PMD,2026-11-02"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error; nothing was written."):
        call_command("import_completions", str(bad), stderr=err)
    assert "bad.csv: line 2: index_number: No staff member has the index number" in err.getvalue()
    good = tmp_path / "good.csv"
    good.write_bytes(
        _csv("index_number,course_code,completed_on", f"{o.fro.index_number},PMD,2026-11-02")
    )
    out = io.StringIO()
    call_command("import_completions", str(good), stdout=out)
    assert "1 new completions, 0 already recorded." in out.getvalue()
    assert Completion.objects.get().recorded_by is None
