"""docs/rules.md section 6, broadcasts: an HR focal point writes to everyone in an entity (or a
unit) with a pending action at a stage, on behalf of a senior manager; a preview shows how many
people it reaches; it goes through the reminder pipeline, exactly once per person."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance import services, tasks
from compliance.models import Broadcast, Reminder
from compliance.selectors import broadcast_preview, broadcast_senders
from org.models import DepartmentRole, OrgUnit
from pmsystem.errors import ApplicationError
from tests.compliance.reminder_helpers import make_team, with_totp
from tests.factories import (
    DepartmentRoleFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.workplans.helpers import make_submitted_work_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    """One entity: a division with a team of four whose work plans wait for them (one
    submitted, waiting for the FRO), a section below the division with one more, another
    division with one more; an HR focal point, the HOD and a D-1 director."""
    team = make_team(user__first_name="Zoe", user__last_name="Zimmer")
    members = [
        team.add_member(user__first_name=first, user__last_name=last)
        for first, last in [("Ann", "Abbot"), ("Bob", "Baker"), ("Cy", "Cole")]
    ]
    submitted = team.add_member(user__first_name="Sam", user__last_name="Submit")
    make_submitted_work_plan(staff=submitted, cycle=team.cycle)
    section = OrgUnitFactory(parent=team.unit, kind=OrgUnit.Kind.SECTION)
    below = StaffMemberFactory(unit=section, user__last_name="Below")
    ReportingLineFactory(staff=below, cycle=team.cycle, fro=team.fro, sro=team.sro)
    other_division = OrgUnitFactory(parent=team.entity)
    elsewhere = StaffMemberFactory(unit=other_division, user__last_name="Elsewhere")
    ReportingLineFactory(staff=elsewhere, cycle=team.cycle)
    hr = DepartmentRoleFactory(entity=team.entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user
    director = StaffMemberFactory(unit=other_division, grade="D-1")
    with_totp(hr, team.hod)
    return {
        "team": team,
        "entity": team.entity,
        "division": team.unit,
        "section": section,
        "drafting": [team.staff, *members],
        "submitted": submitted,
        "below": below,
        "elsewhere": elsewhere,
        "hr": hr,
        "hod": team.hod,
        "director": director.user,
    }


def send(org, **overrides):
    values = {
        "actor": org["hr"],
        "entity": org["entity"],
        "stage": "work_plan",
        "on_behalf_of": org["hod"],
        "subject": "Work plans are due on 31 May",
        "message": "Please draft and submit your work plan this week.",
        "token": uuid.uuid4(),
    }
    return services.send_broadcast(**(values | overrides))


def test_the_preview_counts_everyone_whose_action_waits_at_the_stage(org):
    preview = broadcast_preview(entity=org["entity"], stage="work_plan")
    drafting = [s.pk for s in org["drafting"]] + [org["below"].pk, org["elsewhere"].pk]
    assert preview.recipient_ids == sorted(drafting)
    assert preview.count == 6
    names = [u.last_name for u in preview.sample]
    assert names == sorted(names)
    assert org["submitted"].pk not in preview.recipient_ids


def test_the_preview_of_the_fro_stage_reaches_the_fro(org):
    preview = broadcast_preview(entity=org["entity"], stage="work_plan_approval")
    assert preview.recipient_ids == [org["team"].fro.pk]


def test_a_unit_includes_the_units_below_it_and_nothing_else(org):
    preview = broadcast_preview(entity=org["entity"], stage="work_plan", unit=org["division"])
    assert org["below"].pk in preview.recipient_ids
    assert org["elsewhere"].pk not in preview.recipient_ids
    assert preview.count == 5
    section = broadcast_preview(entity=org["entity"], stage="work_plan", unit=org["section"])
    assert section.recipient_ids == [org["below"].pk]


def test_the_preview_sample_is_at_most_ten_names(org):
    team = org["team"]
    for _ in range(12):
        team.add_member()
    preview = broadcast_preview(entity=org["entity"], stage="work_plan")
    assert (preview.count, len(preview.sample)) == (18, 10)


def test_a_broadcast_reaches_each_person_once_through_the_pipeline(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = send(org, unit=org["division"])

    assert broadcast.recipient_count == 5
    rows = Reminder.objects.filter(broadcast=broadcast)
    assert rows.count() == 5
    assert set(rows.values_list("kind", "subject", "status")) == {
        ("broadcast", f"broadcast:{broadcast.pk}", "sent")
    }
    assert len(mailoutbox) == 5
    message = mailoutbox[0]
    assert message.subject == "[pmsystem] Work plans are due on 31 May"
    assert "Please draft and submit your work plan this week." in message.body
    assert f"{org['hod']}\n(sent on their behalf by {org['hr']}, HR focal point" in message.body
    assert message.reply_to == [org["hod"].email]

    # The task again (a redelivered message) sends nothing more.
    tasks.send_reminders(list(rows.values_list("pk", flat=True)))
    assert len(mailoutbox) == 5


def test_the_same_form_posted_twice_makes_one_broadcast(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    token = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        first = send(org, token=token)
    with django_capture_on_commit_callbacks(execute=True):
        second = send(org, token=token)
    assert first.pk == second.pk
    assert Broadcast.objects.count() == 1
    assert len(mailoutbox) == 6


def test_a_broadcast_to_nobody_is_refused(org):
    with pytest.raises(ApplicationError) as error:
        send(org, stage="sro_review")
    assert error.value.message == (
        "Nobody there has an action waiting at this stage now: there is nobody to write to."
    )
    assert not Broadcast.objects.exists()


def test_only_an_hr_focal_point_of_the_entity_may_broadcast(org):
    other_hr = DepartmentRoleFactory(role=DepartmentRole.Role.HR_FOCAL_POINT).user
    for actor in (org["hod"], other_hr, org["team"].staff.user):
        with pytest.raises(ApplicationError) as error:
            send(org, actor=actor)
        assert error.value.message == (
            f"Only an HR focal point of {org['entity'].name} may write to its staff."
        )
    assert not Broadcast.objects.exists()


def test_it_goes_on_behalf_of_the_hod_or_a_senior_manager_of_the_entity(org):
    assert list(broadcast_senders(org["entity"])) == sorted(
        [org["hod"], org["director"]], key=lambda u: (u.last_name, u.first_name, u.pk)
    )
    outsider = StaffMemberFactory(grade="D-2").user
    for sender in (org["team"].fro.user, outsider):
        with pytest.raises(ApplicationError) as error:
            send(org, on_behalf_of=sender)
        assert error.value.message == (
            f"A broadcast goes on behalf of the head or a senior manager of {org['entity'].name}."
        )
    assert send(org, on_behalf_of=org["director"]).on_behalf_of == org["director"]


def test_a_unit_of_another_entity_is_refused(org):
    foreign = OrgUnitFactory()
    with pytest.raises(ApplicationError) as error:
        send(org, unit=foreign)
    assert error.value.message == f"{foreign.name} is not a unit of {org['entity'].name}."


# --- pages --------------------------------------------------------------------------------


def other_hr():
    """An HR focal point of another entity (with their second factor)."""
    user = DepartmentRoleFactory(role=DepartmentRole.Role.HR_FOCAL_POINT).user
    with_totp(user)
    return user


def form_data(org, **overrides):
    return {
        "unit": "",
        "stage": "work_plan",
        "on_behalf_of": org["hod"].pk,
        "subject": "Work plans are due",
        "message": "Please submit your work plan.",
        "token": str(uuid.uuid4()),
    } | overrides


def create_url(org):
    return reverse("compliance:broadcast-create", args=[org["entity"].pk])


def test_hr_previews_then_sends_and_sees_the_delivery(
    client, org, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(org["hr"])
    assert client.get(reverse("compliance:broadcast-list")).status_code == 200
    assert client.get(create_url(org)).status_code == 200
    data = form_data(org, unit=org["division"].pk)

    preview = client.post(create_url(org), data | {"action": "preview"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert '<strong id="preview-count">5</strong> people' in html
    assert "Send to 5 people" in html
    assert str(org["team"].staff.user) in html
    assert 'value="Work plans are due"' in html  # what was typed stays
    assert mailoutbox == [] and not Broadcast.objects.exists()

    digest = preview.context["preview"].digest
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(create_url(org), data | {"action": "send", "previewed": digest})
    broadcast = Broadcast.objects.get()
    assert sent.status_code == 302
    assert sent.url == reverse("compliance:broadcast-detail", args=[broadcast.pk])
    assert len(mailoutbox) == 5

    # Back button and send again: the same form makes no second broadcast.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(create_url(org), data | {"action": "send", "previewed": digest})
    assert again.url == sent.url
    assert Broadcast.objects.count() == 1 and len(mailoutbox) == 5

    detail = client.get(sent.url)
    assert '<span id="delivered">5</span> of 5' in detail.content.decode()
    listing = client.get(reverse("compliance:broadcast-list")).content.decode()
    assert "Work plans are due" in listing and "5 of 5" in listing


def test_sending_needs_the_preview_of_exactly_these_recipients(client, org, mailoutbox):
    client.force_login(org["hr"])
    data = form_data(org)
    digest = client.post(create_url(org), data | {"action": "preview"}).context["preview"].digest
    org["team"].add_member()  # someone else now waits at this stage

    response = client.post(create_url(org), data | {"action": "send", "previewed": digest})

    assert response.status_code == 200
    assert "Who receives it changed since your last preview" in response.content.decode()
    assert "Send to 7 people" in response.content.decode()
    assert not Broadcast.objects.exists() and mailoutbox == []
    no_preview = client.post(create_url(org), data | {"action": "send"})
    assert no_preview.status_code == 200 and not Broadcast.objects.exists()


def test_the_form_keeps_what_was_typed_on_errors(client, org):
    client.force_login(org["hr"])
    response = client.post(
        create_url(org),
        form_data(org, subject="", message="Typed with care.", on_behalf_of=org["team"].fro.pk)
        | {"action": "preview"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Typed with care." in html
    assert "This field is required." in html
    assert "Select a valid choice." in html  # the FRO is not a senior manager
    assert response.context["preview"] is None


def test_a_stage_nobody_waits_at_previews_nobody_and_offers_no_send(client, org):
    client.force_login(org["hr"])
    response = client.post(create_url(org), form_data(org, stage="acknowledgement"))
    html = response.content.decode()
    assert "there is nobody to write to" in html
    assert "Send to" not in html


@pytest.mark.parametrize(("who", "status"), [("hod", 403), ("other_hr", 404), ("staff", 404)])
def test_only_hr_focal_points_of_the_entity_open_the_form(client, org, who, status):
    """The HOD sees the entity's compliance and is told broadcasts go through HR (403); to
    anyone else the entity's form does not exist (404)."""
    user = {
        "hod": org["hod"],
        "other_hr": other_hr(),
        "staff": org["team"].staff.user,
    }[who]
    client.force_login(user)
    response = client.get(create_url(org))
    assert response.status_code == status
    if status == 403:
        assert "Broadcasts go out through an HR focal point of the entity" in (
            response.content.decode()
        )
    response = client.post(create_url(org), form_data(org) | {"action": "send"})
    assert response.status_code == status
    assert not Broadcast.objects.exists()


def test_a_crafted_entity_id_answers_404(client, org):
    client.force_login(org["hr"])
    missing = OrgUnit.objects.order_by("-pk").first().pk + 100
    assert client.get(reverse("compliance:broadcast-create", args=[missing])).status_code == 404
    other = other_hr().department_roles.get().entity
    assert client.get(reverse("compliance:broadcast-create", args=[other.pk])).status_code == 404


def test_a_unit_of_another_entity_cannot_be_chosen(client, org):
    client.force_login(org["hr"])
    response = client.post(
        create_url(org), form_data(org, unit=OrgUnitFactory().pk) | {"action": "preview"}
    )
    assert "Select a valid choice." in response.content.decode()
    assert response.context["preview"] is None


def test_a_broadcast_of_another_entity_answers_404(client, org):
    broadcast = send(org)
    url = reverse("compliance:broadcast-detail", args=[broadcast.pk])
    client.force_login(other_hr())
    assert client.get(url).status_code == 404
    client.force_login(org["hod"])  # sent on their behalf: they may read it
    assert client.get(url).status_code == 200


def test_the_broadcast_list_is_for_hr_focal_points_and_heads_of_department(client, org):
    broadcast = send(org)
    client.force_login(UserFactory())
    assert client.get(reverse("compliance:broadcast-list")).status_code == 403
    client.force_login(org["hod"])
    response = client.get(reverse("compliance:broadcast-list"))
    assert response.status_code == 200
    assert [b.pk for b in response.context["page"]] == [broadcast.pk]
    assert "HR focal points write broadcasts" in response.content.decode()
    assert reverse("compliance:broadcast-create", args=[org["entity"].pk]) not in (
        response.content.decode()
    )


def test_a_broadcast_shows_in_my_reminders(client, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(org)
    client.force_login(org["team"].staff.user)
    html = client.get(reverse("compliance:reminder-list")).content.decode()
    assert "Work plans are due on 31 May" in html
    assert f"On behalf of {org['hod']}" in html


def test_the_broadcast_list_takes_a_constant_number_of_queries(client, org):
    client.force_login(org["hr"])
    counts = []
    for total in (1, 6):
        while Broadcast.objects.count() < total:
            send(org)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("compliance:broadcast-list"))
        assert len(response.context["page"]) == total
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 15


# --- wording (issue 17) ------------------------------------------------------------------------


def test_the_email_greets_colleagues_once_and_links_to_the_configured_site(
    org, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://pm.example.org/"
    with django_capture_on_commit_callbacks(execute=True):
        send(org, unit=org["division"], message="Please submit your work plan this week.")
    body = mailoutbox[0].body
    assert body.startswith("Dear colleagues,\n")
    assert body.count("Dear ") == 1
    assert "https://pm.example.org/" in body
    assert "localhost" not in body and "127.0.0.1" not in body
    for recipient in org["drafting"][:3]:
        assert str(recipient.user) not in body.split("\n", 1)[0]


def test_the_french_email_greets_colleagues_in_french(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    staff = org["team"].staff.user
    staff.language = "fr"
    staff.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        send(org, unit=org["division"])
    french = next(m for m in mailoutbox if m.to == [staff.email])
    assert french.body.startswith("Chères et chers collègues,\n")


def test_the_site_url_defaults_to_where_make_run_serves(monkeypatch):
    import importlib

    import pmsystem.settings.base as base

    monkeypatch.delenv("SITE_URL", raising=False)
    assert importlib.reload(base).SITE_URL == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    "typed",
    [
        "Dear colleagues,\n\nPlease submit.",
        "dear colleagues\nPlease submit.",
        "Chères et chers collègues,\nPlease submit.",
    ],
)
def test_a_greeting_typed_in_the_message_is_not_repeated(client, org, typed):
    client.force_login(org["hr"])
    response = client.post(create_url(org), form_data(org, message=typed) | {"action": "preview"})
    assert response.context["form"].cleaned_data["message"] == "Please submit."


def test_the_sender_list_has_no_empty_choice_and_the_head_comes_chosen(client, org):
    client.force_login(org["hr"])
    html = client.get(create_url(org)).content.decode()
    select = html[html.index('name="on_behalf_of"') :]
    select = select[: select.index("</select>")]
    assert "---------" not in select
    assert '<option value=""' not in select
    options = re.findall(r'<option value="(\d+)"( selected)?>', select)
    assert {int(pk) for pk, _ in options} == {org["hod"].pk, org["director"].pk}
    assert [int(pk) for pk, chosen in options if chosen] == [org["hod"].pk]
