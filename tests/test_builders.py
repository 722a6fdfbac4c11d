"""`tests.builders.build_document` against the services: at every stage, the document it
writes in one call is the one the services write step by step, on what the application reads.

For each stage two staff members of one unit, with the same FRO, SRO and accepted additional
supervisor, get their document: one through the services (the helpers of tests/workplans and
tests/appraisals), one from the builder, the clock held still so both carry the same times.
Then: the same stage and states, the same actions open to each role, signatures that verify
(`verify_signatures`, `manage.py verify_signatures`), no finding of `check_access` and no
stage drift, and the same rows once the ids are named by what they stand for (the document,
goal n, the FRO...), but for the one timeline detail the builder words as the demo seed does
(tests/builders.py says which)."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from appraisals.models import Appraisal, CompetencyAssessment, GoalAssessment
from appraisals.permissions import allowed_actions
from appraisals.services import stage_drift
from appraisals.signing import verify_signatures
from compliance.access_audit import check_access
from org.models import DepartmentRole
from pmsystem.models import DocumentEvent, Signature
from pmsystem.stages import Stage
from tests.appraisals.helpers import finalise_midpoint, fresh, make_document_at
from tests.builders import STAGES, build_document
from tests.factories import (
    AdditionalSupervisorFactory,
    CycleFactory,
    DepartmentRoleFactory,
    OrgUnitFactory,
    StaffMemberFactory,
)
from tests.workplans.helpers import (
    fro_of,
    make_approved_work_plan,
    make_complete_work_plan,
    make_submitted_work_plan,
)
from workplans import services as workplan_services
from workplans.models import (
    AdditionalSupervisor,
    DevelopmentGoal,
    Goal,
    GoalChange,
    MidpointReview,
    WorkPlan,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 10, 30, tzinfo=datetime.UTC)
RETURN_COMMENT = "Please make goal 2 measurable."
# The timeline detail the builder words as the demo seed does (tests/builders.py).
WORDED_AS_THE_DEMO = {"draft_saved": ("summary", "data")}


class Cast:
    """One unit, one cycle, the officers of both documents and everyone else who may look."""

    def __init__(self, *, midpoint_required: bool = True):
        self.cycle = CycleFactory(midpoint_required=midpoint_required)
        self.unit = OrgUnitFactory()
        entity = self.unit.parent
        self.fro = StaffMemberFactory(unit=self.unit, grade="P-4")
        self.sro = StaffMemberFactory(unit=self.unit, grade="P-5")
        self.supervisor = StaffMemberFactory(grade="P-4").user
        self.people = {
            "fro": self.fro.user,
            "sro": self.sro.user,
            "supervisor": self.supervisor,
            "hod": DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HOD).user,
            "hr": DepartmentRoleFactory(
                entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT
            ).user,
            "staff_rep": DepartmentRoleFactory(
                entity=entity, role=DepartmentRole.Role.STAFF_REPRESENTATIVE
            ).user,
            "unrelated": StaffMemberFactory().user,
        }

    def line(self) -> dict[str, Any]:
        return {
            "staff": StaffMemberFactory(unit=self.unit),
            "cycle": self.cycle,
            "fro": self.fro,
            "sro": self.sro,
        }


def through_the_services(stage: str, cast: Cast) -> WorkPlan:
    """The document at `stage`, each step taken by its service (the helpers' steps)."""
    line, supervisors = cast.line(), [cast.supervisor]
    if stage == "draft":
        return fresh(make_complete_work_plan(**line))
    if stage in ("submitted", "returned"):
        document = make_submitted_work_plan(**line)
        if stage == "returned":
            workplan_services.return_work_plan(
                work_plan=document, actor=fro_of(document), comment=RETURN_COMMENT
            )
        return fresh(document)
    if stage in ("approved", "midpoint_open", "midpoint_submitted"):
        document = make_approved_work_plan(**line)
        AdditionalSupervisorFactory(
            work_plan=document, supervisor=cast.supervisor, state="accepted"
        )
        staff = document.staff.user
        if stage != "approved":
            workplan_services.start_midpoint(work_plan=document, actor=staff)
        if stage == "midpoint_submitted":
            workplan_services.submit_midpoint(
                work_plan=document, actor=staff, comments="Half of the outputs are delivered."
            )
        return fresh(document)
    if stage == "midpoint_finalised":
        stage = "not_started"
    return make_document_at(stage, supervisors=supervisors, **line)


def by_the_builder(stage: str, cast: Cast) -> WorkPlan:
    return build_document(stage, supervisors=[cast.supervisor], **cast.line())


def roles_of(document: WorkPlan, cast: Cast) -> dict[str, Any]:
    return {"staff": document.staff.user, **cast.people}


# --- the rows, with their ids named by what they stand for ------------------------------------


class Names:
    """Names for the ids of one document's rows: the document, its staff member, goal n (by
    position), its people by role."""

    def __init__(self, document: WorkPlan, cast: Cast):
        self.document = document
        self.people = {user.pk: role for role, user in roles_of(document, cast).items()}
        self.goals = {
            pk: f"goal {position}"
            for pk, position in Goal.objects.filter(work_plan=document).values_list(
                "pk", "position"
            )
        }
        self.owner_units = dict(
            Goal.objects.filter(work_plan__isnull=True).values_list("pk", "owner_unit_id")
        )

    def person(self, user_id: int | None) -> str | None:
        return None if user_id is None else self.people.get(user_id, f"user {user_id}")

    def text(self, text: str) -> str:
        for pk, name in self.goals.items():
            text = re.sub(rf"\bgoal {pk}\b", name, text)
        return text

    def json(self, value: Any, key: str = "") -> Any:
        """Signed content and event data: the document's id, its staff member's index number,
        goal ids, signature hashes and goal-change ids named."""
        if isinstance(value, dict):
            return {k: self.json(v, k) for k, v in value.items()}
        if isinstance(value, list):
            if key == "changes":
                return len(value)
            return [self.json(v, key) for v in value]
        if key == "document" and value == self.document.pk:
            return "the document"
        if key == "staff" and value == self.document.staff.index_number:
            return "the staff member"
        if key in ("goal", "id") and value in self.goals:
            return self.goals[value]
        if key == "aligned_to" and value in self.owner_units:
            return f"a goal of unit {self.owner_units[value]}"
        if key == "signature":
            return "a signature hash"
        if isinstance(value, str):
            return self.text(value)
        return value


def rows(document: WorkPlan, cast: Cast) -> dict[str, Any]:
    """Every row the document's steps wrote, ids named (`Names`), in the order read."""
    names = Names(document, cast)
    person, json = names.person, names.json
    work_plan = WorkPlan.objects.filter(pk=document.pk).values().get()
    found: dict[str, Any] = {
        "work plan": {
            **{k: v for k, v in work_plan.items() if k not in ("id", "staff_id", "created_by_id")},
            "created_by": person(work_plan["created_by_id"]),
            "competencies": sorted(document.competencies.values_list("code", flat=True)),
        },
        "goals": [
            {
                **json({k: v for k, v in goal.items() if k not in ("id", "work_plan_id")}),
                "aligned_to": json(goal["aligned_to_id"], "aligned_to"),
                "aligned_to_id": None,
            }
            for goal in Goal.objects.filter(work_plan=document).order_by("position").values()
        ],
        "goal history": [
            (
                names.goals[change.goal_id],
                change.kind,
                person(change.actor_id),
                change.changed_at,
                json(change.before),
                json(change.after),
                change.after_approval,
            )
            for change in GoalChange.objects.filter(work_plan=document).order_by("pk")
        ],
        "development goals": list(
            DevelopmentGoal.objects.filter(work_plan=document)
            .order_by("position")
            .values("title", "activities", "target_date", "position")
        ),
        "additional supervisors": [
            (person(s.supervisor_id), s.state, s.proposed_at, s.answered_at)
            for s in AdditionalSupervisor.objects.filter(work_plan=document).order_by("pk")
        ],
        "mid-point review": [
            {
                **{k: v for k, v in m.items() if k not in ("id", "work_plan_id", "started_by_id")},
                "started_by": person(m["started_by_id"]),
            }
            for m in MidpointReview.objects.filter(work_plan=document).values()
        ],
        "signatures": [
            (
                s.stage,
                s.action,
                person(s.signer_id),
                s.role,
                person(s.acting_for_id),
                s.signed_at,
                s.voided_at,
                json(s.content),
            )
            for s in Signature.objects.filter(document=document).order_by("signed_at", "pk")
        ],
        "timeline": [
            {
                "kind": e.kind,
                "summary": e.summary,
                "actor": person(e.actor_id),
                "acting for": person(e.acting_for_id),
                "comment": names.text(e.comment),
                "data": json(e.data),
                "at": e.created_at,
            }
            for e in DocumentEvent.objects.filter(document=document).order_by("created_at", "pk")
        ],
    }
    appraisal = Appraisal.objects.filter(pk=document.pk).select_related("overall_rating")
    found["evaluation"] = [
        {
            **{
                k: v
                for k, v in a.items()
                if k not in ("document_id", "overall_rating_id", "final_rating_id")
            },
            "overall_rating": a["overall_rating_id"] and level_code(a["overall_rating_id"]),
            "final_rating": a["final_rating_id"] and level_code(a["final_rating_id"]),
        }
        for a in appraisal.values()
    ]
    found["goal rows"] = sorted(
        (
            names.goals[row.goal_id],
            row.self_comment,
            row.rating.code if row.rating else None,
            names.text(row.fro_comment),
        )
        for row in GoalAssessment.objects.filter(appraisal_id=document.pk).select_related("rating")
    )
    found["competency rows"] = sorted(
        (
            row.competency.code,
            row.self_comment,
            row.rating.code if row.rating else None,
            row.fro_comment,
        )
        for row in CompetencyAssessment.objects.filter(appraisal_id=document.pk).select_related(
            "rating", "competency"
        )
    )
    return found


def level_code(level_id: int) -> str:
    from org.models import RatingLevel

    return RatingLevel.objects.get(pk=level_id).code


def without_demo_wording(found: dict[str, Any]) -> dict[str, Any]:
    timeline = []
    for event in found["timeline"]:
        fields = WORDED_AS_THE_DEMO.get(event["kind"], ())
        timeline.append({k: v for k, v in event.items() if k not in fields})
    return {**found, "timeline": timeline}


# --- the comparison ---------------------------------------------------------------------------


CASES = [(stage, True) for stage in STAGES] + [
    (stage, False) for stage in ("not_started", "fro_evaluation", "completed")
]


@pytest.mark.parametrize(
    ("stage", "midpoint_required"),
    CASES,
    ids=[f"{s}{'' if m else '-no-midpoint'}" for s, m in CASES],
)
def test_the_built_document_is_the_one_the_services_write(stage, midpoint_required):
    with time_machine.travel(NOW, tick=False):
        cast = Cast(midpoint_required=midpoint_required)
        served = through_the_services(stage, cast)
        built = by_the_builder(stage, cast)

        assert built.stage == served.stage
        assert built.state == served.state
        for role, user in roles_of(built, cast).items():
            expected = allowed_actions(roles_of(served, cast)[role], served)
            assert allowed_actions(user, built) == expected, role

        count, mismatches = verify_signatures(Signature.objects.filter(document=built))
        assert mismatches == []
        assert count == Signature.objects.filter(document=served).count()
        out = io.StringIO()
        call_command("verify_signatures", stdout=out)
        assert "no mismatch" in out.getvalue()
        report = check_access(cycle_ids=[cast.cycle.pk])
        assert report.ok, report.findings
        assert report.checked_documents == 2
        assert not stage_drift().exists()

        built_rows, served_rows = rows(built, cast), rows(served, cast)
        assert without_demo_wording(built_rows) == without_demo_wording(served_rows)


def test_steps_happen_at_the_moments_given():
    """The work plan approved one day, the mid-point review held months later: as the services
    write it when each step is taken on its day."""
    later = datetime.datetime(2027, 3, 2, 9, 15, tzinfo=datetime.UTC)
    cast = Cast()
    with time_machine.travel(NOW, tick=False):
        served = make_approved_work_plan(**cast.line())
    with time_machine.travel(later, tick=False):
        served = finalise_midpoint(served)
    with time_machine.travel(NOW, tick=False):
        built = build_document(
            "midpoint_finalised", moments={"midpoint_started": later}, **cast.line()
        )
    assert (built.approved_at, built.midpoint.finalised_at) == (NOW, later)
    assert without_demo_wording(rows(built, cast)) == without_demo_wording(rows(served, cast))
    with pytest.raises(ValueError, match="not steps of a document at approved"):
        build_document("approved", moments={"fro_signed": later})


def test_the_timeline_detail_the_builder_words_as_the_demo():
    with time_machine.travel(NOW, tick=False):
        cast = Cast()
        served = rows(through_the_services("sro_review", cast), cast)["timeline"]
        built = rows(by_the_builder("sro_review", cast), cast)["timeline"]
    kinds = [event["kind"] for event in built]
    assert kinds == [event["kind"] for event in served]
    saved = {e["kind"]: e for e in built}["draft_saved"]
    assert saved["summary"] == "Draft saved (3 added)"
    assert {e["kind"]: e for e in served}["draft_saved"]["summary"] == (
        "Draft saved (3 added; competencies changed; development goals changed)"
    )
    assert saved["data"] == {"changes": 3, "phrase": saved["data"]["phrase"]}


def test_later_steps_go_through_the_services_on_a_built_document():
    """A built document is an ordinary one: the next step is taken by its service."""
    from appraisals import services

    cast = Cast()
    document = by_the_builder("sro_review", cast)
    services.approve_evaluation(document=document, actor=cast.sro.user, comment="Agreed.")
    assert fresh(document).stage == "acknowledgement"
    count, mismatches = verify_signatures(Signature.objects.filter(document=document))
    assert (count, mismatches) == (7, [])
    # Ids written by the builder and by the services afterwards do not collide.
    assert DocumentEvent.objects.filter(document=document).latest("pk").kind == (
        "approve_evaluation"
    )


def test_stages_are_named_as_the_demo_and_the_stage_table_name_them():
    assert build_document(Stage.SRO_REVIEW).stage == Stage.SRO_REVIEW
    with pytest.raises(ValueError, match="draft, submitted, returned or approved"):
        build_document(Stage.WORK_PLAN)
    with pytest.raises(ValueError, match="unknown stage"):
        build_document("rebuttal")
