import pytest
from django.core.management import call_command

from org.models import OrgUnitUserObjectPermission
from tests.factories import DepartmentRoleFactory
from tests.workplans.helpers import make_submitted_work_plan
from workplans.models import WorkPlanUserObjectPermission
from workplans.permissions import visible_work_plans

pytestmark = pytest.mark.django_db


def test_rebuild_permissions_restores_every_apps_grants(capsys):
    work_plan = make_submitted_work_plan()
    role = DepartmentRoleFactory(entity=work_plan.staff.unit.entity)
    WorkPlanUserObjectPermission.objects.all().delete()
    OrgUnitUserObjectPermission.objects.all().delete()
    assert not visible_work_plans(work_plan.staff.user).exists()

    call_command("rebuild_permissions")

    out = capsys.readouterr().out
    assert "org: 4 grants" in out
    assert "workplans: 3 grants" in out
    assert "rebuttals: 0 grants" in out
    assert visible_work_plans(work_plan.staff.user).filter(pk=work_plan.pk).exists()
    assert visible_work_plans(role.user).filter(pk=work_plan.pk).exists()
