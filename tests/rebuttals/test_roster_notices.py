"""Rosters that explain themselves (issue 17): whoever unpublishes a roster, directly or by a
change that makes its groups unequal, is told why and what it lacks; the HR focal points are
told; a case waiting on its panel says the roster is unpublished and what it lacks; HR's task
says to republish it first."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from compliance.reminders import run_daily_sweep
from compliance.selectors import my_tasks
from org.models import DepartmentRole
from pmsystem.errors import ApplicationError
from pmsystem.i18n import render, render_in
from rebuttals import services
from rebuttals.models import Group, PanelRoster
from rebuttals.selectors import rebuttal_tasks, roster_notice
from tests.compliance.reminder_helpers import at
from tests.factories import DepartmentRoleFactory, StaffMemberFactory, UserFactory
from tests.rebuttals.helpers import entity_role, filed_case, published_roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    """A filed case whose entity has a published roster (two in each group), its HOD, two HR
    focal points (one reads French) and its staff representative."""
    case = filed_case()
    entity = case.document.staff.unit.entity
    members = published_roster(entity)
    # The English-reading HR focal point, read before the second one exists: "the entity's
    # HR focal point" of two is either (the tests failed now and then in French).
    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    second_hr = DepartmentRoleFactory(
        entity=entity,
        role=DepartmentRole.Role.HR_FOCAL_POINT,
        user=UserFactory(language="fr"),
    ).user
    return {
        "case": case,
        "entity": entity,
        "members": members,
        "hod": entity_role(entity, DepartmentRole.Role.HOD),
        "hr": hr,
        "hr2": second_hr,
        "rep": entity_role(entity, DepartmentRole.Role.STAFF_REPRESENTATIVE),
    }


def roster_of(cast) -> PanelRoster:
    return PanelRoster.objects.get(entity=cast["entity"])


def roster_url(cast) -> str:
    return reverse("rebuttals:roster", args=[cast["entity"].pk])


def warnings(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages if m.level_tag == "warning"]


def test_the_hod_adding_a_member_unpublishes_the_roster_and_is_told_why(
    client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    hod, newcomer = cast["hod"], StaffMemberFactory().user
    client.force_login(hod)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            roster_url(cast),
            {"action": "add", "email": newcomer.email, "group": Group.HOD_DESIGNATED},
        )
    assert response.status_code == 302
    roster = roster_of(cast)
    assert not roster.is_published
    assert (roster.unpublished_by, render(roster.unpublished_because)) == (
        hod,
        f"{hod} added {newcomer} to the roster (designated by the HOD).",
    )
    (warning,) = warnings(response)
    assert warning == (
        f"{hod} added {newcomer} to the roster (designated by the HOD). The roster is no longer "
        "published: no rebuttal panel can be constituted from it until an HR focal point "
        "republishes it; the HR focal points have been told. It lacks: Designated by the staff "
        "representatives: 2 of 3 — add 1. Chairperson: 2 of 3 — add 1."
    )
    # Both HR focal points are told, each in their language, with what the roster lacks.
    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {cast["hr"].email, cast["hr2"].email}
    english = by_recipient[cast["hr"].email]
    code = cast["entity"].code
    assert english.subject == f"[pmsystem] The panel roster of {code} is no longer published"
    assert f"{hod} added {newcomer} to the roster (designated by the HOD)." in english.body
    assert "It lacks: Designated by the staff representatives: 2 of 3 — add 1." in english.body
    assert "Cases waiting for a panel: 1." in english.body
    french = by_recipient[cast["hr2"].email]
    assert "n'est plus publiée" in french.subject
    assert "Désigné(e) par les représentants du personnel\xa0: 2 sur 3" in french.body


def test_hr_removing_a_member_is_told_and_the_other_hr_focal_points_are(
    client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    hr = cast["hr"]
    chair = cast["members"][Group.CHAIR][0]
    client.force_login(hr)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(roster_url(cast), {"action": "remove", "member": chair.pk})
    (warning,) = warnings(response)
    assert warning.startswith(f"{hr} removed {chair.user} from the roster (chairperson).")
    assert "It lacks: Chairperson: 1 of 2 — add 1." in warning
    assert [m.to for m in mailoutbox] == [[cast["hr2"].email]]


def test_a_change_to_an_unpublished_roster_tells_nobody_again(
    client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    services.remove_roster_member(member=cast["members"][Group.CHAIR][0], actor=cast["hr"])
    client.force_login(cast["hod"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            roster_url(cast),
            {"action": "add", "email": StaffMemberFactory().user.email, "group": Group.CHAIR},
        )
    assert warnings(response) == []
    assert mailoutbox == []


def test_hr_unpublishes_directly_with_a_reason(
    client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    for actor in (cast["hod"], cast["rep"]):
        with pytest.raises(ApplicationError, match="HR focal points publish and unpublish"):
            services.unpublish_roster(entity=cast["entity"], actor=actor, reason="Revising.")
    with pytest.raises(ApplicationError, match="Say why"):
        services.unpublish_roster(entity=cast["entity"], actor=cast["hr"], reason=" ")
    assert roster_of(cast).is_published
    client.force_login(cast["hr"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            roster_url(cast), {"action": "unpublish", "reason": "Two members left the entity."}
        )
    (warning,) = warnings(response)
    assert warning.startswith(
        f"{cast['hr']} unpublished the roster: Two members left the entity. The roster is no "
        "longer published"
    )
    assert "It lacks" not in warning  # the groups are still equal
    assert [m.to for m in mailoutbox] == [[cast["hr2"].email]]
    page = client.get(roster_url(cast)).content.decode()
    assert "unpublished the roster: Two members left the entity." in page
    assert "1 rebuttal case waits for its panel" in page
    with pytest.raises(ApplicationError, match="The roster is not published."):
        services.unpublish_roster(entity=cast["entity"], actor=cast["hr"], reason="Again.")


def test_the_case_page_says_the_roster_is_unpublished_and_what_it_lacks(client, cast):
    case, hod = cast["case"], cast["hod"]
    services.add_roster_member(
        entity=cast["entity"], actor=hod, user=StaffMemberFactory().user, group=Group.CHAIR
    )
    url = reverse("rebuttals:case", args=[case.pk])
    client.force_login(cast["hr"])
    page = client.get(url).content.decode()
    assert "the department's panel roster is not published" in page
    assert f"{hod} added" in page and "to the roster (chairperson)." in page
    assert "Designated by the HOD: 2 of 3 — add 1." in page
    assert "Open the roster to complete and republish it" in page
    assert reverse("rebuttals:roster", args=[cast["entity"].pk]) in page
    # Nothing to appoint from, so no seat is offered (no "Nobody on the published roster").
    assert 'name="member-' not in page
    assert "Nobody on the published roster" not in page
    # The staff member reads that the panel waits, not the roster's make-up.
    client.force_login(case.document.staff.user)
    page = client.get(url).content.decode()
    assert "the department's panel roster is not published" in page
    assert "add 1" not in page and "to the roster (chairperson)" not in page


def test_a_published_roster_gives_no_notice(cast):
    assert roster_notice(cast["entity"].pk) is None
    services.remove_roster_member(member=cast["members"][Group.CHAIR][0], actor=cast["hr"])
    notice = roster_notice(cast["entity"].pk)
    assert notice.problems == ["Chairperson: 1 of 2 — add 1."]
    assert notice.because.endswith("from the roster (chairperson).")


def test_hrs_task_says_to_republish_the_roster_first(cast):
    hr, case = cast["hr"], cast["case"]
    name, code = case.document.staff.user, cast["entity"].code
    (task,) = rebuttal_tasks(hr, None)
    assert (task.label, task.url) == (
        f"Constitute the rebuttal panel for {name}",
        reverse("rebuttals:case", args=[case.pk]),
    )
    services.unpublish_roster(entity=cast["entity"], actor=hr, reason="Revising.")
    (task,) = rebuttal_tasks(hr, None)
    assert (task.label, task.url, task.due) == (
        f"Publish the panel roster of {code} (it is not published), then constitute the "
        f"rebuttal panel for {name}",
        reverse("rebuttals:roster", args=[cast["entity"].pk]),
        case.report_due,
    )
    assert task.label in [t.label for t in my_tasks(hr, case.document.cycle)]
    services.publish_roster(entity=cast["entity"], actor=hr)
    assert rebuttal_tasks(hr, None)[0].label == f"Constitute the rebuttal panel for {name}"


def test_the_reason_is_kept_as_a_phrase_each_reader_reads_in_their_language(cast):
    services.remove_roster_member(member=cast["members"][Group.CHAIR][0], actor=cast["hr"])
    because = roster_of(cast).unpublished_because
    assert render_in(because, "fr").endswith("de la liste (président(e) de jury).")


def test_hrs_reminder_email_says_the_roster_is_unpublished_and_what_it_lacks(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    """The reminder to constitute the panel carries what the case page says, read when it is
    sent; in each HR focal point's language, one email each (immediate or digest)."""
    case, hr = cast["case"], cast["hr"]
    services.remove_roster_member(member=cast["members"][Group.CHAIR][0], actor=hr)
    mailoutbox.clear()
    with at(case.report_due), django_capture_on_commit_callbacks(execute=True):
        run_daily_sweep()
    about_panel = {
        m.to[0]: m.body
        for m in mailoutbox
        if "constituting the panel" in m.body or "constitution du jury" in m.body
    }
    assert set(about_panel) == {hr.email, cast["hr2"].email}
    english = about_panel[hr.email]
    assert (
        "The panel cannot be constituted yet: the department's panel roster is not published."
        in english
    )
    assert "It lacks: Chairperson: 1 of 2 — add 1." in english
    assert f"{hr} removed" in english
    assert "Président(e) de jury : 1 sur 2" in about_panel[cast["hr2"].email].replace("\xa0", " ")

    # Published again: the next reminder says nothing of it.
    services.add_roster_member(
        entity=cast["entity"], actor=cast["hod"], user=StaffMemberFactory().user, group=Group.CHAIR
    )
    services.publish_roster(entity=cast["entity"], actor=hr)
    mailoutbox.clear()
    with (
        at(case.report_due + datetime.timedelta(days=7)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_daily_sweep()
    bodies = [m.body for m in mailoutbox if m.to == [hr.email]]
    assert bodies and not any("roster is not published" in body for body in bodies)
