"""Mandatory training in the pages, My tasks, the reminder sweep and the exports (issue 16
section 2)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from compliance.models import Reminder
from compliance.reminders import run_daily_sweep
from compliance.selectors import my_tasks
from org.models import User
from tests.compliance.reminder_helpers import at, sweep
from tests.factories import ReportingLineFactory, StaffMemberFactory
from training import selectors, services
from training.models import Completion

from .helpers import course, org

pytestmark = pytest.mark.django_db
D = datetime.date


def test_my_tasks_lists_a_course_until_it_is_done():
    o = org()
    c = course(o.admin)
    labels = [t.label for t in my_tasks(o.fro.user, o.cycle)]
    assert "Take the mandatory course “Performance Management and Development”" in labels
    assert not [t for t in my_tasks(o.team[0].user, o.cycle) if "mandatory" in t.label]
    services.record_completion(actor=o.hr, user=o.fro.user, course=c, completed_on=D(2026, 11, 1))
    assert not [t for t in my_tasks(o.fro.user, o.cycle) if "mandatory" in t.label]


def _training_rows(day):
    return sorted(
        Reminder.objects.filter(planned_on=day, stage="training").values_list(
            "kind", "recipient_id", "recipient_role"
        )
    )


def test_the_sweep_reminds_before_the_deadline_and_escalates_after_it(
    mailoutbox, django_capture_on_commit_callbacks
):
    def sweep_and_send(day):
        with at(day), django_capture_on_commit_callbacks(execute=True):
            run_daily_sweep()

    o = org(team_size=1)
    # The FRO's own FRO is the SRO of the team: week 1 of a late course goes to them.
    boss = StaffMemberFactory(unit=o.unit, grade="D-1")
    ReportingLineFactory(
        staff=o.fro, cycle=o.cycle, fro=boss, sro=StaffMemberFactory(unit=o.unit, grade="D-2")
    )
    for user in (o.fro.user, boss.user):  # one email per reminder, not the daily digest
        user.email_preference = User.EmailPreference.IMMEDIATE
        user.save()
    c = course(o.admin, starts_on=D(2026, 6, 1))  # due 1 December 2026 for everyone managing
    sweep_and_send(D(2026, 11, 24))
    assert ("before-7", o.fro.pk, "staff") in _training_rows(D(2026, 11, 24))
    mail = next(m for m in mailoutbox if m.to == [o.fro.user.email] and "Mandatory" in m.subject)
    assert "Mandatory training: Performance Management and Development" in mail.body
    assert "performance document" not in mail.body
    mailoutbox.clear()
    sweep_and_send(D(2026, 12, 2))
    rows = _training_rows(D(2026, 12, 2))
    assert ("overdue-1", o.fro.pk, "staff") in rows and ("overdue-1", boss.pk, "fro") in rows
    escalation = next(
        m for m in mailoutbox if m.to == [boss.user.email] and "Mandatory" in m.subject
    )
    assert f"{o.fro.user} is overdue: Mandatory training" in " ".join(escalation.body.split())
    sweep(D(2026, 12, 9))
    assert ("overdue-2", o.hr.pk, "hr") in _training_rows(D(2026, 12, 9))
    sweep(D(2026, 12, 16))
    assert ("overdue-3", o.hod.pk, "hod") in _training_rows(D(2026, 12, 16))
    # Done: nothing more.
    services.record_completion(actor=o.hr, user=o.fro.user, course=c, completed_on=D(2026, 12, 1))
    sweep(D(2026, 12, 23))
    assert not [r for r in _training_rows(D(2026, 12, 23)) if r[1] == o.fro.pk]


def test_the_entity_page_filters_and_exports(client):
    o = org(team_size=3)
    c = course(o.hr, code="ENT", audience="staff", entity=o.entity)
    services.record_completion(
        actor=o.hr, user=o.team[0].user, course=c, completed_on=D(2026, 3, 1)
    )
    client.force_login(o.hod)
    url = reverse("training:entity", args=[o.entity.pk])
    page = client.get(url)
    counts = {row.course.code: (row.total, row.done, row.overdue) for row in page.context["counts"]}
    assert counts["ENT"] == (7, 1, 6)  # HOD, HR, FRO, SRO and the team of three
    done = client.get(url, {"course": c.pk, "state": "done"})
    assert [row.obligation.user_id for row in done.context["people"]] == [o.team[0].pk]
    found = client.get(url, {"q": o.team[1].index_number})
    assert [row.obligation.user_id for row in found.context["people"]] == [o.team[1].pk]
    for bad in ({"course": "x"}, {"state": "nope"}, {"course": "999999"}):
        assert client.get(url, bad).status_code == 404
    export = client.get(reverse("training:export", args=[o.entity.pk, "csv"]), {"state": "overdue"})
    lines = b"".join(export.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Index number,Name,Email,Unit,Course code")
    assert len(lines) == 1 + 6 and all(",Overdue," in line for line in lines[1:])
    xlsx = client.get(reverse("training:export", args=[o.entity.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert client.get(reverse("training:export", args=[o.entity.pk, "pdf"])).status_code == 404
    home = client.get(reverse("training:home"))
    assert f'href="{url}"' in home.content.decode()


@pytest.mark.parametrize("team_size", [2, 30])
def test_the_pages_read_a_fixed_number_of_queries(client, django_assert_max_num_queries, team_size):
    o = org(team_size=team_size)
    course(o.admin, code="MGR")
    course(o.hr, code="ENT", audience="staff", entity=o.entity)
    course(o.admin, code="HR", audience="role", role="hr_focal_point")
    client.force_login(o.hr)
    client.get(reverse("training:home"))  # warm the session and caches
    with django_assert_max_num_queries(13):
        assert client.get(reverse("training:home")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("training:entity", args=[o.entity.pk])).status_code == 200


def test_a_course_form_with_a_mistake_keeps_what_was_typed(client):
    o = org()
    client.force_login(o.hr)
    response = client.post(
        reverse("training:course-new"),
        {
            "code": "LEAD",
            "name": "Leading teams",
            "entity": o.entity.pk,
            "audience": "grades",
            "deadline_months": 6,
            "deadline_from": "appointment",
            "starts_on": "2026-01-01",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose the grades that must take the course." in page
    assert 'value="Leading teams"' in page
    response = client.post(
        reverse("training:course-new"),
        {
            "code": "LEAD",
            "name": "Leading teams",
            "entity": o.entity.pk,
            "audience": "grades",
            "grades": ["P-4", "P-5"],
            "deadline_months": 6,
            "deadline_from": "appointment",
            "starts_on": "2026-01-01",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    catalogue = client.get(reverse("training:catalogue")).content.decode()
    assert "Leading teams" in catalogue and "P-4, P-5" in catalogue


def test_hr_removes_a_completion_recorded_by_mistake_and_nobody_else_can(client):
    o = org()
    c = course(o.admin)
    mistake = services.record_completion(
        actor=o.hr, user=o.fro.user, course=c, completed_on=D(2026, 11, 2)
    )
    remove = reverse("training:remove", args=[mistake.pk])
    client.force_login(o.fro.user)  # the person it is about
    assert client.post(remove).status_code == 404
    client.force_login(o.hod)
    assert client.post(remove).status_code == 404
    client.force_login(o.hr)
    assert client.get(remove).status_code == 405
    page = client.get(reverse("training:record")).content.decode()
    assert f'action="{remove}"' in page
    response = client.post(remove, follow=True)
    assert "Removed: " in response.content.decode()
    assert not Completion.objects.exists()
    assert client.post(remove).status_code == 404
    assert selectors.user_obligations(o.fro.user)[0].state == "overdue"


@pytest.mark.parametrize("managers", [2, 8])
def test_the_course_is_named_once_per_task_and_per_page(
    managers, django_assert_max_num_queries, client
):
    """A reminder's title names the course (a query): once for all of a task's emails and
    once for a page of My reminders, not once per row (issue 14)."""
    from compliance.reminders import send_reminders

    o = org(team_size=1)
    fros = [o.fro]
    for _ in range(managers - 1):
        fro = StaffMemberFactory(unit=o.unit, grade="P-4")
        ReportingLineFactory(staff=StaffMemberFactory(unit=o.unit), cycle=o.cycle, fro=fro)
        fros.append(fro)
    User.objects.update(email_preference=User.EmailPreference.IMMEDIATE)  # an email each
    course(o.admin, starts_on=D(2026, 6, 1))
    sweep(D(2026, 11, 24))
    ids = list(Reminder.objects.filter(stage="training").values_list("pk", flat=True))
    assert len(ids) >= managers  # the FROs, and the SROs the factory made
    with django_assert_max_num_queries(5):
        assert send_reminders(reminder_ids=ids).emails == len(ids)
    # Every reminder of one person on their page: the course named once.
    Reminder.objects.filter(pk__in=ids).update(recipient=fros[0].user)
    client.force_login(fros[0].user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("compliance:reminder-list"))
    page = response.content.decode()
    assert page.count("Performance Management and Development") >= len(ids), page[
        page.find("<main") :
    ][:3000]
