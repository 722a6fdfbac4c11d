import datetime
import io
import random
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, OuterRef, Q

import demo.documents
import demo.schedules
from appraisals.models import AccountabilityAnswer, Appraisal, CompetencyAssessment, GoalAssessment
from appraisals.selectors import supervises_in_cycle
from board.models import BoardComment
from demo.organisation import (
    DEMO_DOMAIN,
    DEMO_LOGINS,
    MIN_PLANNED,
    MIN_STAFF,
    SENIORITY,
    _plan,
)
from org.models import (
    Cycle,
    Delegation,
    DepartmentRole,
    OrgUnit,
    RatingScale,
    ReportingLine,
    StaffMember,
    User,
    category_for_grade,
)
from org.permissions import ROLE_PERMISSIONS, entities_where
from org.selectors import current_cycle
from org.services import organisation
from pmsystem.models import Signature
from workplans.permissions import is_board_routed

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PASSWORD = "seed-pass-2026"
# The demo documents' seed, before the fixture below takes it out.
SEED_DOCUMENTS = demo.documents.seed_documents
TC = StaffMember.ContractType.TECHNICAL_COOPERATION
# The fewest staff of an ILO demo: a technical-cooperation newcomer joins the probationers.
MIN_ILO = MIN_STAFF + 1
ROLE_ORDER = [
    "staff",
    "fro",
    "sro",
    "additional_supervisor",
    "hod",
    "hr_focal_point",
    "staff_representative",
    "review_board",
    "probationer",
    "admin",
]


@pytest.fixture(autouse=True)
def _organisation_only(monkeypatch):
    """These tests are about the organisation: the apps' demo documents, a few seconds more
    per seed, are tested on their own (tests/appraisals/test_demo.py)."""
    monkeypatch.setattr("demo.documents.seed_documents", lambda: 0)
    monkeypatch.setattr("demo.rebuttals.seed_documents", lambda: 0)


def seed(staff: int = 60, password: str = PASSWORD, **options) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo",
        staff=staff,
        password=password,
        stdout=out,
        stderr=io.StringIO(),
        **options,
    )
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [User, OrgUnit, StaffMember, Cycle, ReportingLine, DepartmentRole, Delegation]
    totals = {model.__name__: model.objects.count() for model in models}
    return totals


def staff_of(role: str) -> StaffMember:
    return StaffMember.objects.select_related("unit", "user").get(user__email=DEMO_LOGINS[role])


def test_seed_demo_creates_the_requested_staff_and_an_open_cycle():
    seed(staff=60)
    # The named demo logins and the newcomers on probation count within the 60.
    assert StaffMember.objects.count() == 60
    assert StaffMember.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}").count() == 60
    assert (
        StaffMember.objects.filter(user__email__in=DEMO_LOGINS.values()).count()
        == len(DEMO_LOGINS) - 1
    )  # the administrator has no staff profile
    cycle = current_cycle()
    assert cycle is not None and cycle.name == "2026-27"
    assert Cycle.objects.get(name="2025-26").status == Cycle.Status.CLOSED
    assert cycle.scales.count() == 3


def test_seed_demo_builds_the_tree_entity_division_section_unit():
    seed()
    parent_kind = {
        OrgUnit.Kind.DIVISION: OrgUnit.Kind.ENTITY,
        OrgUnit.Kind.SECTION: OrgUnit.Kind.DIVISION,
        OrgUnit.Kind.UNIT: OrgUnit.Kind.SECTION,
    }
    units = list(OrgUnit.objects.select_related("parent", "head__staff"))
    assert {u.kind for u in units} == set(OrgUnit.Kind.values)
    assert Counter(u.kind for u in units)[OrgUnit.Kind.ENTITY] >= 4
    for unit in units:
        if unit.kind == OrgUnit.Kind.ENTITY:
            assert unit.parent is None
        else:
            assert unit.parent.kind == parent_kind[unit.kind], unit.code
        # Every unit has a head, who works in that unit.
        assert unit.head.staff.unit_id == unit.pk, unit.code
    # Every section has units and every division has sections: the tree has no stumps.
    childless = OrgUnit.objects.exclude(kind=OrgUnit.Kind.UNIT).filter(children__isnull=True)
    assert not childless.exists()


def test_seed_demo_sets_the_entity_of_every_unit():
    seed()
    units = {u.pk: u for u in OrgUnit.objects.all()}
    for unit in units.values():
        top = unit
        while top.parent_id:
            top = units[top.parent_id]
        assert unit.entity_id == top.pk, unit.code
    entities = OrgUnit.objects.filter(kind=OrgUnit.Kind.ENTITY)
    assert all(entity.entity_id == entity.pk for entity in entities)


def test_seed_demo_sets_the_category_of_every_grade():
    seed()
    rows = StaffMember.objects.values_list("grade", "category")
    assert all(category == category_for_grade(grade) for grade, category in rows)
    grades = {grade for grade, _ in rows}
    assert {"USG", "ASG", "D-1", "P-5", "P-3", "G-5"} <= grades
    assert any(g.startswith("FS-") for g in grades) and any(g.startswith("NO-") for g in grades)


def test_every_active_staff_member_has_exactly_one_current_reporting_line():
    seed()
    cycle = current_cycle()
    current = StaffMember.objects.filter(is_active=True).annotate(
        n=Count("lines", filter=Q(lines__cycle=cycle, lines__effective_to__isnull=True))
    )
    assert StaffMember.objects.filter(is_active=True).count() == 60
    assert sorted({s.n for s in current}) == [1]


def test_reporting_lines_fro_is_more_senior_in_the_same_or_parent_unit_and_sro_differs():
    seed()
    lines = ReportingLine.objects.select_related("staff__unit", "fro__unit", "sro", "cycle").filter(
        cycle=current_cycle()
    )
    for line in lines:
        staff, fro, sro = line.staff, line.fro, line.sro
        assert len({staff.pk, fro.pk, sro.pk}) == 3
        assert line.effective_from >= max(line.cycle.start, staff.entry_on_duty)
        if staff.grade == "USG":
            continue  # nobody is more senior at the top of the organisation
        assert SENIORITY[fro.grade] > SENIORITY[staff.grade], line
        assert SENIORITY[sro.grade] > SENIORITY[staff.grade], line
        if staff.unit.kind != OrgUnit.Kind.ENTITY or staff.unit.head_id != staff.pk:
            # Heads of departments report to the Executive Office; everyone else's FRO
            # works in their unit or the unit above.
            assert fro.unit_id in {staff.unit_id, staff.unit.parent_id}, line


def test_department_roles_and_their_grants_exist_for_every_entity():
    seed()
    for entity in OrgUnit.objects.filter(kind=OrgUnit.Kind.ENTITY):
        roles = Counter(entity.department_roles.values_list("role", flat=True))
        assert roles[DepartmentRole.Role.HOD] == 1
        assert 1 <= roles[DepartmentRole.Role.HR_FOCAL_POINT] <= 2
        assert roles[DepartmentRole.Role.STAFF_REPRESENTATIVE] == 1
        hod = entity.department_roles.get(role=DepartmentRole.Role.HOD)
        assert hod.user_id == entity.head_id
    for role in DepartmentRole.objects.select_related("user", "entity"):
        # A review board member comes from another entity (docs/rules.md section 10).
        same_entity = role.role != DepartmentRole.Role.REVIEW_BOARD
        assert (role.user.staff.unit.entity_id == role.entity_id) is same_entity, role
        for codename in ROLE_PERMISSIONS[role.role]:
            assert entities_where(role.user, codename).filter(pk=role.entity_id).exists(), (
                role,
                codename,
            )


def test_seed_demo_records_a_couple_of_current_delegations():
    seed()
    delegations = list(Delegation.objects.all())
    assert len(delegations) == 2
    assert {d.role for d in delegations} == {Delegation.Role.HOD, Delegation.Role.FRO}


def test_seed_demo_prints_one_login_per_role_in_order():
    output = seed()
    lines = output.splitlines()
    assert [line.split("\t")[0] for line in lines] == ROLE_ORDER
    assert all(line.count("\t") == 1 for line in lines)
    assert [line.split("\t")[1] for line in lines] == [DEMO_LOGINS[r] for r in ROLE_ORDER]


def test_demo_logins_authenticate_with_the_given_password():
    seed(password=PASSWORD)
    for role in ROLE_ORDER:
        email = DEMO_LOGINS[role]
        assert authenticate(username=email, password=PASSWORD) is not None, role
        assert authenticate(username=email, password="wrong-password") is None, role
    assert User.objects.get(email=DEMO_LOGINS["admin"]).is_superuser


def test_demo_logins_hold_the_role_they_are_printed_for():
    seed()
    staff = staff_of("staff")
    line = ReportingLine.objects.get(staff=staff, cycle=current_cycle(), effective_to__isnull=True)
    assert line.fro == staff_of("fro")
    assert line.sro == staff_of("sro")
    additional = staff_of("additional_supervisor")
    assert additional.unit.entity_id == staff.unit.entity_id
    assert additional.pk not in {staff.pk, line.fro_id, line.sro_id}
    entity = staff.unit.entity
    for role in ("hod", "hr_focal_point", "staff_representative"):
        assert DepartmentRole.objects.filter(
            entity=entity, user__email=DEMO_LOGINS[role], role=role
        ).exists(), role
    assert not DepartmentRole.objects.filter(user=staff.user).exists()
    hod = User.objects.get(email=DEMO_LOGINS["hod"])
    assert list(entities_where(hod, "view_entity_documents")) == [entity]


def test_running_seed_demo_twice_changes_nothing():
    first = seed()
    before = counts()
    second = seed()
    assert counts() == before
    assert second == first


def test_running_again_with_another_password_resets_the_demo_passwords():
    seed(password=PASSWORD)
    before = counts()
    seed(password="another-pass-2026")
    assert counts() == before
    assert authenticate(username=DEMO_LOGINS["fro"], password="another-pass-2026") is not None
    assert authenticate(username=DEMO_LOGINS["fro"], password=PASSWORD) is None


def test_seed_demo_refuses_a_tiny_organisation():
    with pytest.raises(CommandError, match="^The demo organisation needs at least 40 staff.$"):
        seed(staff=10)
    with pytest.raises(CommandError, match="^The demo organisation needs at least 40 staff.$"):
        seed(staff=MIN_STAFF - 1)
    # Fewer staff than the named logins is refused all the more.
    with pytest.raises(CommandError, match="^The demo organisation needs at least 40 staff.$"):
        seed(staff=len(DEMO_LOGINS) - 2)
    with pytest.raises(CommandError, match="^The demo organisation needs at least 41 staff.$"):
        seed(staff=MIN_STAFF, profile="ilo")
    assert not User.objects.exists()


def test_the_smallest_demo_has_exactly_the_requested_staff_under_each_profile():
    """--staff N gives N staff members in all, the demo logins and the newcomers on special
    schedules among them."""
    assert MIN_STAFF == MIN_PLANNED + demo.schedules.newcomers("un")
    assert MIN_ILO == MIN_PLANNED + demo.schedules.newcomers("ilo")
    seed(staff=MIN_ILO, profile="ilo")
    assert StaffMember.objects.count() == MIN_ILO
    assert StaffMember.objects.filter(user__email=f"technical.cooperation@{DEMO_DOMAIN}").exists()


def test_the_same_size_always_plans_the_same_organisation():
    def snapshot(plan):
        return [(p.email, p.grade, p.unit.code, p.entry_on_duty) for p in plan.people]

    assert snapshot(_plan(80, random.Random(42))) == snapshot(_plan(80, random.Random(42)))


def overall_codes(cycle: Cycle) -> list[str]:
    scale = cycle.scales.get(kind=RatingScale.Kind.OVERALL)
    return list(scale.levels.order_by("rank").values_list("code", flat=True))


def test_seed_demo_builds_a_un_shaped_organisation_by_default():
    seed()
    assert organisation().profile == "un"
    cycle = current_cycle()
    assert (cycle.start, cycle.end) == (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    assert overall_codes(cycle) == ["EX", "SM", "PM", "DN"]
    assert cycle.board_receives == Cycle.BoardReceives.COMPLETED
    assert not cycle.accountability_questions.exists()
    assert not StaffMember.objects.filter(contract_type=TC).exists()


def test_seed_demo_profile_ilo_builds_an_ilo_shaped_organisation(monkeypatch):
    """The ILO's biennium open (2026-27, which holds the day the demo is shown) and the one
    before it closed, three overall levels, every rating a level of its own cycle's scale of
    its kind, the review board's comments on completed and signed documents, and staff on
    technical-cooperation contracts."""
    monkeypatch.setattr("demo.documents.seed_documents", SEED_DOCUMENTS)
    seed(staff=MIN_ILO, profile="ilo")

    assert organisation().profile == "ilo"
    cycle = current_cycle()
    assert (cycle.name, cycle.start, cycle.end) == (
        "2026-27",
        datetime.date(2026, 1, 1),
        datetime.date(2027, 12, 31),
    )
    previous = Cycle.objects.get(name="2024-25")
    assert previous.status == Cycle.Status.CLOSED
    assert previous.end == cycle.start - datetime.timedelta(days=1)
    assert Cycle.objects.count() == 2
    for each in (cycle, previous):
        assert each.profile == "ilo"
        assert overall_codes(each) == ["CE", "FM", "NF"]
        assert each.board_receives == Cycle.BoardReceives.SIGNED
        assert each.accountability_questions.count() == 3

    completed = Appraisal.objects.filter(state=Appraisal.State.COMPLETED).select_related(
        "final_rating__scale", "document"
    )
    assert {a.document.cycle_id for a in completed} == {cycle.pk, previous.pk}
    for appraisal in completed:
        scale = appraisal.final_rating.scale
        assert (scale.cycle_id, scale.kind) == (appraisal.document.cycle_id, "overall")
    assert {a.final_rating.code for a in completed} <= {"CE", "FM", "NF"}
    assert Counter(a.final_rating.code for a in completed).most_common(1)[0][0] == "FM"
    for model, kind in ((GoalAssessment, "goal"), (CompetencyAssessment, "competency")):
        rated = model.objects.exclude(rating=None).values_list(
            "appraisal__document__cycle_id", "rating__scale__cycle_id", "rating__scale__kind"
        )
        assert rated and all(c == s and k == kind for c, s, k in rated)

    # The ILO's Reports Board is the whole organisation's (a role without an entity).
    board = DepartmentRole.objects.get(
        user__email=DEMO_LOGINS["review_board"], role=DepartmentRole.Role.REVIEW_BOARD
    )
    assert board.entity is None
    # Every signed stage reaches the board: it commented on evaluations still under way.
    comments = BoardComment.objects.filter(cycle=cycle, document__isnull=False)
    commented = [comment.document for comment in comments.select_related("document__cycle")]
    assert commented and all(is_board_routed(document) for document in commented)
    assert {document.stage for document in commented} - {"completed"}

    technical = StaffMember.objects.filter(contract_type=TC)
    assert technical.exists()
    assert not technical.filter(user__email__in=DEMO_LOGINS.values()).exists()
    assert not technical.filter(on_probation=True).exists()


def test_seed_demo_profile_ilo_supervisors_answer_the_accountability_questions(monkeypatch):
    """In both ILO cycles, every staff member with supervisory responsibilities in the cycle
    (`supervises_in_cycle`) whose self-evaluation was submitted answered each of the cycle's
    questions, and their FRO commented on the section once signed; nobody else answered; the
    signatures cover both (`manage.py verify_signatures`)."""
    monkeypatch.setattr("demo.documents.seed_documents", SEED_DOCUMENTS)
    seed(staff=MIN_ILO, profile="ilo")

    appraisals = Appraisal.objects.annotate(
        supervises=supervises_in_cycle(
            OuterRef("document__staff_id"), OuterRef("document__cycle_id")
        )
    ).select_related("document")
    submitted = appraisals.filter(supervises=True).exclude(self_submitted_at=None)
    assert {a.document.cycle_id for a in submitted} == set(
        Cycle.objects.values_list("pk", flat=True)
    )
    questions = {
        cycle.pk: set(cycle.accountability_questions.values_list("pk", flat=True))
        for cycle in Cycle.objects.all()
    }
    answers = defaultdict(dict)
    for appraisal_id, question_id, text in AccountabilityAnswer.objects.values_list(
        "appraisal_id", "question_id", "text"
    ):
        answers[appraisal_id][question_id] = text
    for appraisal in submitted:
        given = answers[appraisal.pk]
        assert set(given) == questions[appraisal.document.cycle_id], appraisal.pk
        assert all(text.strip() for text in given.values()), appraisal.pk
        signed = appraisal.fro_signed_at is not None
        assert bool(appraisal.fro_accountability_comment) == signed, appraisal.pk
    assert submitted.exclude(fro_signed_at=None).exists()
    # Only supervisors answer, and only with a submitted self-evaluation.
    assert set(answers) == {a.pk for a in submitted}
    assert (
        not appraisals.exclude(pk__in=list(answers)).exclude(fro_accountability_comment="").exists()
    )
    # The texts vary from one supervisor to the next.
    assert len({text for given in answers.values() for text in given.values()}) > len(
        questions[current_cycle().pk]
    )

    out = io.StringIO()
    call_command("verify_signatures", stdout=out)
    assert "no mismatch" in out.getvalue()
    self_assessments = Signature.objects.filter(
        stage="self_assessment", document__in=list(answers), voided_at=None
    )
    assert self_assessments.exists()
    assert all("accountability" in each.content for each in self_assessments)


def test_the_un_demo_has_no_accountability_answers(monkeypatch):
    monkeypatch.setattr("demo.documents.seed_documents", SEED_DOCUMENTS)
    seed(staff=MIN_STAFF)

    assert Appraisal.objects.exclude(self_submitted_at=None).exists()
    assert not AccountabilityAnswer.objects.exists()
    assert not Appraisal.objects.exclude(fro_accountability_comment="").exists()


def test_the_profile_changes_only_the_contracts_of_the_planned_organisation():
    def snapshot(plan):
        return [(p.email, p.grade, p.unit.code, p.entry_on_duty) for p in plan.people]

    un, ilo = _plan(80, random.Random(42)), _plan(80, random.Random(42), policy="ilo")
    assert snapshot(un) == snapshot(ilo)
    changed = [
        (a.contract_type, b.contract_type)
        for a, b in zip(un.people, ilo.people, strict=True)
        if a.contract_type != b.contract_type
    ]
    assert changed and {b for _, b in changed} == {TC}


def test_an_existing_demo_organisation_keeps_its_profile():
    seed(staff=MIN_ILO, profile="ilo")
    before = counts()
    seed(staff=MIN_ILO)  # no profile: the organisation's
    assert counts() == before
    with pytest.raises(
        CommandError,
        match="^The demo organisation already exists under the 'ilo' profile; seed the 'un' "
        "one into an empty database.$",
    ):
        seed(staff=MIN_ILO, profile="un")
    assert counts() == before and organisation().profile == "ilo"
