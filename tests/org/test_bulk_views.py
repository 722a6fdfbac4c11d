"""The pages of HR's bulk work: preview (who, how many) then confirm; who may see what; the
record and its undo; a constant number of queries whatever the number of staff."""

import datetime

import pytest
from django.urls import reverse

from org.models import BulkChange, DepartmentRole, ReportingLine
from tests.factories import DepartmentRoleFactory, ReportingLineFactory, StaffMemberFactory
from tests.org.test_bulk import World, lines_snapshot

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
# Session, user, navigation, the entity check, the cycles of the form, the plan's reads.
PREVIEW_QUERIES = 24
LIST_QUERIES = 14
DETAIL_QUERIES = 16


def reassign_data(world: World, **extra) -> dict:
    return {
        "cycle": world.cycle.pk,
        "kind": "replace",
        "leaving": world.old_fro.index_number,
        "replacement": world.new_fro.index_number,
        "effective_from": TODAY.isoformat(),
        "reason": "Ahmed retires; Sara takes over.",
        "action": "preview",
        **extra,
    }


def test_hr_previews_then_confirms_and_finds_the_record(client):
    world = World(size=3)
    client.force_login(world.hr.user)
    url = reverse("org:bulk-reassign", args=[world.entity.pk])
    assert client.get(url).status_code == 200
    before = lines_snapshot()
    response = client.post(url, reassign_data(world))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<strong id="preview-count">3</strong>' in page
    for person in world.staff:
        assert person.index_number in page
    assert lines_snapshot() == before  # a preview writes nothing
    digest = response.context["preview"].digest
    response = client.post(url, reassign_data(world, action="confirm", previewed=digest))
    change = BulkChange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("org:bulk-detail", args=[change.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "Ahmed retires; Sara takes over." in detail
    assert "Undo this change" in detail
    listing = client.get(reverse("org:bulk-list")).content.decode()
    assert reverse("org:bulk-detail", args=[change.pk]) in listing
    # Undo from the record's page.
    response = client.post(reverse("org:bulk-undo", args=[change.pk]))
    assert response.status_code == 302
    assert lines_snapshot() == before


def test_a_stale_preview_shows_the_new_one_and_writes_nothing(client):
    world = World(size=2)
    client.force_login(world.hr.user)
    url = reverse("org:bulk-reassign", args=[world.entity.pk])
    digest = client.post(url, reassign_data(world)).context["preview"].digest
    newcomer = StaffMemberFactory(unit=world.section)
    ReportingLineFactory(staff=newcomer, cycle=world.cycle, fro=world.old_fro, sro=world.sro)
    before = lines_snapshot()
    response = client.post(url, reassign_data(world, action="confirm", previewed=digest))
    assert response.status_code == 200
    assert "changed since your last preview" in response.content.decode()
    assert response.context["preview"].count == 3
    assert lines_snapshot() == before


def test_refused_rows_are_listed_and_there_is_no_confirm_button(client):
    world = World(size=2)
    client.force_login(world.hr.user)
    url = reverse("org:bulk-reassign", args=[world.entity.pk])
    data = reassign_data(
        world, kind="unit", unit=world.section.pk, fro=world.sro.index_number, leaving=""
    )
    page = client.post(url, data).content.decode()
    assert "The SRO must be a different person from the FRO." in page
    assert 'value="confirm"' not in page


def test_extend_and_launch_pages(client):
    world = World(size=2)
    client.force_login(world.hr.user)
    url = reverse("org:bulk-extend", args=[world.entity.pk])
    due = world.cycle.workplan_due + datetime.timedelta(days=20)
    data = {
        "cycle": world.cycle.pk,
        "deadline": "work_plan",
        "due": due.isoformat(),
        "kind": "unit",
        "unit": world.section.pk,
        "reason": "Moved offices.",
        "action": "preview",
    }
    response = client.post(url, data)
    assert response.context["preview"].count == 2
    data.update(action="confirm", previewed=response.context["preview"].digest)
    assert client.post(url, data).status_code == 302
    assert BulkChange.objects.get().extensions.count() == 2
    response = client.get(reverse("org:bulk-launch", args=[world.entity.pk]))
    assert response.status_code == 200


def test_who_may_see_and_do_what(client):
    world = World(size=1)
    change = world.reassign(world.replace())
    hod = StaffMemberFactory(unit=world.division)
    DepartmentRoleFactory(entity=world.entity, user=hod.user, role=DepartmentRole.Role.HOD)
    pages = {
        "list": reverse("org:bulk-list"),
        "reassign": reverse("org:bulk-reassign", args=[world.entity.pk]),
        "extend": reverse("org:bulk-extend", args=[world.entity.pk]),
        "launch": reverse("org:bulk-launch", args=[world.entity.pk]),
        "detail": reverse("org:bulk-detail", args=[change.pk]),
    }
    expected = {
        world.hr: {"list": 200, "reassign": 200, "extend": 200, "launch": 200, "detail": 200},
        hod: {"list": 200, "reassign": 403, "extend": 403, "launch": 403, "detail": 200},
        world.new_fro: {"list": 403, "reassign": 404, "extend": 404, "launch": 404, "detail": 404},
    }
    for person, answers in expected.items():
        client.force_login(person.user)
        got = {name: client.get(url).status_code for name, url in pages.items()}
        assert got == answers, person
    # The HOD reads the record but may not undo it; nothing changes.
    before = lines_snapshot()
    client.force_login(hod.user)
    response = client.post(reverse("org:bulk-undo", args=[change.pk]), follow=True)
    assert "who made this change, may undo it" in response.content.decode()
    assert lines_snapshot() == before
    client.force_login(world.new_fro.user)
    assert client.post(reverse("org:bulk-undo", args=[change.pk])).status_code == 404
    assert lines_snapshot() == before


@pytest.mark.parametrize("size", [3, 30])
def test_pages_run_a_constant_number_of_queries(client, django_assert_max_num_queries, size):
    world = World(size=size)
    client.force_login(world.hr.user)
    url = reverse("org:bulk-reassign", args=[world.entity.pk])
    with django_assert_max_num_queries(PREVIEW_QUERIES):
        response = client.post(url, reassign_data(world))
    assert response.context["preview"].count == size
    digest = response.context["preview"].digest
    with django_assert_max_num_queries(PREVIEW_QUERIES + 12):
        response = client.post(url, reassign_data(world, action="confirm", previewed=digest))
    assert response.status_code == 302
    assert ReportingLine.objects.filter(fro=world.new_fro).count() == size
    change = BulkChange.objects.get()
    with django_assert_max_num_queries(DETAIL_QUERIES):
        assert client.get(reverse("org:bulk-detail", args=[change.pk])).status_code == 200
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get(reverse("org:bulk-list")).status_code == 200
    extend = reverse("org:bulk-extend", args=[world.entity.pk])
    data = {
        "cycle": world.cycle.pk,
        "deadline": "work_plan",
        "due": (world.cycle.workplan_due + datetime.timedelta(days=9)).isoformat(),
        "kind": "entity",
        "reason": "Moved offices.",
        "action": "preview",
    }
    with django_assert_max_num_queries(PREVIEW_QUERIES):
        response = client.post(extend, data)
    assert response.context["preview"].count >= size
