"""Which part of a document may change at which stage, and by whom: the freeze table.

Declared once, here, for every route: the services refuse a change to a part that is not open
(with the reason), and the pages read `open_parts` for their buttons. A closed cycle is
read-only everywhere. A roll-back moves the document back to the stage it names, which
reopens exactly the parts open at that stage.

The rules (docs/rules.md §3, docs/rules.md):
- The work plan (goals with their success criteria, competencies, development goals) is the
  staff member's to draft while it is a draft or returned; once approved it may still change
  during the cycle (every change kept in the history, the FRO told) until the end-of-cycle
  evaluation starts. From the self-evaluation on it is frozen; only a roll-back reopens it.
- Each later part belongs to one person at one stage: the mid-point comments (staff, then
  FRO), the self-evaluation, the additional supervisors' comments, the FRO's ratings, the
  SRO's comments and the staff member's final comments. Once its stage is signed it is frozen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pmsystem.i18n import interpolate

from .stages import ORDER, Stage
from .workflow import lower_first

if TYPE_CHECKING:  # the document and its cycle, for the annotations only
    from django_stubs_ext import StrOrPromise

    from org.models import Cycle
    from workplans.models import WorkPlan

S = Stage
Guard = Callable[["WorkPlan"], str | None]


def _not_with_the_fro(document: WorkPlan) -> str | None:
    if document.state == "submitted":
        return gettext(
            "This work plan is with the FRO for approval: it can change again once the FRO "
            "approves or returns it."
        )
    return None


def _midpoint_open(document: WorkPlan) -> str | None:
    midpoint = getattr(document, "midpoint", None)
    if midpoint is None or midpoint.state != "open":
        return gettext("Your mid-point comments are signed: they can no longer change.")
    return None


def _midpoint_not_finalised(document: WorkPlan) -> str | None:
    midpoint = getattr(document, "midpoint", None)
    if midpoint is None or midpoint.state not in ("open", "staff_submitted"):
        return gettext("The mid-point review is finalised: its comments can no longer change.")
    return None


@dataclass(frozen=True)
class Part:
    """A part of a document, the stages at which it is open and who may change it then."""

    name: str
    label: StrOrPromise
    stages: frozenset[str]
    roles: frozenset[str]
    guard: Guard | None = None


def _stages(first: str, last: str) -> frozenset[str]:
    return frozenset(ORDER[ORDER.index(first) : ORDER.index(last) + 1])


WORK_PLAN_STAGES = _stages(S.WORK_PLAN, S.MIDPOINT)

PARTS: dict[str, Part] = {
    part.name: part
    for part in (
        Part(
            "goals",
            _("goals and their success criteria"),
            WORK_PLAN_STAGES,
            frozenset({"staff"}),
            _not_with_the_fro,
        ),
        Part(
            "competencies",
            _("competencies"),
            WORK_PLAN_STAGES,
            frozenset({"staff"}),
            _not_with_the_fro,
        ),
        Part(
            "development_goals",
            _("development goals"),
            WORK_PLAN_STAGES,
            frozenset({"staff"}),
            _not_with_the_fro,
        ),
        Part(
            "additional_supervisors",
            _("additional supervisors"),
            _stages(S.WORK_PLAN, S.FRO_EVALUATION),
            frozenset({"staff"}),
        ),
        Part(
            "check_ins",
            _("check-ins"),
            _stages(S.WORK_PLAN, S.ACKNOWLEDGEMENT),
            frozenset({"staff", "fro"}),
        ),
        Part(
            "midpoint_staff",
            _("staff member's mid-point comments"),
            frozenset({S.MIDPOINT}),
            frozenset({"staff"}),
            _midpoint_open,
        ),
        Part(
            "midpoint_fro",
            _("FRO's mid-point comments"),
            frozenset({S.MIDPOINT}),
            frozenset({"fro"}),
            _midpoint_not_finalised,
        ),
        Part(
            "self_evaluation",
            _("self-evaluation"),
            frozenset({S.SELF_ASSESSMENT}),
            frozenset({"staff"}),
        ),
        Part(
            "supervisor_comments",
            _("additional supervisors' comments"),
            frozenset({S.SELF_ASSESSMENT, S.FRO_EVALUATION}),
            frozenset({"additional_supervisor"}),
        ),
        Part(
            "ratings",
            _("ratings and the FRO's comments"),
            frozenset({S.FRO_EVALUATION}),
            frozenset({"fro"}),
        ),
        Part(
            "sro_comments",
            _("SRO's comments"),
            frozenset({S.SRO_REVIEW}),
            frozenset({"sro"}),
        ),
        Part(
            "final_comments",
            _("staff member's final comments"),
            frozenset({S.ACKNOWLEDGEMENT}),
            frozenset({"staff"}),
        ),
        Part(
            "improvement_plans",
            _("performance improvement plans"),
            frozenset(ORDER),
            frozenset({"fro"}),
        ),
    )
}


def closed_cycle_refusal(cycle: Cycle) -> str | None:
    """A closed cycle is read-only everywhere: documents, unit and entity goals."""
    if cycle.status == "closed":
        return interpolate(
            gettext("The %(cycle)s cycle is closed: its documents are read-only."), {"cycle": cycle}
        )
    return None


def refusal(document: WorkPlan, part_name: str, roles: Iterable[str]) -> str | None:
    """Why `part_name` of `document` may not be changed now by someone holding `roles`
    (None when it may)."""
    part = PARTS[part_name]
    closed = closed_cycle_refusal(document.cycle)
    if closed:
        return closed
    if not part.roles.intersection(roles):
        return interpolate(
            gettext("You may not change the %(part)s of this document."), {"part": part.label}
        )
    stage = document.stage
    if stage not in part.stages:
        words = {"part": part.label, "stage": lower_first(str(Stage(stage).label))}
        if ORDER.index(stage) < min(ORDER.index(s) for s in part.stages):
            return (
                gettext("This document is at the %(stage)s stage: its %(part)s cannot change yet.")
                % words
            )
        return (
            gettext(
                "This document is at the %(stage)s stage: its %(part)s can no longer change. Only "
                "a roll-back by an HR focal point reopens an earlier stage."
            )
            % words
        )
    if part.guard is not None:
        return part.guard(document)
    return None


def open_parts(document: WorkPlan, roles: Iterable[str]) -> frozenset[str]:
    """The parts `roles` may change now (what the pages offer)."""
    roles = frozenset(roles)
    return frozenset(name for name in PARTS if refusal(document, name, roles) is None)
