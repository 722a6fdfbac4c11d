"""Department-wide capabilities follow today's department roles: derived, never stored."""

import datetime

import pytest
import time_machine

from org.models import DepartmentRole
from org.permissions import entities_where, mfa_status
from org.services import end_department_role
from tests.factories import DepartmentRoleFactory, EntityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_hod_and_hr_hold_entity_capabilities_derived_from_department_roles():
    entity, _other = EntityFactory(), EntityFactory()
    hod = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HOD).user
    hr = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user
    assert list(entities_where(hod, "view_entity_documents")) == [entity]
    assert list(entities_where(hr, "rollback_entity_documents")) == [entity]
    assert not entities_where(hod, "rollback_entity_documents").exists()


def test_capabilities_stop_when_the_role_is_removed():
    role = DepartmentRoleFactory(role=DepartmentRole.Role.HR_FOCAL_POINT)
    user = role.user
    end_department_role(department_role=role)
    assert not entities_where(user, "view_entity_documents").exists()


def test_expired_roles_give_nothing():
    role = DepartmentRoleFactory(
        role=DepartmentRole.Role.HOD,
        start=datetime.date(2020, 1, 1),
        end=datetime.date(2021, 1, 1),
    )
    assert not entities_where(role.user, "view_entity_documents").exists()


def test_a_role_follows_its_dates_as_the_clock_passes_them_with_nobody_acting():
    """The day after a role ends it gives nothing (and asks for no second factor); a role
    dated in the future gives nothing until its first day, then everything at once."""
    ending = DepartmentRoleFactory(
        role=DepartmentRole.Role.HR_FOCAL_POINT,
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 6, 30),
    )
    starting = DepartmentRoleFactory(
        role=DepartmentRole.Role.HOD,
        start=datetime.date(2026, 7, 1),
    )
    with time_machine.travel(datetime.date(2026, 6, 30)):
        assert entities_where(ending.user, "rollback_entity_documents").exists()
        assert mfa_status(ending.user).required
        assert not entities_where(starting.user, "view_entity_documents").exists()
        assert not mfa_status(starting.user).required
    with time_machine.travel(datetime.date(2026, 7, 1)):
        assert not entities_where(ending.user, "rollback_entity_documents").exists()
        assert not mfa_status(ending.user).required
        assert list(entities_where(starting.user, "view_entity_documents")) == [starting.entity]
        assert mfa_status(starting.user).required


def test_a_user_without_roles_holds_nothing():
    DepartmentRoleFactory(role=DepartmentRole.Role.HOD)
    assert not entities_where(UserFactory(), "view_entity_documents").exists()


def test_an_unknown_capability_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown entity capability"):
        entities_where(UserFactory(), "see_everything")
