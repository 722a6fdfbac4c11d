"""Reads of the ratings standards: the version in force, what the rating and review pages
show beside each level, the signature rule, the pages' lists and the compliance figures.
Each reads a fixed number of queries whatever the number of FROs or versions."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext

from org.models import (
    Cycle,
    OrgUnit,
    RatingLevel,
    RatingScale,
    ReportingLine,
    StaffMember,
    User,
)
from org.permissions import hod_entity_ids
from org.relations import lines_in_effect
from pmsystem.db import AnyOf, InValues, PreparedQuery
from pmsystem.i18n import interpolate
from pmsystem.pending import Task

from .models import Acknowledgement, RatingsStandard, settings_for
from .permissions import (
    hr_entity_ids,
    officer_lines,
    rated_entity_cycles,
    sees_standard,
    visible_standards,
)

if TYPE_CHECKING:  # the document, for the annotations only (appraisals asks this app)
    from workplans.models import WorkPlan

S = RatingsStandard.State
# The scales in the order the rating pages show them.
SCALE_ORDER = (RatingScale.Kind.OVERALL, RatingScale.Kind.COMPETENCY, RatingScale.Kind.GOAL)


def entity_froes(entity_id: int, cycle_id: int) -> QuerySet[ReportingLine, Any]:
    """The FROs of the entity's active staff on the cycle's lines in effect today (a
    subquery of their user ids, which are their staff ids)."""
    return froes_of_entities(cycle_id).filter(entity_key=entity_id).values("fro_id")


def current_standard(entity_id: int, cycle_id: int) -> RatingsStandard | None:
    """The version in force for the entity and cycle, if one is published."""
    return (
        RatingsStandard.objects.filter(entity_id=entity_id, cycle_id=cycle_id, state=S.PUBLISHED)
        .select_related("entity", "cycle")
        .first()
    )


def _entity_of(document: WorkPlan) -> int | None:
    """The entity of the document's staff member (the department whose standards apply),
    read from the document's staff and unit when the page loaded them already."""
    staff_field = type(document)._meta.get_field("staff")
    if staff_field.is_cached(document):
        staff = document.staff
        if StaffMember._meta.get_field("unit").is_cached(staff):
            return staff.unit.entity_id
    entity_id: int | None = (
        StaffMember.objects.filter(pk=document.staff_id)
        .values_list("unit__entity_id", flat=True)
        .first()
    )
    return entity_id


def sign_refusal(*, document: WorkPlan, actor: User) -> str | None:
    """Rule (docs/rules.md section 10, a setting of the cycle, on by default): when the
    entity of the staff member has published ratings standards, the FRO signs a rating only
    after acknowledging the version in force; a new version asks again. Asked by
    `appraisals.services.sign_evaluation`, the one route by which a rating is signed."""
    if not settings_for(document.cycle).acknowledgement_required:
        return None
    entity_id = _entity_of(document)
    if entity_id is None:
        return None
    current = current_standard(entity_id, document.cycle_id)
    if current is None:
        return None
    mine = Acknowledgement.objects.filter(
        user_id=actor.pk, standard__entity_id=entity_id, standard__cycle_id=document.cycle_id
    )
    if mine.filter(standard=current).exists():
        return None
    params = {
        "entity": current.entity.code,
        "version": current.version,
        "date": formats.date_format(timezone.localtime(current.published_at), "SHORT_DATE_FORMAT")
        if current.published_at
        else "",
    }
    if mine.exists():
        return (
            gettext(
                "The ratings standards of %(entity)s changed on %(date)s (version "
                "%(version)s): acknowledge the new version before you sign a rating."
            )
            % params
        )
    return (
        gettext(
            "Acknowledge the ratings standards of %(entity)s (version %(version)s) before you "
            "sign your first rating: they are above your ratings."
        )
        % params
    )


# --- what the pages show ---------------------------------------------------------------------


@dataclass
class LevelText:
    level: RatingLevel
    text: str


@dataclass
class ScaleTexts:
    kind: str
    label: str
    rows: list[LevelText]


def scale_texts(standard: RatingsStandard, *, blank: bool = False) -> list[ScaleTexts]:
    """The levels of the cycle's scales with the version's text for each (two queries); with
    `blank`, levels without a text too (the draft's form)."""
    texts = dict(standard.texts.values_list("level_id", "text"))
    levels = RatingLevel.objects.filter(scale__cycle_id=standard.cycle_id).select_related("scale")
    scales: dict[str, ScaleTexts] = {}
    labels = dict(RatingScale.Kind.choices)
    for level in sorted(levels, key=lambda lv: (SCALE_ORDER.index(lv.scale.kind), lv.rank)):
        if not blank and not texts.get(level.pk):
            continue
        kind = level.scale.kind
        scale = scales.setdefault(kind, ScaleTexts(kind, str(labels[kind]), []))
        scale.rows.append(LevelText(level, texts.get(level.pk, "")))
    return list(scales.values())


@dataclass
class EvaluationStandards:
    """The version in force, as the rating and review pages show it to one reader."""

    standard: RatingsStandard
    scales: list[ScaleTexts]
    by_level: dict[int, str]
    acknowledged_at: datetime.datetime | None
    can_acknowledge: bool
    required: bool


def evaluation_standards(
    document: WorkPlan, reader: User, roles: frozenset[str]
) -> EvaluationStandards | None:
    """The standards the FRO, SRO, HOD and HR of a document read beside the levels on its
    evaluation page (None for anyone else, or when none are published): four queries."""
    if not roles & {"fro", "sro", "hod", "hr"}:
        return None
    entity_id = _entity_of(document)
    current = current_standard(entity_id, document.cycle_id) if entity_id else None
    if current is None:
        return None
    scales = scale_texts(current)
    acknowledged = (
        Acknowledgement.objects.filter(standard=current, user_id=reader.pk)
        .values_list("acknowledged_at", flat=True)
        .first()
    )
    return EvaluationStandards(
        standard=current,
        scales=scales,
        by_level={row.level.pk: row.text for scale in scales for row in scale.rows},
        acknowledged_at=acknowledged,
        can_acknowledge="fro" in roles
        and acknowledged is None
        and current.cycle.status != Cycle.Status.CLOSED,
        required=settings_for(current.cycle).acknowledgement_required,
    )


def get_visible_standard(user: User, pk: int) -> RatingsStandard:
    """One version, 404 when the user may not read it (the same as one that does not exist)."""
    try:
        if not sees_standard(user, pk):
            raise RatingsStandard.DoesNotExist
        return RatingsStandard.objects.select_related(
            "entity", "cycle", "created_by", "published_by"
        ).get(pk=pk)
    except RatingsStandard.DoesNotExist as exc:
        raise Http404(gettext("No such ratings standards.")) from exc


def versions(user: User, entity_id: int, cycle_id: int) -> list[RatingsStandard]:
    """Every version of the entity's standards for the cycle that `user` reads, newest first:
    the history."""
    return list(
        visible_standards(user)
        .filter(entity_id=entity_id, cycle_id=cycle_id)
        .select_related("published_by", "created_by")
        .annotate(acknowledged=Count("acknowledgements"))
        .order_by("-version")
    )


def acknowledged_at(standard: RatingsStandard, user: User) -> datetime.datetime | None:
    """When `user` acknowledged this version (None: not yet)."""
    found: datetime.datetime | None = (
        Acknowledgement.objects.filter(standard=standard, user_id=user.pk)
        .values_list("acknowledged_at", flat=True)
        .first()
    )
    return found


@dataclass
class FroAcknowledgement:
    user: User
    unit_code: str
    acknowledged_at: datetime.datetime | None


def fro_acknowledgements(standard: RatingsStandard) -> list[FroAcknowledgement]:
    """The FROs of the entity's staff today and when each acknowledged this version (those
    who have not first): two queries."""
    froes = StaffMember.objects.filter(
        pk__in=entity_froes(standard.entity_id, standard.cycle_id)
    ).select_related("user", "unit")
    acknowledged = dict(
        Acknowledgement.objects.filter(standard=standard).values_list("user_id", "acknowledged_at")
    )
    rows = [FroAcknowledgement(fro.user, fro.unit.code, acknowledged.get(fro.pk)) for fro in froes]
    return sorted(
        rows,
        key=lambda r: (r.acknowledged_at is not None, r.user.last_name, r.user.first_name),
    )


@dataclass
class EntityStandards:
    """One line of the list page and the compliance dashboard: an entity's standards for a
    cycle."""

    entity: OrgUnit
    cycle: Cycle
    current: RatingsStandard | None = None
    draft: RatingsStandard | None = None
    froes: int = 0
    acknowledged: int = 0
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def missing(self) -> int:
        return self.froes - self.acknowledged


def froes_of_entities(cycle: Cycle | int) -> QuerySet[Any]:
    """The reporting lines in effect today of the cycle's active staff, with their entity as
    `entity_key`: whose FROs `standards_status` counts. The compliance dashboard counts the
    same from its summary instead (`compliance.summary.standards_counts`, equal to these:
    tests/compliance/test_summary.py)."""
    return (
        lines_in_effect()
        .filter(cycle=cycle, staff__is_active=True)
        .annotate(entity_key=F("staff__unit__entity_id"))
    )


# The published and draft versions of entities for a cycle, on every compliance dashboard:
# compiled once per process and prepared (issue 14).
_IN_FORCE_OR_DRAFT = PreparedQuery(
    lambda *, ids, cycle_id: RatingsStandard.objects.filter(
        InValues("entity_id", ids), cycle_id=cycle_id, state__in=[S.PUBLISHED, S.DRAFT]
    ).select_related("published_by"),
    ids=[-2_000_000_231],
    cycle_id=-2_000_000_233,
)


def standards_status(
    entity_ids: list[int],
    cycle: Cycle,
    *,
    froes: QuerySet[Any] | None = None,
    known: Iterable[Any] = (),
    counts: Callable[[list[int], list[int]], tuple[dict[int, int], dict[int, int]]] | None = None,
) -> list[EntityStandards]:
    """Per entity: the version in force, its FROs today and how many acknowledged it. Three
    queries whatever the number of entities and FROs, one more for the entities unless the
    caller read them (`known`: objects with their `id`, `code`, `name`; the compliance
    dashboard's scope has them, in the database's order of their codes, kept). `froes`: rows
    naming an FRO (`fro_id`) of the entity `entity_key` today, `froes_of_entities(cycle)`
    unless given. `counts`: instead of both, a function giving the FROs and acknowledgements
    per entity for the entities and the standards in force (`compliance.summary.
    standards_counts`: prepared statements over the maintained summary)."""
    wanted = set(entity_ids)
    read = [e for e in known if e.id in wanted]
    if {e.id for e in read} == wanted:
        entities = [
            OrgUnit(id=e.id, code=e.code, name=e.name, kind=OrgUnit.Kind.ENTITY) for e in read
        ]
    else:
        entities = list(OrgUnit.objects.filter(pk__in=entity_ids).order_by("code"))
    rows = {e.pk: EntityStandards(e, cycle) for e in entities}
    for standard in _IN_FORCE_OR_DRAFT.objects(ids=list(rows), cycle_id=cycle.pk):
        if standard.state == S.PUBLISHED:
            rows[standard.entity_id].current = standard
        else:
            rows[standard.entity_id].draft = standard
    if counts is not None:
        published = [row.current.pk for row in rows.values() if row.current is not None]
        fro_counts, acknowledged = counts(list(rows), published)
        for pk, row in rows.items():
            row.froes = fro_counts.get(pk, 0)
            row.acknowledged = acknowledged.get(pk, 0) if row.current is not None else 0
        return list(rows.values())
    lines = (froes_of_entities(cycle) if froes is None else froes).filter(entity_key__in=list(rows))
    for entity_id, count in (
        lines.values("entity_key")
        .annotate(n=Count("fro_id", distinct=True))
        .values_list("entity_key", "n")
    ):
        if entity_id is not None:
            rows[entity_id].froes = count
    published = [row.current.pk for row in rows.values() if row.current is not None]
    if published:
        counted = (
            Acknowledgement.objects.filter(standard_id__in=published)
            .filter(
                Exists(
                    lines.filter(
                        fro_id=OuterRef("user_id"), entity_key=OuterRef("standard__entity_id")
                    )
                )
            )
            .values("standard__entity_id")
            .annotate(n=Count("user_id"))
            .values_list("standard__entity_id", "n")
        )
        for entity_id, count in counted:
            if entity_id is not None:
                rows[entity_id].acknowledged = count
    return list(rows.values())


def standards_home(user: User, cycle: Cycle | None) -> list[EntityStandards]:
    """The list page: the entities `user` heads or is HR focal point of, and those whose
    staff they rate or review, each with the version in force and the draft (the HOD's).
    A fixed number of queries."""
    if cycle is None or not user.is_authenticated:
        return []
    heads = set(OrgUnit.objects.filter(pk__in=hod_entity_ids(user)).values_list("pk", flat=True))
    hr = set(OrgUnit.objects.filter(pk__in=hr_entity_ids(user)).values_list("pk", flat=True))
    rated = {entity for entity, cycle_id in rated_entity_cycles(user) if cycle_id == cycle.pk}
    roles = {
        pk: frozenset(
            role
            for role, held in (("hod", pk in heads), ("hr", pk in hr), ("officer", pk in rated))
            if held
        )
        for pk in heads | hr | rated
    }
    rows = standards_status(sorted(roles), cycle)
    for row in rows:
        row.roles = roles[row.entity.pk]
        if "hod" not in row.roles:
            row.draft = None
    return rows


def _asked(*, user_id: int, cycle_id: int, on: datetime.date) -> QuerySet[Any]:
    """The versions in force the user, as FRO of an entity's staff, is asked to acknowledge:
    (pk, entity code, version)."""
    user = User(pk=user_id)
    entities = (
        officer_lines(user, "fro", on).filter(cycle_id=cycle_id).values("staff__unit__entity_id")
    )
    return (
        RatingsStandard.objects.filter(cycle_id=cycle_id, state=S.PUBLISHED)
        .filter(
            Q(cycle__standards_settings__isnull=True)
            | Q(cycle__standards_settings__acknowledgement_required=True)
        )
        .filter(AnyOf("entity_id", entities))
        .exclude(Exists(Acknowledgement.objects.filter(standard=OuterRef("pk"), user_id=user_id)))
        .order_by("entity__code")
        .values_list("pk", "entity__code", "version")
    )


# Compiled once per process (issue 14: compiling it was most of its 4 ms on every home page).
_ASKED = PreparedQuery(
    _asked, user_id=-2_000_000_037, cycle_id=-2_000_000_041, on=datetime.date(1901, 7, 8)
)


def standards_tasks(user: User, cycle: Cycle | None) -> list[Task]:
    """My tasks: the versions in force that `user`, as FRO of an entity's staff, is asked to
    acknowledge before signing a rating (the cycle's setting on). One query, compiled once:
    the entities of the user's lines as an array computed once (`AnyOf`); as a correlated
    EXISTS per standard it was planned, on the statistics of empty tables, past a 3 s timeout
    (tests/test_planner_statistics.py)."""
    if cycle is None or not user.is_authenticated:
        return []
    return [
        Task(
            interpolate(
                gettext("Acknowledge the ratings standards of %(entity)s (version %(version)s)"),
                {"entity": code, "version": version},
            ),
            "standards:version",
            (pk,),
            None,
            gettext("FRO"),
        )
        for pk, code, version in _ASKED.rows(
            user_id=user.pk, cycle_id=cycle.pk, on=timezone.localdate()
        )
    ]
