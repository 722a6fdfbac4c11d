"""Who sits on which review board, and who may review which document.

Membership is a department role with dates (`DepartmentRole.Role.REVIEW_BOARD`, capability
`review_entity_documents`): it starts and ends on its days, whoever recorded it. Reading a
document and reviewing it are the documents' own rule (`workplans.permissions`): the
relation "board" on a routed document, taken away by the conflict rule from a member who holds
another role on it (`workplans.conflicts.resolve`).
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext

from org.models import OrgUnit, User
from org.permissions import entity_ids_where
from pmsystem.i18n import interpolate
from workplans.conflicts import role_name
from workplans.models import WorkPlan
from workplans.permissions import relations_for

CAPABILITY = "review_entity_documents"


def board_entities(user: User, on: datetime.date | None = None) -> QuerySet[OrgUnit]:
    """The entities whose review board `user` sits on today."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(pk__in=entity_ids_where(user, CAPABILITY, on))


def pip_review_refusal(user: User, document: WorkPlan) -> str | None:
    """Why `user` may not review a PIP six-month review on the document for the board (None
    when they may): a member of the entity's board who holds no role on the document."""
    entity_id = document.staff.unit.entity_id
    if entity_id is None or not board_entities(user).filter(pk=entity_id).exists():
        return gettext(
            "Only the members of the entity's review board review the documents routed to it."
        )
    held = sorted(
        r for r in relations_for(user, document) if r not in ("board", "observer", "entity_viewer")
    )
    if held:
        return interpolate(
            gettext(
                "You are the %(role)s on this document, so you do not review it for the "
                "review board: another member does."
            ),
            {"role": role_name(held[0])},
        )
    return None


def review_refusal(user: User, document: WorkPlan) -> str | None:
    """Why `user` may not review the document for the board now (None when they may)."""
    relations = relations_for(user, document)
    if "board" in relations:
        return None
    return relations.conflicts.get("board") or gettext(
        "Only the members of the entity's review board review the documents routed to it."
    )
