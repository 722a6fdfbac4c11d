"""The demo's review board (issue 16 section 3, docs/rules.md section 10).

A senior staff member of another entity sits on the demo entity's review board (the
`review_board` login, a dated department role), or, under the ILO profile, on the
organisation's Reports Board (a role without an entity: every entity's documents); the cycles
route their completed evaluations to it (the UN profile's default), or every signed stage
(the ILO's). The board has commented on
two completed evaluations of the current cycle (and, when signed stages reach it, on an
evaluation the FRO signed and on one the SRO approved) and recommended something to one FRO,
so the consistency view and the comments show at once. The `fro` login reads the board's
comments on the evaluations they rated.
"""

from __future__ import annotations

from board import services
from board.models import BoardComment
from org.models import Cycle, DepartmentRole, OrgUnit, ReportingLine, StaffMember, User
from org.services import assign_department_role, organisation
from pmsystem.stages import Stage
from workplans.models import WorkPlan

from .organisation import DEMO_LOGINS, ROLES_SINCE

COMMENTS = (
    (
        BoardComment.Kind.COMMENT,
        "The rating follows from the success criteria as written; the evidence is named.",
    ),
    (
        BoardComment.Kind.RECOMMENDATION,
        "Say in the FRO's comments which results carried the rating, as the department's "
        "standards ask.",
    ),
)
# When the cycle routes every signed stage: on an evaluation the FRO has signed, and on one
# the SRO has approved too.
SIGNED_STAGE_COMMENTS = (
    (
        Stage.SRO_REVIEW,
        BoardComment.Kind.COMMENT,
        "Read before the SRO's review: the ratings of the outputs and the overall rating agree.",
    ),
    (
        Stage.ACKNOWLEDGEMENT,
        BoardComment.Kind.RECOMMENDATION,
        "Before the staff member signs: add the outputs delivered late to the FRO's comments.",
    ),
)


def seed_documents() -> int:
    """The comments written (0 when the demo has its board already, or lacks what it needs)."""
    email = DEMO_LOGINS["review_board"]
    if User.objects.filter(email=email).exists():
        return 0
    hod = User.objects.filter(email=DEMO_LOGINS["hod"]).first()
    role = DepartmentRole.objects.filter(user=hod, role=DepartmentRole.Role.HOD).first()
    cycle = Cycle.objects.filter(status=Cycle.Status.OPEN).order_by("-start").first()
    if role is None or cycle is None:
        return 0
    entity = role.entity
    # A senior person of another entity who holds no department role and is no officer of
    # the entity's staff (so no document role there: the conflict rule would keep them out).
    lines = ReportingLine.objects.filter(staff__unit__entity=entity)
    officers = lines.values("fro_id")
    seconds = lines.values("sro_id")
    member = (
        StaffMember.objects.filter(grade__in=["D-2", "D-1", "P-5", "P-4"], is_active=True)
        .exclude(unit__entity=entity)
        .exclude(pk__in=DepartmentRole.objects.values("user_id"))
        .exclude(pk__in=officers)
        .exclude(pk__in=seconds)
        .exclude(user__email__in=DEMO_LOGINS.values())
        .select_related("user")
        .order_by("-grade", "pk")
        .first()
    )
    if member is None:
        return 0
    user = member.user
    user.email = email
    user.save(update_fields=["email"])
    assign_department_role(
        # The ILO's Reports Board is the whole Office's.
        entity=None if organisation().profile == "ilo" else entity,
        user=user,
        role=DepartmentRole.Role.REVIEW_BOARD,
        start=ROLES_SINCE,
    )
    fro = User.objects.filter(email=DEMO_LOGINS["fro"]).first()
    completed = list(
        WorkPlan.objects.filter(cycle=cycle, stage="completed", staff__unit__entity=entity)
        .distinct()
        .order_by("pk")[: len(COMMENTS)]
    )
    commented = list(zip(completed, COMMENTS, strict=False))
    if cycle.board_receives == Cycle.BoardReceives.SIGNED:
        for stage, kind, text in SIGNED_STAGE_COMMENTS:
            signed = (
                WorkPlan.objects.filter(cycle=cycle, stage=stage, staff__unit__entity=entity)
                .order_by("pk")
                .first()
            )
            if signed is not None:
                commented.append((signed, (kind, text)))
    written = 0
    for document, (kind, text) in commented:
        services.comment_on_document(actor=user, document=document, kind=kind, text=text)
        written += 1
    if (
        fro is not None
        and ReportingLine.objects.filter(
            cycle=cycle, fro=fro.pk, staff__unit__entity=entity
        ).exists()
    ):
        services.comment_on_fro(
            actor=user,
            entity=OrgUnit.objects.get(pk=entity.pk),
            cycle=cycle,
            fro=fro,
            kind=BoardComment.Kind.RECOMMENDATION,
            text="Your ratings sit above the department's: compare them with the standards "
            "before the next cycle.",
        )
        written += 1
    return written
