"""The demo's ratings standards (issue 16, docs/rules.md section 10), through the services.

In the demo logins' entity, for the open cycle: version 1, published and since superseded by
version 2, in force; every FRO of the entity's staff acknowledged version 2 except the `fro`
login, who is asked to before signing a rating. In one other entity, a first version is
still a draft. The other entities have none: the compliance dashboard says so.
"""

from __future__ import annotations

from org.models import Cycle, DepartmentRole, RatingLevel, RatingScale, User
from org.relations import lines_in_effect
from standards import services
from standards.models import Acknowledgement, RatingsStandard
from standards.selectors import entity_froes

from .organisation import DEMO_LOGINS

# What a level means in the department, by the level's code on the scales of the UN
# Secretariat's and the ILO's profiles (`org.profiles`); a level of another code takes the
# text of its rank (RANKED), so every overall level has one, as publishing asks.
TOP = (
    "Delivered every goal beyond its success criteria, and results that others in the "
    "department now build on."
)
MEETS = (
    "Delivered the goals as agreed, on time and to the success criteria, and kept the unit's "
    "work moving when plans changed."
)
PARTIAL = (
    "Delivered some goals, late or short of their criteria, with support that was offered and used."
)
FAILS = "Did not deliver the goals, despite the support and time that were agreed."
COMPETENCY_TOP = "A model for colleagues: shows the competency when it is hardest."
COMPETENCY_MEETS = "Shows the competency consistently in everyday work."
TEXTS = {
    RatingScale.Kind.OVERALL: {
        # The UN Secretariat's four levels.
        "EX": TOP,
        "SM": MEETS,
        "PM": PARTIAL,
        "DN": FAILS,
        # The ILO's three: "does not fully meet" covers goals delivered in part and not at all.
        "CE": TOP,
        "FM": MEETS,
        "NF": "Did not fully deliver the goals: some late, short of their criteria or not "
        "delivered, despite the support that was offered.",
    },
    RatingScale.Kind.COMPETENCY: {
        "OUT": COMPETENCY_TOP,
        "FC": COMPETENCY_MEETS,
        "EXD": COMPETENCY_TOP,
        "FMT": COMPETENCY_MEETS,
    },
}
RANKED = {
    RatingScale.Kind.OVERALL: (TOP, MEETS, PARTIAL, FAILS),
    RatingScale.Kind.COMPETENCY: (COMPETENCY_TOP, COMPETENCY_MEETS),
}
INTRODUCTIONS = (
    "The department's first ratings standards: what each overall rating means here.",
    "Version 2: the competency levels are described too, and '{meets}' now says that keeping "
    "the unit's work moving counts.",
)


def _texts(cycle: Cycle, version: int) -> dict[int, str]:
    """A text for each level of the cycle's overall scale (and, from version 2, for the top
    two of its competency scale), whatever the levels' codes and number."""
    texts = {}
    for level in RatingLevel.objects.filter(scale__cycle=cycle).select_related("scale"):
        kind = level.scale.kind
        if kind == RatingScale.Kind.COMPETENCY and version == 1:
            continue
        text = TEXTS.get(kind, {}).get(level.code)
        ranked = RANKED.get(kind, ())
        if text is None and kind == RatingScale.Kind.OVERALL:
            # Every overall level needs a text: a longer scale's lowest levels share the last.
            text = ranked[min(level.rank, len(ranked)) - 1]
        elif text is None and level.rank <= len(ranked):
            text = ranked[level.rank - 1]
        if text:
            texts[level.pk] = text
    return texts


def _introduction(cycle: Cycle, version: int) -> str:
    """The version's introduction, naming the cycle's second overall level ("meets")."""
    meets = (
        RatingLevel.objects.filter(scale__cycle=cycle, scale__kind=RatingScale.Kind.OVERALL)
        .order_by("rank")
        .values_list("label", flat=True)[1:2]
    )
    return INTRODUCTIONS[version - 1].format(meets=next(iter(meets), ""))


def seed_documents() -> int:
    """The versions written (0 when the demo has them already, or has no open cycle)."""
    cycle = Cycle.objects.filter(status=Cycle.Status.OPEN).order_by("-start").first()
    hod = User.objects.filter(email=DEMO_LOGINS["hod"]).first()
    if cycle is None or hod is None or RatingsStandard.objects.filter(cycle=cycle).exists():
        return 0
    role = DepartmentRole.objects.filter(user=hod, role=DepartmentRole.Role.HOD).first()
    if role is None:
        return 0
    entity = role.entity
    written = 0
    for version in (1, 2):
        draft = services.start_new_version(entity=entity, cycle=cycle, actor=hod)
        services.save_draft(
            standard=draft,
            actor=hod,
            introduction=_introduction(cycle, version),
            texts=_texts(cycle, version),
        )
        current = services.publish_standard(standard=draft, actor=hod)
        written += 1
    fro_login = set(User.objects.filter(email=DEMO_LOGINS["fro"]).values_list("pk", flat=True))
    # Ids first (no join planned on the statistics of empty tables: issue 11).
    froes = set(entity_froes(entity.pk, cycle.pk).values_list("fro_id", flat=True)) - fro_login
    Acknowledgement.objects.bulk_create(
        Acknowledgement(standard=current, user_id=pk) for pk in sorted(froes)
    )
    # Another entity with staff has a first version in draft.
    # The entities with lines first, then their HODs (a correlated EXISTS per role is planned
    # as nested scans on the statistics of empty tables: tests/test_planner_statistics.py).
    with_lines = set(
        lines_in_effect().filter(cycle=cycle).values_list("staff__unit__entity_id", flat=True)
    ) - {entity.pk}
    other = (
        DepartmentRole.objects.filter(role=DepartmentRole.Role.HOD, entity_id__in=with_lines)
        .select_related("entity", "user")
        .order_by("entity__code")
        .first()
    )
    if other is not None:
        draft = services.start_new_version(entity=other.entity, cycle=cycle, actor=other.user)
        services.save_draft(
            standard=draft, actor=other.user, introduction="", texts=_texts(cycle, 1)
        )
        written += 1
    return written
