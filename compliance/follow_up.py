"""The department's follow-up (issue 17: "staying aware of the status of cases"): for the HODs
and HR focal points of an entity, its open performance improvement plans, its low overall
ratings (the levels of the cycle's scale that may be rebutted or mark under-performance), its
rebuttal cases and its roll-backs, in one view with exports.

Who sees what: the entities of `org.permissions.follow_up_entities` (today's HOD, acting HOD
and HR focal point roles), every document of their staff, as the document pages already show
them. Each list is one query on the filtered documents, whatever their number; a page shows a
slice of each (or one list, paginated) and an export streams the whole list.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appraisals.models import Appraisal, ImprovementPlan, RollBack
from appraisals.selectors import PipStep, next_steps
from org.models import OrgUnit, User
from org.permissions import follow_up_entities
from pmsystem.exports import CHUNK_SIZE, Table
from pmsystem.i18n import translated
from pmsystem.stages import Stage
from rebuttals.models import RebuttalCase
from workplans.models import WorkPlan

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

A = Appraisal.State
R = RebuttalCase.State

# The lists of the view, in the order it shows them.
KINDS: dict[str, StrOrPromise] = {
    "pips": _("Open performance improvement plans"),
    "ratings": _("Low overall ratings"),
    "rebuttals": _("Rebuttal cases"),
    "rollbacks": _("Roll-backs"),
}
# From the FRO's signature on, the evaluation carries an overall rating the reader may act on.
RATED = (A.SRO_REVIEW, A.ACKNOWLEDGEMENT, A.COMPLETED)


def entities(user: User) -> QuerySet[OrgUnit]:
    return follow_up_entities(user).order_by("code")


def scope_documents(entity_ids: list[int]) -> QuerySet[WorkPlan]:
    """Every document of the staff of these entities (the user's follow-up entities)."""
    return WorkPlan.objects.filter(staff__unit__entity_id__in=entity_ids)


def document_ids(documents: QuerySet[WorkPlan]) -> list[int]:
    """The filtered documents' ids, read first (one query).

    Each list then reads its own table by these keys, and what its rows show (the document,
    its staff member, their unit...) by key too, one table at a time (`prefetch_related`).
    Joined in one statement, the planner, on statistics taken while the tables were empty,
    looped over every document and user for each row of a list: seconds at 300 staff
    (tests/test_planner_statistics.py)."""
    return list(documents.order_by().values_list("pk", flat=True))


# What each row shows of its document, read by key.
PERSON = ("document__staff__user", "document__staff__unit")


# --- the four lists -------------------------------------------------------------------------


def open_pips(documents: list[int]) -> QuerySet[ImprovementPlan]:
    return (
        ImprovementPlan.objects.filter(state=ImprovementPlan.State.OPEN, document_id__in=documents)
        .prefetch_related(*PERSON, "opened_by")
        .order_by("end", "pk")
    )


def _below_expectations(level: str) -> Q:
    """A low level of the overall scale: one that may be rebutted or marks under-performance,
    as the cycle's scale says (the UN Secretariat's "Partially meets" and "Does not meet", the
    ILO's "Does not fully meet")."""
    return Q(**{f"{level}__rebuttable": True}) | Q(**{f"{level}__underperformance": True})


def low_ratings(documents: list[int]) -> QuerySet[Appraisal]:
    """Evaluations the FRO signed with a low overall rating (`_below_expectations`): the final
    rating once there is one (a rebuttal panel's higher one included), else the FRO's. The
    lowest first."""
    rating = _below_expectations("final_rating") | (
        Q(final_rating__isnull=True) & _below_expectations("overall_rating")
    )
    return (
        Appraisal.objects.filter(state__in=RATED, document_id__in=documents)
        .filter(rating)
        .annotate(
            has_open_pip=Exists(
                ImprovementPlan.objects.filter(
                    document_id=OuterRef("pk"), state=ImprovementPlan.State.OPEN
                )
            ),
            rank=Coalesce("final_rating__rank", "overall_rating__rank"),
        )
        .select_related("overall_rating", "final_rating")
        .prefetch_related(*PERSON, "document__cycle")
        .order_by("-rank", "document_id")
    )


def rebuttal_cases(documents: list[int]) -> QuerySet[RebuttalCase]:
    return (
        RebuttalCase.objects.exclude(state=R.NOT_FILED)
        .filter(document_id__in=documents)
        .select_related("original_rating")
        .prefetch_related(*PERSON)
        .order_by("report_due", "pk")
    )


def rollbacks(documents: list[int]) -> QuerySet[RollBack]:
    return (
        RollBack.objects.filter(document_id__in=documents)
        .prefetch_related(*PERSON, "requested_by", "performed_by")
        .order_by("-performed_at", "-pk")
    )


def lists(documents: list[int]) -> dict[str, QuerySet[Any]]:
    return {
        "pips": open_pips(documents),
        "ratings": low_ratings(documents),
        "rebuttals": rebuttal_cases(documents),
        "rollbacks": rollbacks(documents),
    }


# --- rows as the page and the exports show them ----------------------------------------------


@dataclass(frozen=True)
class PipRow:
    plan: ImprovementPlan
    step: PipStep


def pip_rows(plans: list[ImprovementPlan]) -> list[PipRow]:
    """The plans with their next step (one query for their meetings)."""
    steps = next_steps(plans)
    return [PipRow(plan, steps[plan.pk]) for plan in plans]


def case_late(case: RebuttalCase, today: datetime.date) -> bool:
    """The HOD's reply or the panel's report is past its date."""
    return (case.hod_replied_at is None and case.reply_due < today) or (
        case.reported_at is None and case.report_due < today
    )


def rating_of(appraisal: Appraisal) -> str:
    level = appraisal.final_rating or appraisal.overall_rating
    return translated(level.label) if level is not None else ""


def _person(document: WorkPlan) -> list[Any]:
    return [str(document.staff.user), document.staff.index_number, document.staff.unit.code]


PERSON_HEADER = [_("Staff member"), _("Index"), _("Unit")]
HEADERS: dict[str, list[StrOrPromise]] = {
    "pips": [*PERSON_HEADER, _("Start"), _("End"), _("Opened by"), _("Next step"), _("Due")],
    "ratings": [*PERSON_HEADER, _("Cycle"), _("Stage"), _("Overall rating"), _("Open PIP")],
    "rebuttals": [
        *PERSON_HEADER,
        _("State"),
        _("Original rating"),
        _("HOD reply due"),
        _("Report due"),
        _("Late"),
    ],
    "rollbacks": [
        *PERSON_HEADER,
        _("Returned to"),
        _("Requested by"),
        _("Performed by"),
        _("Performed at"),
        _("Reason"),
    ],
}


def export_rows(kind: str, queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    """The rows of one list, read in chunks as the export streams."""
    yes = gettext("yes")
    today = timezone.localdate()
    if kind == "pips":
        chunk: list[ImprovementPlan] = []
        for plan in queryset.iterator(chunk_size=CHUNK_SIZE):
            chunk.append(plan)
            if len(chunk) == CHUNK_SIZE:
                yield from _pip_export(chunk)
                chunk = []
        yield from _pip_export(chunk)
        return
    for item in queryset.iterator(chunk_size=CHUNK_SIZE):
        document = item.document
        if kind == "ratings":
            yield [
                *_person(document),
                document.cycle.name,
                str(Stage(document.stage).label),
                rating_of(item),
                yes if item.has_open_pip else "",
            ]
        elif kind == "rebuttals":
            yield [
                *_person(document),
                item.get_state_display(),
                translated(item.original_rating.label),
                item.reply_due,
                item.report_due,
                yes if case_late(item, today) else "",
            ]
        else:
            yield [
                *_person(document),
                item.get_target_stage_display(),
                f"{item.requested_by} ({item.requester_role_label})",
                str(item.performed_by),
                item.performed_at.date(),
                item.reason,
            ]


def _pip_export(plans: list[ImprovementPlan]) -> Iterator[list[Any]]:
    for row in pip_rows(plans):
        plan = row.plan
        yield [
            *_person(plan.document),
            plan.start,
            plan.end,
            str(plan.opened_by),
            str(row.step.name),
            row.step.due,
        ]


def export_table(kind: str, queryset: QuerySet[Any]) -> Table:
    return Table(
        str(KINDS[kind]), [str(title) for title in HEADERS[kind]], export_rows(kind, queryset)
    )
