"""The compliance dashboard's special schedules (issue 16): per entity, the staff on probation or
on a technical-cooperation contract and their milestones done, due and overdue — the figures of
the schedules' entity page, which each row links to — for the entities the reader holds only,
in a constant number of queries; its exports (the dashboard's XLSX, the special schedules' own
CSV and XLSX) hold the same figures under the same rule."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from org.models import DepartmentRole, StaffMember
from schedules import selectors
from tests.factories import DepartmentRoleFactory, StaffMemberFactory
from tests.schedules.helpers import World, world

from .helpers import at

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 12, 6)
DASHBOARD = reverse("compliance:dashboard")
DASHBOARD_XLSX = reverse("compliance:export", args=["dashboard", "xlsx"])
SCHEDULES_CSV = reverse("compliance:export", args=["schedules", "csv"])
SCHEDULES_XLSX = reverse("compliance:export", args=["schedules", "xlsx"])
# Session, user, the MFA check, the navigation and the report (tests/compliance/test_queries),
# with the special schedules' one query: the same at every size (a query per entity or per
# person would show in the larger one).
MAX_QUERIES = 12
# The exports: the user, the MFA check, the entities held, the cycles, then the special
# schedules' one query; the dashboard's XLSX also reads its stage counts, the rating levels
# and the ratings.
MAX_QUERIES_DASHBOARD_XLSX = 8
MAX_QUERIES_SCHEDULES_CSV = 5
HEADER = ["Entity", "Staff", "Done", "Due", "Overdue"]


def special_world(**cycle_fields) -> World:
    """Cycle 2026-27 with technical-cooperation appraisals 6 months after entry, then yearly.
    On 6 December 2026:

    | who | entry on duty | milestones |
    |---|---|---|
    | a, probation | 1 Apr 2026 | discussion held; mid-term (6) overdue since 1 Oct; 3 due |
    | b, probation | 1 Nov 2026 | discussion overdue since 1 Dec; 4 due |
    | c, technical cooperation | 15 May 2026 | first appraisal overdue since 15 Nov; 1 due |
    | d, regular | 1 Apr 2026 | none |
    | e, probation, inactive | 1 Apr 2026 | none |

    `w.staff` is [a, b].
    """
    w = world(tc_first_appraisal_months=6, tc_appraisal_every_months=12, **cycle_fields)
    a = w.probationer(D(2026, 4, 1))
    w.probationer(D(2026, 11, 1))
    StaffMemberFactory(
        unit=w.unit,
        entry_on_duty=D(2026, 5, 15),
        contract_type=StaffMember.ContractType.TECHNICAL_COOPERATION,
    )
    StaffMemberFactory(unit=w.unit, entry_on_duty=D(2026, 4, 1))
    StaffMemberFactory(unit=w.unit, entry_on_duty=D(2026, 4, 1), on_probation=True, is_active=False)
    w.held(a, "discussion", D(2026, 4, 20), today=TODAY)
    return w


def figures(response) -> dict[str, tuple[int, int, int, int] | None]:
    """The dashboard's special schedules: entity code → (staff, done, due, overdue), None
    where the row only links to the entity's page (several entities in view)."""
    return {
        entity.code: (row.staff, row.done, row.due, row.overdue) if row else None
        for entity, row in response.context["schedules"]
    }


def dashboard(client, user, **query):
    client.force_login(user)
    with at(TODAY):
        response = client.get(DASHBOARD, query)
    assert response.status_code == 200
    return response


def test_each_entity_shows_its_special_schedules_as_its_entity_page_counts_them(client):
    w = special_world()
    response = dashboard(client, w.hr)
    assert figures(response) == {w.entity.code: (3, 1, 8, 3)}
    # The figures of the entity page, summed over its milestones.
    counts = selectors.milestone_counts(selectors.entity_rows(w.entity.pk, TODAY))
    assert (sum(c.done for c in counts), sum(c.due for c in counts)) == (1, 8)
    assert sum(c.overdue for c in counts) == 3
    page = response.content.decode()
    entity_page = reverse("schedules:entity", args=[w.entity.pk])
    assert f'href="{entity_page}"' in page
    assert f'href="{entity_page}?state=overdue">3</a>' in page
    # The HOD holds the entity too; drilled into a unit, the row of its entity.
    assert figures(dashboard(client, w.hod, unit=w.unit.pk)) == {w.entity.code: (3, 1, 8, 3)}


def test_a_milestone_recorded_leaves_the_overdue_count(client):
    w = special_world()
    a = w.staff[0]
    w.held(a, "midterm_6", D(2026, 10, 2), today=TODAY, summary="Held a day late.")
    assert figures(dashboard(client, w.hr)) == {w.entity.code: (3, 2, 8, 2)}


def test_an_entity_with_nobody_on_a_special_schedule_shows_zeros(client):
    w = world()
    response = dashboard(client, w.hr)
    assert figures(response) == {w.entity.code: (0, 0, 0, 0)}
    assert 'id="schedule-entities"' in response.content.decode()


def test_an_hr_focal_point_of_another_entity_does_not_see_the_entitys_special_schedules(client):
    w = special_world()
    other = world(cycle=w.cycle)
    other.probationer(D(2026, 11, 1))
    response = dashboard(client, other.hr)
    assert figures(response) == {other.entity.code: (1, 0, 4, 1)}
    page = response.content.decode()
    assert reverse("schedules:entity", args=[w.entity.pk]) not in page
    assert reverse("schedules:entity", args=[other.entity.pk]) in page
    # Asking for the entity by its id is not found, as the rest of the dashboard.
    client.force_login(other.hr)
    assert client.get(DASHBOARD, {"entity": w.entity.pk}).status_code == 404
    # Nor does its schedules page open for them.
    assert client.get(reverse("schedules:entity", args=[w.entity.pk])).status_code == 404


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_dashboard_reads_the_special_schedules_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries, size
):
    w = special_world()
    others = set()
    if size == "large":
        for _ in range(3):
            more = world(cycle=w.cycle)
            DepartmentRoleFactory(
                entity=more.entity, user=w.hr, role=DepartmentRole.Role.HR_FOCAL_POINT
            )
            for n in range(8):
                member = more.probationer(D(2026, 4 + n, 1))
                if n % 2:
                    more.held(member, "discussion", D(2026, 5 + n, 1), today=TODAY)
            others.add(more.entity.code)
    client.force_login(w.hr)
    with at(TODAY), django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    found = figures(response)
    if size == "small":
        assert found == {w.entity.code: (3, 1, 8, 3)}
        return
    # Several entities in view: each row links to its entity's page, which counts (counting
    # every person's milestones of every entity is too slow for this page at 40,000 staff).
    assert found == dict.fromkeys({w.entity.code, *others})
    page = response.content.decode()
    assert page.count("Counted on the entity") == 4
    # Choosing one of them counts it: eight probationers, half with the discussion held.
    for code in others:
        entity = next(e for e, _ in response.context["schedules"] if e.code == code)
        with at(TODAY):
            one = client.get(DASHBOARD, {"entity": entity.id})
        assert figures(one)[code][:2] == (8, 4)


# --- the exports ------------------------------------------------------------------------------


def export(client, user, url: str, **query) -> list[list] | None:
    """The special schedules of an export, header first: the sheet of that name of an XLSX
    (None: no such sheet), the rows of a CSV (numbers as text)."""
    client.force_login(user)
    with at(TODAY):
        response = client.get(url, query)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
    if url.endswith(".csv"):
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    book = openpyxl.load_workbook(io.BytesIO(body))
    if "Special schedules" not in book.sheetnames:
        return None
    return [list(row) for row in book["Special schedules"].iter_rows(values_only=True)]


def test_the_exports_of_one_entity_hold_its_special_schedules_as_the_dashboard_shows_them(
    client,
):
    w = special_world()
    assert figures(dashboard(client, w.hr)) == {w.entity.code: (3, 1, 8, 3)}
    entity = f"{w.entity.code} — {w.entity.name}"
    assert export(client, w.hr, DASHBOARD_XLSX) == [HEADER, [entity, 3, 1, 8, 3]]
    assert export(client, w.hr, SCHEDULES_CSV) == [HEADER, [entity, "3", "1", "8", "3"]]
    assert export(client, w.hr, SCHEDULES_XLSX) == [HEADER, [entity, 3, 1, 8, 3]]
    # Drilled into a unit, the figures of its entity, as on the page.
    assert export(client, w.hod, DASHBOARD_XLSX, unit=w.unit.pk) == [HEADER, [entity, 3, 1, 8, 3]]
    # The page offers the special schedules' own CSV and XLSX.
    page = dashboard(client, w.hr).content.decode()
    assert f'href="{SCHEDULES_CSV}?' in page


def test_the_special_schedules_export_is_in_the_language_of_the_reader(client):
    w = special_world()
    client.force_login(w.hr)
    with at(TODAY):
        response = client.get(SCHEDULES_CSV, HTTP_ACCEPT_LANGUAGE="fr")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Entité", "Effectif", "Terminé", "À faire", "En retard"]
    assert rows[1][1:] == ["3", "1", "8", "3"]


def test_an_hr_focal_point_of_another_entity_exports_none_of_the_entitys_special_schedules(
    client,
):
    w = special_world()
    other = world(cycle=w.cycle)
    other.probationer(D(2026, 11, 1))
    mine = [HEADER, [f"{other.entity.code} — {other.entity.name}", 1, 0, 4, 1]]
    assert export(client, other.hr, DASHBOARD_XLSX) == mine
    assert export(client, other.hr, SCHEDULES_CSV)[1:] == [[str(n) for n in mine[1]]]
    client.force_login(other.hr)
    for url in (DASHBOARD_XLSX, SCHEDULES_CSV):
        assert client.get(url, {"entity": w.entity.pk}).status_code == 404
        assert client.get(url, {"unit": w.unit.pk}).status_code == 404


def test_over_several_entities_the_exports_say_where_the_special_schedules_are_counted(client):
    """As the page: over several entities nothing is counted, each row says where it is; the
    entity chosen, its figures."""
    w = special_world()
    more = world(cycle=w.cycle)
    more.probationer(D(2026, 11, 1))
    DepartmentRoleFactory(entity=more.entity, user=w.hr, role=DepartmentRole.Role.HR_FOCAL_POINT)
    assert set(figures(dashboard(client, w.hr)).values()) == {None}
    rows = export(client, w.hr, DASHBOARD_XLSX)
    assert rows[0] == ["Entity", "Special schedules"]
    assert sorted(row[0] for row in rows[1:]) == sorted(
        f"{e.code} — {e.name}" for e in (w.entity, more.entity)
    )
    assert {row[1] for row in rows[1:]} == {
        "Counted on the entity's special schedules page, or in this export when you choose "
        "the entity on the dashboard."
    }
    assert export(client, w.hr, SCHEDULES_CSV) == [[str(c) for c in row] for row in rows]
    # Without figures, the page offers no special schedules export.
    assert f'href="{SCHEDULES_CSV}?' not in dashboard(client, w.hr).content.decode()
    chosen = export(client, w.hr, DASHBOARD_XLSX, entity=more.entity.pk)
    assert chosen == [HEADER, [f"{more.entity.code} — {more.entity.name}", 1, 0, 4, 1]]


@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize(
    ("url", "bound"),
    [(DASHBOARD_XLSX, MAX_QUERIES_DASHBOARD_XLSX), (SCHEDULES_CSV, MAX_QUERIES_SCHEDULES_CSV)],
)
def test_the_exports_read_the_special_schedules_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries, size, url, bound
):
    """One entity with 3 or 27 people on special schedules (and 2 or 14 recorded milestones):
    the same bound (a query per person or per milestone would show in the larger one)."""
    w = special_world()
    if size == "large":
        for n in range(24):
            member = w.probationer(D(2026, 1 + n % 11, 1))
            if n % 2:
                w.held(member, "discussion", D(2026, 2 + n % 11, 1), today=TODAY)
    client.force_login(w.hr)
    with at(TODAY), django_assert_max_num_queries(bound):
        response = client.get(url)
        body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body
    staff = export(client, w.hr, url)[1][1]
    assert int(staff) == (3 if size == "small" else 27)
