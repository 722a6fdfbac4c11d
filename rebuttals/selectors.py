"""Reads for rebuttals: the case page, HR's monitoring list, rosters."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from org.models import Cycle, OrgUnit, User
from org.permissions import entity_ids_where, flags_rule_out, hod_entity_ids
from pmsystem.db import PreparedQuery, raw_day
from pmsystem.i18n import Phrase, interpolate, phrase, render

from .models import Group, PanelMember, PanelRoster, RebuttalCase, RosterMember
from .permissions import monitored_entities, sees_case

if TYPE_CHECKING:
    from pmsystem.pending import Task
    from workplans.models import WorkPlan

S = RebuttalCase.State


def get_visible_case(user: User, pk: int) -> RebuttalCase:
    try:
        if not sees_case(user, pk):
            raise RebuttalCase.DoesNotExist
        return RebuttalCase.objects.select_related(
            "document__staff__user",
            "document__staff__unit__entity",
            "document__cycle",
            "document__appraisal__final_rating",
            "original_rating",
            "panel_rating",
            "hod_replied_by",
        ).get(pk=pk)
    except RebuttalCase.DoesNotExist as exc:
        raise Http404("No such rebuttal.") from exc


@dataclass
class CaseRow:
    case: RebuttalCase
    today: datetime.date

    @property
    def reply_late(self) -> bool:
        return self.case.hod_replied_at is None and self.today > self.case.reply_due

    @property
    def report_late(self) -> bool:
        return self.case.reported_at is None and self.today > self.case.report_due

    @property
    def late(self) -> bool:
        return self.reply_late or self.report_late


def monitored_cases(
    user: User, *, entity_id: int | None = None, state: str | None = None, late_only: bool = False
) -> QuerySet[RebuttalCase]:
    """Every case in the entities where the user is an HR focal point (or HOD): one query."""
    entities = monitored_entities(user).values("pk")
    cases = (
        RebuttalCase.objects.exclude(state=S.NOT_FILED)
        .filter(document__staff__unit__entity_id__in=entities)
        .select_related(
            "document__staff__user",
            "document__staff__unit__entity",
            "document__cycle",
            "original_rating",
            "panel_rating",
            "status_file",
        )
        .order_by("reply_due", "pk")
    )
    if entity_id:
        cases = cases.filter(document__staff__unit__entity_id=entity_id)
    if state:
        cases = cases.filter(state=state)
    if late_only:
        today = timezone.localdate()
        cases = cases.filter(
            Q(hod_replied_at__isnull=True, reply_due__lt=today)
            | Q(reported_at__isnull=True, report_due__lt=today)
        )
    return cases


def roster_of(entity: OrgUnit) -> PanelRoster | None:
    return PanelRoster.objects.filter(entity=entity).first()


def roster_members(roster: PanelRoster | None) -> list[RosterMember]:
    if roster is None:
        return []
    return list(
        roster.members.filter(removed_at__isnull=True)
        .select_related("user__staff", "designated_by")
        .order_by("group", "user__last_name", "user__first_name")
    )


def roster_counts(roster: PanelRoster | None) -> dict[str, int]:
    counts = dict.fromkeys(Group.values, 0)
    if roster is None:
        return counts
    counts.update(
        roster.members.filter(removed_at__isnull=True)
        .values_list("group")
        .annotate(n=Count("pk"))
        .values_list("group", "n")
    )
    return counts


def roster_problem_phrases(roster: PanelRoster | None) -> list[Phrase]:
    """Why the roster cannot be published, as phrases each reader reads in their language
    (`pmsystem.i18n`): the three groups must be equal and not empty."""
    counts = roster_counts(roster)
    if not any(counts.values()):
        return [phrase(gettext_noop("The roster has no members yet."))]
    target = max(counts.values())
    return [
        phrase(
            gettext_noop("%(group)s: %(count)s of %(target)s — add %(missing)s."),
            group=Group(group).label,
            count=count,
            target=target,
            missing=target - count,
        )
        for group, count in counts.items()
        if count < target
    ]


def roster_problems(roster: PanelRoster | None) -> list[str]:
    """Why the roster cannot be published, in the active language."""
    return [render(problem) for problem in roster_problem_phrases(roster)]


def sentences(phrases: list[Phrase]) -> Phrase:
    """Several phrases as one, each read in the reader's language."""
    joined = phrases[0]
    for following in phrases[1:]:
        joined = phrase(gettext_noop("%(first)s %(second)s"), first=joined, second=following)
    return joined


@dataclass(frozen=True)
class RosterNotice:
    """Why a case's panel cannot be constituted from the entity's roster: it is not published
    (never, or no longer: when, by whom, after what change) and what it lacks."""

    roster: PanelRoster | None
    problems: list[str]

    @property
    def because(self) -> str:
        if self.roster is None or not self.roster.unpublished_because:
            return ""
        return render(self.roster.unpublished_because)


def roster_notice(entity_id: int) -> RosterNotice | None:
    """None when the entity's roster is published; else what the case page says (two queries
    at most)."""
    roster = (
        PanelRoster.objects.filter(entity_id=entity_id).select_related("unpublished_by").first()
    )
    if roster is not None and roster.is_published:
        return None
    return RosterNotice(roster, roster_problems(roster))


def _chairs(user_id: Any) -> QuerySet[PanelMember]:
    """The seats `user_id` holds as a panel's chair."""
    return PanelMember.objects.filter(user_id=user_id, seat=Group.CHAIR, excused_at__isnull=True)


def chairs_a_panel(on: datetime.date) -> Exists:
    """The request flag (`pmsystem.registry.register_request_flag`): the user chairs a panel.
    With their department roles and delegations (`org.permissions.REQUEST_FLAGS`), it holds
    whenever `rebuttal_tasks` could find a case: as HOD (a role or acting for one), as HR
    focal point (a role), as chair (this)."""
    return Exists(_chairs(OuterRef("pk")))


def _task_cases(*, user_id: int, on: datetime.date) -> QuerySet[Any]:
    """The cases waiting for the user, with the role each waits for them in."""
    user = User(pk=user_id)
    in_entity = "document__staff__unit__entity_id__in"
    as_hod = Q(state=S.FILED, **{in_entity: hod_entity_ids(user, on)})
    as_hr = Q(**{in_entity: entity_ids_where(user, "rollback_entity_documents", on)}) & (
        Q(state__in=[S.FILED, S.REPLIED], panel_constituted_at__isnull=True) | Q(state=S.REPORTED)
    )
    # The chair's report waits for the HOD's reply (the workflow's source state).
    as_chair = Q(state=S.REPLIED) & Exists(_chairs(user_id).filter(case=OuterRef("pk")))
    flag = partial(ExpressionWrapper, output_field=BooleanField())
    # A panel is constituted from the entity's published roster only: until it is published
    # (again), HR's task says so and leads to the roster.
    published = PanelRoster.objects.filter(
        entity_id=OuterRef("document__staff__unit__entity_id"), published_at__isnull=False
    )
    return (
        RebuttalCase.objects.filter(as_hod | as_hr | as_chair)
        .annotate(
            is_hod=flag(as_hod),
            is_hr=flag(as_hr),
            is_chair=flag(as_chair),
            roster_published=Exists(published),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "is_hod",
            "is_hr",
            "is_chair",
            "roster_published",
            "state",
            "reply_due",
            "report_due",
            "document__staff__user__first_name",
            "document__staff__user__last_name",
            "document__staff__user__email",
            "document__staff__unit__entity_id",
            "document__staff__unit__entity__code",
        )
    )


# Compiled once per process (issue 14: compiling it was most of its 8 ms on every home page);
# one query with what the tasks say (a second one for the cases was planned past the statement
# timeout on the statistics of empty tables: tests/test_planner_statistics.py).
_TASK_CASES = PreparedQuery(_task_cases, user_id=-2_000_000_023, on=datetime.date(1901, 5, 6))


def rebuttal_tasks(user: User, cycle: Cycle | None) -> list[Task]:
    """What waits for the user on rebuttals: HOD replies, panels to constitute, reports to
    record, cases to forward. One query, compiled once."""
    from pmsystem.pending import Task

    if not user.is_authenticated or flags_rule_out(
        user, "has_department_role", "is_acting", "chairs_a_panel"
    ):
        return []
    tasks: list[Task] = []
    for (
        pk,
        is_hod,
        is_hr,
        is_chair,
        roster_published,
        state,
        reply_due,
        report_due,
        first,
        last,
        email,
        entity_id,
        entity_code,
    ) in _TASK_CASES.rows(user_id=user.pk, on=timezone.localdate()):
        # The values come raw from the driver (SQLite: dates as text).
        who = User(first_name=first or "", last_name=last or "", email=email)
        reply_due, report_due = raw_day(reply_due), raw_day(report_due)
        if is_hod:
            tasks.append(
                Task(
                    interpolate(gettext("Reply to the rebuttal of %(name)s"), {"name": who}),
                    "rebuttals:case",
                    (pk,),
                    reply_due,
                    gettext("HOD"),
                )
            )
        if is_hr:
            url_name, url_args = "rebuttals:case", (pk,)
            if state == S.REPORTED:
                label = gettext("Forward the panel report on %(name)s to the status file")
            elif roster_published:
                label = gettext("Constitute the rebuttal panel for %(name)s")
            else:
                label = gettext(
                    "Publish the panel roster of %(entity)s (it is not published), then "
                    "constitute the rebuttal panel for %(name)s"
                )
                url_name, url_args = "rebuttals:roster", (entity_id,)
            tasks.append(
                Task(
                    interpolate(label, {"name": who, "entity": entity_code}),
                    url_name,
                    url_args,
                    report_due,
                    gettext("HR focal point"),
                )
            )
        if is_chair:
            tasks.append(
                Task(
                    interpolate(gettext("Record the panel report on %(name)s"), {"name": who}),
                    "rebuttals:case",
                    (pk,),
                    report_due,
                    gettext("Panel chair"),
                )
            )
    return tasks


def evaluation_extra(document: WorkPlan) -> dict[str, Any]:
    """What the evaluation page shows of the rebuttal stage (`pmsystem.registry`): the case of
    the document, if one was filed."""
    return {"rebuttal": RebuttalCase.objects.filter(document_id=document.pk).first()}


def cases_waiting_for_a_panel(entity: OrgUnit) -> int:
    """The entity's cases whose panel is still to constitute (one query)."""
    return RebuttalCase.objects.filter(
        state__in=[S.FILED, S.REPLIED],
        panel_constituted_at__isnull=True,
        document__staff__unit__entity=entity,
    ).count()
