"""Compliance pages and exports through the client: who may see them, what they show, and
the exported files read back."""

from __future__ import annotations

import csv
import datetime
import io
import json
import logging

import openpyxl
import pytest
from django.urls import reverse

from compliance import dashboard as reports
from org.models import DepartmentRole
from tests.factories import DepartmentRoleFactory, StaffMemberFactory

from .helpers import at, build_small_org

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("compliance:dashboard")
PEOPLE = reverse("compliance:people")


def export_url(table: str, fmt: str) -> str:
    return reverse("compliance:export", args=[table, fmt])


@pytest.fixture
def org():
    return build_small_org()


@pytest.fixture
def hr_client(client, org):
    client.force_login(org.hr)
    return client


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def xlsx_book(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def export_events(caplog) -> list[dict]:
    return [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.name == "pmsystem.security" and '"event": "export"' in r.getMessage()
    ]


# --- who may see ----------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("url", [DASHBOARD, PEOPLE, export_url("people", "csv")])
def test_staff_without_a_compliance_role_are_refused(client, org, url):
    client.force_login(org.staff["p1"].user)
    assert client.get(url).status_code == 403
    client.force_login(org.fro.user)  # an FRO of everyone, but no department role
    assert client.get(url).status_code == 403
    rep = DepartmentRoleFactory(
        entity=org.entity, role=DepartmentRole.Role.STAFF_REPRESENTATIVE
    ).user
    client.force_login(rep)
    assert client.get(url).status_code == 403


def test_the_navigation_offers_compliance_only_to_holders(client, org):
    client.force_login(org.hr)
    assert f'href="{DASHBOARD}"' in client.get(reverse("home")).content.decode()
    client.force_login(org.staff["p1"].user)
    assert f'href="{DASHBOARD}"' not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    "url", [DASHBOARD, PEOPLE, export_url("dashboard", "xlsx"), export_url("people", "csv")]
)
def test_crafted_entity_or_unit_ids_answer_404(hr_client, org, url):
    for query in (
        {"entity": org.other.pk},
        {"unit": org.other.pk},
        {"unit": org.other_div.pk},
        {"entity": org.entity.pk, "unit": org.other_div.pk},
        {"unit": 10**9},
        {"unit": "abc"},
        {"cycle": 10**9},
    ):
        assert hr_client.get(url, query).status_code == 404, query
    assert hr_client.get(url, {"unit": org.div1.pk}).status_code == 200


def test_unknown_export_answers_404(hr_client):
    assert hr_client.get(export_url("people", "pdf")).status_code == 404
    assert hr_client.get(export_url("secrets", "csv")).status_code == 404


def test_hod_sees_the_dashboard(client, org):
    client.force_login(DepartmentRoleFactory(entity=org.entity, role="hod").user)
    assert client.get(DASHBOARD).status_code == 200


# --- what the pages show --------------------------------------------------------------------


def test_dashboard_shows_the_figures_in_a_table_and_draws_charts_from_static(hr_client, org):
    with at("2027-07-10"):
        hr_client.force_login(org.hr)  # a session started before the trip would have expired
        response = hr_client.get(DASHBOARD, {"cycle": org.cycle.pk, "entity": org.entity.pk})
    assert response.status_code == 200
    html = response.content.decode()
    board = response.context["board"]
    assert [s.done for s in board.summary.stages] == [5, 3, 1, 1]
    # the numbers are in an accessible table, with row headers
    assert '<th scope="row">Work plan</th>' in html
    assert "<caption>" in html
    # charts: the vendored library and the data next to them, no CDN
    assert "/static/js/chart.umd.min.js" in html
    assert "/static/js/compliance-charts.js" in html
    assert "cdn" not in html.lower()
    charts = json.loads(
        html.split('id="compliance-charts"')[1].split(">", 1)[1].split("</script>")[0]
    )
    assert charts["stages"]["series"][0] == {"label": "Done", "data": [5, 3, 1, 1]}
    # drill-down links to the divisions, counts link to the people behind them
    assert f"unit={org.div1.pk}" in html
    assert "stage=workplan&amp;status=overdue" in html


def test_drill_down_to_a_unit_then_its_people(hr_client, org):
    with at("2027-07-10"):
        hr_client.force_login(org.hr)
        response = hr_client.get(DASHBOARD, {"unit": org.sec1.pk})
        assert [row.label for row in response.context["board"].units] == ["UNIT1 — Unit one"]
        assert "DEP" in response.content.decode()  # breadcrumbs
        response = hr_client.get(PEOPLE, {"unit": org.unit1.pk})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert sorted(r.index_number for r in rows) == sorted(
        org.staff[k].index_number for k in ("p1", "p2", "p3")
    )
    html = response.content.decode()
    p3 = next(r for r in rows if r.index_number == org.staff["p3"].index_number)
    assert p3.fro == str(org.fro.user)
    assert p3.stage == "evaluation"
    assert str(org.fro.user) in html


def test_people_list_filtered_by_stage_and_status(hr_client, org):
    with at("2027-07-10"):
        hr_client.force_login(org.hr)
        response = hr_client.get(PEOPLE, {"stage": "workplan", "status": "overdue"})
    assert {r.index_number for r in response.context["rows"]} == {
        org.staff[k].index_number for k in ("p1", "p2", "p10")
    }


def test_people_list_is_paginated(hr_client, org, monkeypatch):
    monkeypatch.setattr(reports, "PEOPLE_PER_PAGE", 3)
    first = hr_client.get(PEOPLE)
    assert len(first.context["rows"]) == 3
    assert first.context["page"].paginator.num_pages == 3
    last = hr_client.get(PEOPLE, {"page": 3})
    assert len(last.context["rows"]) == 2
    names = [r.name for r in first.context["rows"]] + [r.name for r in last.context["rows"]]
    assert len(set(names)) == 5


# --- exports --------------------------------------------------------------------------------


def test_people_csv_export_reads_back_and_is_logged(hr_client, org, caplog):
    caplog.set_level(logging.INFO, logger="pmsystem.security")
    with at("2027-07-10"):
        hr_client.force_login(org.hr)
        response = hr_client.get(
            export_url("people", "csv"), {"stage": "workplan", "status": "overdue"}
        )
        assert response.streaming
        rows = csv_rows(response)
    assert rows[0][:3] == ["Index number", "Name", "Email"]
    assert {row[0] for row in rows[1:]} == {org.staff[k].index_number for k in ("p1", "p2", "p10")}
    p2 = next(row for row in rows[1:] if row[0] == org.staff["p2"].index_number)
    assert p2[6:11] == [str(org.fro.user), "Work plan", "Draft", "2026-05-31", "yes"]
    [event] = export_events(caplog)
    assert (event["view"], event["format"], event["rows"], event["user"]) == (
        "people",
        "csv",
        3,
        org.hr.pk,
    )
    assert response["Content-Disposition"].startswith('attachment; filename="compliance-people')


def test_people_xlsx_export_reads_back(hr_client, org, caplog):
    caplog.set_level(logging.INFO, logger="pmsystem.security")
    response = hr_client.get(export_url("people", "xlsx"), {"unit": org.div2.pk})
    assert response.status_code == 200
    sheet = xlsx_book(response)["People"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Index number"
    assert {row[0] for row in values[1:]} == {
        org.staff[k].index_number for k in ("p4", "p5", "p10")
    }
    [event] = export_events(caplog)
    assert (event["format"], event["rows"], event["unit"]) == ("xlsx", 3, org.div2.pk)


def test_people_xlsx_export_holds_the_csv_rows_with_dates_as_dates(hr_client, org):
    with at("2027-07-10"):
        hr_client.force_login(org.hr)
        rows = csv_rows(hr_client.get(export_url("people", "csv")))
        sheet = xlsx_book(hr_client.get(export_url("people", "xlsx")))["People"]
    values = list(sheet.iter_rows(values_only=True))
    shown = [
        ["" if v is None else v.date().isoformat() if hasattr(v, "date") else v for v in row]
        for row in values
    ]
    assert shown == rows
    assert len(rows) == 9 and rows[0][-1] == "End-of-cycle evaluation"
    due = [row[9] for row in sheet.iter_rows(min_row=2) if row[9].value is not None]
    assert due and {(c.data_type, c.number_format) for c in due} == {("d", "yyyy-mm-dd")}
    p2 = next(row for row in values if row[0] == org.staff["p2"].index_number)
    assert p2[3:11] == (
        org.staff["p2"].get_category_display(),
        org.staff["p2"].get_gender_display() or None,
        p2[5],
        str(org.fro.user),
        "Work plan",
        "Draft",
        datetime.datetime(2026, 5, 31),
        "yes",
    )


def test_people_exports_are_in_the_language_of_the_request(hr_client, org):
    english = csv_rows(hr_client.get(export_url("people", "csv")))
    french = csv_rows(hr_client.get(export_url("people", "csv"), HTTP_ACCEPT_LANGUAGE="fr"))
    book = xlsx_book(hr_client.get(export_url("people", "xlsx"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert [len(r) for r in french] == [len(r) for r in english]
    assert french[0] != english[0]
    in_book = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(in_book[0]) == french[0]
    assert [row[7:9] for row in in_book[1:]] == [tuple(r[7:9]) for r in french[1:]]
    assert {tuple(r[7:9]) for r in french[1:]} != {tuple(r[7:9]) for r in english[1:]}


def test_dashboard_exports_hold_every_breakdown_and_the_ratings(hr_client, org):
    with at("2027-07-10"):
        hr_client.force_login(org.hr)
        book = xlsx_book(hr_client.get(export_url("dashboard", "xlsx"), {"unit": org.entity.pk}))
        rows = csv_rows(hr_client.get(export_url("dashboard", "csv"), {"unit": org.entity.pk}))
        ratings = csv_rows(hr_client.get(export_url("ratings", "csv")))
    assert book.sheetnames == [
        "Summary",
        "By unit",
        "By category",
        "By gender",
        "Ratings",
        "Special schedules",
    ]
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert summary[0][:5] == ("Breakdown", "Group", "Stage", "Due", "Staff")
    assert summary[1][2:11] == ("Work plan", summary[1][3], 8, 2, 1, 5, 3, 2, 3)
    by_unit = [r for r in book["By unit"].iter_rows(values_only=True)][1:]
    assert {r[1] for r in by_unit} == {
        "Directly in DEP",
        "DIV1 — Division one",
        "DIV2 — Division two",
    }
    # the CSV puts the same tables one after the other, told apart by the first column
    assert {row[0] for row in rows[1:]} == {"All", "Division", "Category", "Gender"}
    assert rows[1][4:11] == ["8", "2", "1", "5", "3", "2", "3"]
    assert ratings[0][:3] == [
        "Entity",
        "Completed evaluations",
        "Exceeds performance expectations (EX)",
    ]
    assert ratings[1][:2] == ["DEP — Department", "1"]
    assert ratings[2][:4] == ["Whole organisation", "2", "1", "50.0"]


def test_exported_text_never_runs_as_a_formula(hr_client, org):
    staff = StaffMemberFactory(unit=org.unit1)
    staff.user.first_name = '=HYPERLINK("http://evil.example","x")'
    staff.user.save()
    rows = csv_rows(hr_client.get(export_url("people", "csv")))
    row = next(r for r in rows if r[0] == staff.index_number)
    assert row[1].startswith("'=HYPERLINK")
    book = xlsx_book(hr_client.get(export_url("people", "xlsx")))
    cells = [r for r in book["People"].iter_rows() if r[0].value == staff.index_number][0]
    assert cells[1].data_type == "s"
    assert cells[1].value.startswith("'=HYPERLINK")


def test_the_prepared_entities_of_the_compliance_pages_follow_the_clock_and_equal_the_rule():
    """`compliance_entity_rows` (every compliance page's first query, prepared) gives the
    entities `compliance_entities` gives, by code: for an HR focal point of two entities, a
    HOD, a staff member with no role, a role that ended yesterday and one that starts
    tomorrow, an acting HOD by delegation; and tomorrow the latter's entity, not the
    former's; and after the admin ends a role, without it."""
    import datetime

    import time_machine

    from compliance.permissions import compliance_entities, compliance_entity_rows
    from org.models import DepartmentRole
    from tests.factories import (
        DelegationFactory,
        DepartmentRoleFactory,
        EntityFactory,
        StaffMemberFactory,
    )

    today = datetime.date(2026, 12, 7)
    hr = StaffMemberFactory().user
    Role = DepartmentRole.Role
    for code in ("ZED", "ABC"):
        DepartmentRoleFactory(user=hr, role=Role.HR_FOCAL_POINT, entity=EntityFactory(code=code))
    hod = DepartmentRoleFactory(role=Role.HOD).user
    changing = StaffMemberFactory().user
    ended = EntityFactory(code="OLD")
    DepartmentRoleFactory(
        user=changing, role=Role.HR_FOCAL_POINT, entity=ended, end=today - datetime.timedelta(1)
    )
    starting = EntityFactory(code="NEW")
    DepartmentRoleFactory(
        user=changing, role=Role.HOD, entity=starting, start=today + datetime.timedelta(1)
    )
    plain = StaffMemberFactory().user
    # A delegation: the HOD's acting HOD holds what the rule says, no more (the same rows).
    acting = StaffMemberFactory().user
    DelegationFactory(principal=hod, acting=acting, role="hod", start=today - datetime.timedelta(1))

    def both(user):
        expected = list(
            compliance_entities(user).order_by("code").values_list("pk", "code", "name")
        )
        return compliance_entity_rows(user), expected

    for day, changing_codes in ((today, []), (today + datetime.timedelta(1), ["NEW"])):
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(12)), tick=False):
            for user in (hr, hod, changing, plain, acting):
                got, expected = both(user)
                assert got == expected, (day, user)
            assert [code for _, code, _ in compliance_entity_rows(hr)] == ["ABC", "ZED"]
            assert [code for _, code, _ in compliance_entity_rows(changing)] == changing_codes
            assert compliance_entity_rows(plain) == []
    # The admin ends the HR focal point's role on one entity (a plain update, as its form
    # saves it): gone at the next call, as the rule says.
    DepartmentRole.objects.filter(user=hr, entity__code="ZED").update(
        end=today - datetime.timedelta(1)
    )
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(12)), tick=False):
        got, expected = both(hr)
        assert got == expected
        assert [code for _, code, _ in got] == ["ABC"]
