"""factory-boy factories for the models tests build most: people and units, cycles, lines,
roles, delegations, work plans, goals and requests (built through the services where the
model has one, so the rules hold). Later stages are built by the helpers of each test folder
(`tests/appraisals/helpers.make_document_at`, `tests/rebuttals/helpers`), through the services,
or in one call by `tests/builders.build_document`."""

import datetime

import factory
from factory.django import DjangoModelFactory

from org import models as org
from workplans import models as wp


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


# --- workplans ---------------------------------------------------------------------------


class WorkPlanFactory(DjangoModelFactory):
    """A work plan created through the service, so the document grants exist.

    A current reporting line for the staff member and cycle is made first unless one
    exists; pass `fro=` / `sro=` to choose its officers and `created_by=` for the actor
    (default: the staff member)."""

    class Meta:
        model = wp.WorkPlan

    staff = factory.SubFactory(StaffMemberFactory)
    cycle = factory.SubFactory(CycleFactory)

    @classmethod
    def _create(cls, model_class, *args, staff, cycle, created_by=None, fro=None, sro=None, **kw):
        from workplans.services import create_work_plan

        line = org.ReportingLine.objects.filter(
            staff=staff, cycle=cycle, effective_to__isnull=True
        ).first()
        if line is None:
            officers = {"fro": fro, "sro": sro}
            ReportingLineFactory(
                staff=staff, cycle=cycle, **{k: v for k, v in officers.items() if v is not None}
            )
        return create_work_plan(staff=staff, cycle=cycle, actor=created_by or staff.user)


class GoalFactory(DjangoModelFactory):
    """A personal goal of a work plan."""

    class Meta:
        model = wp.Goal

    work_plan = factory.SubFactory(WorkPlanFactory)
    cycle = factory.SelfAttribute("work_plan.cycle")
    title = factory.Sequence(lambda n: f"Personal goal {n}")
    description = "Deliver the agreed output."
    success_criteria = "Delivered on time, reviewed by the FRO."
    expected_date = factory.LazyAttribute(lambda o: o.cycle.end)
    position = factory.Sequence(lambda n: n)


class UnitGoalFactory(DjangoModelFactory):
    """A goal of an org unit's work plan (by default the entity's)."""

    class Meta:
        model = wp.Goal

    owner_unit = factory.SubFactory(EntityFactory)
    cycle = factory.SubFactory(CycleFactory)
    title = factory.Sequence(lambda n: f"Unit goal {n}")
    success_criteria = "Measured in the annual report."
    position = factory.Sequence(lambda n: n)


class DevelopmentGoalFactory(DjangoModelFactory):
    class Meta:
        model = wp.DevelopmentGoal

    work_plan = factory.SubFactory(WorkPlanFactory)
    title = factory.Sequence(lambda n: f"Development goal {n}")
    activities = "Online course and coaching."
    position = factory.Sequence(lambda n: n)


class AdditionalSupervisorFactory(DjangoModelFactory):
    """Built through the services: proposed by the staff member, then answered or cancelled
    when `state` says so, so the grants follow."""

    class Meta:
        model = wp.AdditionalSupervisor

    work_plan = factory.SubFactory(WorkPlanFactory)
    supervisor = factory.SubFactory(UserFactory)
    state = wp.AdditionalSupervisor.State.PROPOSED

    @classmethod
    def _create(cls, model_class, *args, work_plan, supervisor, state, **kwargs):
        from workplans import services

        State = wp.AdditionalSupervisor.State
        request = services.propose_additional_supervisor(
            work_plan=work_plan, actor=work_plan.staff.user, supervisor=supervisor
        )
        if state in (State.ACCEPTED, State.DECLINED):
            request = services.answer_supervision_request(
                request=request, actor=supervisor, accept=state == State.ACCEPTED
            )
        elif state == State.CANCELLED:
            services.cancel_supervision_request(request=request, actor=work_plan.staff.user)
            request.refresh_from_db()
        return request


class CheckInFactory(DjangoModelFactory):
    class Meta:
        model = wp.CheckIn

    work_plan = factory.SubFactory(WorkPlanFactory)
    author = factory.SelfAttribute("work_plan.staff.user")
    held_on = factory.LazyFunction(datetime.date.today)
    note = "Discussed progress on the goals."
