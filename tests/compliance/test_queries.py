"""The dashboard, drill-down and people list run a constant number of queries: the same bound
for a small organisation and one several times larger."""

from __future__ import annotations

import pytest
from django.urls import reverse

from org.models import OrgUnit
from tests.builders import build_document
from tests.factories import OrgUnitFactory, StaffMemberFactory, WorkPlanFactory

from .helpers import build_small_org

pytestmark = pytest.mark.django_db

# Session, user, the MFA check and the navigation included.
MAX_QUERIES = 15


def grow(org, *, units: int, staff_per_unit: int, documents: int) -> None:
    """More divisions, sections and staff in the held entity, with documents at every stage."""
    officers = {"cycle": org.cycle, "fro": org.fro, "sro": org.sro}
    stages = ["not_started", "sro_review", "completed"]
    made = 0
    for _ in range(units):
        division = OrgUnitFactory(parent=org.entity, kind=OrgUnit.Kind.DIVISION)
        section = OrgUnitFactory(parent=division, kind=OrgUnit.Kind.SECTION)
        for i in range(staff_per_unit):
            member = StaffMemberFactory(unit=section if i % 2 else division, gender="MF"[i % 2])
            if made < documents:
                if made % 4 == 3:
                    WorkPlanFactory(staff=member, **officers)
                else:
                    build_document(stages[made % 3], staff=member, **officers)
                made += 1


def page_urls(org) -> dict[str, tuple[str, dict]]:
    return {
        "dashboard": (reverse("compliance:dashboard"), {}),
        "entity": (reverse("compliance:dashboard"), {"unit": org.entity.pk}),
        "drill-down": (reverse("compliance:dashboard"), {"unit": org.div1.pk}),
        "people": (reverse("compliance:people"), {"unit": org.entity.pk}),
        "people-filtered": (
            reverse("compliance:people"),
            {"stage": "workplan", "status": "overdue"},
        ),
    }


@pytest.mark.parametrize("size", ["small", "large"])
def test_report_pages_run_a_constant_number_of_queries(client, django_assert_max_num_queries, size):
    org = build_small_org()
    if size == "large":
        grow(org, units=4, staff_per_unit=8, documents=12)
    client.force_login(org.hr)
    for name, (url, query) in page_urls(org).items():
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(url, query)
        assert response.status_code == 200, name
    if size == "large":
        assert response.context["page"].paginator.count > 8
