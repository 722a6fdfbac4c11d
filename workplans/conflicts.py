"""One person, one role per document: the conflict-of-interest rule, in one place.

On a performance document the staff member, the FRO, the SRO (own or acting), the accepted
additional supervisors and anyone who signed one of its stages are distinct people. Nobody acts
as HR focal point or HOD on a document on which they hold one of those roles (their own above
all): another HR focal point of the entity, or the HOD's deputy, does. A review board member
never reviews a document on which they hold any other role: another member does.

`resolve` applies the rule to the relations a person holds on a document today; delegations,
panel constitution, roll-back, the rebuttal reply and every HR action ask it (through
`workplans.permissions.relations_for`) or `document_roles` (for a person who is not the one
asking, e.g. a candidate for a panel or an acting officer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pmsystem.i18n import interpolate

# The roles that must be held by distinct people, strongest first: an own relation before an
# acting one, the FRO before the SRO before an additional supervisor.
DOCUMENT_ROLES = ("staff", "fro", "sro", "additional_supervisor")
# Department-wide roles that act on a document (never on one where the person holds a role).
DEPARTMENT_ACTORS = ("hr", "hod")
# A person kept from acting by this rule still reads what their relation let them read.
OBSERVER = "observer"

ROLE_NAMES = {
    "staff": _("staff member"),
    "fro": _("FRO"),
    "sro": _("SRO"),
    "additional_supervisor": _("additional supervisor"),
    "hr": _("HR focal point"),
    "hod": _("HOD"),
    "board": _("review board member"),
}


class Relations(dict[str, int | None]):
    """A person's relations to a document ({relation: principal id or None}), with the roles
    the conflict rule took away and why (`conflicts`: {relation: sentence})."""

    def __init__(self, *args: Any, conflicts: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conflicts: dict[str, str] = dict(conflicts or {})


@dataclass
class Held:
    """What one person holds on a document before the rule is applied."""

    relations: dict[str, int | None] = field(default_factory=dict)
    signed_roles: set[str] = field(default_factory=set)


def role_name(role: str) -> str:
    """A relation as a sentence names it ("FRO", "HR focal point")."""
    return str(ROLE_NAMES.get(role, role))


_name = role_name


def resolve(held: Held) -> Relations:
    """Keep at most one document role per person, never a role other than the one they signed
    in, and no HR/HOD action on a document where they hold a role."""
    raw = dict(held.relations)
    conflicts: dict[str, str] = {}
    document_roles = [r for r in DOCUMENT_ROLES if r in raw]
    # Own relations come first, then acting ones (a principal id), each in DOCUMENT_ROLES order.
    document_roles.sort(key=lambda r: (raw[r] is not None, DOCUMENT_ROLES.index(r)))
    signed = {r for r in held.signed_roles if r in DOCUMENT_ROLES}
    kept: str | None = None
    if signed:
        # The role they signed in is the one they keep (a stage signed as acting FRO makes that
        # person the FRO side of this document for good).
        kept = next((r for r in document_roles if r in signed), None)
        if kept is None and document_roles:
            first_signed = next(r for r in DOCUMENT_ROLES if r in signed)
            for role in document_roles:
                conflicts[role] = interpolate(
                    gettext(
                        "You signed this document as %(signed)s, so you cannot also act on it as "
                        "%(role)s: someone else must."
                    ),
                    {"signed": _name(first_signed), "role": _name(role)},
                )
    elif document_roles:
        kept = document_roles[0]
    if kept is not None:
        for role in document_roles:
            if role != kept:
                conflicts[role] = interpolate(
                    gettext(
                        "You are the %(kept)s on this document, so you cannot also act on it as "
                        "%(role)s: someone else must."
                    ),
                    {"kept": _name(kept), "role": _name(role)},
                )
    holds_role = kept is not None or bool(signed)
    for role in DEPARTMENT_ACTORS:
        if role in raw and holds_role:
            conflicts[role] = _department_refusal(role, kept or next(iter(sorted(signed))))
    # A review board member never reviews a document on which they hold another role.
    others = [role for role in raw if role not in ("board", "entity_viewer", OBSERVER)]
    if "board" in raw and (holds_role or others):
        held_role = kept or (sorted(signed)[0] if signed else others[0])
        conflicts["board"] = interpolate(
            gettext(
                "You are the %(role)s on this document, so you do not review it for the "
                "review board: another member does."
            ),
            {"role": _name(held_role)},
        )
    relations = Relations(
        {role: principal for role, principal in raw.items() if role not in conflicts},
        conflicts=conflicts,
    )
    if any(role in DOCUMENT_ROLES for role in conflicts) and not (
        set(relations) & set(DOCUMENT_ROLES)
    ):
        # Kept from every document role: they still read what the relation showed them.
        relations[OBSERVER] = None
    return relations


def _department_refusal(role: str, held_role: str) -> str:
    if role == "hr":
        return interpolate(
            gettext(
                "You are the %(role)s on this document, so you cannot act on it as HR focal point: "
                "another HR focal point of the entity does."
            ),
            {"role": _name(held_role)},
        )
    return interpolate(
        gettext(
            "You are the %(role)s on this document, so you cannot act on it as HOD: the HOD's "
            "deputy (an acting HOD named under Delegations) does."
        ),
        {"role": _name(held_role)},
    )
