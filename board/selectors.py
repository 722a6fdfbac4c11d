"""Reads of the review board: the documents routed to it, the consistency of ratings per FRO
and unit against the entity's, and its comments where docs/rules.md shows them."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.template.loader import render_to_string

from appraisals.models import Appraisal, ImprovementPlan, ImprovementPlanMeeting
from appraisals.selectors import six_month_review_date
from org.models import Cycle, OrgUnit, RatingLevel, RatingScale, ReportingLine, User
from workplans.models import WorkPlan
from workplans.permissions import board_routed_q, visible_work_plans

from .models import BoardComment


def routed_documents(user: User, entity: OrgUnit, cycle: Cycle) -> QuerySet[WorkPlan]:
    """The entity's documents of the cycle routed to the board that `user` reads, with their
    rating and the number of board comments (one query)."""
    return (
        visible_work_plans(user)
        .filter(board_routed_q(), staff__unit__entity_id=entity.pk, cycle_id=cycle.pk)
        .select_related("staff__user", "staff__unit", "appraisal__overall_rating")
        .annotate(board_comment_count=Count("board_comments"))
        .order_by("staff__user__last_name", "staff__user__first_name", "pk")
    )


@dataclass
class Group:
    """The completed ratings of one FRO or unit, against the entity's."""

    key: int
    label: str
    counts: Counter[int] = field(default_factory=Counter)
    deviation: float = 0.0  # the largest gap, in points of share, from the entity's
    comments: list[BoardComment] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Consistency:
    levels: list[RatingLevel]
    entity: Group
    fros: list[Group]
    units: list[Group]

    def shares(self, group: Group) -> list[tuple[int, float]]:
        total = group.total or 1
        return [
            (group.counts[level.pk], 100 * group.counts[level.pk] / total) for level in self.levels
        ]


def _rank(groups: dict[int, Group], entity: Group) -> list[Group]:
    total = entity.total or 1
    for group in groups.values():
        size = group.total or 1
        group.deviation = max(
            (abs(group.counts[k] / size - entity.counts[k] / total) * 100 for k in entity.counts),
            default=0.0,
        )
    return sorted(groups.values(), key=lambda g: (-g.deviation, g.label))


def consistency(entity: OrgUnit, cycle: Cycle) -> Consistency:
    """The overall ratings of the entity's completed evaluations in the cycle per FRO (the FRO
    of the staff member's latest line) and per unit, outliers first: four queries."""
    levels = list(
        RatingLevel.objects.filter(
            scale__cycle=cycle, scale__kind=RatingScale.Kind.OVERALL
        ).order_by("rank")
    )
    rows = list(
        Appraisal.objects.filter(
            state=Appraisal.State.COMPLETED,
            overall_rating__isnull=False,
            document__cycle_id=cycle.pk,
            document__staff__unit__entity_id=entity.pk,
        ).values_list(
            "document__staff_id",
            "document__staff__unit_id",
            "document__staff__unit__code",
            "overall_rating_id",
        )
    )
    fro_of: dict[int, int] = {}
    for staff_id, fro_id in (
        ReportingLine.objects.filter(cycle_id=cycle.pk, staff_id__in=[r[0] for r in rows])
        .order_by("effective_from")
        .values_list("staff_id", "fro_id")
    ):
        fro_of[staff_id] = fro_id
    names = {
        pk: f"{first} {last}".strip() or email
        for pk, first, last, email in User.objects.filter(pk__in=set(fro_of.values())).values_list(
            "pk", "first_name", "last_name", "email"
        )
    }
    whole = Group(entity.pk, entity.code)
    fros: dict[int, Group] = {}
    units: dict[int, Group] = {}
    for staff_id, unit_id, unit_code, level_id in rows:
        whole.counts[level_id] += 1
        units.setdefault(unit_id, Group(unit_id, unit_code)).counts[level_id] += 1
        officer = fro_of.get(staff_id)
        if officer is not None:
            fros.setdefault(officer, Group(officer, names.get(officer, ""))).counts[level_id] += 1
    comments: dict[int, list[BoardComment]] = defaultdict(list)
    for comment in BoardComment.objects.filter(
        entity=entity, cycle=cycle, fro__isnull=False
    ).select_related("author"):
        if comment.fro_id is not None:
            comments[comment.fro_id].append(comment)
    for fro_id, group in fros.items():
        group.comments = comments.get(fro_id, [])
    return Consistency(levels, whole, _rank(fros, whole), _rank(units, whole))


def document_comments(document: WorkPlan) -> list[BoardComment]:
    return list(document.board_comments.select_related("author").order_by("created_at", "pk"))


def evaluation_section(document: WorkPlan, reader: User, roles: frozenset[str]) -> str:
    """The board's comments on the document, for its FRO, SRO, HR, the board, and the staff
    member when the cycle says so (`Cycle.board_comments_to_staff`); for the FRO, the board's
    comments on their ratings of the cycle too."""
    staff_reads = "staff" in roles and document.cycle.board_comments_to_staff
    if not (roles & {"fro", "sro", "hr", "board"} or staff_reads):
        return ""
    comments = document_comments(document)
    on_fro = (
        list(
            BoardComment.objects.filter(cycle_id=document.cycle_id, fro_id=reader.pk)
            .select_related("author")
            .order_by("created_at")
        )
        if "fro" in roles
        else []
    )
    if not comments and not on_fro:
        return ""
    return render_to_string(
        "board/_evaluation_section.html", {"comments": comments, "on_fro": on_fro}
    )


@dataclass
class PipReview:
    """A performance improvement plan whose six-month review was held: it goes to the board
    (the ILO: "PIP reviews after six months are submitted to the Reports Board")."""

    plan: ImprovementPlan
    due: datetime.date
    review: ImprovementPlanMeeting


def pip_reviews(entity: OrgUnit) -> list[PipReview]:
    """The entity's improvement plans whose six-month review has been held, newest first: two
    queries (the plans with their people, their meetings)."""
    plans = list(
        ImprovementPlan.objects.filter(document__staff__unit__entity_id=entity.pk)
        .select_related("document__staff__user", "document__cycle")
        .prefetch_related("meetings")
        .order_by("-start", "pk")
    )
    found = []
    for plan in plans:
        due = six_month_review_date(plan)
        if due is None:
            continue
        review = next(
            (m for m in sorted(plan.meetings.all(), key=lambda m: m.held_on) if m.held_on >= due),
            None,
        )
        if review is not None:
            found.append(PipReview(plan, due, review))
    return found


def pip_review(entity: OrgUnit, pk: int) -> PipReview | None:
    return next((r for r in pip_reviews(entity) if r.plan.pk == pk), None)
