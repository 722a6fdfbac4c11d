"""The department follow-up (issue 17): the HODs and HR focal points of an entity see its open
PIPs, its ratings below "Successfully meets", its rebuttal cases and its roll-backs, filter
them, and export them; nobody else does."""

from __future__ import annotations

import csv
import datetime
import io
import json
import logging
from dataclasses import dataclass

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from appraisals import services as appraisal_services
from appraisals.models import Appraisal, ImprovementPlan, RollBack
from compliance.follow_up import KINDS
from org.models import Delegation, DepartmentRole, OrgUnit, RatingLevel, User
from pmsystem.stages import Stage
from rebuttals.models import RebuttalCase
from tests.appraisals.helpers import hr_focal_point, make_document_at
from tests.factories import (
    CycleFactory,
    DelegationFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    StaffMemberFactory,
    UserFactory,
    WorkPlanFactory,
)
from tests.rebuttals.helpers import filed_case
from tests.workplans.helpers import fro_of, sro_of
from tests.worlds import built_once
from workplans.models import WorkPlan

pytestmark = pytest.mark.django_db

URL = reverse("compliance:follow-up")
TODAY = datetime.date.today()


def export_url(fmt: str) -> str:
    return reverse("compliance:follow-up-export", args=[fmt])


@dataclass
class World:
    entity: OrgUnit
    unit: OrgUnit
    hod: User
    hr: User
    docs: dict[str, WorkPlan]


def staff_in(unit: OrgUnit, last_name: str):
    return StaffMemberFactory(unit=unit, user=UserFactory(last_name=last_name))


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module (tests/worlds.py): each test changes it in a savepoint."""
    with built_once(django_db_blocker, tmp_path_factory.mktemp("media")):
        yield build_world()


@pytest.fixture
def world(built, db) -> World:
    return built


def build_world() -> World:
    """One entity with a document in each list (and one in none), another entity with the
    same, which must not show."""
    cycle = CycleFactory()
    entity = EntityFactory(code="DOF")
    unit = OrgUnitFactory(parent=entity, code="BUD")
    hod = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HOD).user
    docs = {
        "pip": make_document_at(
            "completed", overall="PM", staff=staff_in(unit, "Pipperson"), cycle=cycle
        ),
        "case": make_document_at(
            "completed", overall="DN", staff=staff_in(unit, "Rebutter"), cycle=cycle
        ),
        "rolled": make_document_at(
            "acknowledgement", staff=staff_in(unit, "Rollerton"), cycle=cycle
        ),
        "fine": make_document_at("completed", staff=staff_in(unit, "Fineman"), cycle=cycle),
    }
    hr = hr_focal_point(docs["pip"])
    appraisal_services.open_improvement_plan(
        document=docs["pip"],
        actor=fro_of(docs["pip"]),
        objectives="Reports on time.",
        support="Coaching.",
        start=TODAY - datetime.timedelta(days=40),
        end=TODAY + datetime.timedelta(days=50),
    )
    filed_case(docs["case"])
    appraisal_services.roll_back_document(
        document=docs["rolled"],
        actor=hr,
        requested_by=sro_of(docs["rolled"]),
        reason="Goal 2 was rated on the wrong evidence.",
        target_stage="fro_evaluation",
    )
    # Elsewhere: another entity's low rating with an open PIP.
    other_unit = OrgUnitFactory(parent=EntityFactory(code="OTH"))
    elsewhere = make_document_at(
        "completed", overall="PM", staff=staff_in(other_unit, "Outsider"), cycle=cycle
    )
    appraisal_services.open_improvement_plan(
        document=elsewhere,
        actor=fro_of(elsewhere),
        objectives="Reports.",
        support="Coaching.",
        start=TODAY,
        end=TODAY + datetime.timedelta(days=60),
    )
    return World(entity=entity, unit=unit, hod=hod, hr=hr, docs=docs)


def sections(page: str) -> dict[str, str]:
    """The page's text per list, by its section id."""
    found = {}
    for kind in ("pips", "ratings", "rebuttals", "rollbacks"):
        start = page.find(f'id="section-{kind}"')
        found[kind] = page[start : page.find("</section>", start)] if start >= 0 else ""
    return found


@pytest.mark.parametrize("role", ["hod", "hr"])
def test_the_hod_and_hr_focal_point_see_the_four_lists_of_their_department(client, world, role):
    client.force_login(getattr(world, role))
    response = client.get(URL)
    assert response.status_code == 200
    shown = sections(response.content.decode())
    assert "Pipperson" in shown["pips"] and "Review meeting, due" in shown["pips"]
    # Ratings below "Successfully meets": the PIP's (PM) and the case's (DN), not "Fineman".
    assert "Pipperson" in shown["ratings"] and "Rebutter" in shown["ratings"]
    assert "Fineman" not in shown["ratings"]
    assert "Partially meets performance expectations" in shown["ratings"]
    assert "Rebutter" in shown["rebuttals"] and "Awaiting the HOD" in shown["rebuttals"]
    assert "Rollerton" in shown["rollbacks"] and "Goal 2 was rated" in shown["rollbacks"]
    assert "Outsider" not in response.content.decode()


def test_the_menu_leads_there_for_department_roles_only(client, world):
    client.force_login(world.hod)
    assert f'href="{URL}"' in client.get(reverse("home")).content.decode()
    client.force_login(world.docs["pip"].staff.user)
    assert f'href="{URL}"' not in client.get(reverse("home")).content.decode()


def test_anyone_else_is_refused_with_the_reason(client, world):
    for user in (
        world.docs["pip"].staff.user,
        fro_of(world.docs["pip"]),
        sro_of(world.docs["pip"]),
        DepartmentRoleFactory(
            entity=world.entity, role=DepartmentRole.Role.STAFF_REPRESENTATIVE
        ).user,
    ):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 403, user
        assert "for heads of department and HR focal points" in response.content.decode()
        assert client.get(export_url("xlsx")).status_code == 403


def test_access_follows_todays_dated_roles_and_delegations(client, world):
    ended = DepartmentRoleFactory(
        entity=world.entity,
        role=DepartmentRole.Role.HR_FOCAL_POINT,
        start=TODAY - datetime.timedelta(days=100),
        end=TODAY - datetime.timedelta(days=1),
    ).user
    future = DepartmentRoleFactory(
        entity=world.entity,
        role=DepartmentRole.Role.HOD,
        start=TODAY + datetime.timedelta(days=1),
    ).user
    for user in (ended, future):
        client.force_login(user)
        assert client.get(URL).status_code == 403
    acting = StaffMemberFactory().user
    DelegationFactory(
        principal=world.hod,
        acting=acting,
        role=Delegation.Role.HOD,
        start=TODAY,
        end=TODAY + datetime.timedelta(days=5),
    )
    client.force_login(acting)
    assert "Pipperson" in sections(client.get(URL).content.decode())["pips"]


def test_an_hod_of_another_entity_sees_only_theirs(client, world):
    other = OrgUnit.objects.get(code="OTH")
    hod = DepartmentRoleFactory(entity=other, role=DepartmentRole.Role.HOD).user
    client.force_login(hod)
    page = client.get(URL).content.decode()
    assert "Outsider" in sections(page)["pips"]
    assert "Pipperson" not in page and "Rebutter" not in page


def test_a_filter_outside_what_the_user_follows_is_not_found(client, world):
    client.force_login(world.hod)
    other = OrgUnit.objects.get(code="OTH")
    for query in (
        {"entity": other.pk},
        {"unit": other.pk},
        {"entity": "x"},
        {"cycle": "99999999"},
        {"show": "everything"},
    ):
        assert client.get(URL, query).status_code == 404, query
        assert client.get(export_url("xlsx"), query).status_code == 404, query


def test_the_filters_narrow_every_list(client, world):
    client.force_login(world.hr)
    by_name = sections(client.get(URL, {"name": "rebut"}).content.decode())
    assert "Rebutter" in by_name["ratings"] and "Pipperson" not in by_name["ratings"]
    assert "No open performance improvement plan." in by_name["pips"]
    index = world.docs["pip"].staff.index_number
    assert "Pipperson" in sections(client.get(URL, {"name": index}).content.decode())["pips"]
    other_unit = OrgUnitFactory(parent=world.entity)
    by_unit = client.get(URL, {"unit": other_unit.pk}).content.decode()
    assert "Pipperson" not in by_unit and "Rebutter" not in by_unit
    by_parent = client.get(URL, {"entity": world.entity.pk, "unit": world.unit.pk})
    assert "Pipperson" in sections(by_parent.content.decode())["pips"]
    # Another cycle: nothing; every cycle: the current one's too.
    other_cycle = CycleFactory()
    assert "Pipperson" not in client.get(URL, {"cycle": other_cycle.pk}).content.decode()
    assert "Pipperson" in client.get(URL, {"cycle": ""}).content.decode()


def test_show_one_list_whole(client, world):
    client.force_login(world.hod)
    page = client.get(URL, {"show": "rollbacks"}).content.decode()
    shown = sections(page)
    assert "Rollerton" in shown["rollbacks"]
    assert shown["pips"] == shown["ratings"] == shown["rebuttals"] == ""
    assert "Back to the four lists" in page


def test_a_rating_raised_by_the_panel_leaves_the_list(client, world):
    """The final rating is what counts: a panel that replaced "Does not meet" by "Successfully
    meets" takes the document out (written to the row: the panel's path is tested in
    tests/rebuttals)."""
    meets = RatingLevel.objects.get(
        scale__cycle=world.docs["case"].cycle, scale__kind="overall", code="SM"
    )
    Appraisal.objects.filter(pk=world.docs["case"].pk).update(final_rating=meets)
    client.force_login(world.hod)
    assert "Rebutter" not in sections(client.get(URL).content.decode())["ratings"]


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_each_list_exports_as_csv_with_the_filters(client, world):
    client.force_login(world.hr)
    rows = read_csv(client.get(export_url("csv"), {"show": "pips"}))
    assert rows[0] == [
        "Staff member",
        "Index",
        "Unit",
        "Start",
        "End",
        "Opened by",
        "Next step",
        "Due",
    ]
    (pip,) = rows[1:]
    assert pip[0].endswith("Pipperson") and pip[2] == "BUD" and pip[6] == "Review meeting"
    ratings = read_csv(client.get(export_url("csv"), {"show": "ratings", "name": "rebut"}))
    assert [row[0].split()[-1] for row in ratings[1:]] == ["Rebutter"]
    assert ratings[1][-2] == "Does not meet performance expectations"
    rollbacks = read_csv(client.get(export_url("csv"), {"show": "rollbacks"}))
    assert rollbacks[1][3:5] == ["FRO evaluation", f"{sro_of(world.docs['rolled'])} (SRO)"]
    # A CSV is one list: without one, nothing.
    assert client.get(export_url("csv")).status_code == 404
    assert client.get(export_url("pdf")).status_code == 404


def test_the_four_lists_export_as_sheets_of_one_workbook(client, world, caplog):
    caplog.set_level(logging.INFO, logger="pmsystem.security")
    client.force_login(world.hod)
    response = client.get(export_url("xlsx"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == [str(title)[:31] for title in KINDS.values()]
    counts = [sheet.max_row - 1 for sheet in workbook.worksheets]
    assert counts == [1, 2, 1, 1]
    (event,) = [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.name == "pmsystem.security" and '"export"' in r.getMessage()
    ]
    assert (event["view"], event["format"], event["rows"]) == ("follow_up", "xlsx", 5)


# --- the same number of queries at two sizes ---------------------------------------------------


def more_of_each(world: World, count: int) -> None:
    """`count` more documents in each list, written straight to the tables (these tests read;
    the services that write them are tested in their apps)."""
    template = world.docs["case"]
    cycle = template.cycle
    low = RatingLevel.objects.get(scale__cycle=cycle, scale__kind="overall", code="PM")
    fro = fro_of(template)
    for i in range(count):
        document = WorkPlanFactory(staff=staff_in(world.unit, f"Extra{i:03d}"), cycle=cycle)
        WorkPlan.objects.filter(pk=document.pk).update(stage=Stage.COMPLETED)
        Appraisal.objects.create(
            document=document,
            state=Appraisal.State.COMPLETED,
            overall_rating=low,
            final_rating=low,
        )
        ImprovementPlan.objects.create(
            document=document,
            opened_by=fro,
            objectives="Deliver.",
            support="Coaching.",
            start=TODAY,
            end=TODAY + datetime.timedelta(days=90),
        )
        RebuttalCase.objects.create(
            document=document,
            statement="Unfair.",
            original_rating=low,
            reply_due=TODAY,
            report_due=TODAY + datetime.timedelta(days=60),
        )
        RollBack.objects.create(
            document=document,
            target_stage="fro_evaluation",
            from_state="acknowledgement",
            requested_by=fro,
            requester_role="fro",
            reason="Wrong evidence.",
            performed_by=world.hr,
        )


# Measured: the page of the four lists 40 when each is longer than its slice (the session,
# the second-factor check, the menu, the filters and their choices, the documents' ids, and
# per list its rows, their documents, staff, users and units read by key, and its count: a
# list shorter than its slice needs no count); one list whole 19; the four lists as XLSX 32.
PAGE_QUERIES = 42
EXPORT_QUERIES = 34


@pytest.mark.parametrize("count", [2, 30])
def test_the_page_and_exports_run_the_same_queries_at_any_size(
    client, world, count, django_assert_max_num_queries
):
    more_of_each(world, count)
    client.force_login(world.hod)
    client.get(URL)
    with django_assert_max_num_queries(PAGE_QUERIES):
        page = client.get(URL).content.decode()
    badges = [f'<span class="badge">{n}</span>' for n in (1 + count, 2 + count, 1 + count)]
    assert all(badge in page for badge in badges)
    assert (f"See all {1 + count}" in page) == (count >= 10)
    with django_assert_max_num_queries(PAGE_QUERIES):
        whole = client.get(URL, {"show": "pips"}).content.decode()
    assert whole.count("Extra0") == count
    with django_assert_max_num_queries(EXPORT_QUERIES):
        response = client.get(export_url("xlsx"))
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [sheet.max_row - 1 for sheet in workbook.worksheets] == [
        1 + count,
        2 + count,
        1 + count,
        1 + count,
    ]
