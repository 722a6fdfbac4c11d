"""End-of-cycle pages. Thin: load the document through a selector (404 when not visible),
ask `allowed_actions` (403 when visible but not allowed), call a service, render."""

from __future__ import annotations

from csp.constants import NONE
from csp.decorators import csp
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from org.relations import line_in_effect
from org.selectors import current_cycle
from pmsystem import registry
from pmsystem.drafts import discard_draft
from pmsystem.errors import ApplicationError
from pmsystem.i18n import interpolate
from standards.selectors import evaluation_standards
from workplans.models import WorkPlan
from workplans.permissions import relations_for
from workplans.selectors import get_visible_work_plan, return_notice

from . import selectors, services
from .forms import (
    CloseImprovementPlanForm,
    ImprovementPlanForm,
    MeetingForm,
    ReasonForm,
    RollBackForm,
    parse_answers,
    parse_rows,
)
from .models import ImprovementPlan
from .permissions import allowed_actions


def _load(request: HttpRequest, pk: int) -> tuple[WorkPlan, frozenset[str], frozenset[str]]:
    document = get_visible_work_plan(request.user, pk)
    relations = relations_for(request.user, document)
    return document, frozenset(relations), allowed_actions(request.user, document, relations)


def _require(actions: frozenset[str], *needed: str) -> None:
    if not actions.intersection(needed):
        raise PermissionDenied(gettext("You may not do this on this document now."))


def _back(pk: int) -> HttpResponse:
    return redirect("appraisals:evaluation", pk)


def evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    """The end-of-cycle evaluation: what the user may read, and the form of their part."""
    document, roles, actions = _load(request, pk)
    return _evaluation_page(request, document, roles, actions)


def _evaluation_page(
    request: HttpRequest,
    document: WorkPlan,
    roles: frozenset[str],
    actions: frozenset[str],
    *,
    typed: QueryDict | None = None,
) -> HttpResponse:
    """The evaluation page; with `typed`, the FRO's rating form shows what they sent (a
    refused submission saved nothing, and nothing typed is lost)."""
    context = selectors.evaluation_context(document)
    appraisal = context["appraisal"]
    supervisor_only = (
        "view_evaluation_as_supervisor" in actions and "view_evaluation" not in actions
    )
    if appraisal.state != appraisal.State.NOT_STARTED and not actions & {
        "view_evaluation",
        "view_evaluation_as_supervisor",
    }:
        raise PermissionDenied(gettext("You may not see this evaluation."))
    own_comment = ""
    if "supervisor_comment" in actions or supervisor_only:
        own_comment = next(
            (
                c.comment
                for c in context["supervisor_comments"]
                if c.supervisor_id == request.user.pk
            ),
            "",
        )
        if supervisor_only:
            context["supervisor_comments"] = [
                c for c in context["supervisor_comments"] if c.supervisor_id == request.user.pk
            ]
    missing = []
    if "edit_ratings" in actions:
        # After a refusal, its message says what is missing from what was sent.
        missing = selectors.missing_ratings(appraisal) if typed is None else []
    rating = appraisal.overall_rating
    if typed is not None:
        _keep_typed(context, typed)
    # The department's ratings standards, beside each level for its FRO, SRO, HOD and HR.
    standards = None if supervisor_only else evaluation_standards(document, request.user, roles)
    if standards is not None:
        for kind in ("goal_levels", "competency_levels", "overall_levels"):
            for level in context[kind]:
                level.standard = standards.by_level.get(level.pk, "")
    return render(
        request,
        "appraisals/evaluation_detail.html",
        {
            "work_plan": document,
            "roles": roles,
            "actions": actions,
            "supervisor_only": supervisor_only,
            "own_supervisor_comment": own_comment,
            "missing": missing,
            "pip_prompt": "open_pip" in actions and rating is not None and rating.underperformance,
            "rebuttable": appraisal.final_rating is not None and appraisal.final_rating.rebuttable,
            "rebuttal_open": appraisal.rebuttal_deadline is not None
            and timezone.localdate() <= appraisal.rebuttal_deadline,
            **({} if supervisor_only else registry.evaluation_extras(document)),
            "sections": []
            if supervisor_only
            else registry.evaluation_sections(document, request.user, roles),
            "reason_form": ReasonForm(),
            "notice": return_notice(document, roles),
            "standards": standards,
            **context,
        },
    )


def _keep_typed(context: dict, data: QueryDict) -> None:
    """Put what the FRO sent on the rows the page shows (in memory only): a rating that is
    not a number shows as not chosen."""

    def level(raw: str | None) -> int | None:
        try:
            return int(raw) if raw else None
        except ValueError:
            return None

    for prefix, rows in (
        ("goal", context["goal_rows"]),
        ("competency", context["competency_rows"]),
    ):
        for row in rows:
            row.rating_id = level(data.get(f"{prefix}-{row.pk}-rating"))
            row.fro_comment = data.get(f"{prefix}-{row.pk}-comment", "")
    appraisal = context["appraisal"]
    appraisal.overall_rating_id = level(data.get("overall_rating"))
    appraisal.fro_overall_comment = data.get("overall_comment", "")
    appraisal.fro_accountability_comment = data.get(
        "accountability_comment", appraisal.fro_accountability_comment
    )


@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    document, roles, actions = _load(request, pk)
    _require(actions, "start_evaluation")
    try:
        services.start_evaluation(document=document, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("End-of-cycle evaluation started."))
    return _back(pk)


@require_POST
def self_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    document, roles, actions = _load(request, pk)
    _require(actions, "edit_self_evaluation", "submit_self_evaluation")
    appraisal = document.appraisal
    goals = parse_rows(request.POST, "goal", appraisal.goal_rows.values_list("pk", flat=True))
    competencies = parse_rows(
        request.POST, "competency", appraisal.competency_rows.values_list("pk", flat=True)
    )
    section = selectors.accountability_section(document)
    answers = parse_answers(
        request.POST, [item.question.pk for item in section.items] if section else []
    )
    try:
        services.save_self_evaluation(
            document=document,
            actor=request.user,
            overall=request.POST.get("overall", ""),
            goals=goals,
            competencies=competencies,
            answers=answers,
        )
        # What was typed is on the evaluation now: the draft has done its work.
        discard_draft(author=request.user, document_id=pk, form_key="self_evaluation")
        if "submit" in request.POST:
            services.submit_self_evaluation(document=document, actor=request.user)
            messages.success(request, gettext("Self-evaluation signed and sent to your FRO."))
        else:
            messages.success(request, gettext("Self-evaluation saved."))
    except ApplicationError as error:
        messages.error(
            request,
            interpolate(gettext("%(error)s What you typed is saved."), {"error": error.message}),
        )
    return _back(pk)


@require_POST
def supervisor_comment(request: HttpRequest, pk: int) -> HttpResponse:
    document, roles, actions = _load(request, pk)
    _require(actions, "supervisor_comment")
    try:
        services.save_supervisor_comment(
            document=document, actor=request.user, comment=request.POST.get("comment", "")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        discard_draft(author=request.user, document_id=pk, form_key="supervisor_comment")
        messages.success(
            request, gettext("Your comments are saved; the FRO sees them before rating.")
        )
    return _back(pk)


@require_POST
def ratings(request: HttpRequest, pk: int) -> HttpResponse:
    """The FRO's rating grid, sent at once: saved (and signed, with "sign") all together or
    not at all; on a refusal the page comes back with everything as it was typed."""
    document, roles, actions = _load(request, pk)
    _require(actions, "edit_ratings", "sign_evaluation")
    appraisal = document.appraisal
    try:
        goal_rows = parse_rows(
            request.POST,
            "goal",
            appraisal.goal_rows.values_list("pk", flat=True),
            with_rating=True,
        )
        competency_rows = parse_rows(
            request.POST,
            "competency",
            appraisal.competency_rows.values_list("pk", flat=True),
            with_rating=True,
        )
        overall = request.POST.get("overall_rating") or None
        overall_id = int(overall) if overall else None
    except (forms.ValidationError, ValueError):
        messages.error(request, gettext("A rating was not one of the choices: nothing was saved."))
        return _evaluation_page(request, document, roles, actions, typed=request.POST)
    values = {
        "document": document,
        "actor": request.user,
        "goals": {k: services.Assessment(c, r) for k, (c, r) in goal_rows.items()},
        "competencies": {k: services.Assessment(c, r) for k, (c, r) in competency_rows.items()},
        "overall_rating_id": overall_id,
        "overall_comment": request.POST.get("overall_comment", ""),
        # Only from a form that shows the managerial-accountability section.
        "accountability_comment": request.POST.get("accountability_comment"),
    }
    try:
        if "sign" in request.POST:
            services.rate_and_sign_evaluation(**values)
            messages.success(request, gettext("Evaluation signed and sent to the SRO."))
        else:
            services.save_ratings(**values)
            messages.success(request, gettext("Ratings saved."))
    except ApplicationError as error:
        messages.error(
            request,
            interpolate(
                gettext("%(error)s Nothing was saved: your ratings and comments are below."),
                {"error": error.message},
            ),
        )
        return _evaluation_page(request, document, roles, actions, typed=request.POST)
    discard_draft(author=request.user, document_id=pk, form_key="ratings")
    return _back(pk)


@require_POST
def sro(request: HttpRequest, pk: int) -> HttpResponse:
    document, roles, actions = _load(request, pk)
    _require(actions, "approve_evaluation", "return_to_fro", "edit_sro_comment")
    comment = request.POST.get("comment", "")
    try:
        if request.POST.get("action") == "return":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise ApplicationError(
                    gettext("Give the reason for returning the evaluation to the FRO.")
                )
            services.return_evaluation_to_fro(
                document=document, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, gettext("Evaluation returned to the FRO."))
        elif request.POST.get("action") == "approve":
            services.approve_evaluation(document=document, actor=request.user, comment=comment)
            discard_draft(author=request.user, document_id=pk, form_key="sro_review")
            messages.success(request, gettext("Evaluation approved and signed."))
        else:
            services.save_sro_comment(document=document, actor=request.user, comment=comment)
            discard_draft(author=request.user, document_id=pk, form_key="sro_review")
            messages.success(request, gettext("Comments saved."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return _back(pk)


@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    document, roles, actions = _load(request, pk)
    _require(actions, "acknowledge")
    try:
        services.acknowledge_evaluation(
            document=document, actor=request.user, comment=request.POST.get("comment", "")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        discard_draft(author=request.user, document_id=pk, form_key="acknowledgement")
        messages.success(request, gettext("You signed your evaluation: the document is complete."))
    return _back(pk)


def rollback(request: HttpRequest, pk: int) -> HttpResponse:
    """HR returns a document to an earlier stage on the FRO's or SRO's written request."""
    document, roles, actions = _load(request, pk)
    if "hr" not in roles:
        raise PermissionDenied(
            gettext("Only an HR focal point of the entity rolls documents back.")
        )
    line = line_in_effect(document.staff_id, document.cycle_id)
    officers = (
        [(line.fro.user, services.ROLE_LABELS["fro"]), (line.sro.user, services.ROLE_LABELS["sro"])]
        if line
        else []
    )
    targets = selectors.rollback_targets(document)
    form = RollBackForm(request.POST or None, targets=targets, officers=officers)
    if request.method == "POST" and form.is_valid():
        try:
            services.roll_back_document(
                document=document,
                actor=request.user,
                requested_by=form.cleaned_data["requested_by"],
                reason=form.cleaned_data["reason"],
                target_stage=form.cleaned_data["target_stage"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, gettext("Document rolled back; the staff member and officers are told.")
            )
            return redirect("workplans:document", pk)
    return render(
        request,
        "appraisals/rollback_form.html",
        {
            "work_plan": document,
            "actions": actions,
            "roles": roles,
            "form": form,
            "targets": targets,
            "stage": selectors.document_stage(document),
        },
    )


def improvement_plans(request: HttpRequest, pk: int) -> HttpResponse:
    document, roles, actions = _load(request, pk)
    _require(actions, "view_pips")
    form = ImprovementPlanForm()
    if request.method == "POST":
        _require(actions, "open_pip")
        form = ImprovementPlanForm(request.POST)
        if form.is_valid():
            try:
                services.open_improvement_plan(
                    document=document, actor=request.user, **form.cleaned_data
                )
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, gettext("Performance improvement plan opened."))
                return redirect("appraisals:pips", pk)
    plans = list(
        ImprovementPlan.objects.filter(document=document)
        .select_related("opened_by")
        .prefetch_related("meetings__recorded_by")
    )
    steps = {
        plan.pk: selectors.pip_next_step(plan, [m.held_on for m in plan.meetings.all()])
        for plan in plans
        if plan.state == ImprovementPlan.State.OPEN
    }
    return render(
        request,
        "appraisals/improvementplan_list.html",
        {
            "work_plan": document,
            "actions": actions,
            "roles": roles,
            "form": form,
            "plans": [
                (plan, steps.get(plan.pk), selectors.six_month_review_date(plan)) for plan in plans
            ],
            "meeting_form": MeetingForm(),
            "close_form": CloseImprovementPlanForm(),
        },
    )


@require_POST
def improvement_plan_meeting(request: HttpRequest, pk: int, plan_id: int) -> HttpResponse:
    document, roles, actions = _load(request, pk)
    plan = get_object_or_404(ImprovementPlan, pk=plan_id, document=document)
    form = MeetingForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give the date and notes of the meeting."))
    else:
        try:
            services.add_improvement_meeting(plan=plan, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, gettext("Meeting recorded."))
    return redirect("appraisals:pips", pk)


@require_POST
def improvement_plan_close(request: HttpRequest, pk: int, plan_id: int) -> HttpResponse:
    document, roles, actions = _load(request, pk)
    plan = get_object_or_404(ImprovementPlan, pk=plan_id, document=document)
    form = CloseImprovementPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose the outcome of the PIP."))
    else:
        try:
            services.close_improvement_plan(plan=plan, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, gettext("PIP closed."))
    return redirect("appraisals:pips", pk)


def sro_queue(request: HttpRequest) -> HttpResponse:
    """Evaluations waiting for the user's approval as SRO (own or acting)."""
    cycle = current_cycle()
    documents = selectors.documents_awaiting_sro(request.user, cycle.pk) if cycle else []
    return render(request, "appraisals/sro_queue.html", {"cycle": cycle, "documents": documents})


# Shown inline, in the browser's own PDF viewer: Chrome draws it in an <embed> with inline
# styles, which the site's policy (object-src 'none', style-src 'self') would blank out. A PDF
# runs none of our scripts; it keeps only the refusal to be framed.
@csp({"frame-ancestors": NONE})
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as a PDF, for the record: every stage and every signature with its hash."""
    document, roles, actions = _load(request, pk)
    _require(actions, "download_pdf")
    from .pdf import render_document_pdf

    sections = registry.pdf_sections(document, request.user, roles)
    response = HttpResponse(render_document_pdf(document, sections), content_type="application/pdf")
    filename = f"pmsystem-{document.cycle.name}-{document.staff.index_number}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
