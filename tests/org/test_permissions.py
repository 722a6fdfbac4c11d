import datetime

import pytest

from org.models import DepartmentRole, OrgUnitUserObjectPermission
from org.permissions import entities_where, rebuild_permissions, sync_department_grants
from org.services import end_department_role
from tests.factories import DepartmentRoleFactory, EntityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_hod_and_hr_hold_entity_grants_derived_from_department_roles():
    entity, other = EntityFactory(), EntityFactory()
    hod = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HOD).user
    hr = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user
    assert list(entities_where(hod, "view_entity_documents")) == [entity]
    assert list(entities_where(hr, "rollback_entity_documents")) == [entity]
    assert not entities_where(hod, "rollback_entity_documents").exists()
    assert hod.has_perm("org.view_entity_documents", entity)
    assert not hod.has_perm("org.view_entity_documents", other)


def test_grants_are_withdrawn_when_the_role_ends():
    role = DepartmentRoleFactory(role=DepartmentRole.Role.HR_FOCAL_POINT)
    user, entity = role.user, role.entity
    end_department_role(department_role=role)
    assert not entities_where(user, "view_entity_documents").exists()
    assert not OrgUnitUserObjectPermission.objects.filter(user=user, content_object=entity).exists()


def test_expired_roles_grant_nothing():
    role = DepartmentRoleFactory(
        role=DepartmentRole.Role.HOD,
        start=datetime.date(2020, 1, 1),
        end=datetime.date(2021, 1, 1),
    )
    assert not entities_where(role.user, "view_entity_documents").exists()


def test_rebuild_restores_grants_from_scratch():
    role = DepartmentRoleFactory(role=DepartmentRole.Role.HOD)
    OrgUnitUserObjectPermission.objects.all().delete()
    assert not entities_where(role.user, "view_entity_documents").exists()
    results = rebuild_permissions()
    assert results["org"] == 4
    assert entities_where(role.user, "view_entity_documents").exists()


def test_a_user_without_roles_holds_nothing():
    DepartmentRoleFactory(role=DepartmentRole.Role.HOD)
    assert not entities_where(UserFactory(), "view_entity_documents").exists()
    assert sync_department_grants() == 4
