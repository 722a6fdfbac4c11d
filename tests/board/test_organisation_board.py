"""A review board of the whole organisation (issue 16 section 3: "a board per organisation or
entity"; the ILO's Reports Board): a membership without an entity reads and reviews the
routed documents of every entity, those created after it too, through the same rule as an
entity's board (`org.permissions.entity_ids_where`), with its dates and the conflict rule."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from board import services
from board.models import BoardComment
from board.permissions import board_entities
from org.models import DepartmentRole, OrgUnit
from org.selectors import role_summary
from org.services import save_department_role
from schedules.permissions import board_entity_ids
from tests.builders import build_document
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    StaffMemberFactory,
    UserFactory,
)
from workplans.permissions import relations_for, sees_work_plan, visible_work_plans

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
Role = DepartmentRole.Role


def team(cycle):
    unit = OrgUnitFactory(parent=EntityFactory())
    fro = StaffMemberFactory(unit=unit, grade="P-5")
    sro = StaffMemberFactory(unit=unit, grade="D-1")
    return unit, fro, sro


def completed(cycle, unit, fro, sro, stage="completed"):
    return build_document(
        stage, staff=StaffMemberFactory(unit=unit), cycle=cycle, fro=fro, sro=sro, overall="SM"
    )


def organisation_member(**fields):
    member = StaffMemberFactory(grade="D-1").user
    role = save_department_role(
        department_role=DepartmentRole(
            entity=None, user=member, role=Role.REVIEW_BOARD, start=TODAY, **fields
        )
    )
    return member, role


def test_an_organisation_board_member_reads_every_entitys_routed_documents():
    cycle = CycleFactory(midpoint_required=False)
    first, second = team(cycle), team(cycle)
    member, _ = organisation_member()
    done = [completed(cycle, *first), completed(cycle, *second)]
    rating = completed(cycle, *first, stage="sro_review")
    # An entity created after the appointment is covered too.
    later = team(cycle)
    done.append(completed(cycle, *later))

    assert set(visible_work_plans(member)) == set(done)
    for document in done:
        assert "board" in relations_for(member, document)
        assert sees_work_plan(member, document.pk)
    assert relations_for(member, rating) == {}
    assert not sees_work_plan(member, rating.pk)
    entities = {unit.parent_id for unit, _, _ in (first, second, later)}
    assert entities <= set(board_entities(member).values_list("pk", flat=True))
    assert entities <= board_entity_ids(member)
    assert set(board_entities(member)) == set(OrgUnit.objects.filter(kind=OrgUnit.Kind.ENTITY))


def test_the_conflict_rule_holds_for_an_organisation_board_member():
    cycle = CycleFactory(midpoint_required=False)
    unit, fro, sro = team(cycle)
    save_department_role(
        department_role=DepartmentRole(
            entity=None, user=fro.user, role=Role.REVIEW_BOARD, start=TODAY
        )
    )
    document = completed(cycle, unit, fro, sro)
    relations = relations_for(fro.user, document)
    assert "board" not in relations and "fro" in relations
    assert "review board" in relations.conflicts["board"]
    with pytest.raises(Exception):  # noqa: B017 - the service's refusal, whatever its class
        services.comment_on_document(actor=fro.user, document=document, kind="comment", text="x")
    assert not BoardComment.objects.exists()


def test_the_membership_follows_its_dates():
    cycle = CycleFactory(midpoint_required=False)
    first = team(cycle)
    member, role = organisation_member(end=TODAY + datetime.timedelta(days=2))
    document = completed(cycle, *first)
    assert sees_work_plan(member, document.pk)
    with time_machine.travel(TODAY + datetime.timedelta(days=3), tick=False):
        assert not sees_work_plan(member, document.pk)
        assert not visible_work_plans(member).exists()
        assert not board_entities(member).exists()


def test_only_a_review_board_may_be_organisation_wide():
    user = UserFactory()
    for role in (Role.HOD, Role.HR_FOCAL_POINT, Role.STAFF_REPRESENTATIVE):
        with pytest.raises(ValidationError) as refused:
            save_department_role(
                department_role=DepartmentRole(entity=None, user=user, role=role, start=TODAY)
            )
        assert "only a review board" in str(refused.value)
        # And the database refuses what skips the model's checks (a raw write).
        with pytest.raises(IntegrityError), transaction.atomic():
            DepartmentRole.objects.create(entity=None, user=user, role=role, start=TODAY)
    organisation_member()
    member, _ = organisation_member()
    with pytest.raises(IntegrityError), transaction.atomic():  # once per person
        DepartmentRole.objects.create(entity=None, user=member, role=Role.REVIEW_BOARD, start=TODAY)


def test_the_pages_and_the_admin(client):
    cycle = CycleFactory(midpoint_required=False)
    unit, fro, sro = team(cycle)
    document = completed(cycle, unit, fro, sro)
    member, role = organisation_member()
    assert role_summary(member).organisation_board
    assert str(role).startswith("Review board member of the organisation")
    client.force_login(member)
    home = client.get(reverse("home")).content.decode()
    assert "Review board member for the whole organisation" in home
    board = client.get(reverse("board:home")).content.decode()
    assert reverse("board:entity", args=[unit.parent_id]) in board
    page = client.get(reverse("board:entity", args=[unit.parent_id])).content.decode()
    assert reverse("board:document", args=[document.pk]) in page
    response = client.post(
        reverse("board:document", args=[document.pk]), {"kind": "comment", "text": "Consistent."}
    )
    assert response.status_code == 302
    assert BoardComment.objects.get().entity_id == unit.parent_id

    # The admin appoints one (no entity) and refuses an HOD without an entity.
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    other = UserFactory()
    add = reverse("admin:org_departmentrole_add")
    data = {"user": other.pk, "role": Role.REVIEW_BOARD, "start": TODAY.isoformat(), "end": ""}
    assert client.post(add, {**data, "entity": ""}).status_code == 302
    assert DepartmentRole.objects.get(user=other).entity is None
    refused = client.post(add, {**data, "user": UserFactory().pk, "role": Role.HOD, "entity": ""})
    assert refused.status_code == 200
    assert "only a review board" in refused.content.decode()


def test_an_entity_board_member_still_reads_only_their_entity():
    cycle = CycleFactory(midpoint_required=False)
    first, second = team(cycle), team(cycle)
    member = StaffMemberFactory(grade="D-1").user
    DepartmentRoleFactory(entity=first[0].parent, user=member, role=Role.REVIEW_BOARD, start=TODAY)
    mine, theirs = completed(cycle, *first), completed(cycle, *second)
    assert set(visible_work_plans(member)) == {mine}
    assert not sees_work_plan(member, theirs.pk)
    assert list(board_entities(member)) == [first[0].parent]
