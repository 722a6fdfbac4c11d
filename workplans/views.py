"""Work-plan pages. Thin: load through a selector (404 when not visible), ask
`allowed_actions` (403 when visible but not allowed), call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from org.models import OrgUnit, StaffMember
from org.relations import line_in_effect
from org.selectors import current_cycle
from pmsystem.drafts import discard_draft
from pmsystem.errors import ApplicationError
from pmsystem.http import id_param
from pmsystem.i18n import interpolate

from . import selectors, services
from .forms import (
    CheckInForm,
    CompetencyForm,
    DevelopmentGoalFormSet,
    GoalFormSet,
    MidpointForm,
    ProposeSupervisorForm,
    ReturnForm,
    UnitGoalForm,
)
from .models import AdditionalSupervisor, Competency, Goal, WorkPlan
from .permissions import allowed_actions, can_manage_unit_goals, can_view_entity_goals, roles_for


def _load(request: HttpRequest, pk: int) -> tuple[WorkPlan, frozenset[str], frozenset[str]]:
    work_plan = selectors.get_visible_work_plan(request.user, pk)
    roles = roles_for(request.user, work_plan)
    return work_plan, roles, allowed_actions(request.user, work_plan, roles)


def _require(actions: frozenset[str], *needed: str) -> None:
    if not actions.intersection(needed):
        raise PermissionDenied(gettext("You may not do this on this work plan now."))


def _open_cycle():
    cycle = current_cycle()
    if cycle is None:
        raise Http404(gettext("No performance cycle is open."))
    return cycle


def my_work_plan(request: HttpRequest) -> HttpResponse:
    """The staff member's own document for the open cycle, or the page to create it."""
    cycle = _open_cycle()
    staff = StaffMember.objects.filter(pk=request.user.pk).first()
    if staff is None:
        raise Http404(gettext("You have no staff profile."))
    work_plan = selectors.own_work_plan(request.user, cycle)
    if work_plan is not None:
        return redirect("workplans:document", work_plan.pk)
    if request.method == "POST":
        try:
            work_plan = services.create_work_plan(staff=staff, cycle=cycle, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, gettext("Your work plan is created: draft your goals."))
            return redirect("workplans:edit", work_plan.pk)
    return render(
        request,
        "workplans/workplan_create.html",
        {"cycle": cycle, "line": line_in_effect(staff.pk, cycle.pk)},
    )


@require_POST
def create_for_staff(request: HttpRequest, staff_id: int) -> HttpResponse:
    """The FRO creates the empty document on a supervisee's behalf."""
    cycle = _open_cycle()
    staff = get_object_or_404(StaffMember.objects.select_related("user"), pk=staff_id)
    try:
        services.create_work_plan(staff=staff, cycle=cycle, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            interpolate(
                gettext("Work plan created for %(name)s; they have been told."),
                {"name": staff.user},
            ),
        )
    return redirect("workplans:team")


def document(request: HttpRequest, pk: int) -> HttpResponse:
    work_plan, roles, actions = _load(request, pk)
    context = {
        "work_plan": work_plan,
        "roles": roles,
        "actions": actions,
        "midpoint": selectors.midpoint_of(work_plan),
        "problems": selectors.work_plan_problems(work_plan)
        if "edit" in actions or "submit" in actions
        else [],
        "return_form": ReturnForm(),
        "propose_form": ProposeSupervisorForm(),
        "notice": selectors.return_notice(work_plan, roles),
        **selectors.document_context(work_plan, roles),
    }
    return render(request, "workplans/workplan_detail.html", context)


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft goals, competencies and development goals; 'Submit' saves, then submits."""
    work_plan, roles, actions = _load(request, pk)
    if "fro" in roles and not actions & {"edit", "change_goals"}:
        raise PermissionDenied(gettext("An FRO may create a work plan but never fills it in."))
    _require(actions, "edit", "change_goals")
    cycle = work_plan.cycle
    alignment = selectors.alignment_choices(work_plan.staff, cycle)
    catalogue = Competency.objects.filter(framework=cycle.competency_framework).exclude(
        kind__in=Competency.ALWAYS_INCLUDED
    )
    goal_kwargs = {"form_kwargs": {"alignment_queryset": alignment}, "prefix": "goals"}
    if request.method == "POST":
        goal_formset = GoalFormSet(request.POST, **goal_kwargs)
        dev_formset = DevelopmentGoalFormSet(request.POST, prefix="dev")
        competency_form = CompetencyForm(request.POST, catalogue=catalogue)
        if goal_formset.is_valid() and dev_formset.is_valid() and competency_form.is_valid():
            goals = [
                services.GoalInput(
                    id=form.cleaned_data.get("id"),
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    success_criteria=form.cleaned_data["success_criteria"],
                    expected_date=form.cleaned_data["expected_date"],
                    weight=form.cleaned_data["weight"],
                    aligned_to_id=getattr(form.cleaned_data["aligned_to"], "pk", None),
                )
                for form in goal_formset.forms
                if not form.is_blank and not form.cleaned_data.get("DELETE")
            ]
            development = [
                services.DevelopmentGoalInput(
                    title=f.cleaned_data.get("title") or "",
                    activities=f.cleaned_data.get("activities") or "",
                    target_date=f.cleaned_data.get("target_date"),
                )
                for f in dev_formset.forms
            ]
            submit = "submit" in request.POST
            try:
                # Save and submit are one step: when the submission is refused nothing is
                # saved, and the form comes back with everything as it was typed.
                services.save_work_plan(
                    work_plan=work_plan,
                    actor=request.user,
                    goals=goals,
                    development_goals=development,
                    competency_ids=[c.pk for c in competency_form.cleaned_data["competencies"]],
                    submit=submit,
                )
            except ApplicationError as error:
                messages.error(
                    request,
                    interpolate(
                        gettext("Nothing was saved. %(reason)s"), {"reason": error.message}
                    ),
                )
            else:
                discard_draft(author=request.user, document_id=pk, form_key="work_plan")
                if not submit:
                    messages.success(request, gettext("Saved."))
                    return redirect("workplans:edit", work_plan.pk)
                messages.success(request, gettext("Work plan submitted to your FRO."))
                return redirect("workplans:document", work_plan.pk)
        else:
            messages.error(request, gettext("Some entries need correcting: nothing was saved yet."))
    else:
        goals = list(work_plan.goals.filter(is_current=True))
        initial = [
            {
                "id": g.pk,
                "title": g.title,
                "description": g.description,
                "success_criteria": g.success_criteria,
                "expected_date": g.expected_date,
                "weight": g.weight,
                "aligned_to": g.aligned_to_id,
            }
            for g in goals
        ]
        initial += [{}] * max(cycle.max_goals - len(initial), 0)
        goal_formset = GoalFormSet(initial=initial, **goal_kwargs)
        devs = list(work_plan.development_goals.all())
        dev_initial = [
            {"title": d.title, "activities": d.activities, "target_date": d.target_date}
            for d in devs
        ] + [{}] * max(2 - len(devs) + 1, 1)
        dev_formset = DevelopmentGoalFormSet(initial=dev_initial, prefix="dev")
        competency_form = CompetencyForm(
            initial={"competencies": [c.pk for c in work_plan.competencies.all()]},
            catalogue=catalogue,
        )
    return render(
        request,
        "workplans/workplan_edit.html",
        {
            "work_plan": work_plan,
            "roles": roles,
            "actions": actions,
            "goal_formset": goal_formset,
            "dev_formset": dev_formset,
            "competency_form": competency_form,
            "always_included": Competency.objects.filter(
                framework=cycle.competency_framework, kind__in=Competency.ALWAYS_INCLUDED
            ),
            "problems": selectors.work_plan_problems(work_plan),
            "has_alignment_choices": alignment.exists(),
        },
    )


TRANSITIONS = {
    "submit": services.submit_work_plan,
    "approve": services.approve_work_plan,
    "return": services.return_work_plan,
}


@require_POST
def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Submit, approve or return. The buttons come from allowed_actions; a stale button
    gets the reason, not an error page."""
    if name not in TRANSITIONS:
        raise Http404(gettext("No such action."))
    work_plan, roles, actions = _load(request, pk)
    if not roles & {"staff", "fro"}:
        raise PermissionDenied(gettext("You may not act on this work plan."))
    kwargs = {}
    if name == "return":
        form = ReturnForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("Say what needs to change when returning a work plan."))
            return redirect("workplans:document", pk)
        kwargs["comment"] = form.cleaned_data["comment"]
    elif name == "approve":
        kwargs["comment"] = request.POST.get("comment", "")
    try:
        TRANSITIONS[name](work_plan=work_plan, actor=request.user, **kwargs)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            {
                "submit": gettext("Work plan submitted."),
                "approve": gettext("Work plan approved."),
                "return": gettext("Work plan returned to the staff member."),
            }[name],
        )
    return redirect("workplans:document", pk)


def team(request: HttpRequest) -> HttpResponse:
    """An FRO's supervisees (or an SRO's, with ?as=sro) with their stage and due date."""
    cycle = _open_cycle()
    as_role = "sro" if request.GET.get("as") == "sro" else "fro"
    rows = selectors.team_rows(request.user, cycle, as_role=as_role)
    return render(
        request, "workplans/team_list.html", {"cycle": cycle, "rows": rows, "as_role": as_role}
    )


@require_POST
def propose_supervisor(request: HttpRequest, pk: int) -> HttpResponse:
    work_plan, roles, actions = _load(request, pk)
    _require(actions, "propose_additional_supervisor")
    form = ProposeSupervisorForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("email", []):
            messages.error(request, error)
        return redirect("workplans:document", pk)
    try:
        services.propose_additional_supervisor(
            work_plan=work_plan, actor=request.user, supervisor=form.cleaned_data["email"]
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("Request sent: the supervisor will accept or decline."))
    return redirect("workplans:document", pk)


@require_POST
def cancel_supervisor(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    work_plan, roles, actions = _load(request, pk)
    supervision = get_object_or_404(AdditionalSupervisor, pk=request_id, work_plan=work_plan)
    try:
        services.cancel_supervision_request(request=supervision, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("Request cancelled."))
    return redirect("workplans:document", pk)


def supervision_requests(request: HttpRequest) -> HttpResponse:
    """Requests to be an additional supervisor that wait for the user's answer."""
    if request.method == "POST":
        supervision = get_object_or_404(
            AdditionalSupervisor, pk=id_param(request.POST, "request"), supervisor=request.user
        )
        accept = request.POST.get("answer") == "accept"
        try:
            services.answer_supervision_request(
                request=supervision, actor=request.user, accept=accept
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, gettext("Accepted.") if accept else gettext("Declined."))
        return redirect("workplans:supervision-requests")
    return render(
        request,
        "workplans/supervision_requests.html",
        {"requests": selectors.pending_supervision_requests(request.user)},
    )


def check_ins(request: HttpRequest, pk: int) -> HttpResponse:
    """Check-ins are private to the staff member and the FRO (docs/rules.md §3)."""
    work_plan, roles, actions = _load(request, pk)
    _require(actions, "view_check_ins")
    form = CheckInForm()
    if request.method == "POST":
        _require(actions, "add_check_in")
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                services.add_check_in(work_plan=work_plan, actor=request.user, **form.cleaned_data)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, gettext("Check-in recorded."))
                return redirect("workplans:check-ins", pk)
    return render(
        request,
        "workplans/checkin_list.html",
        {
            "work_plan": work_plan,
            "roles": roles,
            "actions": actions,
            "form": form,
            "check_ins": selectors.check_ins(work_plan),
        },
    )


MIDPOINT_SERVICES = {
    "start": (services.start_midpoint, gettext_lazy("Mid-point review started.")),
    "save": (services.save_midpoint_comments, gettext_lazy("Comments saved.")),
    "submit": (
        services.submit_midpoint,
        gettext_lazy("Your comments are signed and sent to your FRO."),
    ),
    "finalise": (
        services.finalise_midpoint,
        gettext_lazy("Mid-point review finalised and signed."),
    ),
}


def midpoint(request: HttpRequest, pk: int) -> HttpResponse:
    """Steps 3–5. Staff and FRO write their parts; the SRO, HOD and HR read."""
    work_plan, roles, actions = _load(request, pk)
    if not roles & {"staff", "fro", "sro", "hod", "hr", "entity_viewer", "board"}:
        raise PermissionDenied(gettext("You may not see this mid-point review."))
    review = selectors.midpoint_of(work_plan)
    own_part = "staff_comments" if "staff" in roles else "fro_comments"
    form = MidpointForm(initial={"comments": getattr(review, own_part)})
    if request.method == "POST":
        if not roles & {"staff", "fro"}:
            raise PermissionDenied(
                gettext("Only the staff member and the FRO take part in the review.")
            )
        action = request.POST.get("action", "save")
        if action not in MIDPOINT_SERVICES:
            raise Http404(gettext("No such action."))
        service, success = MIDPOINT_SERVICES[action]
        form = MidpointForm(request.POST)
        if form.is_valid():
            kwargs = {} if action == "start" else {"comments": form.cleaned_data["comments"]}
            try:
                service(work_plan=work_plan, actor=request.user, **kwargs)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                if action != "start":
                    discard_draft(author=request.user, document_id=pk, form_key="midpoint")
                messages.success(request, str(success))
                return redirect("workplans:midpoint", pk)
    return render(
        request,
        "workplans/midpoint_detail.html",
        {
            "work_plan": work_plan,
            "midpoint": review,
            "actions": actions,
            "form": form,
            "roles": roles,
            "notice": selectors.return_notice(work_plan, roles),
        },
    )


# --- unit work plans -----------------------------------------------------------------------


def goal_tree(request: HttpRequest, entity_id: int) -> HttpResponse:
    """From the entity's goals down to the individual goals aligned to each."""
    cycle = _open_cycle()
    entity = get_object_or_404(OrgUnit, pk=entity_id, kind=OrgUnit.Kind.ENTITY)
    if not can_view_entity_goals(request.user, entity):
        raise Http404(gettext("No such department."))
    return render(
        request,
        "workplans/goal_tree.html",
        {"entity": entity, "cycle": cycle, **selectors.entity_goal_tree(entity, cycle)},
    )


def unit_goals(request: HttpRequest, unit_id: int) -> HttpResponse:
    cycle = _open_cycle()
    unit = get_object_or_404(OrgUnit.objects.select_related("entity", "parent"), pk=unit_id)
    if not can_view_entity_goals(request.user, unit.entity):
        raise Http404(gettext("No such unit."))
    can_manage = can_manage_unit_goals(request.user, unit)
    alignment = selectors.unit_alignment_choices(unit, cycle)
    editing = None
    if edit_id := id_param(request.GET, "edit", required=False):
        editing = get_object_or_404(Goal, pk=edit_id, owner_unit=unit, is_current=True)
    form = UnitGoalForm(
        alignment_queryset=alignment,
        initial=(
            {
                "title": editing.title,
                "description": editing.description,
                "success_criteria": editing.success_criteria,
                "expected_date": editing.expected_date,
                "aligned_to": editing.aligned_to_id,
            }
            if editing
            else None
        ),
    )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(gettext("Only the HOD or the unit's head maintains its goals."))
        if "remove" in request.POST:
            goal = get_object_or_404(Goal, pk=id_param(request.POST, "remove"), owner_unit=unit)
            try:
                services.remove_unit_goal(goal=goal, actor=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, gettext("Goal removed."))
            return redirect("workplans:unit-goals", unit.pk)
        form = UnitGoalForm(request.POST, alignment_queryset=alignment)
        if form.is_valid():
            data = form.cleaned_data
            goal = None
            if goal_id := id_param(request.POST, "goal", required=False):
                goal = get_object_or_404(Goal, pk=goal_id, owner_unit=unit)
            try:
                services.save_unit_goal(
                    unit=unit,
                    cycle=cycle,
                    actor=request.user,
                    goal=goal,
                    title=data["title"],
                    description=data["description"],
                    success_criteria=data["success_criteria"],
                    expected_date=data["expected_date"],
                    aligned_to_id=getattr(data["aligned_to"], "pk", None),
                )
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, gettext("Goal saved."))
                return redirect("workplans:unit-goals", unit.pk)
    return render(
        request,
        "workplans/unit_goals.html",
        {
            "unit": unit,
            "cycle": cycle,
            "goals": selectors.unit_goals(unit, cycle),
            "form": form,
            "editing": editing,
            "can_manage": can_manage,
        },
    )
