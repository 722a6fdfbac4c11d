"""Feedback pages. Thin: load through a selector (404 when not visible), check the rule,
call a service, render. No page, export or form shows who gave which answer: answers are read
only as the aggregates of `feedback.selectors`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from org.selectors import current_cycle
from pmsystem.errors import ApplicationError
from pmsystem.exports import Table, csv_response, xlsx_response
from pmsystem.i18n import translated
from pmsystem.security import log_event

from . import selectors, services
from .forms import UpwardAnswerForm
from .models import UpwardQuestion, settings_for
from .permissions import answer_refusal, campaign_entities, campaign_roles
from .workflow import CAMPAIGN

EXPORT_FORMATS = ("csv", "xlsx")


def home(request: HttpRequest) -> HttpResponse:
    """Feedback: what the user may give, the results they may read, and (HR) the campaigns."""
    cycle = current_cycle()
    return render(
        request,
        "feedback/home.html",
        {
            "cycle": cycle,
            "to_answer": selectors.to_answer(request.user, cycle=cycle) if cycle else [],
            "results": selectors.results_list(request.user),
            "runs_campaigns": campaign_entities(request.user).exists(),
        },
    )


# --- upward feedback: answering and results ---------------------------------------------------


def upward_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisee's questionnaire on their FRO; 404 for anyone else (the manager included)."""
    rated = selectors.get_answerable(request.user, pk)
    settings = settings_for(rated.campaign.cycle)
    refusal = answer_refusal(rated, request.user, timezone.localdate())
    questions = list(UpwardQuestion.objects.filter(cycle_id=rated.campaign.cycle_id))
    form = UpwardAnswerForm(
        request.POST if request.method == "POST" else None,
        questions=questions,
        top=settings.scale_top,
    )
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            return redirect("feedback:upward-answer", rated.pk)
        if form.is_valid():
            try:
                services.give_upward_feedback(
                    rated=rated,
                    actor=request.user,
                    answers=form.answers(),
                    comments=form.comments(),
                )
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    gettext("Thank you: your feedback on %(name)s is recorded, without your name.")
                    % {"name": rated.manager.user},
                )
                return redirect("feedback:home")
    opens, closes = settings.window()
    return render(
        request,
        "feedback/upward_answer.html",
        {
            "rated": rated,
            "form": form,
            "refusal": refusal,
            "opens": opens,
            "closes": closes,
            "settings": settings,
        },
    )


def upward_results(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager's results, for the manager and their FRO and SRO; 404 for anyone else."""
    rated = selectors.get_readable_results(request.user, pk)
    return render(
        request,
        "feedback/upward_results.html",
        {
            "rated": rated,
            "results": selectors.results_of(rated),
            "own": rated.manager_id == request.user.pk,
        },
    )


# --- upward feedback: HR's campaigns ---------------------------------------------------------


def campaigns(request: HttpRequest) -> HttpResponse:
    """The HR focal point's entities and their campaign for the open cycle."""
    entities = list(campaign_entities(request.user).order_by("code"))
    if not entities:
        raise PermissionDenied(gettext("HR focal points run upward-feedback campaigns."))
    cycle = current_cycle()
    settings = settings_for(cycle) if cycle else None
    return render(
        request,
        "feedback/campaign_list.html",
        {
            "cycle": cycle,
            "settings": settings,
            "window": settings.window() if settings else None,
            "rows": selectors.campaign_overview(entities, cycle),
        },
    )


@require_POST
def campaign_launch(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = get_object_or_404(campaign_entities(request.user), pk=entity_id)
    cycle = current_cycle()
    if cycle is None:
        messages.error(request, gettext("No performance cycle is open."))
        return redirect("feedback:campaigns")
    try:
        result = services.launch_campaign(entity=entity, cycle=cycle, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("feedback:campaigns")
    messages.success(
        request,
        gettext("Upward feedback in %(entity)s: %(count)s manager(s) added to those rated.")
        % {"entity": entity.code, "count": result.added},
    )
    return redirect("feedback:campaign", result.campaign.pk)


def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Participation per rated manager (never who answered) and the entity's aggregates."""
    campaign = selectors.get_visible_campaign(request.user, pk)
    settings = settings_for(campaign.cycle)
    roles = campaign_roles(request.user, campaign)
    return render(
        request,
        "feedback/campaign_detail.html",
        {
            "campaign": campaign,
            "settings": settings,
            "window": settings.window(),
            "page": selectors.participation_page(campaign, request.GET.get("page")),
            "totals": selectors.participation_totals(campaign),
            "entity_results": selectors.entity_results(campaign),
            "close_refusal": CAMPAIGN.refusal(campaign, "close", roles),
            "launch_refusal": CAMPAIGN.refusal(campaign, "launch", roles),
        },
    )


@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.get_visible_campaign(request.user, pk)
    try:
        services.close_campaign(campaign=campaign, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("Upward feedback closed: the last answers are counted."))
    return redirect("feedback:campaign", campaign.pk)


def campaign_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Participation per manager and the entity's aggregates, as CSV or XLSX: the same
    figures as the page, never an answer of a person."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown format.")
    campaign = selectors.get_visible_campaign(request.user, pk)
    participation = Table(
        gettext("Participation"),
        [
            gettext("Manager"),
            gettext("Index number"),
            gettext("Staff who may answer"),
            gettext("Answers"),
            gettext("Answers counted"),
        ],
        (
            (str(r.manager.user), r.manager.index_number, r.eligible, r.answered, r.counted)
            for r in selectors.participation_rows(campaign).iterator(chunk_size=500)
        ),
    )
    results = selectors.entity_results(campaign)
    aggregates = Table(
        gettext("Results"),
        [gettext("Question"), gettext("Answers"), gettext("Mean")]
        + [str(value) for value in range(1, settings_for(campaign.cycle).scale_top + 1)],
        (
            [translated(q.question.text), q.count, q.mean]
            + [count for _, count in sorted(q.distribution)]
            for q in results.questions
        ),
    )
    filename = f"upward-feedback-{campaign.entity.code}-{campaign.cycle.name}.{fmt}"
    if fmt == "csv":
        return csv_response(
            participation,
            filename=filename,
            on_done=lambda rows: log_event(
                "export", user=request.user.pk, view="upward_feedback", format=fmt, rows=rows
            ),
        )
    response, rows = xlsx_response([participation, aggregates], filename=filename)
    log_event("export", user=request.user.pk, view="upward_feedback", format=fmt, rows=rows)
    return response
