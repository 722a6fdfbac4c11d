"""The end-of-cycle evaluation: every state and transition, declared once.

Roles are the document relations of `workplans.permissions.relations_for`.
"""

from __future__ import annotations

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from pmsystem.freeze import closed_cycle_refusal
from pmsystem.stages import ORDER
from pmsystem.workflow import Transition, Workflow
from workplans.models import MidpointReview, WorkPlan

from .models import Appraisal

S = Appraisal.State


def _may_start(appraisal: Appraisal) -> str | None:
    document = appraisal.document
    if document.state != WorkPlan.State.APPROVED:
        return gettext(
            "The end-of-cycle evaluation starts once the FRO has approved the work plan."
        )
    if document.cycle.midpoint_required:
        midpoint = getattr(document, "midpoint", None)
        if midpoint is None or midpoint.state != MidpointReview.State.FINALISED:
            return gettext(
                "The end-of-cycle evaluation starts once the mid-point review is finalised."
            )
    return None


def _self_evaluation_given(appraisal: Appraisal) -> str | None:
    """The overall self-assessment, and the managerial-accountability answers of staff with
    supervisory responsibilities when the cycle asks them (ILO)."""
    from .selectors import unanswered_accountability

    problems = []
    if not appraisal.self_overall_comment.strip():
        problems.append(gettext("Write your overall self-assessment before submitting."))
    unanswered = unanswered_accountability(appraisal)
    if unanswered:
        problems.append(unanswered)
    return " ".join(problems) or None


def _ratings_complete(appraisal: Appraisal) -> str | None:
    from .selectors import missing_ratings

    missing = missing_ratings(appraisal)
    return " ".join(missing) if missing else None


APPRAISAL = Workflow(
    document="evaluation",
    state_field="state",
    states=dict(S.choices),
    too_early=_("This evaluation is %(state)s: it cannot be %(past)s yet."),
    too_late=_("This evaluation is %(state)s: it can no longer be %(past)s."),
    closed=lambda appraisal: closed_cycle_refusal(appraisal.document.cycle),
    transitions=[
        Transition(
            "start_evaluation",
            _("Start end-of-cycle evaluation"),
            (S.NOT_STARTED,),
            S.SELF_ASSESSMENT,
            frozenset({"staff", "fro"}),
            guard=_may_start,
            action=_("start end-of-cycle evaluation"),
            past=pgettext_lazy("evaluation", "started"),
        ),
        Transition(
            "submit_self_evaluation",
            _("Submit self-evaluation"),
            (S.SELF_ASSESSMENT,),
            S.FRO_EVALUATION,
            frozenset({"staff"}),
            guard=_self_evaluation_given,
            signs=True,
            action=_("submit self-evaluation"),
            past=pgettext_lazy("evaluation", "submitted"),
        ),
        Transition(
            "sign_evaluation",
            _("Sign evaluation"),
            (S.FRO_EVALUATION,),
            S.SRO_REVIEW,
            frozenset({"fro"}),
            guard=_ratings_complete,
            signs=True,
            action=_("sign this evaluation"),
            past=pgettext_lazy("evaluation", "signed"),
        ),
        Transition(
            "approve_evaluation",
            _("Approve evaluation"),
            (S.SRO_REVIEW,),
            S.ACKNOWLEDGEMENT,
            frozenset({"sro"}),
            signs=True,
            action=_("approve this evaluation"),
            past=pgettext_lazy("evaluation", "approved"),
        ),
        Transition(
            "return_to_fro",
            _("Return evaluation to the FRO"),
            (S.SRO_REVIEW,),
            S.FRO_EVALUATION,
            frozenset({"sro"}),
            signs=True,
            action=_("return this evaluation to the FRO"),
            past=pgettext_lazy("evaluation", "returned"),
        ),
        Transition(
            "acknowledge",
            _("Acknowledge evaluation"),
            (S.ACKNOWLEDGEMENT,),
            S.COMPLETED,
            frozenset({"staff"}),
            signs=True,
            action=_("acknowledge this evaluation"),
            past=pgettext_lazy("evaluation", "acknowledged"),
        ),
        # HR focal points roll back on an officer's written request: steps of
        # `services.roll_back_document`, which checks whether a roll-back is possible at all
        # (`selectors.rollback_refusal`).
        Transition(
            "roll_back_to_sro_review",
            _("Roll back to SRO review"),
            (S.ACKNOWLEDGEMENT, S.COMPLETED),
            S.SRO_REVIEW,
            frozenset({"hr"}),
            action=_("roll back to SRO review"),
            past=pgettext_lazy("evaluation", "rolled back"),
        ),
        Transition(
            "roll_back_to_fro_evaluation",
            _("Roll back to FRO evaluation"),
            (S.SRO_REVIEW, S.ACKNOWLEDGEMENT, S.COMPLETED),
            S.FRO_EVALUATION,
            frozenset({"hr"}),
            action=_("roll back this evaluation to FRO evaluation"),
            past=pgettext_lazy("evaluation", "rolled back"),
        ),
        Transition(
            "roll_back_to_self_assessment",
            _("Roll back to self-evaluation"),
            (S.FRO_EVALUATION, S.SRO_REVIEW, S.ACKNOWLEDGEMENT, S.COMPLETED),
            S.SELF_ASSESSMENT,
            frozenset({"hr"}),
            action=_("roll back to self-evaluation"),
            past=pgettext_lazy("evaluation", "rolled back"),
        ),
        Transition(
            "reset",
            _("Reset evaluation"),
            tuple(s for s in S.values if s != S.NOT_STARTED),
            S.NOT_STARTED,
            frozenset({"hr"}),
            action=_("reset this evaluation"),
            past=pgettext_lazy("evaluation", "reset"),
        ),
    ],
)

# Where each stage's signature is taken, in the document's order (roll-back voids every
# signature from the target stage on): every stage but the last.
STAGE_ORDER = ORDER[:-1]
