"""factory-boy factories, one per model."""

import datetime

import factory
from factory.django import DjangoModelFactory

from org import models as org


class UserFactory(DjangoModelFactory):
    class Meta:
        model = org.User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save(update_fields=["password"])


class EntityFactory(DjangoModelFactory):
    class Meta:
        model = org.OrgUnit

    code = factory.Sequence(lambda n: f"DEP{n}")
    name = factory.Sequence(lambda n: f"Department {n}")
    kind = org.OrgUnit.Kind.ENTITY


class OrgUnitFactory(DjangoModelFactory):
    class Meta:
        model = org.OrgUnit

    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = org.OrgUnit.Kind.DIVISION
    parent = factory.SubFactory(EntityFactory)


class StaffMemberFactory(DjangoModelFactory):
    class Meta:
        model = org.StaffMember

    user = factory.SubFactory(UserFactory)
    index_number = factory.Sequence(lambda n: f"{100000 + n}")
    grade = "P-3"
    gender = org.StaffMember.Gender.FEMALE
    unit = factory.SubFactory(OrgUnitFactory)
    entry_on_duty = datetime.date(2020, 1, 1)


class CycleFactory(DjangoModelFactory):
    """A cycle built by the real service, so it has the default rating scales."""

    class Meta:
        model = org.Cycle

    name = factory.Sequence(lambda n: f"{2026 + n}-{(27 + n) % 100:02d}")
    start_year = 2026

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from org.services import create_cycle

        return create_cycle(**kwargs)


class ReportingLineFactory(DjangoModelFactory):
    class Meta:
        model = org.ReportingLine

    staff = factory.SubFactory(StaffMemberFactory)
    cycle = factory.SubFactory(CycleFactory)
    fro = factory.SubFactory(StaffMemberFactory, unit=factory.SelfAttribute("..staff.unit"))
    sro = factory.SubFactory(StaffMemberFactory, unit=factory.SelfAttribute("..staff.unit"))
    effective_from = factory.SelfAttribute("cycle.start")


class DepartmentRoleFactory(DjangoModelFactory):
    """Built through the service so the entity grants follow."""

    class Meta:
        model = org.DepartmentRole

    entity = factory.SubFactory(EntityFactory)
    user = factory.SubFactory(UserFactory)
    role = org.DepartmentRole.Role.HOD
    start = datetime.date(2020, 1, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from org.services import assign_department_role

        return assign_department_role(**kwargs)


class DelegationFactory(DjangoModelFactory):
    class Meta:
        model = org.Delegation

    principal = factory.SubFactory(UserFactory)
    acting = factory.SubFactory(UserFactory)
    role = org.Delegation.Role.FRO
    start = factory.LazyFunction(datetime.date.today)
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(days=14))
