"""A change of a staff member's special-schedule flags leaves one event in the security log
(issue 16): put on or taken off probation, moved to or from a technical-cooperation contract,
whichever route wrote it — the staff import (as the system or as the entity's HR focal point),
the Django admin's staff page, the staff part of its user page, or the service they call. Who
changed it (absent: the system), whose record, which flag, the old and the new value; nothing
when the flags stay as they were, nothing for a write that is rolled back.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable

import pytest
from django import forms
from django.db import transaction
from django.test import Client
from django.urls import reverse

from org import services
from org.importer import import_org
from org.models import StaffMember, User
from tests.factories import UserFactory

from .helpers import World, world
from .test_flags_change import STAFF_HEADER, admin_edit, reimport

pytestmark = pytest.mark.django_db
D = datetime.date
TC = StaffMember.ContractType.TECHNICAL_COOPERATION
FIXED_TERM = StaffMember.ContractType.FIXED_TERM
TEMPORARY = StaffMember.ContractType.TEMPORARY
EVENT = "special_schedule_changed"


def superuser() -> User:
    return UserFactory(is_staff=True, is_superuser=True)


def _post_data(form: forms.BaseForm, data: dict) -> None:
    """What the browser posts back for `form` as rendered (its current values)."""
    for bound in form:
        widget, value = bound.field.widget, bound.value()
        if isinstance(widget, forms.MultiWidget):
            for position, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{position}"] = "" if part is None else str(part)
        elif isinstance(widget, forms.CheckboxInput):
            if widget.check_test(value):
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = "" if value is None else str(value)


def user_admin_edit(
    member: StaffMember, *, on_probation: bool, contract_type: str, admin: User
) -> None:
    """A system administrator changes the member in the staff part of the admin's user page."""
    client = Client()
    client.force_login(admin)
    url = reverse("admin:org_user_change", args=[member.user_id])
    page = client.get(url)
    assert page.status_code == 200
    data: dict = {}
    _post_data(page.context["adminform"].form, data)
    [inline] = page.context["inline_admin_formsets"]
    formset = inline.formset
    _post_data(formset.management_form, data)
    [form] = formset.forms
    _post_data(form, data)
    data[f"{form.prefix}-contract_type"] = contract_type
    data.pop(f"{form.prefix}-on_probation", None)
    if on_probation:
        data[f"{form.prefix}-on_probation"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


# Each route changes the flags and answers who the event names as the actor (None: nobody,
# the system).
def by_system_import(w: World, member: StaffMember, **flags) -> int | None:
    reimport(member, **flags)
    return None


def by_hr_import(w: World, member: StaffMember, **flags) -> int | None:
    reimport(member, **flags, actor=w.hr)
    return w.hr.pk


def by_admin(w: World, member: StaffMember, **flags) -> int | None:
    admin = superuser()
    admin_edit(member, **flags, admin=admin)
    return admin.pk


def by_user_admin(w: World, member: StaffMember, **flags) -> int | None:
    admin = superuser()
    user_admin_edit(member, **flags, admin=admin)
    return admin.pk


def by_service(w: World, member: StaffMember, **flags) -> int | None:
    admin = superuser()
    staff = StaffMember.objects.get(pk=member.pk)
    staff.on_probation = flags["on_probation"]
    staff.contract_type = flags["contract_type"]
    services.save_staff_member(staff=staff, actor=admin)
    return admin.pk


ROUTES: dict[str, Callable[..., int | None]] = {
    "system import": by_system_import,
    "HR import": by_hr_import,
    "admin staff page": by_admin,
    "admin user page": by_user_admin,
    "service": by_service,
}


@pytest.fixture(params=list(ROUTES))
def change(request, django_capture_on_commit_callbacks):
    """Change the flags by one route, its transaction committed (the events wait for it)."""
    route = ROUTES[request.param]

    def changed(w: World, member: StaffMember, **flags) -> int | None:
        with django_capture_on_commit_callbacks(execute=True):
            return route(w, member, **flags)

    return changed


@pytest.fixture
def events(caplog) -> Callable[[], list[dict]]:
    """The special-schedule events logged so far, without their time."""
    caplog.set_level(logging.INFO, logger="pmsystem.security")

    def logged() -> list[dict]:
        found = [
            json.loads(record.getMessage())
            for record in caplog.records
            if record.name == "pmsystem.security"
        ]
        return [
            {k: v for k, v in event.items() if k not in ("event", "at")}
            for event in found
            if event["event"] == EVENT
        ]

    return logged


def expected(user: int | None, staff: StaffMember, flag: str, old, new) -> dict:
    event = {"staff": staff.pk, "flag": flag, "old": old, "new": new}
    return event if user is None else {"user": user, **event}


def test_probation_put_on_and_taken_off_is_logged_once_each_time(change, events):
    w = world()
    member = w.probationer(D(2026, 4, 1))
    StaffMember.objects.filter(pk=member.pk).update(on_probation=False)

    actor = change(w, member, on_probation=True, contract_type=FIXED_TERM)
    assert StaffMember.objects.get(pk=member.pk).on_probation
    assert events() == [expected(actor, member, "on_probation", False, True)]

    # The same values again: nothing changed, nothing logged.
    change(w, member, on_probation=True, contract_type=FIXED_TERM)
    assert len(events()) == 1

    actor = change(w, member, on_probation=False, contract_type=FIXED_TERM)
    assert events()[1:] == [expected(actor, member, "on_probation", True, False)]


def test_a_contract_to_or_from_technical_cooperation_is_logged_and_another_is_not(change, events):
    w = world()
    member = w.probationer(D(2026, 4, 1))
    StaffMember.objects.filter(pk=member.pk).update(on_probation=False)

    actor = change(w, member, on_probation=False, contract_type=TC)
    assert events() == [expected(actor, member, "contract_type", FIXED_TERM, TC)]

    actor = change(w, member, on_probation=False, contract_type=TEMPORARY)
    assert events()[1:] == [expected(actor, member, "contract_type", TC, TEMPORARY)]

    # From one contract to another, neither technical cooperation: no schedule changes.
    change(w, member, on_probation=False, contract_type=FIXED_TERM)
    assert StaffMember.objects.get(pk=member.pk).contract_type == FIXED_TERM
    assert len(events()) == 2

    # Both flags at once: one event each.
    actor = change(w, member, on_probation=True, contract_type=TC)
    assert events()[2:] == [
        expected(actor, member, "on_probation", False, True),
        expected(actor, member, "contract_type", FIXED_TERM, TC),
    ]


def test_another_change_of_the_record_logs_no_special_schedule_event(events):
    w = world()
    member = w.probationer(D(2026, 4, 1))
    staff = StaffMember.objects.get(pk=member.pk)
    staff.grade = "P-4"
    services.save_staff_member(staff=staff, actor=superuser())
    assert StaffMember.objects.get(pk=member.pk).grade == "P-4"
    assert events() == []


def test_a_new_staff_record_on_probation_is_not_a_change(
    events, django_capture_on_commit_callbacks
):
    w = world()
    row = f"N1,Nia,New,nia@example.org,P-2,F,{w.unit.code},2026-11-01,tc,yes\n"
    with django_capture_on_commit_callbacks(execute=True):
        result = import_org(files=[("staff.csv", (STAFF_HEADER + row).encode())])
    assert result.ok, result.errors
    new = StaffMember.objects.get(index_number="N1")
    assert new.on_probation and new.contract_type == TC
    assert events() == []


def test_a_change_rolled_back_logs_nothing(events, django_capture_on_commit_callbacks):
    """An import refused after writing (the organisation changed meanwhile) is rolled back:
    nothing it would have logged is."""
    w = world()
    member = w.probationer(D(2026, 4, 1))

    class Refused(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Refused):
        with transaction.atomic():
            reimport(member, on_probation=False, contract_type=TC)
            raise Refused
    assert StaffMember.objects.get(pk=member.pk).on_probation
    assert events() == []
    # The same change committed is logged: the test can tell the two apart.
    with django_capture_on_commit_callbacks(execute=True):
        reimport(member, on_probation=False, contract_type=TC)
    assert [e["flag"] for e in events()] == ["on_probation", "contract_type"]
