"""Imports stay in scope (docs/rules.md §8, scoped administration): an entity HR focal point's
import creates or changes only accounts of staff in their entities, never a system
administrator's login, a login without a staff profile, or a privileged account's email; a
changed email is told to the old address. A system administrator may do each of these.

Every route: the importer service, the import page and the `import_org` command (which takes
no actor: it runs as a system administrator, so it has no refusals to test, only the notice).
"""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils.html import escape

from org.importer import import_org
from org.models import DepartmentRole, OrgUnit, StaffMember, User
from org.permissions import is_privileged_account
from tests.factories import (
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    StaffMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/org/import/"
TODAY = datetime.date(2026, 5, 4)
STAFF_HEADER = (
    "index_number,first_name,last_name,email,grade,gender,unit_code,entry_on_duty,active\n"
)
HR, HOD = DepartmentRole.Role.HR_FOCAL_POINT, DepartmentRole.Role.HOD
SUBJECT = "[pmsystem] The email address of your pmsystem account was changed"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime.datetime(2026, 5, 4, 9, 0), tick=False):
        yield


@pytest.fixture
def org():
    """DEP > DIV with S1..S4 (S1 its HOD, S2 another HR focal point, S3 an ended HOD role and a
    future HR role, S4 a staff administrator), S5 a superuser with a profile in DIV; FAR >
    FARDIV with F1; O1 in a division that lost its entity; logins without a profile: root
    (superuser), ops (staff administrator), loose (nobody). The actor: Hana, HR focal point of
    DEP."""
    dep = EntityFactory(code="DEP")
    div = OrgUnitFactory(code="DIV", parent=dep)
    far = EntityFactory(code="FAR")
    fardiv = OrgUnitFactory(code="FARDIV", parent=far)
    loose_div = OrgUnitFactory(code="LOOSE", parent=far)
    OrgUnit.objects.filter(pk=loose_div.pk).update(entity=None)

    def staff(index, first, email, unit=div, **user_fields):
        user = UserFactory(email=email, first_name=first, last_name="Staff", **user_fields)
        return StaffMemberFactory(index_number=index, user=user, unit=unit)

    people = {
        "S1": staff("S1", "Ann", "ann@example.org"),
        "S2": staff("S2", "Bob", "bob@example.org"),
        "S3": staff("S3", "Cy", "cy@example.org"),
        "S4": staff("S4", "Di", "di@example.org", is_staff=True),
        "S5": staff("S5", "Boss", "boss@example.org", is_superuser=True, is_staff=True),
        "F1": staff("F1", "Fi", "fi@example.org", unit=fardiv),
        "O1": staff("O1", "Olu", "olu@example.org", unit=loose_div),
    }
    DepartmentRoleFactory(entity=dep, user=people["S1"].user, role=HOD)
    DepartmentRoleFactory(entity=dep, user=people["S2"].user, role=HR)
    DepartmentRoleFactory(
        entity=dep, user=people["S3"].user, role=HOD, end=TODAY - datetime.timedelta(days=1)
    )
    DepartmentRoleFactory(
        entity=far, user=people["S3"].user, role=HR, start=TODAY + datetime.timedelta(days=1)
    )
    UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    UserFactory(email="ops@example.org", is_staff=True)
    UserFactory(email="loose@example.org")
    hr = UserFactory(email="hana@example.org", first_name="Hana", last_name="Ross")
    DepartmentRoleFactory(entity=dep, user=hr, role=HR)
    return hr


def row(index, first, email, unit="DIV", active="yes", last="Staff"):
    return f"{index},{first},{last},{email},P-3,F,{unit},2020-01-01,{active}\n"


def accounts():
    """Every login and profile, to show that a refused import wrote nothing."""
    return (
        sorted(
            User.objects.values_list(
                "pk", "email", "first_name", "last_name", "is_active", "is_superuser", "is_staff"
            )
        ),
        sorted(StaffMember.objects.values_list("user_id", "index_number", "unit_id", "is_active")),
    )


def run(text, **kwargs):
    return import_org(files=[("staff.csv", text.encode())], **kwargs)


def errors(result):
    return [(e.line, e.column, e.reason) for e in result.errors]


# Rows an entity HR focal point of DEP may not import, and why (line, column, reason).
OUT_OF_SCOPE = (
    STAFF_HEADER
    + row("N1", "Root", "root@example.org")
    + row("N2", "Ops", "OPS@example.org")
    + row("S5", "Boss", "boss@example.org", active="no", last="Renamed")
    + row("N3", "Loose", "loose@example.org")
    + row("F1", "Fi", "fi@elsewhere.org", unit="FARDIV", active="no", last="Renamed")
    + row("N4", "Fi", "fi@example.org")
    + row("O1", "Olu", "olu@example.org", last="Renamed")
    + row("S1", "Ann", "ann@elsewhere.org")
    + row("S2", "Bob", "bob@elsewhere.org")
    + row("S4", "Di", "di@elsewhere.org")
)
OUT_OF_SCOPE_ERRORS = [
    (
        2,
        "email",
        "Email root@example.org is a system administrator's login: only a system administrator "
        "changes it.",
    ),
    (
        3,
        "email",
        "Email ops@example.org is a system administrator's login: only a system administrator "
        "changes it.",
    ),
    (
        4,
        "email",
        "Email boss@example.org is a system administrator's login: only a system administrator "
        "changes it.",
    ),
    (
        5,
        "email",
        "Email loose@example.org is the login of an account without a staff profile: only a "
        "system administrator links it to a staff member.",
    ),
    (6, "unit_code", "Index number F1 is in FAR; you may import only for DEP."),
    (7, "email", "Email fi@example.org is already used by index number F1."),
    (
        8,
        "unit_code",
        "Index number O1 is outside your entities; you may import only for DEP.",
    ),
    (
        9,
        "email",
        "Index number S1 is a privileged account (a system administrator, HOD or HR focal "
        "point): only a system administrator changes its email address.",
    ),
    (
        10,
        "email",
        "Index number S2 is a privileged account (a system administrator, HOD or HR focal "
        "point): only a system administrator changes its email address.",
    ),
    (
        11,
        "email",
        "Index number S4 is a privileged account (a system administrator, HOD or HR focal "
        "point): only a system administrator changes its email address.",
    ),
]


def body_by(actor_words: str, new: str) -> str:
    return (
        f"The email address of your pmsystem account was changed to {new} by {actor_words} on "
        "4 May 2026 (staff import). If you did not expect this, contact "
    )


# --- the definition ---------------------------------------------------------------------------


def test_privileged_accounts_are_administrators_and_current_hods_and_hr_focal_points(org):
    by_index = {s.index_number: s.user for s in StaffMember.objects.select_related("user")}
    assert is_privileged_account(org)  # a current HR focal point
    assert is_privileged_account(by_index["S1"])  # a current HOD
    assert is_privileged_account(by_index["S4"])  # a staff administrator
    assert is_privileged_account(User.objects.get(email="root@example.org"))
    assert not is_privileged_account(by_index["S3"])  # an ended HOD role, a future HR role
    assert not is_privileged_account(by_index["F1"])
    representative = DepartmentRoleFactory(role=DepartmentRole.Role.STAFF_REPRESENTATIVE).user
    assert not is_privileged_account(representative)
    assert is_privileged_account(by_index["S3"], on=TODAY + datetime.timedelta(days=1))


# --- the importer service ---------------------------------------------------------------------


def test_scoped_administration_an_hr_focal_points_import_touches_only_their_entities_staff(
    org, django_capture_on_commit_callbacks, mailoutbox
):
    before = accounts()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = run(OUT_OF_SCOPE, actor=org)
    assert errors(result) == OUT_OF_SCOPE_ERRORS
    assert accounts() == before
    assert callbacks == [] and mailoutbox == []


def test_each_refused_row_alone_is_refused_and_writes_nothing(org):
    """Each rule holds by itself, not only beside the other rows."""
    lines = OUT_OF_SCOPE.splitlines(keepends=True)
    before = accounts()
    for position, (_, column, reason) in enumerate(OUT_OF_SCOPE_ERRORS, start=1):
        result = run(STAFF_HEADER + lines[position], actor=org)
        assert errors(result) == [(2, column, reason)]
        assert accounts() == before


def test_an_hr_focal_point_changes_a_staff_members_email_and_the_old_address_is_told(
    org, django_capture_on_commit_callbacks, mailoutbox
):
    cy = User.objects.get(email="cy@example.org")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = run(
            STAFF_HEADER
            + row("S3", "Cy", "cy.new@example.org")
            + row("N1", "Ned", "ned@example.org"),
            actor=org,
        )
        assert result.errors == []
        assert mailoutbox == []  # not before the import commits
    # One email callback (the other forgets the cached names borne twice: org.selectors).
    assert len([c for c in callbacks if "notify" in c.__qualname__]) == 1
    cy.refresh_from_db()
    assert cy.email == "cy.new@example.org"
    (message,) = mailoutbox
    assert message.to == ["cy@example.org"]
    assert message.subject == SUBJECT
    assert message.body == (
        body_by("Hana Ross", "cy.new@example.org")
        + "Hana Ross at hana@example.org or your system administrator."
    )


def test_the_old_address_is_told_in_the_account_holders_language(
    org, django_capture_on_commit_callbacks, mailoutbox
):
    User.objects.filter(email="cy@example.org").update(language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        assert run(STAFF_HEADER + row("S3", "Cy", "cy.new@example.org"), actor=org).ok
    (message,) = mailoutbox
    assert message.subject == "[pmsystem] L'adresse électronique de votre compte pmsystem a changé"
    assert message.body == (
        "L'adresse électronique de votre compte pmsystem a été remplacée par cy.new@example.org "
        "par Hana Ross le 4 mai 2026 (import du personnel). Si vous ne vous y attendiez pas, "
        "contactez Hana Ross à l'adresse hana@example.org ou votre administrateur du système."
    )


def test_no_notice_for_a_dry_run_a_refused_file_or_other_capitals(
    org, django_capture_on_commit_callbacks, mailoutbox
):
    change = row("S3", "Cy", "cy.new@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert run(STAFF_HEADER + change, actor=org, dry_run=True).ok
        refused = run(STAFF_HEADER + change + row("N1", "Ned", "ned@example.org", unit="X"))
        assert not refused.ok
    assert User.objects.filter(email="cy@example.org").exists()
    User.objects.filter(email="cy@example.org").update(email="Cy@Example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert run(STAFF_HEADER + row("S3", "Cy", "cy@example.org"), actor=org).ok
    assert User.objects.filter(email="cy@example.org").exists()
    assert mailoutbox == []


def system_administrator(kind: str) -> User | None:
    if kind == "superuser":
        return UserFactory(email="admin@example.org", is_superuser=True, is_staff=True)
    if kind == "staff administrator":
        user = UserFactory(email="admin@example.org", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="add_staffmember"))
        return user
    return None  # the system: the management command


# What only a system administrator may do: link root's and loose's logins, rename and
# deactivate staff of FAR and of no entity, change a HOD's and a staff administrator's email.
ADMIN_ONLY = (
    STAFF_HEADER
    + row("N1", "Root", "root@example.org")
    + row("N3", "Loose", "loose@example.org")
    + row("S5", "Boss", "boss@example.org", active="no", last="Renamed")
    + row("F1", "Fi", "fi@example.org", unit="FARDIV", active="no", last="Renamed")
    + row("O1", "Olu", "olu@example.org", last="Renamed")
    + row("S1", "Ann", "ann@elsewhere.org")
    + row("S4", "Di", "di@elsewhere.org")
)


def assert_admin_only_rows_written():
    root = User.objects.get(email="root@example.org")
    assert root.staff.index_number == "N1" and root.is_superuser
    assert User.objects.get(email="loose@example.org").staff.index_number == "N3"
    boss = StaffMember.objects.select_related("user").get(index_number="S5")
    assert not boss.is_active and boss.user.last_name == "Renamed"
    fi = StaffMember.objects.select_related("user").get(index_number="F1")
    assert not fi.is_active and fi.user.last_name == "Renamed"
    assert StaffMember.objects.get(index_number="O1").user.last_name == "Renamed"
    assert StaffMember.objects.get(index_number="S1").user.email == "ann@elsewhere.org"
    assert StaffMember.objects.get(index_number="S4").user.email == "di@elsewhere.org"


@pytest.mark.parametrize("kind", ["superuser", "staff administrator", "system"])
def test_a_system_administrator_may_do_each_of_these(
    org, kind, django_capture_on_commit_callbacks, mailoutbox
):
    actor = system_administrator(kind)
    with django_capture_on_commit_callbacks(execute=True):
        result = run(ADMIN_ONLY, actor=actor)
    assert result.errors == []
    assert_admin_only_rows_written()
    by = "a system administrator" if actor is None else str(actor)
    contact = (
        "your system administrator."
        if actor is None
        else f"{actor} at admin@example.org or your system administrator."
    )
    assert sorted((m.to, m.subject, m.body) for m in mailoutbox) == [
        (["ann@example.org"], SUBJECT, body_by(by, "ann@elsewhere.org") + contact),
        (["di@example.org"], SUBJECT, body_by(by, "di@elsewhere.org") + contact),
    ]


# --- the import page --------------------------------------------------------------------------


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("staff.csv", text.encode())


def test_the_import_page_refuses_every_out_of_scope_row_and_writes_nothing(
    client, org, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(org)
    before = accounts()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"files": upload(OUT_OF_SCOPE)})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{len(OUT_OF_SCOPE_ERRORS)} errors: nothing was written" in page
    for line, column, reason in OUT_OF_SCOPE_ERRORS:
        assert (
            f'<td>staff.csv</td><td class="num">{line}</td><td>{column}</td>'
            f"<td>{escape(reason)}</td>"
        ) in page
    assert accounts() == before
    assert mailoutbox == []


def test_the_import_page_changes_an_email_and_tells_the_old_address(
    client, org, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(org)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"files": upload(STAFF_HEADER + row("S3", "Cy", "c@x.org"))})
    assert "Imported" in response.content.decode()
    assert StaffMember.objects.get(index_number="S3").user.email == "c@x.org"
    assert [(m.to, m.subject) for m in mailoutbox] == [(["cy@example.org"], SUBJECT)]
    assert "by Hana Ross on 4 May 2026" in mailoutbox[0].body


def test_a_system_administrator_may_do_each_of_these_on_the_import_page(
    client, org, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(system_administrator("superuser"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"files": upload(ADMIN_ONLY)})
    assert "Imported" in response.content.decode()
    assert_admin_only_rows_written()
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@example.org", "di@example.org"]


# --- the management command (no actor: a system administrator) --------------------------------


def test_the_command_may_do_each_of_these_and_tells_the_old_addresses(
    org, tmp_path, capsys, django_capture_on_commit_callbacks, mailoutbox
):
    path = tmp_path / "staff.csv"
    path.write_text(ADMIN_ONLY, encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_org", str(path))
    assert "Imported." in capsys.readouterr().out
    assert_admin_only_rows_written()
    assert sorted((m.to[0], m.body) for m in mailoutbox) == [
        (
            "ann@example.org",
            body_by("a system administrator", "ann@elsewhere.org") + "your system administrator.",
        ),
        (
            "di@example.org",
            body_by("a system administrator", "di@elsewhere.org") + "your system administrator.",
        ),
    ]


# --- the old address stops being a way in --------------------------------------------------


def _sign_in(client, email: str, password: str):
    from django.urls import reverse

    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_a_changed_email_leaves_no_way_in_through_the_old_address(org, client, mailoutbox):
    """allauth finds accounts by their EmailAddress rows as well as by `User.email`: a row
    left with the old address after an import (or an admin edit) let the old address sign
    in and receive password-reset links. The rows follow the account's address on every
    route (`org.services.forget_old_addresses`)."""
    from allauth.account.models import EmailAddress
    from django.urls import reverse

    cy = User.objects.get(email="cy@example.org")
    cy.set_password("a-long-pass-2026-x")
    cy.save()
    EmailAddress.objects.create(user=cy, email="cy@example.org", verified=True, primary=True)
    assert run(STAFF_HEADER + row("S3", "Cy", "cy.new@example.org"), actor=org).ok
    assert not EmailAddress.objects.filter(email="cy@example.org").exists()
    response = _sign_in(client, "cy@example.org", "a-long-pass-2026-x")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    mailoutbox.clear()
    client.post(reverse("account_reset_password"), {"email": "cy@example.org"})
    assert [m for m in mailoutbox if "password" in m.subject.lower()] == []
    response = _sign_in(client, "cy.new@example.org", "a-long-pass-2026-x")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(cy.pk)


def test_an_admin_edit_of_the_email_drops_the_old_address_too(org, rf, admin_user):
    """The Django admin's save (UserAdmin.save_model, what its change form calls) drops the
    rows of other addresses, whatever their capitals, and keeps the new address's row."""
    from allauth.account.models import EmailAddress
    from django import forms
    from django.contrib import admin

    cy = User.objects.get(email="cy@example.org")
    EmailAddress.objects.create(user=cy, email="cy@example.org", verified=True, primary=True)
    EmailAddress.objects.create(user=cy, email="CY.Admin@example.org", verified=False)
    form_class = forms.modelform_factory(User, fields=["email"])
    form = form_class(data={"email": "cy.admin@example.org"}, instance=cy)
    assert form.is_valid(), form.errors
    request = rf.post("/admin/org/user/")
    request.user = admin_user
    admin.site._registry[User].save_model(request, form.save(commit=False), form, change=True)
    cy.refresh_from_db()
    assert cy.email == "cy.admin@example.org"
    assert list(EmailAddress.objects.filter(user=cy).values_list("email", flat=True)) == [
        "CY.Admin@example.org"
    ]
