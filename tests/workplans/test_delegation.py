"""Acting officers: while a delegation holds, the acting officer sees and acts, and the
record reads "X acting for Y"."""

import datetime

import pytest

from org.models import Delegation
from tests.factories import DelegationFactory, UserFactory
from tests.workplans.helpers import fro_of, make_submitted_work_plan
from workplans import services
from workplans.permissions import allowed_actions, relations_for, visible_work_plans

pytestmark = pytest.mark.django_db


def test_acting_fro_sees_and_approves_and_signature_reads_acting_for():
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)
    acting = UserFactory()
    assert not visible_work_plans(acting).filter(pk=work_plan.pk).exists()
    DelegationFactory(principal=fro, acting=acting, role=Delegation.Role.FRO)

    assert visible_work_plans(acting).filter(pk=work_plan.pk).exists()
    assert relations_for(acting, work_plan) == {"fro": fro.pk}
    assert "approve" in allowed_actions(acting, work_plan)

    services.approve_work_plan(work_plan=work_plan, actor=acting)
    signature = work_plan.signatures.get(action="approve")
    assert (signature.signer, signature.acting_for, signature.role) == (acting, fro, "fro")
    assert str(signature).endswith(f"signed by {acting} acting for {fro}")
    event = work_plan.events.get(kind="work_plan_approve")
    assert event.acting_for == fro


def test_expired_delegation_gives_nothing():
    work_plan = make_submitted_work_plan()
    acting = UserFactory()
    DelegationFactory(
        principal=fro_of(work_plan),
        acting=acting,
        role=Delegation.Role.FRO,
        start=datetime.date.today() - datetime.timedelta(days=30),
        end=datetime.date.today() - datetime.timedelta(days=1),
    )
    assert not visible_work_plans(acting).filter(pk=work_plan.pk).exists()
    assert relations_for(acting, work_plan) == {}


def test_delegation_of_another_role_does_not_carry_fro_rights():
    work_plan = make_submitted_work_plan()
    acting = UserFactory()
    DelegationFactory(principal=fro_of(work_plan), acting=acting, role=Delegation.Role.SRO)
    assert relations_for(acting, work_plan) == {}
    assert "approve" not in allowed_actions(acting, work_plan)
