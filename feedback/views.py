"""Feedback pages. Thin: load through a selector (404 when not visible), check the rule,
call a service, render. No page, export or form shows who gave which answer: answers are read
only as the aggregates of `feedback.selectors`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from org.selectors import current_cycle
from pmsystem.errors import ApplicationError
from pmsystem.exports import Table, csv_response, xlsx_response
from pmsystem.http import id_param
from pmsystem.i18n import interpolate, translated
from pmsystem.security import log_event
from workplans.models import Competency, WorkPlan
from workplans.selectors import get_visible_work_plan

from . import selectors, services
from .forms import (
    ColleagueAnswerForm,
    ColleagueForm,
    DeclineForm,
    RecognitionForm,
    UpwardAnswerForm,
)
from .models import ColleagueRequest, UpwardQuestion, settings_for
from .permissions import (
    answer_refusal,
    campaign_entities,
    campaign_roles,
    colleague_actions,
    colleague_roles,
    note_roles,
)
from .workflow import CAMPAIGN, NOTE, REQUEST

EXPORT_FORMATS = ("csv", "xlsx", "pdf")


def home(request: HttpRequest) -> HttpResponse:
    """Feedback: what the user may give, the results they may read, the colleague feedback
    asked of them, and (HR) the campaigns."""
    cycle = current_cycle()
    return render(
        request,
        "feedback/home.html",
        {
            "cycle": cycle,
            "to_answer": selectors.to_answer(request.user, cycle=cycle) if cycle else [],
            "results": selectors.results_list(request.user),
            "runs_campaigns": campaign_entities(request.user).exists(),
            "asked": selectors.asked_list(request.user),
            "own_document": WorkPlan.objects.filter(staff_id=request.user.pk, cycle=cycle)
            .only("pk")
            .first()
            if cycle
            else None,
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
                    interpolate(
                        gettext(
                            "Thank you: your feedback on %(name)s is recorded, without your name."
                        ),
                        {"name": rated.manager.user},
                    ),
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
        interpolate(
            gettext("Upward feedback in %(entity)s: %(count)s manager(s) added to those rated."),
            {"entity": entity.code, "count": result.added},
        ),
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
    """Participation per manager and the entity's aggregates, as CSV, XLSX or PDF: the same
    figures as the page, never an answer of a person."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown format.")
    campaign = selectors.get_visible_campaign(request.user, pk)
    filename = f"upward-feedback-{campaign.entity.code}-{campaign.cycle.name}.{fmt}"
    if fmt == "pdf":
        from .pdf import render_campaign_pdf

        pdf, rows = render_campaign_pdf(campaign)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        log_event("export", user=request.user.pk, view="upward_feedback", format=fmt, rows=rows)
        return response
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


# --- colleague feedback -----------------------------------------------------------------------


def colleagues(request: HttpRequest, pk: int) -> HttpResponse:
    """The colleagues asked for feedback on a document: the staff member proposes, the FRO
    confirms; the FRO and SRO (and the staff member, per the cycle) read the answers."""
    document = get_visible_work_plan(request.user, pk)
    roles = colleague_roles(request.user, document)
    round_ = selectors.colleague_round(document)
    actions = colleague_actions(round_, roles)
    if "view" not in actions:
        raise PermissionDenied(gettext("Colleague feedback is for the staff member, FRO and SRO."))
    if request.method == "POST":
        _colleague_action(request, document)
        return redirect("feedback:colleagues", document.pk)
    settings = settings_for(document.cycle)
    requests = selectors.colleague_requests(round_)
    shown = (ColleagueRequest.State.ANSWERED, ColleagueRequest.State.DECLINED)
    return render(
        request,
        "feedback/colleagues.html",
        {
            "work_plan": document,
            "roles": roles,
            "round": round_,
            "actions": actions,
            "requests": requests,
            "answered": [r for r in requests if r.state in shown]
            if "read_answers" in actions
            else [],
            "settings": settings,
            "midterm": settings.probation_midterm(document.staff)
            if document.staff.on_probation
            else None,
            "add_form": ColleagueForm(),
        },
    )


def _colleague_action(request: HttpRequest, document: WorkPlan) -> None:
    action = request.POST.get("action", "")
    done = {
        "add": gettext("Colleague added to the list."),
        "remove": gettext("Colleague taken off the list."),
        "submit": gettext("List sent to your FRO for confirmation."),
        "return": gettext("List returned to the staff member."),
        "confirm": gettext("List confirmed: each colleague is asked for feedback."),
    }
    if action not in done:
        raise Http404("Unknown action.")
    try:
        if action == "add":
            form = ColleagueForm(request.POST)
            if not form.is_valid():
                for error in form.errors.get("email", []):
                    messages.error(request, error)
                return
            services.add_colleague(
                document=document, actor=request.user, colleague=form.cleaned_data["email"]
            )
        elif action == "remove":
            asked = get_object_or_404(
                ColleagueRequest, pk=id_param(request.POST, "request"), round__document=document
            )
            services.remove_colleague(request=asked, actor=request.user)
        elif action == "submit":
            services.submit_colleagues(document=document, actor=request.user)
        elif action == "return":
            services.return_colleagues(
                document=document, actor=request.user, comment=request.POST.get("comment", "")
            )
        else:
            services.confirm_colleagues(document=document, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done[action])


def colleague_request(request: HttpRequest, pk: int) -> HttpResponse:
    """A request asked of the user as a colleague: answer, or decline with a reason; 404 for
    anyone else."""
    asked = selectors.get_asked_request(request.user, pk)
    form = ColleagueAnswerForm()
    decline_form = DeclineForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "decline":
                decline_form = DeclineForm(request.POST)
                if decline_form.is_valid():
                    services.decline_colleague_request(
                        request=asked,
                        actor=request.user,
                        reason=decline_form.cleaned_data["reason"],
                    )
                    messages.success(request, gettext("You declined; the FRO has been told."))
                    return redirect("feedback:home")
            else:
                form = ColleagueAnswerForm(request.POST)
                if form.is_valid():
                    services.answer_colleague_request(
                        request=asked, actor=request.user, **form.cleaned_data
                    )
                    messages.success(
                        request, gettext("Thank you: your feedback is signed and sent.")
                    )
                    return redirect("feedback:home")
        except ApplicationError as error:
            messages.error(request, error.message)
    return render(
        request,
        "feedback/colleague_request.html",
        {
            "asked": asked,
            "work_plan": asked.round.document,
            "form": form,
            "decline_form": decline_form,
            "refusal": REQUEST.refusal(asked, "answer", frozenset({"colleague"})),
        },
    )


# --- recognition ------------------------------------------------------------------------------


def recognition(request: HttpRequest) -> HttpResponse:
    """Notes of recognition: send one; those received (attach them to your document), sent
    (withdraw within 24 hours) and, as FRO, those your staff received."""
    cycle = current_cycle()
    competencies = (
        list(Competency.objects.filter(framework=cycle.competency_framework)) if cycle else []
    )
    form = RecognitionForm(competencies=competencies)
    if request.method == "POST":
        form = RecognitionForm(request.POST, competencies=competencies)
        if cycle is None:
            messages.error(request, gettext("No performance cycle is open."))
        elif form.is_valid():
            try:
                services.send_recognition(
                    cycle=cycle,
                    actor=request.user,
                    recipient=form.cleaned_data["email"],
                    competency_id=form.cleaned_data["competency"],
                    text=form.cleaned_data["text"],
                )
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    interpolate(
                        gettext("Note sent to %(name)s."), {"name": form.cleaned_data["email"].user}
                    ),
                )
                return redirect("feedback:recognition")
    lists = selectors.recognition_lists(request.user, cycle)
    return render(
        request,
        "feedback/recognition.html",
        {
            "cycle": cycle,
            "form": form,
            "lists": lists,
            "withdrawable": {
                n.pk for n in lists.sent if NOTE.refusal(n, "withdraw", {"sender"}) is None
            },
            "runs_campaigns": campaign_entities(request.user).exists(),
        },
    )


@require_POST
def recognition_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    note = selectors.get_visible_note(request.user, pk)
    try:
        services.withdraw_note(note=note, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("Note withdrawn."))
    return redirect("feedback:recognition")


@require_POST
def recognition_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """The recipient attaches a note to their document, or takes it off."""
    note = selectors.get_visible_note(request.user, pk)
    if "recipient" not in note_roles(request.user, note):
        raise PermissionDenied(gettext("Only the recipient attaches a note to their document."))
    try:
        if request.POST.get("action") == "detach":
            services.detach_note(note=note, actor=request.user)
            messages.success(request, gettext("Note taken off your document."))
        else:
            services.attach_note(note=note, actor=request.user)
            messages.success(request, gettext("Note attached to your document."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("feedback:recognition")


def recognition_counts(request: HttpRequest) -> HttpResponse:
    """HR: how many notes the staff of each entity and unit received (never who)."""
    entities = list(campaign_entities(request.user).order_by("code"))
    if not entities:
        raise PermissionDenied(gettext("HR focal points see the counts of recognition notes."))
    cycle = current_cycle()
    return render(
        request,
        "feedback/recognition_counts.html",
        {"cycle": cycle, "rows": selectors.recognition_counts(entities, cycle)},
    )
