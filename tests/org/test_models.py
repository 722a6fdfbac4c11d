import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from org.models import Category, OrgUnit, ReportingLine, category_for_grade
from tests.factories import (
    CycleFactory,
    EntityFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("grade", "category"),
    [
        ("G-5", Category.GENERAL_SERVICE),
        ("P-4", Category.PROFESSIONAL),
        ("D-1", Category.DIRECTOR),
        ("ASG", Category.SENIOR),
        ("USG", Category.SENIOR),
        ("NO-B", Category.NATIONAL_OFFICER),
        ("FS-6", Category.FIELD_SERVICE),
    ],
)
def test_staff_category_is_derived_from_grade(grade, category):
    assert category_for_grade(grade) == category
    staff = StaffMemberFactory(grade=grade)
    staff.refresh_from_db()
    assert staff.category == category


def test_every_unit_knows_its_entity():
    entity = EntityFactory()
    division = OrgUnitFactory(parent=entity, kind=OrgUnit.Kind.DIVISION)
    section = OrgUnitFactory(parent=division, kind=OrgUnit.Kind.SECTION)
    unit = OrgUnitFactory(parent=section, kind=OrgUnit.Kind.UNIT)
    entity.refresh_from_db()
    assert entity.entity_id == entity.pk
    assert {division.entity_id, section.entity_id, unit.entity_id} == {entity.pk}
    assert [u.pk for u in unit.ancestors()] == [unit.pk, section.pk, division.pk, entity.pk]


def test_unit_cannot_sit_under_a_lower_level():
    section = OrgUnitFactory(kind=OrgUnit.Kind.SECTION)
    division = OrgUnit(code="X1", name="Bad", kind=OrgUnit.Kind.DIVISION, parent=section)
    with pytest.raises(ValidationError, match="cannot sit under a section"):
        division.full_clean()


def test_reporting_line_fro_must_differ_from_sro_clear_error():
    line = ReportingLineFactory()
    line.sro = line.fro
    with pytest.raises(ValidationError) as excinfo:
        line.full_clean()
    assert excinfo.value.message_dict["sro"] == ["The SRO must be a different person from the FRO."]


def test_reporting_line_fro_must_differ_from_sro_database_constraint():
    line = ReportingLineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingLine.objects.filter(pk=line.pk).update(sro=line.fro)


def test_reporting_line_staff_cannot_be_own_fro_database_constraint():
    line = ReportingLineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingLine.objects.filter(pk=line.pk).update(fro=line.staff)


def test_reporting_line_staff_cannot_be_own_fro_clear_error():
    line = ReportingLineFactory()
    line.fro = line.staff
    with pytest.raises(ValidationError) as excinfo:
        line.full_clean()
    assert excinfo.value.message_dict["fro"] == ["A staff member cannot be their own FRO."]


def test_only_one_current_reporting_line_per_staff_and_cycle():
    line = ReportingLineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingLine.objects.create(
            staff=line.staff,
            cycle=line.cycle,
            fro=line.sro,
            sro=line.fro,
            effective_from=line.cycle.start,
        )


def test_cycle_has_default_un_scales():
    cycle = CycleFactory()
    overall = cycle.scales.get(kind="overall").levels.all()
    assert [level.label for level in overall] == [
        "Exceeds performance expectations",
        "Successfully meets performance expectations",
        "Partially meets performance expectations",
        "Does not meet performance expectations",
    ]
    assert [level.rebuttable for level in overall] == [False, False, True, True]
    assert [level.underperformance for level in overall] == [False, False, True, True]
    assert cycle.start == datetime.date(cycle.start.year, 4, 1)
    assert cycle.end == datetime.date(cycle.start.year + 1, 3, 31)


def test_new_staff_work_plan_due_two_months_after_entry_on_duty():
    cycle = CycleFactory(start_year=2026)
    veteran = StaffMemberFactory(entry_on_duty=datetime.date(2019, 5, 1))
    newcomer = StaffMemberFactory(entry_on_duty=datetime.date(2026, 7, 15))
    assert cycle.workplan_due_for(veteran) == datetime.date(2026, 5, 31)
    assert cycle.workplan_due_for(newcomer) == datetime.date(2026, 9, 15)
