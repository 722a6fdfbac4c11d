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

TEXTS = {
    "overall": {
        1: "Delivered every goal beyond its success criteria, and results that others in the "
        "department now build on.",
        2: "Delivered the goals as agreed, on time and to the success criteria, and kept the "
        "unit's work moving when plans changed.",
        3: "Delivered some goals, late or short of their criteria, with support that was "
        "offered and used.",
        4: "Did not deliver the goals, despite the support and time that were agreed.",
    },
    "competency": {
        1: "A model for colleagues: shows the competency when it is hardest.",
        2: "Shows the competency consistently in everyday work.",
    },
}
INTRODUCTIONS = (
    "The department's first ratings standards: what each overall rating means here.",
    "Version 2: the competency levels are described too, and 'Successfully meets' now says "
    "that keeping the unit's work moving counts.",
)


def _texts(cycle: Cycle, version: int) -> dict[int, str]:
    texts = {}
    for level in RatingLevel.objects.filter(scale__cycle=cycle).select_related("scale"):
        kind = level.scale.kind
        if kind == RatingScale.Kind.COMPETENCY and version == 1:
            continue
        text = TEXTS.get(kind, {}).get(level.rank)
        if text:
            texts[level.pk] = text
    return texts


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
            introduction=INTRODUCTIONS[version - 1],
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
