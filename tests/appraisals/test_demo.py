"""The demo documents `manage.py seed_demo` adds through `demo.documents`: every stage of the
open cycle, consistent states, signatures that verify, access equal to the relations, and
something waiting for each
printed demo login.

The organisation is seeded once for the module (inside a transaction rolled back at the end);
each test runs in a savepoint of it."""

import ast
import datetime
import io
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from appraisals.models import (
    Appraisal,
    CompetencyAssessment,
    GoalAssessment,
    ImprovementPlan,
    RollBack,
    SupervisorComment,
)
from appraisals.selectors import pip_next_step, six_month_review_date
from appraisals.services import stage_drift
from appraisals.signing import STAGE_CONTENT, verify_signatures
from compliance.access_audit import check_access
from compliance.selectors import my_tasks
from demo.organisation import DEMO_LOGINS
from org.models import Cycle, Delegation, OrgUnit, ReportingLine, User
from org.selectors import current_cycle
from pmsystem.dates import add_months
from pmsystem.models import DocumentEvent, Signature
from pmsystem.signatures import content_hash
from tests.concurrency import ensure_competency_catalogue
from tests.worlds import built_once
from workplans.models import (
    AdditionalSupervisor,
    CheckIn,
    DevelopmentGoal,
    Goal,
    GoalChange,
    MidpointReview,
    WorkPlan,
)
from workplans.signing import work_plan_content

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

STAFF = 70
PASSWORD = "seed-pass-2026"
MP = MidpointReview.State
EV = Appraisal.State
EVALUATION_ORDER = list(EV.values)
WP = WorkPlan.State
COUNTED = [
    WorkPlan,
    Goal,
    GoalChange,
    DevelopmentGoal,
    AdditionalSupervisor,
    CheckIn,
    MidpointReview,
    Signature,
    DocumentEvent,
    Appraisal,
    GoalAssessment,
    CompetencyAssessment,
    SupervisorComment,
    RollBack,
    ImprovementPlan,
]


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", staff=STAFF, password=PASSWORD, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker):
        ensure_competency_catalogue()  # a flush before this module may have emptied it
        yield seed()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def user(role: str) -> User:
    return User.objects.get(email=DEMO_LOGINS[role])


def stage_of(plan: WorkPlan) -> str:
    """Where a document stands, in the words of the seed's stages."""
    appraisal = getattr(plan, "appraisal", None)
    if appraisal is not None:
        return appraisal.state
    midpoint = getattr(plan, "midpoint", None)
    if midpoint is not None:
        return {MP.OPEN: "midpoint_open", MP.STAFF_SUBMITTED: "midpoint_submitted"}.get(
            midpoint.state, "midpoint_finalised"
        )
    if plan.state == WP.APPROVED:
        return "changed" if plan.goal_changes.filter(after_approval=True).exists() else "approved"
    return plan.state


def plans(cycle: Cycle):
    return WorkPlan.objects.filter(cycle=cycle).select_related(
        "appraisal__overall_rating", "appraisal__final_rating", "midpoint", "staff", "cycle"
    )


def test_the_open_cycle_has_documents_at_every_stage_and_staff_without_one():
    cycle = current_cycle()
    stages = Counter(stage_of(plan) for plan in plans(cycle))
    expected = [
        "draft",
        "submitted",
        "returned",
        "approved",
        "changed",
        "midpoint_open",
        "midpoint_submitted",
        "midpoint_finalised",
        "self_assessment",
        "fro_evaluation",
        "sro_review",
        "acknowledgement",
        "completed",
    ]
    assert [s for s in expected if not stages[s]] == []
    with_lines = ReportingLine.objects.filter(cycle=cycle).values("staff").distinct().count()
    assert 0 < with_lines - sum(stages.values()) < with_lines // 5  # almost everyone has one


def test_the_closed_cycle_has_a_completed_document_for_everyone_on_duty():
    previous = Cycle.objects.get(name="2025-26")
    on_duty = set(ReportingLine.objects.filter(cycle=previous).values_list("staff_id", flat=True))
    documents = list(plans(previous))
    assert {plan.staff_id for plan in documents} == on_duty
    assert {stage_of(plan) for plan in documents} == {EV.COMPLETED}
    ratings = Counter(plan.appraisal.final_rating.code for plan in documents)
    assert ratings.most_common(1)[0][0] == "SM"
    assert ratings["PM"] + ratings["DN"] > 0  # rebuttable ratings exist


def test_every_documents_states_and_dates_are_consistent():
    now = timezone.now()
    for plan in WorkPlan.objects.select_related(
        "appraisal__overall_rating", "appraisal__final_rating", "midpoint", "cycle"
    ):
        midpoint = getattr(plan, "midpoint", None)
        appraisal = getattr(plan, "appraisal", None)
        label = f"document {plan.pk} ({stage_of(plan)})"
        assert plan.created_at <= plan.updated_at <= now, label
        if plan.state == WP.RETURNED:
            assert plan.return_comment and plan.submitted_at, label
        if plan.state in (WP.SUBMITTED, WP.APPROVED):
            assert plan.created_at <= plan.submitted_at, label
        if plan.state == WP.APPROVED:
            assert plan.submitted_at <= plan.approved_at <= now, label
        else:
            assert midpoint is None and appraisal is None, label
        if midpoint is not None:
            assert plan.approved_at <= midpoint.started_at, label
            if midpoint.state in (MP.STAFF_SUBMITTED, MP.FINALISED):
                assert midpoint.staff_comments and midpoint.staff_submitted_at, label
            if midpoint.state == MP.FINALISED:
                assert midpoint.fro_comments, label
                assert midpoint.staff_submitted_at <= midpoint.finalised_at <= now, label
        if appraisal is None:
            continue
        assert midpoint is not None and midpoint.state == MP.FINALISED, label
        assert midpoint.finalised_at <= appraisal.started_at, label
        goals = plan.goals.filter(is_current=True).count()
        assert appraisal.goal_rows.count() == goals, label
        assert appraisal.competency_rows.count() == plan.competencies.count(), label
        reached = EVALUATION_ORDER.index(appraisal.state)
        if reached > EVALUATION_ORDER.index(EV.SELF_ASSESSMENT):
            assert appraisal.self_overall_comment and appraisal.self_submitted_at, label
        if reached > EVALUATION_ORDER.index(EV.FRO_EVALUATION):
            assert appraisal.overall_rating and appraisal.fro_signed_at, label
            assert not appraisal.goal_rows.filter(rating__isnull=True).exists(), label
            assert not appraisal.competency_rows.filter(rating__isnull=True).exists(), label
        if reached > EVALUATION_ORDER.index(EV.SRO_REVIEW):
            assert appraisal.fro_signed_at <= appraisal.sro_signed_at <= now, label
        if appraisal.state == EV.COMPLETED:
            assert appraisal.sro_signed_at <= appraisal.acknowledged_at <= now, label
            # The rating reports use: the FRO's, or the one a rebuttal panel put in its place.
            rebuttal = getattr(plan, "rebuttal", None)
            replaced = rebuttal is not None and rebuttal.panel_rating_id is not None
            expected = rebuttal.panel_rating if replaced else appraisal.overall_rating
            assert appraisal.final_rating == expected, label
        else:
            assert appraisal.acknowledged_at is None and appraisal.final_rating is None, label


def test_every_transition_is_signed_and_on_the_timeline():
    for plan in plans(current_cycle()).prefetch_related("signatures", "events"):
        signed = {(s.stage, s.action) for s in plan.signatures.all() if s.voided_at is None}
        events = [e.kind for e in sorted(plan.events.all(), key=lambda e: (e.created_at, e.pk))]
        label = f"document {plan.pk} ({stage_of(plan)})"
        assert events[0] == "created", label
        stage = stage_of(plan)
        if plan.state != WP.DRAFT:
            assert ("work_plan", "submit") in signed and "work_plan_submit" in events, label
        if plan.state == WP.APPROVED:
            assert ("work_plan", "approve") in signed and "work_plan_approve" in events, label
        if stage in ("midpoint_finalised", *EVALUATION_ORDER):
            assert ("midpoint", "finalise_midpoint") in signed, label
        if stage == EV.COMPLETED:
            assert ("acknowledgement", "acknowledge") in signed and "acknowledge" in events
        for signature in plan.signatures.all():
            assert signature.content_hash == content_hash(signature.content), label


def test_seeded_signatures_verify_and_hash_what_the_services_would_sign():
    count, mismatches = verify_signatures()
    assert count > 0
    assert mismatches == []
    out = io.StringIO()
    call_command("verify_signatures", stdout=out)
    assert "no mismatch" in out.getvalue()
    # The work plan as approved (before any change after approval) and each signed
    # evaluation stage are what the services' content functions read from the database.
    unchanged = (
        plans(current_cycle()).filter(state=WP.APPROVED).exclude(goal_changes__after_approval=True)
    )
    assert unchanged.exists()
    for plan in unchanged:
        approval = plan.signatures.get(stage="work_plan", action="approve", voided_at=None)
        assert approval.content == work_plan_content(plan), plan.pk
    latest = {
        (signature.document_id, signature.stage): signature
        for signature in Signature.objects.filter(
            stage__in=STAGE_CONTENT, voided_at=None, document__appraisal__state=EV.COMPLETED
        )
        .select_related("document__appraisal")
        .order_by("signed_at", "pk")
    }
    assert len(latest) >= 4
    for (document_id, stage), signature in latest.items():
        content = STAGE_CONTENT[stage](signature.document.appraisal)
        assert signature.content == content, (document_id, stage)


def test_access_equals_the_relations_and_every_stage_is_kept_on_the_demo():
    """`manage.py check_access` on the demo data: no finding (it also runs daily in beat)."""
    report = check_access()
    assert report.ok, report.findings[:20]
    assert report.checked_documents == WorkPlan.objects.exclude(cycle__status="closed").count()
    officers = ReportingLine.objects.values_list("fro_id", flat=True).distinct().count()
    assert report.checked_people >= officers > 10
    assert not stage_drift().exists()
    out = io.StringIO()
    call_command("check_access", stdout=out)
    assert ": 0 findings" in out.getvalue()


def test_check_access_reports_drift_and_fails(monkeypatch):
    """The check can fail: a stage written behind the services' back, two lines in effect on
    one day, and a list that leaves out a document the relations give."""
    plan = WorkPlan.objects.filter(appraisal__state=EV.FRO_EVALUATION).first()
    line = ReportingLine.objects.filter(staff=plan.staff_id, cycle=plan.cycle_id).first()
    with transaction.atomic():
        WorkPlan.objects.filter(pk=plan.pk).update(stage="work_plan")
        ReportingLine.objects.bulk_create(
            [
                ReportingLine(
                    staff_id=line.staff_id,
                    cycle_id=line.cycle_id,
                    fro_id=line.fro_id,
                    sro_id=line.sro_id,
                    effective_from=line.effective_from,
                    effective_to=datetime.date(2099, 1, 1),
                )
            ]
        )
        from workplans import permissions

        real = permissions.documents_where

        def forgetful(user, relation):
            return real(user, relation).exclude(pk=plan.pk)

        monkeypatch.setattr("compliance.access_audit.documents_where", forgetful)
        report = check_access()
        with pytest.raises(CommandError, match="findings"):
            call_command("check_access", stdout=io.StringIO())
        transaction.set_rollback(True)
    findings = "\n".join(report.findings)
    assert f"document {plan.pk} is kept at stage 'work_plan'" in findings
    assert f"of staff member {line.staff_id} are both in effect" in findings
    assert f"holds fro on document {plan.pk} but it is not listed" in findings


def test_unit_goals_align_to_the_level_above_and_staff_goals_to_their_own_line():
    cycle = current_cycle()
    for unit in OrgUnit.objects.select_related("parent"):
        goals = list(Goal.objects.filter(cycle=cycle, owner_unit=unit))
        if unit.kind == OrgUnit.Kind.ENTITY:
            assert 3 <= len(goals) <= 4, unit.code
            assert all(g.aligned_to_id is None for g in goals), unit.code
        else:
            assert 1 <= len(goals) <= 3, unit.code
            assert {g.aligned_to.owner_unit_id for g in goals} == {unit.parent_id}, unit.code
    staff_goals = Goal.objects.filter(cycle=cycle, work_plan__isnull=False).select_related(
        "aligned_to", "work_plan__staff__unit"
    )
    assert staff_goals.exists()
    for goal in staff_goals:
        line = {u.pk for u in goal.work_plan.staff.unit.ancestors()}
        assert goal.aligned_to.owner_unit_id in line, goal.pk


def test_changed_after_approval_keeps_the_history():
    changes = GoalChange.objects.filter(after_approval=True).select_related("goal")
    assert changes.exists()
    for change in changes:
        assert change.before != change.after
        assert change.after == change.goal.content()
        assert change.work_plan.events.filter(kind="goals_changed").exists()


def test_each_demo_login_has_something_waiting():
    cycle = current_cycle()
    tasks = {
        role: [t.label for t in my_tasks(user(role), cycle)]
        for role in DEMO_LOGINS
        if role != "admin"
    }
    assert [role for role, labels in tasks.items() if not labels] == []
    assert "Read and acknowledge your evaluation" in tasks["staff"]
    fro = " | ".join(tasks["fro"])
    assert "Approve the work plan of" in fro
    assert "Comment on and finalise the mid-point review of" in fro
    assert "Evaluate and rate" in fro
    assert any(label.startswith("Approve the evaluation of") for label in tasks["sro"])
    supervisor = " | ".join(tasks["additional_supervisor"])
    assert "request to be an additional supervisor" in supervisor
    assert "Give your comments on" in supervisor
    assert "Complete and sign your self-evaluation" in tasks["hod"]
    assert "Draft and submit your work plan" in tasks["hr_focal_point"]
    assert any("returned your work plan" in label for label in tasks["staff_representative"])


def test_the_demo_staff_members_evaluation_is_rebuttable_and_commented():
    staff = user("staff")
    plan = WorkPlan.objects.get(staff_id=staff.pk, cycle=current_cycle())
    appraisal = plan.appraisal
    assert appraisal.state == EV.ACKNOWLEDGEMENT
    assert appraisal.overall_rating.code == "PM" and appraisal.overall_rating.rebuttable
    assert appraisal.supervisor_comments.filter(supervisor=user("additional_supervisor")).exists()
    assert plan.check_ins.count() == 2


def test_the_hods_entity_holds_a_rolled_back_document_and_an_open_pip():
    entity = user("hod").staff.unit.entity
    rollback = RollBack.objects.get(document__staff__unit__entity=entity)
    assert rollback.performed_by == user("hr_focal_point")
    assert rollback.requested_by == user("fro") and rollback.requester_role == "fro"
    assert rollback.document.appraisal.state == EV.FRO_EVALUATION
    voided = rollback.document.signatures.exclude(voided_at=None)
    assert {s.stage for s in voided} == {"fro_evaluation", "sro_review"}
    # The PIP opened after a mid-point review that raised a concern (the FRO's other open
    # PIP has reached its six-month review: the next test).
    pip = ImprovementPlan.objects.get(
        document__staff__unit__entity=entity,
        document__midpoint__state=MidpointReview.State.FINALISED,
        state=ImprovementPlan.State.OPEN,
        opened_by=user("fro"),
    )
    assert pip.meetings.count() == 1


def test_the_fros_team_holds_a_pip_that_has_reached_its_six_month_review():
    """Opened six months ago through the services, reviewed every month since: the
    six-month review is the FRO's next step, due today, and in their My tasks."""
    today = timezone.localdate()
    fro = user("fro")
    plans = [
        plan
        for plan in ImprovementPlan.objects.filter(
            state=ImprovementPlan.State.OPEN, opened_by=fro
        ).select_related("document__staff__user")
        if (six_month_review_date(plan) or datetime.date.max) <= today
    ]
    assert len(plans) == 1
    plan = plans[0]
    assert plan.start == add_months(today, -6)
    held = sorted(plan.meetings.values_list("held_on", flat=True))
    assert len(held) == 6 and all(plan.start < day < today for day in held)
    assert plan.opened_at.date() == plan.start
    assert plan.document.approved_at < plan.opened_at
    step = pip_next_step(plan, held)
    assert (step.kind, step.due) == ("six_month_review", six_month_review_date(plan))
    labels = [task.label for task in my_tasks(fro, current_cycle())]
    assert f"Hold the six-month review of the PIP of {plan.document.staff.user}" in labels, labels
    opened, *meetings = DocumentEvent.objects.filter(
        document=plan.document, kind__startswith="pip_"
    ).order_by("created_at")
    assert opened.kind == "pip_opened"
    assert abs(opened.created_at - plan.opened_at) < datetime.timedelta(seconds=5)
    assert [event.created_at.date() for event in meetings] == held


def test_the_acting_fro_sees_what_waits_for_their_principal():
    delegation = Delegation.objects.get(role=Delegation.Role.FRO)
    labels = [t.label for t in my_tasks(delegation.acting, current_cycle())]
    assert any(label.startswith("Approve the work plan of") for label in labels)


def test_running_seed_demo_again_changes_no_document(demo):
    before = counts()
    assert seed() == demo
    assert counts() == before
    assert len(demo.splitlines()) == len(DEMO_LOGINS)


def test_the_foreign_keys_dropped_while_copying_are_back():
    """On PostgreSQL the seed drops the filled tables' foreign keys during its COPYs and adds
    them back: every foreign key field still has its constraint."""
    with connection.cursor() as cursor:
        for model in COUNTED:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
            referenced = {tuple(c["columns"]) for c in constraints.values() if c["foreign_key"]}
            expected = {
                (f.column,)
                for f in model._meta.concrete_fields
                if f.is_relation and f.db_constraint
            }
            assert referenced == expected, model.__name__


def test_no_domain_app_imports_the_demo_and_org_never_imports_the_apps_built_on_it():
    """Data flows one way: `org` imports none of the apps built on it, and the demo (a
    development tool, not installed in production) is imported by no domain app."""
    domain = ("org", "workplans", "appraisals", "rebuttals", "compliance", "pmsystem")
    for app in domain:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    assert node.module.split(".")[0] != "demo", path
                elif isinstance(node, ast.Import):
                    assert all(a.name.split(".")[0] != "demo" for a in node.names), path
    for path in (Path(settings.BASE_DIR) / "org").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"workplans", "appraisals", "rebuttals"}, path


def test_the_document_page_reads_what_the_related_managers_read(django_assert_num_queries):
    """`workplans.selectors.document_context` reads each part of a document through a query
    compiled once per process: the same rows, in the same order, as the document's related
    managers give, for a reader of everything and for an additional supervisor (their part),
    with each row knowing its document; a fixed number of queries."""
    from workplans.selectors import (
        SUPERVISOR_EVENT_KINDS,
        SUPERVISOR_SIGNATURE_STAGES,
        document_context,
    )

    def fields(rows):
        return [{k: v for k, v in vars(r).items() if k != "_state"} for r in rows]

    checked = 0
    for plan in plans(current_cycle()).filter(state=WP.APPROVED)[:12]:
        for roles, everything in (
            (frozenset({"fro"}), True),
            (frozenset({"additional_supervisor"}), False),
        ):
            with django_assert_num_queries(8):
                context = document_context(plan, roles)
            events = plan.events.all()
            signatures = plan.signatures.all()
            if not everything:
                events = events.filter(kind__in=SUPERVISOR_EVENT_KINDS)
                signatures = signatures.filter(
                    stage__in=SUPERVISOR_SIGNATURE_STAGES, voided_at__isnull=True
                )
            expected = {
                "goals": plan.goals.filter(is_current=True),
                "development_goals": plan.development_goals.all(),
                "competencies": plan.competencies.order_by("position"),
                "additional_supervisors": plan.additional_supervisors.order_by("proposed_at"),
                "changes_since_approval": plan.goal_changes.filter(after_approval=True),
                "events": events,
                "signatures": signatures,
            }
            for name, rows in expected.items():
                assert fields(context[name]) == fields(rows), (plan.pk, name)
            with django_assert_num_queries(0):
                for goal in context["goals"]:
                    assert goal.work_plan is plan
                for event in context["events"]:
                    assert event.document is plan
            checked += bool(context["goals"] and context["events"])
    assert checked


def test_the_seeded_demo_leaves_the_compliance_summary_equal_to_its_base_tables():
    """The seed writes its documents and lines in bulk (COPY), under the summary's triggers:
    what the dashboard reads (stages, ratings, each entity's FROs) equals the aggregate over
    what it wrote (`manage.py check_compliance_summary`)."""
    from compliance import summary
    from compliance.models import FroSummary, StageSummary

    if not summary.available():
        pytest.skip("the summary is PostgreSQL's")
    assert StageSummary.objects.exists() and FroSummary.objects.filter(lines__gt=0).exists()
    assert summary.compare().differences == []
