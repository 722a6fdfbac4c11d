"""Reads for feedback, each a fixed number of queries whatever the organisation's size.

Upward feedback is read only as aggregates (`results_of`, `entity_results`): the mean, the
distribution and the number of answers per question, from the counters; nothing is shown
below the minimum, comments only above it and in random order. Recognition notes are read by
their author, their recipient and the recipient's FRO; HR reads counts per entity and unit.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from org.models import Cycle, OrgUnit, User
from org.permissions import flags_rule_out
from org.relations import lines_in_effect, today
from pmsystem.db import AnyOf, PreparedQuery, raw_day, raw_moment
from pmsystem.i18n import interpolate
from pmsystem.pending import Task
from workplans.models import WorkPlan

from .models import (
    AnswerComment,
    AnswerCount,
    Campaign,
    ColleagueRequest,
    ColleagueRound,
    FeedbackSettings,
    Participation,
    RatedManager,
    RecognitionNote,
    UpwardQuestion,
    settings_for,
)
from .permissions import (
    COLLEAGUE_ROLES,
    answerable,
    asked_of,
    readable_results,
    reads_colleague_answers,
    visible_campaigns,
    visible_notes,
)

S = Campaign.State
PAGE_SIZE = 50
_random = random.SystemRandom()


def responsible_chiefs(
    *, entity: OrgUnit, cycle: Cycle, minimum: int, on: datetime.date | None = None
) -> list[int]:
    """The staff ids of the entity's responsible chiefs: active staff of the entity who are
    FRO of at least `minimum` active staff in the cycle's lines in effect (one query)."""
    return list(
        lines_in_effect(on)
        .filter(
            cycle_id=cycle.pk,
            staff__is_active=True,
            fro__is_active=True,
            fro__unit__entity_id=entity.pk,
        )
        .order_by()
        .values("fro_id")
        .annotate(team=Count("staff_id", distinct=True))
        .filter(team__gte=minimum)
        .values_list("fro_id", flat=True)
    )


# --- results ----------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: UpwardQuestion
    distribution: list[tuple[int, int]]
    count: int
    mean: float | None
    comments: list[str] = field(default_factory=list)

    @property
    def bars(self) -> list[tuple[int, int, int]]:
        """(value, count, percentage of the answers) per value."""
        return [
            (value, count, round(100 * count / self.count) if self.count else 0)
            for value, count in self.distribution
        ]


@dataclass
class Results:
    """A group's results as its readers may see them: figures only from `minimum` counted
    answers on, comments only above it."""

    answered: int
    counted: int
    minimum: int
    top: int
    questions: list[QuestionResult]
    comments_shown: bool

    @property
    def visible(self) -> bool:
        return self.counted >= self.minimum

    @property
    def waiting(self) -> int:
        """Answers given but not counted yet (sealed until there are enough of them)."""
        return max(self.answered - self.counted, 0)


def _question_results(
    questions: Iterable[UpwardQuestion],
    counts: Iterable[tuple[int, int, int]],
    top: int,
    comments: dict[int, list[str]] | None = None,
) -> list[QuestionResult]:
    by_question: dict[int, dict[int, int]] = {}
    for question_id, value, count in counts:
        by_question.setdefault(question_id, {})[value] = count
    results = []
    for question in questions:
        values = by_question.get(question.pk, {})
        distribution = [(value, values.get(value, 0)) for value in range(top, 0, -1)]
        total = sum(count for _, count in distribution)
        mean = sum(v * c for v, c in distribution) / total if total else None
        results.append(
            QuestionResult(
                question=question,
                distribution=distribution,
                count=total,
                mean=round(mean, 2) if mean is not None else None,
                comments=(comments or {}).get(question.pk, []),
            )
        )
    return results


def results_of(rated: RatedManager) -> Results:
    """The group's results (at most four queries): nothing below the minimum, comments only
    above it, shuffled on every reading."""
    settings = settings_for(rated.campaign.cycle)
    answered = Participation.objects.filter(rated_id=rated.pk).count()
    minimum = settings.minimum_group_size
    visible = rated.counted >= minimum
    comments_shown = rated.counted > minimum
    questions: list[QuestionResult] = []
    if visible:
        cycle_questions = list(UpwardQuestion.objects.filter(cycle_id=rated.campaign.cycle_id))
        counts = AnswerCount.objects.filter(rated_id=rated.pk).values_list(
            "question_id", "value", "count"
        )
        comments: dict[int, list[str]] = {}
        if comments_shown:
            for question_id, text in AnswerComment.objects.filter(rated_id=rated.pk).values_list(
                "question_id", "text"
            ):
                comments.setdefault(question_id, []).append(text)
            for texts in comments.values():
                _random.shuffle(texts)
        questions = _question_results(cycle_questions, counts, settings.scale_top, comments)
    return Results(
        answered=answered,
        counted=rated.counted,
        minimum=minimum,
        top=settings.scale_top,
        questions=questions,
        comments_shown=comments_shown,
    )


@dataclass
class EntityResults:
    managers: int
    counted: int
    questions: list[QuestionResult]

    @property
    def visible(self) -> bool:
        return self.managers >= ENTITY_MINIMUM_MANAGERS


# The entity's figures pool at least two managers' results: never one manager's, read by HR.
ENTITY_MINIMUM_MANAGERS = 2


def entity_results(campaign: Campaign) -> EntityResults:
    """The entity's aggregates for HR: the counters of every manager whose results are shown,
    summed (three queries); no comment."""
    settings = settings_for(campaign.cycle)
    shown = RatedManager.objects.filter(
        campaign=campaign, counted__gte=settings.minimum_group_size
    ).aggregate(managers=Count("pk"), counted=Coalesce(Sum("counted"), 0))
    questions: list[QuestionResult] = []
    if shown["managers"] >= ENTITY_MINIMUM_MANAGERS:
        counts = (
            AnswerCount.objects.filter(
                rated__campaign=campaign, rated__counted__gte=settings.minimum_group_size
            )
            .order_by()
            .values("question_id", "value")
            .annotate(total=Sum("count"))
            .values_list("question_id", "value", "total")
        )
        questions = _question_results(
            UpwardQuestion.objects.filter(cycle_id=campaign.cycle_id), counts, settings.scale_top
        )
    return EntityResults(managers=shown["managers"], counted=shown["counted"], questions=questions)


# --- what a person finds ----------------------------------------------------------------------


def _with_settings(queryset: QuerySet[RatedManager]) -> QuerySet[RatedManager]:
    return queryset.select_related(
        "manager__user", "campaign__cycle__feedback_settings", "campaign__entity"
    )


@dataclass
class ToAnswer:
    rated: RatedManager
    answered: bool
    opens: datetime.date
    closes: datetime.date
    settings: FeedbackSettings

    @property
    def is_open(self) -> bool:
        today = timezone.localdate()
        return (
            self.rated.campaign.state == S.OPEN
            and self.settings.upward_enabled
            and self.opens <= today <= self.closes
        )


def _answerable_rows(
    user: User, on: datetime.date, cycle_id: int | None = None
) -> QuerySet[RatedManager]:
    rated = answerable(user, on).annotate(
        answered=Exists(Participation.objects.filter(rated=OuterRef("pk"), respondent_id=user.pk))
    )
    if cycle_id is not None:
        rated = rated.filter(campaign__cycle_id=cycle_id)
    return _with_settings(rated).order_by("-campaign__cycle__start", "manager_id")


# One cycle's, for My tasks: compiled once per process and prepared (issue 14; compiling the
# campaign, its settings and the manager took a sixth of a staff member's home page).
_TO_ANSWER = PreparedQuery(
    lambda *, user_id, on, cycle_id: _answerable_rows(User(pk=user_id), on, cycle_id),
    user_id=-2_000_000_097,
    on=datetime.date(1901, 3, 15),
    cycle_id=-2_000_000_099,
)


def to_answer(user: User, *, cycle: Cycle | None = None) -> list[ToAnswer]:
    """The managers `user` answers on (their FRO today, rated in a campaign), whether they
    have answered, and the window: one query."""
    if not user.is_authenticated:
        return []
    rows: Iterable[Any] = (
        _answerable_rows(user, today())
        if cycle is None
        else _TO_ANSWER.objects(user_id=user.pk, on=today(), cycle_id=cycle.pk)
    )
    found = []
    for row in rows:
        settings = settings_for(row.campaign.cycle)
        opens, closes = settings.window()
        found.append(ToAnswer(row, row.answered, opens, closes, settings))
    return found


def upward_tasks(user: User, cycle: Cycle | None) -> list[Task]:
    """My tasks: the feedback `user` may give now and has not given."""
    if cycle is None or not user.is_authenticated:
        return []
    return [
        Task(
            interpolate(
                gettext("Give your anonymous feedback on %(name)s"),
                {"name": row.rated.manager.user},
            ),
            "feedback:upward-answer",
            (row.rated.pk,),
            row.closes,
            gettext("Supervisee"),
        )
        for row in to_answer(user, cycle=cycle)
        if row.is_open and not row.answered
    ]


def results_list(user: User) -> list[RatedManager]:
    """The groups whose results `user` reads (theirs, and as FRO or SRO): one query, newest
    cycle first."""
    return list(
        _with_settings(readable_results(user)).order_by(
            "-campaign__cycle__start", "manager__user__last_name", "manager_id"
        )
    )


def get_readable_results(user: User, pk: int) -> RatedManager:
    return get_object_or_404(_with_settings(readable_results(user)), pk=pk)


def get_answerable(user: User, pk: int) -> RatedManager:
    return get_object_or_404(_with_settings(answerable(user)), pk=pk)


# --- HR: campaigns and participation ----------------------------------------------------------


@dataclass
class CampaignRow:
    entity: OrgUnit
    campaign: Campaign | None
    rated: int = 0
    answered: int = 0


def campaign_overview(entities: Iterable[OrgUnit], cycle: Cycle | None) -> list[CampaignRow]:
    """Per entity: the cycle's campaign, how many managers it rates and how many answers it
    has (two queries)."""
    entities = list(entities)
    if cycle is None:
        return [CampaignRow(entity, None) for entity in entities]
    campaigns = {
        c.entity_id: c
        for c in Campaign.objects.filter(cycle=cycle, entity__in=entities).annotate(
            rated_count=Count("rated", distinct=True),
            answered_count=Count("rated__participations", distinct=True),
        )
    }
    rows = []
    for entity in entities:
        campaign = campaigns.get(entity.pk)
        rows.append(
            CampaignRow(
                entity,
                campaign,
                getattr(campaign, "rated_count", 0),
                getattr(campaign, "answered_count", 0),
            )
        )
    return rows


def get_visible_campaign(user: User, pk: int) -> Campaign:
    return get_object_or_404(
        visible_campaigns(user).select_related("cycle__feedback_settings", "entity"), pk=pk
    )


def participation_rows(
    campaign: Campaign, on: datetime.date | None = None
) -> QuerySet[RatedManager]:
    """Per rated manager: their current supervisees (who may answer), how many answered and
    how many answers are counted. Never who answered."""
    answered = (
        Participation.objects.filter(rated=OuterRef("pk"))
        .order_by()
        .values("rated")
        .annotate(n=Count("*"))
        .values("n")
    )
    eligible = (
        lines_in_effect(on)
        .filter(
            cycle_id=OuterRef("campaign__cycle_id"),
            fro_id=OuterRef("manager_id"),
            staff__is_active=True,
        )
        .order_by()
        .values("fro_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        RatedManager.objects.filter(campaign=campaign)
        .select_related("manager__user", "manager__unit")
        .annotate(
            answered=Coalesce(Subquery(answered, output_field=IntegerField()), 0),
            eligible=Coalesce(Subquery(eligible, output_field=IntegerField()), 0),
        )
        .order_by("manager__user__last_name", "manager__user__first_name", "manager_id")
    )


def participation_page(campaign: Campaign, number: str | None) -> Page[RatedManager]:
    return Paginator(participation_rows(campaign), PAGE_SIZE).get_page(number)


def participation_totals(campaign: Campaign) -> dict[str, int]:
    """The campaign's answers and the supervisees who may answer, in all (two queries)."""
    answered = Participation.objects.filter(rated__campaign=campaign).count()
    eligible = (
        lines_in_effect()
        .filter(
            cycle_id=campaign.cycle_id,
            staff__is_active=True,
            fro_id__in=RatedManager.objects.filter(campaign=campaign).values("manager_id"),
        )
        .count()
    )
    return {"answered": answered, "eligible": eligible}


# --- the manager's evaluation (`pmsystem.registry`) ------------------------------------------


def evaluation_section(document: WorkPlan, reader: User, roles: frozenset[str]) -> str:
    """The manager's upward feedback on their evaluation, for their FRO and SRO only (the
    supervisor's supervisor takes it into account): as aggregates, as everywhere."""
    if not roles & {"fro", "sro"}:
        return ""
    rated = (
        _with_settings(RatedManager.objects.all())
        .filter(
            manager_id=document.staff_id,
            campaign__cycle_id=document.cycle_id,
            campaign__state__in=[S.OPEN, S.CLOSED],
        )
        .first()
    )
    if rated is None:
        return ""
    return render_to_string(
        "feedback/_evaluation_section.html", {"rated": rated, "results": results_of(rated)}
    )


# --- colleague feedback -----------------------------------------------------------------------


def colleague_round(document: WorkPlan) -> ColleagueRound:
    """The document's colleague round, or an unsaved draft when nobody was named yet."""
    found = ColleagueRound.objects.filter(document_id=document.pk).first()
    if found is None:
        found = ColleagueRound(document=document)
    found.document = document
    return found


def colleague_requests(round_: ColleagueRound) -> list[ColleagueRequest]:
    if not round_.pk:
        return []
    return list(round_.requests.select_related("colleague__staff__unit", "proposed_by"))


def answered_requests(document: WorkPlan) -> list[ColleagueRequest]:
    """The document's answered (signed) and declined requests, for its readers (one query)."""
    return list(
        ColleagueRequest.objects.filter(
            round__document_id=document.pk,
            state__in=[ColleagueRequest.State.ANSWERED, ColleagueRequest.State.DECLINED],
        )
        .select_related("colleague")
        .order_by("answered_at", "pk")
    )


def get_asked_request(user: User, pk: int) -> ColleagueRequest:
    """A request asked of `user` (404 for anyone else, the document's readers included)."""
    return get_object_or_404(
        asked_of(user).select_related(
            "round__document__staff__user", "round__document__cycle", "colleague"
        ),
        pk=pk,
    )


def asked_list(user: User) -> list[ColleagueRequest]:
    """Every request asked of `user`, newest cycle first (one query)."""
    return list(
        asked_of(user)
        .select_related("round__document__staff__user", "round__document__cycle", "round")
        .order_by("-round__document__cycle__start", "state", "pk")
    )


def _probation_midterm(document: WorkPlan) -> datetime.date | None:
    """The mid-term date of a staff member on probation, when it falls in the cycle."""
    staff = document.staff
    if not staff.on_probation:
        return None
    midterm = settings_for(document.cycle).probation_midterm(staff)
    return midterm if document.cycle.start <= midterm <= document.cycle.end else None


def asked_as_colleague(on: datetime.date) -> Exists:
    """The request flag (`pmsystem.registry.register_request_flag`): a request asked of the
    user as a colleague waits for their answer, in any cycle (`_asked_of`'s, in one)."""
    return Exists(
        ColleagueRequest.objects.filter(
            colleague_id=OuterRef("pk"), state=ColleagueRequest.State.ASKED
        )
    )


def _asked_of(*, user_id: int, cycle_id: int) -> QuerySet[Any]:
    """The requests the user is asked as a colleague in the cycle: (pk, due, the staff
    member's names)."""
    return (
        asked_of(User(pk=user_id))
        .filter(state=ColleagueRequest.State.ASKED, round__document__cycle_id=cycle_id)
        .order_by("pk")
        .values_list(
            "pk",
            "round__due",
            "round__document__staff__user__first_name",
            "round__document__staff__user__last_name",
            "round__document__staff__user__email",
        )
    )


def _to_confirm(*, user_id: int, cycle_id: int, on: datetime.date) -> QuerySet[Any]:
    """The lists submitted to the user as FRO in the cycle: (document, submitted at, names).
    The FRO's staff as an array computed once (pmsystem.db.AnyOf): an IN subquery here was
    planned past the 3 s statement timeout on the statistics of empty tables (issue 11)."""
    officer = lines_in_effect(on).filter(cycle_id=cycle_id, fro_id=user_id).values("staff_id")
    return (
        ColleagueRound.objects.filter(
            AnyOf("document__staff_id", officer),
            state=ColleagueRound.State.SUBMITTED,
            document__cycle_id=cycle_id,
        )
        .order_by("pk")
        .values_list(
            "document_id",
            "submitted_at",
            "document__staff__user__first_name",
            "document__staff__user__last_name",
            "document__staff__user__email",
        )
    )


# Compiled once per process (issue 14: compiling them was most of 5 ms on every home page).
_ASKED_OF = PreparedQuery(_asked_of, user_id=-2_000_000_043, cycle_id=-2_000_000_047)
_TO_CONFIRM = PreparedQuery(
    _to_confirm, user_id=-2_000_000_053, cycle_id=-2_000_000_059, on=datetime.date(1901, 8, 9)
)


def _name(first: str, last: str, email: str) -> str:
    """A person's name as `User.__str__` gives it (from the values of a prepared query)."""
    return str(User(first_name=first or "", last_name=last or "", email=email))


def colleague_tasks(user: User, cycle: Cycle | None, own: WorkPlan | None = None) -> list[Task]:
    """My tasks: requests to answer as a colleague, lists to confirm as FRO, and the list a
    staff member on probation has to propose before their mid-term (two queries; three for a
    staff member on probation)."""
    if cycle is None or not user.is_authenticated:
        return []
    R = ColleagueRound.State
    tasks = [
        Task(
            interpolate(
                gettext("Give feedback on the work of %(name)s"),
                {"name": _name(first, last, email)},
            ),
            "feedback:colleague-request",
            (pk,),
            raw_day(due),
            gettext("Colleague"),
        )
        for pk, due, first, last, email in (
            # Not asked of the signed-in user whose request flags say no request waits.
            []
            if flags_rule_out(user, "asked_as_colleague")
            else _ASKED_OF.rows(user_id=user.pk, cycle_id=cycle.pk)
        )
    ]
    # Only an FRO has lists to confirm: not asked of someone the request's flags say is not.
    to_confirm = (
        []
        if flags_rule_out(user, "is_officer", cycle=cycle)
        else _TO_CONFIRM.rows(user_id=user.pk, cycle_id=cycle.pk, on=timezone.localdate())
    )
    for document_id, submitted_at, first, last, email in to_confirm:
        submitted = raw_moment(submitted_at)
        tasks.append(
            Task(
                interpolate(
                    gettext("Confirm the colleagues asked for feedback on %(name)s"),
                    {"name": _name(first, last, email)},
                ),
                "feedback:colleagues",
                (document_id,),
                None
                if submitted is None
                else timezone.localdate(submitted) + datetime.timedelta(days=CONFIRMATION_DAYS),
                gettext("FRO"),
            )
        )
    midterm = _probation_midterm(own) if own is not None and own.cycle_id == cycle.pk else None
    if own is not None and midterm is not None:
        state = (
            ColleagueRound.objects.filter(document_id=own.pk)
            .values_list("state", flat=True)
            .first()
        )
        if state in (None, R.DRAFT):
            tasks.append(
                Task(
                    gettext("Name colleagues to give feedback for your probation mid-term"),
                    "feedback:colleagues",
                    (own.pk,),
                    midterm,
                    gettext("Staff member"),
                )
            )
    return tasks


# The FRO confirms a list within a week of receiving it.
CONFIRMATION_DAYS = 7


def colleague_section(
    document: WorkPlan, reader: User, roles: frozenset[str], *, pdf: bool = False
) -> str:
    """The signed colleague feedback on the evaluation page (and in the PDF), for those who
    read it: the FRO and SRO, and the staff member when the cycle says so."""
    if not reads_colleague_answers(roles & COLLEAGUE_ROLES, document):
        return ""
    requests = answered_requests(document)
    if pdf:
        requests = [r for r in requests if r.state == ColleagueRequest.State.ANSWERED]
    if not requests:
        return ""
    return render_to_string(
        "feedback/_colleague_answers.html",
        {"requests": requests, "work_plan": document, "pdf": pdf},
    )


def colleague_pdf_section(document: WorkPlan, reader: User, roles: frozenset[str]) -> str:
    return colleague_section(document, reader, roles, pdf=True)


# --- recognition ------------------------------------------------------------------------------


def _notes(queryset: QuerySet[RecognitionNote]) -> QuerySet[RecognitionNote]:
    return queryset.select_related("sender", "recipient__user", "competency", "cycle")


@dataclass
class RecognitionLists:
    received: list[RecognitionNote]
    sent: list[RecognitionNote]
    team: list[RecognitionNote]


def recognition_lists(user: User, cycle: Cycle | None) -> RecognitionLists:
    """The notes `user` received, sent, and those to the staff they are FRO of, in `cycle`
    (one query)."""
    if cycle is None:
        return RecognitionLists([], [], [])
    notes = list(_notes(visible_notes(user).filter(cycle_id=cycle.pk)))
    return RecognitionLists(
        received=[n for n in notes if n.recipient_id == user.pk],
        sent=[n for n in notes if n.sender_id == user.pk],
        team=[n for n in notes if user.pk not in (n.recipient_id, n.sender_id)],
    )


def get_visible_note(user: User, pk: int) -> RecognitionNote:
    return get_object_or_404(_notes(visible_notes(user)), pk=pk)


@dataclass
class RecognitionCount:
    unit: OrgUnit
    notes: int


def recognition_counts(
    entities: Iterable[OrgUnit], cycle: Cycle | None
) -> list[tuple[OrgUnit, int, list[RecognitionCount]]]:
    """Per entity, how many notes its staff received in the cycle (withdrawn ones left out),
    in all and per unit: never per person (two queries)."""
    entities = list(entities)
    if cycle is None or not entities:
        return [(entity, 0, []) for entity in entities]
    counts = dict(
        RecognitionNote.objects.filter(cycle_id=cycle.pk, recipient__unit__entity__in=entities)
        .exclude(state=RecognitionNote.State.WITHDRAWN)
        .order_by()
        .values("recipient__unit_id")
        .annotate(n=Count("pk"))
        .values_list("recipient__unit_id", "n")
    )
    units = OrgUnit.objects.filter(pk__in=list(counts)).order_by("code")
    by_entity: dict[int, list[RecognitionCount]] = {}
    for unit in units:
        by_entity.setdefault(unit.entity_id or unit.pk, []).append(
            RecognitionCount(unit, counts[unit.pk])
        )
    return [
        (entity, sum(c.notes for c in by_entity.get(entity.pk, [])), by_entity.get(entity.pk, []))
        for entity in entities
    ]


def recognition_section(document: WorkPlan, reader: User, roles: frozenset[str]) -> str:
    """The notes the staff member attached to their document, on the evaluation page and in
    the PDF, for the document's readers."""
    notes = list(
        _notes(
            RecognitionNote.objects.filter(
                document_id=document.pk, state=RecognitionNote.State.ATTACHED
            )
        ).order_by("sent_at", "pk")
    )
    if not notes:
        return ""
    return render_to_string("feedback/_recognition_attached.html", {"notes": notes})
