"""Special-schedule pages through the client: who sees and who acts (404 / 403), the record
form keeping what was typed, HR's list and export, My team's column, the board's page, the
admin read-only; constant queries at two sizes."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from schedules import services
from schedules.models import ReportComment, ScheduleRecord
from tests.factories import ReportingLineFactory, StaffMemberFactory, UserFactory

from .helpers import world

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
SIZES = [3, 30]
# HR's entity page: session, user, navigation, the entity, the staff with their figures and
# records (one query), the cycles; the same at every size.
ENTITY_PAGE_QUERIES = 12
TEAM_PAGE_QUERIES = 16


def _setup():
    w = world()
    member = w.probationer(TODAY - datetime.timedelta(days=200))
    return w, member


def _get(client, user, name, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs))


def test_the_staff_page_is_read_by_the_people_of_the_schedule_only(client):
    w, member = _setup()
    expected = {
        member.user: 200,
        w.fro.user: 200,
        w.sro.user: 200,
        w.hr: 200,
        w.hod: 200,
        w.board: 404,
        StaffMemberFactory().user: 404,
    }
    got = {u: _get(client, u, "schedules:staff", staff_id=member.pk).status_code for u in expected}
    assert got == expected
    client.force_login(w.fro.user)
    assert client.get("/schedules/staff/99999999/").status_code == 404
    assert client.get("/schedules/staff/abc/").status_code == 404
    client.logout()
    response = client.get(reverse("schedules:staff", kwargs={"staff_id": member.pk}))
    assert response.status_code == 302


def test_the_fro_records_and_the_form_keeps_what_was_typed(client):
    w, member = _setup()
    url = reverse("schedules:milestone", kwargs={"staff_id": member.pk, "code": "discussion"})
    for user, status in ((member.user, 403), (w.sro.user, 403), (w.hr, 403), (w.board, 404)):
        client.force_login(user)
        assert client.post(url, {"held_on": TODAY, "summary": "x"}).status_code == status
    assert not ScheduleRecord.objects.exists()
    client.force_login(w.fro.user)
    future = TODAY + datetime.timedelta(days=3)
    response = client.post(url, {"held_on": future.isoformat(), "summary": "We agreed goals."})
    assert response.status_code == 200
    assert "A milestone cannot be held in the future." in response.content.decode()
    assert "We agreed goals." in response.content.decode()
    assert not ScheduleRecord.objects.exists()
    response = client.post(url, {"held_on": TODAY.isoformat(), "summary": "We agreed goals."})
    assert response.status_code == 302
    record = ScheduleRecord.objects.get()
    assert (record.recorded_by, record.summary) == (w.fro.user, "We agreed goals.")
    missing = reverse("schedules:milestone", kwargs={"staff_id": member.pk, "code": "nope"})
    assert client.get(missing).status_code == 404
    # Recorded: the FRO no longer writes it, HR corrects it.
    assert client.post(url, {"held_on": TODAY, "summary": "y"}).status_code == 403
    client.force_login(w.hr)
    assert (
        client.post(url, {"held_on": TODAY.isoformat(), "summary": "Corrected."}).status_code == 302
    )
    record.refresh_from_db()
    assert record.summary == "Corrected."


def test_hr_removes_a_record_others_are_refused(client):
    w, member = _setup()
    record = services.record_milestone(
        actor=w.fro.user, staff=member, code="discussion", held_on=TODAY, summary="Met."
    )
    url = reverse("schedules:remove", kwargs={"pk": record.pk})
    for user, status in ((w.fro.user, 403), (member.user, 403), (w.hod, 403), (w.board, 404)):
        client.force_login(user)
        assert client.post(url).status_code == status
    assert ScheduleRecord.objects.filter(pk=record.pk).exists()
    client.force_login(w.hr)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not ScheduleRecord.objects.exists()
    assert client.post("/schedules/records/99999999/remove/").status_code == 404


def test_my_schedule_shows_the_milestones_and_the_colleague_feedback_round(client):
    w, member = _setup()
    response = _get(client, member.user, "schedules:home")
    text = response.content.decode()
    assert "Mid-term review (6 months)" in text
    assert "Colleague feedback" in text
    assert "Initial discussion" in text
    other = _get(client, UserFactory(), "schedules:home").content.decode()
    assert "You are not on a special schedule." in other


def test_hr_lists_the_entity_filters_and_exports(client):
    w, member = _setup()
    services.record_milestone(
        actor=w.fro.user, staff=member, code="discussion", held_on=TODAY, summary="Met."
    )
    url = reverse("schedules:entity", kwargs={"entity_id": w.entity.pk})
    for user in (w.fro.user, member.user, w.board):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(w.hr)
    response = client.get(url, {"state": "overdue"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.step.code for r in rows] == ["midterm_6"]
    assert client.get(url, {"state": "bogus"}).status_code == 404
    export = client.get(reverse("schedules:export", kwargs={"entity_id": w.entity.pk}))
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Initial discussion" in body and "Done" in body and member.index_number in body


@pytest.mark.parametrize("size", SIZES)
def test_the_entity_page_reads_a_fixed_number_of_queries(
    size, client, django_assert_max_num_queries
):
    w = world()
    for n in range(size):
        member = w.probationer(TODAY - datetime.timedelta(days=30 * (n % 22)))
        if n % 2:
            ScheduleRecord.objects.create(
                staff=member, code="discussion", due=TODAY, held_on=TODAY, summary="Met."
            )
    client.force_login(w.hr)
    url = reverse("schedules:entity", kwargs={"entity_id": w.entity.pk})
    with django_assert_max_num_queries(ENTITY_PAGE_QUERIES):
        response = client.get(url)
    assert len({r.staff.pk for r in response.context["rows"]}) == size


@pytest.mark.parametrize("size", SIZES)
def test_my_team_shows_each_probationer_next_milestone_in_fixed_queries(
    size, client, django_assert_max_num_queries
):
    w = world()
    for n in range(size):
        w.probationer(TODAY - datetime.timedelta(days=10 + 30 * (n % 22)))
    client.force_login(w.fro.user)
    with django_assert_max_num_queries(TEAM_PAGE_QUERIES):
        response = client.get(reverse("workplans:team"))
    text = response.content.decode()
    assert text.count("Next milestone:") == size


def test_the_board_reads_the_report_and_comments_except_a_member_with_a_role(client):
    w = world()
    member = w.probationer(TODAY - datetime.timedelta(days=660))
    record = services.record_milestone(
        actor=w.fro.user, staff=member, code="report_21", held_on=TODAY, summary="Confirm."
    )
    client.force_login(w.board)
    board_page = client.get(reverse("board:entity", kwargs={"entity_id": w.entity.pk}))
    assert reverse("schedules:report", kwargs={"pk": record.pk}) in board_page.content.decode()
    url = reverse("schedules:report", kwargs={"pk": record.pk})
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "comment", "text": "Agreed."}).status_code == 302
    for user in (w.hr, w.fro.user, member.user, w.hod):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"kind": "comment", "text": "x"}).status_code == 404
    assert ReportComment.objects.count() == 1
    # The FRO sits on the board too: reads it, is told why they do not review it.
    from tests.factories import DepartmentRoleFactory

    DepartmentRoleFactory(entity=w.entity, user=w.fro.user, role="review_board")
    client.force_login(w.fro.user)
    page = client.get(url).content.decode()
    assert "so you do not review it for the review board" in page
    assert client.post(url, {"kind": "comment", "text": "x"}).status_code == 302
    assert ReportComment.objects.count() == 1


def test_the_admin_reads_records_but_writes_none(client):
    w, member = _setup()
    record = services.record_milestone(
        actor=w.fro.user, staff=member, code="discussion", held_on=TODAY, summary="Met."
    )
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    change = reverse("admin:schedules_schedulerecord_change", args=[record.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"summary": "Changed."})
    delete = reverse("admin:schedules_schedulerecord_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    record.refresh_from_db()
    assert record.summary == "Met."
    assert client.get(reverse("admin:schedules_schedulerecord_add")).status_code == 403


@pytest.mark.parametrize("size", SIZES)
def test_my_tasks_reads_the_schedules_in_one_query(size, django_assert_num_queries):
    """The schedules of the user and of their staff, in one query compiled once per process,
    whatever the number of staff on a schedule."""
    from schedules.selectors import schedule_tasks

    w = world()
    for n in range(size):
        w.probationer(TODAY - datetime.timedelta(days=30 * (n % 22)))
    with django_assert_num_queries(1):
        tasks = schedule_tasks(w.fro.user)
    # Those who joined today have nothing due within the window yet.
    assert {t.url_args for t in tasks} == {(m.pk,) for n, m in enumerate(w.staff) if n % 22}
    with django_assert_num_queries(1):
        own = schedule_tasks(w.staff[0].user)
    assert [t.url_name for t in own] == ["schedules:home"]
    with django_assert_num_queries(1):
        assert schedule_tasks(w.sro.user) == []  # the SRO records no milestone
    with django_assert_num_queries(1):
        assert schedule_tasks(w.hr) == []


def test_my_tasks_finds_the_fros_staff_by_index(django_assert_num_queries):
    """The staff of the FRO (own, or acting) are given to the schedules' query as an array
    computed first (`pmsystem.db.AnyOf`): `pk = me OR pk IN (subquery)` was a filter over every
    staff member and every line, 37 ms of a 40,000-staff home page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from schedules.selectors import schedule_tasks

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's form of the condition")
    w = world()
    w.probationer(TODAY - datetime.timedelta(days=200))
    with CaptureQueriesContext(connection) as queries:
        assert schedule_tasks(w.fro.user)
    [sql] = [q["sql"] for q in queries.captured_queries]
    assert sql.count("= ANY(ARRAY(") == 2, sql  # the staff, and the FROs the user acts for
    assert '"org_staffmember"."user_id" IN (SELECT' not in sql


def test_the_prepared_query_finds_the_schedules_of_the_unprepared_one_for_everyone():
    """The query compiled once per process finds the same people as the same query compiled
    afresh, for the FRO, an acting FRO, a probationer, someone whose line ended, and the
    others, with what a schedule reads from each (the figures, the codes recorded)."""
    from org.models import Delegation
    from schedules.selectors import _SCHEDULE_STAFF, _own_and_supervised, special_staff
    from tests.factories import DelegationFactory

    w = world()
    on_schedule = w.probationer(TODAY - datetime.timedelta(days=200))
    ended = StaffMemberFactory(unit=w.unit, on_probation=True)
    former = StaffMemberFactory(unit=w.unit)
    ReportingLineFactory(
        staff=ended,
        cycle=w.cycle,
        fro=former,
        effective_to=TODAY - datetime.timedelta(days=1),
    )
    acting = StaffMemberFactory(unit=w.unit).user
    DelegationFactory(principal=w.fro.user, acting=acting, role=Delegation.Role.FRO)
    people = [w.fro.user, w.sro.user, w.hod, w.hr, w.board, on_schedule.user, former.user, acting]

    def seen(staff):
        return sorted(
            (m.pk, m.user.email, m.figures_cycle_id, m.figures_start, m.recorded_codes)
            for m in staff
        )

    for user in people:
        expected = special_staff().filter(_own_and_supervised(user, TODAY)).select_related("user")
        assert seen(_SCHEDULE_STAFF.objects(user_id=user.pk, on=TODAY)) == seen(expected), user
    assert {u for u in people if _SCHEDULE_STAFF.objects(user_id=u.pk, on=TODAY)} == {
        w.fro.user,
        on_schedule.user,
        acting,
    }
