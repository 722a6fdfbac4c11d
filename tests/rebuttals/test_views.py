"""Rebuttal pages through the client: who sees what, the window, files, exports, rosters."""

import csv
import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appraisals.models import Appraisal
from org.models import DepartmentRole
from rebuttals.models import RebuttalCase
from tests.factories import StaffMemberFactory
from tests.rebuttals.helpers import (
    built_rebuttable_document,
    entity_role,
    filed_case,
    published_roster,
)
from tests.workplans.helpers import fro_of, sro_of

pytestmark = pytest.mark.django_db


def test_staff_files_through_the_page_with_an_attachment(client):
    document = built_rebuttable_document()
    client.force_login(document.staff.user)
    page = client.get(reverse("appraisals:evaluation", args=[document.pk])).content.decode()
    assert "File a rebuttal" in page
    response = client.post(
        reverse("rebuttals:file", args=[document.pk]),
        {
            "statement": "The rating ignores my reassignment.",
            "attachments": [SimpleUploadedFile("memo.pdf", b"%PDF-1.4 memo", "application/pdf")],
        },
    )
    case = RebuttalCase.objects.get(document=document)
    assert response.url == reverse("rebuttals:case", args=[case.pk])
    attachment = case.attachments.get()
    download = client.get(reverse("rebuttals:attachment", args=[case.pk, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 memo"
    assert download["X-Content-Type-Options"] == "nosniff"


def test_after_the_window_the_button_is_gone_and_a_post_is_refused(client):
    document = built_rebuttable_document()
    deadline = Appraisal.objects.get(pk=document.pk).rebuttal_deadline
    with time_machine.travel(deadline + datetime.timedelta(days=2)):
        client.force_login(document.staff.user)
        page = client.get(reverse("appraisals:evaluation", args=[document.pk])).content.decode()
        assert "File a rebuttal" not in page
        assert "The rebuttal window closed on" in page
        response = client.post(
            reverse("rebuttals:file", args=[document.pk]), {"statement": "Too late?"}
        )
    assert f"The rebuttal window closed on {deadline:%-d %B %Y}." in response.content.decode()
    assert not RebuttalCase.objects.exists()


def test_a_bad_attachment_keeps_the_statement(client):
    document = built_rebuttable_document()
    client.force_login(document.staff.user)
    response = client.post(
        reverse("rebuttals:file", args=[document.pk]),
        {
            "statement": "My long statement.",
            "attachments": [SimpleUploadedFile("x.exe", b"MZ", "application/octet-stream")],
        },
    )
    page = response.content.decode()
    assert "is not a PDF, Word (.docx) or image (PNG, JPEG) file." in page
    assert "My long statement." in page


@pytest.fixture
def case_and_people():
    supervisor = StaffMemberFactory().user
    document = built_rebuttable_document(supervisors=[supervisor])
    case = filed_case(document)
    entity = document.staff.unit.entity
    members = published_roster(entity)
    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    from rebuttals import services

    panel = services.appoint_panel_member(case=case, actor=hr, roster_member=members["chair"][0])
    return case, {
        "staff": document.staff.user,
        "fro": fro_of(document),
        "sro": sro_of(document),
        "hod": entity_role(entity, DepartmentRole.Role.HOD),
        "hr": hr,
        "panel_member": panel.user,
        "additional_supervisor": supervisor,
        "staff_representative": entity_role(entity, DepartmentRole.Role.STAFF_REPRESENTATIVE),
        "unrelated": StaffMemberFactory().user,
    }


EXPECTED = {
    "staff": 200,
    "fro": 200,
    "sro": 200,
    "hod": 200,
    "hr": 200,
    "panel_member": 200,
    "additional_supervisor": 404,
    "staff_representative": 404,
    "unrelated": 404,
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_case_file_answers_each_role_as_designed(client, case_and_people, role):
    case, people = case_and_people
    client.force_login(people[role])
    assert client.get(reverse("rebuttals:case", args=[case.pk])).status_code == EXPECTED[role]


def test_only_the_hod_replies_and_the_form_shows_only_for_them(client, case_and_people):
    case, people = case_and_people
    client.force_login(people["hod"])
    assert "Send reply" in client.get(reverse("rebuttals:case", args=[case.pk])).content.decode()
    for role in ("staff", "hr", "panel_member"):
        client.force_login(people[role])
        response = client.post(reverse("rebuttals:reply", args=[case.pk]), {"reply": "No."})
        assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == RebuttalCase.State.FILED


def test_hr_panel_form_does_not_offer_the_fro(client, case_and_people):
    case, people = case_and_people
    entity = case.document.staff.unit.entity
    hod = people["hod"]
    from rebuttals import services
    from rebuttals.models import Group

    services.add_roster_member(
        entity=entity, actor=hod, user=people["fro"], group=Group.HOD_DESIGNATED
    )
    services.add_roster_member(
        entity=entity,
        actor=people["staff_representative"],
        user=StaffMemberFactory().user,
        group=Group.STAFF_DESIGNATED,
    )
    services.add_roster_member(
        entity=entity, actor=hod, user=StaffMemberFactory().user, group=Group.CHAIR
    )
    services.publish_roster(entity=entity, actor=people["hr"])
    client.force_login(people["hr"])
    page = client.get(reverse("rebuttals:case", args=[case.pk])).content.decode()
    assert "Appoint" in page
    assert str(people["fro"]) not in page.split("Designated by the HOD", 1)[1]


def test_hr_appoints_the_open_seats_in_one_form_all_or_nothing(client, case_and_people):
    """One radio group per open seat, one button (issue 17: HR's step in five clicks); a
    refused seat (here the chair's, already taken) appoints nobody, and the page says why."""
    from rebuttals.models import Group, RosterMember

    case, people = case_and_people
    members = RosterMember.objects.filter(roster__entity=case.document.staff.unit.entity)
    open_seats = {
        f"member-{group}": members.filter(group=group).exclude(user=people["panel_member"])[0].pk
        for group in (Group.HOD_DESIGNATED, Group.STAFF_DESIGNATED)
    }
    second_chair = members.filter(group=Group.CHAIR).exclude(user=people["panel_member"])[0]
    client.force_login(people["hr"])
    page = client.get(reverse("rebuttals:case", args=[case.pk])).content.decode()
    assert page.count('type="submit" class="secondary">Appoint<') == 1
    url = reverse("rebuttals:appoint", args=[case.pk])

    response = client.post(url, {**open_seats, "member-chair": second_chair.pk}, follow=True)
    assert "The chairperson seat is already taken." in response.content.decode()
    assert case.panel.count() == 1

    response = client.post(url, {}, follow=True)
    assert "Choose who takes a seat." in response.content.decode()

    response = client.post(url, open_seats, follow=True)
    page = response.content.decode()
    for member in members.filter(pk__in=open_seats.values()).select_related("user"):
        assert f"{member.user} appointed." in page
    assert sorted(case.panel.values_list("seat", flat=True)) == sorted(Group.values)
    case.refresh_from_db()
    assert case.panel_constituted_at is not None
    assert client.post(url, {"member-chair": "99999999"}).status_code == 404


def test_monitoring_list_and_exports(client, case_and_people):
    case, people = case_and_people
    client.force_login(people["hr"])
    page = client.get(reverse("rebuttals:monitor")).content.decode()
    assert str(case.document.staff.user) in page
    csv_response = client.get(reverse("rebuttals:monitor"), {"export": "csv"})
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Staff member"
    assert rows[1][1] == case.document.staff.index_number
    xlsx = client.get(reverse("rebuttals:monitor"), {"export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    sheet = book.active
    assert sheet.cell(row=2, column=2).value == case.document.staff.index_number
    client.force_login(people["staff"])
    assert client.get(reverse("rebuttals:monitor")).status_code == 403


def test_only_hr_focal_points_and_hods_follow_the_cases(client, case_and_people):
    """The staff representative sees the entity's roster, not its cases: the monitor (and
    its exports) are refused, although the entity's HOD and HR hold the documents grant."""
    _, people = case_and_people
    for role, status in {"hod": 200, "hr": 200, "staff_representative": 403}.items():
        client.force_login(people[role])
        assert client.get(reverse("rebuttals:monitor")).status_code == status, role
        export = client.get(reverse("rebuttals:monitor"), {"export": "csv"})
        assert export.status_code == status, role


def test_roster_page_visibility(client, case_and_people):
    case, people = case_and_people
    url = reverse("rebuttals:roster", args=[case.document.staff.unit.entity_id])
    for role, status in {
        "hod": 200,
        "hr": 200,
        "staff_representative": 200,
        "staff": 404,
        "unrelated": 404,
        "fro": 404,
    }.items():
        client.force_login(people[role])
        assert client.get(url).status_code == status, role


def test_monitor_constant_queries(client, django_assert_max_num_queries):
    first = filed_case(built_rebuttable_document())
    entity = first.document.staff.unit.entity
    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    client.force_login(hr)
    with django_assert_max_num_queries(14):
        client.get(reverse("rebuttals:monitor"))
    for _ in range(4):
        staff = StaffMemberFactory(unit=first.document.staff.unit)
        filed_case(built_rebuttable_document(staff=staff, cycle=first.document.cycle))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("rebuttals:monitor")).content.decode()
    assert page.count("/rebuttals/") >= 5
