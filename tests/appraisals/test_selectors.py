"""Reads for the end of the cycle: the SRO's queue of evaluations awaiting approval, their own
and as acting SRO, in one query whatever its length."""

from __future__ import annotations

import datetime

import pytest

from appraisals.selectors import documents_awaiting_sro
from org.models import Delegation, ReportingLine, StaffMember
from tests.builders import build_document
from tests.factories import CycleFactory, DelegationFactory, StaffMemberFactory, UserFactory
from workplans.models import WorkPlan

pytestmark = pytest.mark.django_db

# The queue, with what its page shows of each row (staff member, unit, overall rating):
# one query at any length.
QUEUE_QUERIES = 1


def sro_of(document: WorkPlan) -> StaffMember:
    return ReportingLine.objects.get(staff=document.staff, cycle=document.cycle).sro


def queue_for(sro: StaffMember, cycle, n: int, *, at: str = "sro_review") -> list[WorkPlan]:
    return [build_document(at, cycle=cycle, sro=sro) for _ in range(n)]


def shown(rows: list[WorkPlan]) -> list[tuple]:
    """What the SRO queue page reads of each row."""
    return [
        (
            row.pk,
            row.staff.user.get_full_name(),
            row.staff.unit.name,
            row.appraisal.overall_rating.code,
        )
        for row in rows
    ]


def test_the_queue_holds_the_sros_own_documents_awaiting_approval_only():
    cycle = CycleFactory(midpoint_required=False)
    sro = StaffMemberFactory()
    waiting = queue_for(sro, cycle, 2)
    for stage in ("fro_evaluation", "acknowledgement"):
        queue_for(sro, cycle, 1, at=stage)
    someone_elses = build_document("sro_review", cycle=cycle)
    other_cycle = build_document("sro_review", cycle=CycleFactory(midpoint_required=False), sro=sro)

    rows = documents_awaiting_sro(sro.user, cycle.pk)
    assert sorted(row.pk for row in rows) == sorted(d.pk for d in waiting)
    assert [row.pk for row in rows] == [
        d.pk
        for d in sorted(waiting, key=lambda d: (d.staff.user.last_name, d.staff.user.first_name))
    ]
    assert documents_awaiting_sro(sro.user, other_cycle.cycle_id) == [other_cycle]
    assert documents_awaiting_sro(sro_of(someone_elses).user, cycle.pk) == [someone_elses]
    assert documents_awaiting_sro(UserFactory(), cycle.pk) == []
    # The FRO of a waiting document is not its SRO.
    fro = ReportingLine.objects.get(staff=waiting[0].staff, cycle=cycle).fro
    assert waiting[0] not in documents_awaiting_sro(fro.user, cycle.pk)


def test_an_acting_sro_sees_the_principals_queue_while_the_delegation_holds():
    cycle = CycleFactory(midpoint_required=False)
    sro = StaffMemberFactory()
    waiting = queue_for(sro, cycle, 2)
    acting = UserFactory()
    assert documents_awaiting_sro(acting, cycle.pk) == []

    delegation = DelegationFactory(principal=sro.user, acting=acting, role=Delegation.Role.SRO)
    assert sorted(d.pk for d in documents_awaiting_sro(acting, cycle.pk)) == sorted(
        d.pk for d in waiting
    )
    # The principal keeps their own queue.
    assert len(documents_awaiting_sro(sro.user, cycle.pk)) == 2

    delegation.end = datetime.date.today() - datetime.timedelta(days=1)
    delegation.start = delegation.end - datetime.timedelta(days=10)
    delegation.save()
    assert documents_awaiting_sro(acting, cycle.pk) == []


def test_an_fro_delegation_does_not_give_the_sro_queue():
    cycle = CycleFactory(midpoint_required=False)
    sro = StaffMemberFactory()
    queue_for(sro, cycle, 1)
    acting = UserFactory()
    DelegationFactory(principal=sro.user, acting=acting, role=Delegation.Role.FRO)
    assert documents_awaiting_sro(acting, cycle.pk) == []


@pytest.mark.parametrize("size", [5, 50])
def test_the_queue_takes_the_same_queries_at_5_and_50_documents(
    size, django_assert_max_num_queries
):
    cycle = CycleFactory(midpoint_required=False)
    sro = StaffMemberFactory()
    queue_for(sro, cycle, size)
    acting = UserFactory()
    DelegationFactory(principal=sro.user, acting=acting, role=Delegation.Role.SRO)
    for user in (StaffMember.objects.select_related("user").get(pk=sro.pk).user, acting):
        with django_assert_max_num_queries(QUEUE_QUERIES):
            rows = shown(documents_awaiting_sro(user, cycle.pk))
        assert len(rows) == size
        assert {code for *_, code in rows} == {"SM"}
