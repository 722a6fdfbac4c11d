"""The import page: who may use it, what it shows, and that a bad file writes nothing."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from org.models import DepartmentRole, OrgUnit, ReportingLine, StaffMember, User
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    StaffMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/org/import/"
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
STAFF_HEADER = "index_number,first_name,last_name,email,grade,gender,unit_code,entry_on_duty\n"
# Session, user, navigation and the importer's snapshot reads: no query per row.
IMPORT_PAGE_QUERIES = 30


def upload(name: str, text: str | bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def sizes() -> tuple[int, int, int, int]:
    return (
        OrgUnit.objects.count(),
        User.objects.count(),
        StaffMember.objects.count(),
        ReportingLine.objects.count(),
    )


@pytest.fixture
def hr_setup():
    """An HR focal point of DEP (with division DIV); another entity FAR with division FARDIV."""
    CycleFactory(name="2026-27", start_year=2026)
    entity = EntityFactory(code="DEP")
    OrgUnitFactory(code="DIV", parent=entity)
    far = EntityFactory(code="FAR")
    OrgUnitFactory(code="FARDIV", parent=far)
    hr = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user
    return hr


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={URL}"


def test_plain_staff_member_is_refused_and_sees_no_import_link(client):
    staff = StaffMemberFactory()
    client.force_login(staff.user)
    assert client.get(URL).status_code == 403
    response = client.post(
        URL, {"files": upload("units.csv", "unit_code,unit_name,kind\nX,X,entity\n")}
    )
    assert response.status_code == 403
    assert not OrgUnit.objects.filter(code="X").exists()
    home = client.get(reverse("home")).content.decode()
    assert URL not in home


def test_an_hod_is_refused(client):
    hod = DepartmentRoleFactory(role=DepartmentRole.Role.HOD).user
    client.force_login(hod)
    assert client.get(URL).status_code == 403


def test_hr_focal_point_sees_the_page_and_the_nav_link(client, hr_setup):
    client.force_login(hr_setup)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<a href="{URL}">Import</a>' in page
    assert '<label for="id_files">Files</label>' in page
    assert 'type="file" name="files"' in page and "multiple" in page
    assert "<code>fro_index_number</code>" in page


def test_url_name_resolves():
    assert reverse("org:import") == URL


def test_superuser_imports_the_sample_files(client):
    CycleFactory(name="2026-27", start_year=2026)
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    files = [upload(n, (SAMPLES / n).read_bytes()) for n in ("units.csv", "staff.csv", "lines.csv")]
    response = client.post(URL, {"files": files})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Imported" in page
    assert '<th scope="row">Staff</th><td class="num">18</td><td class="num">0</td>' in page
    assert StaffMember.objects.count() == 18 and ReportingLine.objects.count() == 16


def test_a_staff_administrator_with_the_add_staff_permission_imports_the_workbook(client):
    """System administrators: staff accounts holding the model permission (the admin's)."""
    CycleFactory(name="2026-27", start_year=2026)
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_staffmember"))
    client.force_login(user)
    data = (SAMPLES / "org-sample.xlsx").read_bytes()
    response = client.post(URL, {"files": upload("org-sample.xlsx", data)})
    assert response.status_code == 200
    assert StaffMember.objects.count() == 18


def test_validate_only_shows_counts_and_writes_nothing(client, hr_setup):
    client.force_login(hr_setup)
    before = sizes()
    response = client.post(
        URL,
        {
            "files": upload(
                "staff.csv", STAFF_HEADER + "N1,Ned,New,ned@example.org,P-3,M,DIV,2024-01-01\n"
            ),
            "validate_only": "on",
        },
    )
    page = response.content.decode()
    assert "Every row is valid: nothing was written (validate only)" in page
    assert '<th scope="row">Staff</th><td class="num">1</td>' in page
    assert sizes() == before


@pytest.mark.parametrize("bad_rows", [3, 30])
def test_every_bad_row_is_listed_and_nothing_is_written(
    client, hr_setup, bad_rows, django_assert_max_num_queries
):
    client.force_login(hr_setup)
    good = "G1,Gil,Good,gil@example.org,P-3,M,DIV,2024-01-01\n"
    bad = "".join(f"B{i},Bad,Row,b{i}@example.org,P-9,F,DIV,2024-01-01\n" for i in range(bad_rows))
    before = sizes()
    with django_assert_max_num_queries(IMPORT_PAGE_QUERIES):
        response = client.post(URL, {"files": upload("staff.csv", STAFF_HEADER + good + bad)})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{bad_rows} errors: nothing was written" in page
    assert 'role="alert"' in page
    for line in range(3, 3 + bad_rows):
        assert f'<td>staff.csv</td><td class="num">{line}</td><td>grade</td>' in page
    assert page.count("Unknown grade “P-9”. Valid grades: G-1,") == bad_rows
    assert sizes() == before


def test_hr_focal_point_importing_into_another_entity_gets_errors(client, hr_setup):
    client.force_login(hr_setup)
    before = sizes()
    response = client.post(
        URL,
        {
            "files": upload(
                "staff.csv",
                STAFF_HEADER
                + "N1,Ned,New,ned@example.org,P-3,M,DIV,2024-01-01\n"
                + "N2,Far,Away,far@example.org,P-3,F,FARDIV,2024-01-01\n",
            )
        },
    )
    page = response.content.decode()
    assert "1 error: nothing was written" in page
    assert "Index number N2 is in FAR; you may import only for DEP." in page
    assert sizes() == before


def test_wrong_extension_is_refused(client, hr_setup):
    client.force_login(hr_setup)
    response = client.post(URL, {"files": upload("staff.xls", b"whatever")})
    assert "Only .csv and .xlsx files can be imported: staff.xls." in response.content.decode()


def test_too_large_an_upload_is_refused(client, hr_setup, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    client.force_login(hr_setup)
    before = sizes()
    body = STAFF_HEADER + "N1,Ned,New,ned@example.org,P-3,M,DIV,2024-01-01\n"
    response = client.post(URL, {"files": upload("staff.csv", body)})
    assert (
        f"The upload is {len(body)}\xa0bytes; the limit is 100\xa0bytes."
        in response.content.decode()
    )
    assert sizes() == before


def test_missing_file_is_refused(client, hr_setup):
    client.force_login(hr_setup)
    response = client.post(URL, {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
