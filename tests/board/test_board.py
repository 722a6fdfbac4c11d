"""The review board (issue 16 section 3, docs/rules.md section 10): members with dates read the
documents the cycle routes to them (completed evaluations, or every signed stage), through the
documents' one permission home; never one on which they hold another role; they comment per
document and per FRO; a consistency view ranks FROs and units by their gap to the entity; the
FRO, SRO and HR read the comments on the evaluation, the staff member when the cycle says so."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from board import selectors, services
from board.models import BoardComment
from org.models import Cycle, DepartmentRole
from pmsystem.errors import ApplicationError
from tests.builders import build_document
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    StaffMemberFactory,
)
from workplans.permissions import relations_for, visible_work_plans

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def setup(**cycle_fields):
    cycle = CycleFactory(midpoint_required=False, **cycle_fields)
    entity = EntityFactory()
    unit = OrgUnitFactory(parent=entity)
    fro = StaffMemberFactory(unit=unit, grade="P-5")
    sro = StaffMemberFactory(unit=unit, grade="D-1")
    member = StaffMemberFactory(unit=OrgUnitFactory(), grade="D-1").user
    role = DepartmentRoleFactory(
        entity=entity, user=member, role=DepartmentRole.Role.REVIEW_BOARD, start=TODAY
    )
    return cycle, unit, fro, sro, member, role


def doc(stage, cycle, unit, fro, sro, overall="SM"):
    return build_document(
        stage, staff=StaffMemberFactory(unit=unit), cycle=cycle, fro=fro, sro=sro, overall=overall
    )


def test_completed_evaluations_reach_the_board_and_nothing_else_by_default():
    cycle, unit, fro, sro, member, _ = setup()
    completed = doc("completed", cycle, unit, fro, sro)
    rating = doc("sro_review", cycle, unit, fro, sro)
    assert set(visible_work_plans(member)) == {completed}
    assert "board" in relations_for(member, completed)
    assert relations_for(member, rating) == {}


def test_a_cycle_may_route_every_signed_stage():
    cycle, unit, fro, sro, member, _ = setup(board_receives=Cycle.BoardReceives.SIGNED)
    submitted = doc("submitted", cycle, unit, fro, sro)  # the staff member signed it
    draft = doc("draft", cycle, unit, fro, sro)
    assert set(visible_work_plans(member)) == {submitted}
    assert "board" in relations_for(member, submitted)
    assert relations_for(member, draft) == {}


def test_a_member_never_reviews_a_document_on_which_they_hold_another_role():
    cycle, unit, fro, sro, member, _ = setup()
    # Another member of the board is the FRO of a completed document.
    DepartmentRoleFactory(
        entity=unit.parent, user=fro.user, role=DepartmentRole.Role.REVIEW_BOARD, start=TODAY
    )
    completed = doc("completed", cycle, unit, fro, sro)
    relations = relations_for(fro.user, completed)
    assert "board" not in relations and "fro" in relations
    assert relations.conflicts["board"] == (
        "You are the FRO on this document, so you do not review it for the review board: "
        "another member does."
    )
    with pytest.raises(ApplicationError) as refused:
        services.comment_on_document(
            actor=fro.user, document=completed, kind="comment", text="Fine."
        )
    assert refused.value.message == relations.conflicts["board"]
    services.comment_on_document(actor=member, document=completed, kind="comment", text="Fine.")
    assert BoardComment.objects.get().author == member


def test_membership_follows_its_dates():
    cycle, unit, fro, sro, member, role = setup()
    completed = doc("completed", cycle, unit, fro, sro)
    role.end = TODAY + datetime.timedelta(days=2)
    role.save()
    assert completed in visible_work_plans(member)
    with time_machine.travel(TODAY + datetime.timedelta(days=3), tick=False):
        assert completed not in visible_work_plans(member)
        with pytest.raises(ApplicationError):
            services.comment_on_document(
                actor=member, document=completed, kind="comment", text="Late."
            )


def test_comments_on_an_fro_are_for_the_board_and_never_on_oneself():
    cycle, unit, fro, sro, member, _ = setup()
    doc("completed", cycle, unit, fro, sro)
    entity = unit.parent
    services.comment_on_fro(
        actor=member,
        entity=entity,
        cycle=cycle,
        fro=fro.user,
        kind="recommendation",
        text="Calibrate with the other FROs.",
    )
    with pytest.raises(ApplicationError, match="not an FRO of the entity"):
        services.comment_on_fro(
            actor=member, entity=entity, cycle=cycle, fro=sro.user, kind="comment", text="x"
        )
    with pytest.raises(ApplicationError, match="Only the members"):
        services.comment_on_fro(
            actor=sro.user, entity=entity, cycle=cycle, fro=fro.user, kind="comment", text="x"
        )
    with pytest.raises(ApplicationError, match="Write the comment"):
        services.comment_on_fro(
            actor=member, entity=entity, cycle=cycle, fro=fro.user, kind="comment", text="  "
        )


def test_the_consistency_view_puts_the_furthest_fro_first():
    cycle, unit, fro, sro, member, _ = setup()
    generous = StaffMemberFactory(unit=unit, grade="P-5")
    for _ in range(3):
        doc("completed", cycle, unit, fro, sro, overall="SM")
    for _ in range(2):
        doc("completed", cycle, unit, generous, sro, overall="EX")
    report = selectors.consistency(unit.parent, cycle)
    assert report.entity.total == 5
    assert [g.key for g in report.fros] == [generous.pk, fro.pk]
    # generous: 100% EX against the entity's 40% -> 60 points; fro: 100% SM against 60% -> 40.
    assert [round(g.deviation) for g in report.fros] == [60, 40]
    assert [g.total for g in report.units] == [5]


def test_who_reads_the_boards_comments_on_the_evaluation(client):
    cycle, unit, fro, sro, member, _ = setup()
    completed = doc("completed", cycle, unit, fro, sro)
    services.comment_on_document(
        actor=member, document=completed, kind="recommendation", text="Name the evidence."
    )
    url = reverse("appraisals:evaluation", args=[completed.pk])
    for reader, sees in ((fro.user, True), (sro.user, True), (completed.staff.user, False)):
        client.force_login(reader)
        assert ("Name the evidence." in client.get(url).content.decode()) is sees, reader
    Cycle.objects.filter(pk=cycle.pk).update(board_comments_to_staff=True)
    client.force_login(completed.staff.user)
    assert "Name the evidence." in client.get(url).content.decode()


def test_a_member_comments_through_the_pages(client):
    cycle, unit, fro, sro, member, _ = setup()
    completed = doc("completed", cycle, unit, fro, sro, overall="PM")
    client.force_login(member)
    page = client.get(reverse("board:entity", args=[unit.parent.pk])).content.decode()
    assert reverse("board:document", args=[completed.pk]) in page
    response = client.post(
        reverse("board:document", args=[completed.pk]), {"kind": "comment", "text": ""}
    )
    assert response.status_code == 200 and not BoardComment.objects.exists()
    response = client.post(
        reverse("board:document", args=[completed.pk]),
        {"kind": "comment", "text": "The rating matches the evidence."},
    )
    assert response.status_code == 302
    assert BoardComment.objects.get().text == "The rating matches the evidence."


@pytest.mark.parametrize("size", [2, 12])
def test_the_board_page_reads_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, size
):
    cycle, unit, fro, sro, member, _ = setup()
    for _ in range(size):
        doc("completed", cycle, unit, fro, sro)
    client.force_login(member)
    url = reverse("board:entity", args=[unit.parent.pk])
    client.get(url)
    with django_assert_max_num_queries(14):  # 13, and one more for PIP meetings if any
        assert client.get(url).status_code == 200


def _pip_with_six_month_review(cycle, unit, fro, sro, held=True):
    from appraisals import services as appraisal_services
    from pmsystem.dates import add_months

    document = doc("sro_review", cycle, unit, fro, sro)
    start = TODAY - datetime.timedelta(days=200)
    plan = appraisal_services.open_improvement_plan(
        document=document,
        actor=fro.user,
        objectives="Deliver the monthly report on time.",
        support="Weekly coaching.",
        start=start,
        end=TODAY + datetime.timedelta(days=30),
    )
    appraisal_services.add_improvement_meeting(
        plan=plan, actor=fro.user, held_on=start + datetime.timedelta(days=30), notes="On track."
    )
    if held:
        appraisal_services.add_improvement_meeting(
            plan=plan, actor=fro.user, held_on=add_months(start, 6), notes="Six months: better."
        )
    return plan


def test_a_pip_reaches_the_board_once_its_six_month_review_is_held(client):
    cycle, unit, fro, sro, member, _ = setup()
    plan = _pip_with_six_month_review(cycle, unit, fro, sro)
    early = _pip_with_six_month_review(cycle, unit, fro, sro, held=False)
    reviews = selectors.pip_reviews(unit.parent)
    assert [r.plan for r in reviews] == [plan]
    assert reviews[0].review.notes == "Six months: better."
    client.force_login(member)
    page = client.get(reverse("board:entity", args=[unit.parent.pk])).content.decode()
    assert reverse("board:pip", args=[plan.pk]) in page
    assert client.get(reverse("board:pip", args=[early.pk])).status_code == 404
    response = client.post(
        reverse("board:pip", args=[plan.pk]),
        {"kind": "recommendation", "text": "Extend the coaching to the end of the plan."},
    )
    assert response.status_code == 302
    comment = BoardComment.objects.get()
    assert comment.document == plan.document
    # The FRO reads it on the evaluation; the FRO as a board member could not have written it.
    DepartmentRoleFactory(
        entity=unit.parent, user=fro.user, role=DepartmentRole.Role.REVIEW_BOARD, start=TODAY
    )
    with pytest.raises(ApplicationError, match="You are the FRO on this document"):
        services.comment_on_pip(actor=fro.user, plan=plan, kind="comment", text="Mine.")
    with pytest.raises(ApplicationError, match="has not been held"):
        services.comment_on_pip(actor=member, plan=early, kind="comment", text="Early.")
    client.force_login(fro.user)
    evaluation = client.get(reverse("appraisals:evaluation", args=[plan.document.pk]))
    assert "Extend the coaching" in evaluation.content.decode()


def test_a_roll_back_takes_the_document_away_from_the_board():
    """Another route to the same rule: HR rolls a completed evaluation back to the SRO; it is
    no longer completed, so it is no longer the board's to read or comment on."""
    from tests.appraisals.test_rollback import roll_back

    cycle, unit, fro, sro, member, _ = setup(rollback_completed_allowed=True)
    completed = doc("completed", cycle, unit, fro, sro, overall="PM")
    assert "board" in relations_for(member, completed)
    roll_back(completed, "sro_review")
    completed.refresh_from_db()
    assert completed not in visible_work_plans(member)
    assert relations_for(member, completed) == {}
    with pytest.raises(ApplicationError, match="Only the members of the entity's review board"):
        services.comment_on_document(actor=member, document=completed, kind="comment", text="x")
