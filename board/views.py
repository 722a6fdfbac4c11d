"""Review board pages. Thin: 404 for an entity or document the user does not review, the
reason (403 or on the page) for an action the rule refuses, a service for every write."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from appraisals.models import ImprovementPlan
from org.models import Cycle, OrgUnit, User
from org.selectors import current_cycle
from pmsystem.errors import ApplicationError
from schedules.selectors import board_reports
from workplans.permissions import is_board_routed, visible_work_plans

from . import selectors, services
from .forms import CommentForm
from .permissions import board_entities, pip_review_refusal, review_refusal


def home(request: HttpRequest) -> HttpResponse:
    """The boards the user sits on today."""
    return render(
        request,
        "board/home.html",
        {"entities": list(board_entities(request.user).order_by("code")), "cycle": current_cycle()},
    )


def _entity_and_cycle(request: HttpRequest, entity_id: int) -> tuple[OrgUnit, Cycle]:
    entity = board_entities(request.user).filter(pk=entity_id).first()
    if entity is None:
        raise Http404("No such board.")
    cycle_id = request.GET.get("cycle") or request.POST.get("cycle")
    if cycle_id:
        if not (str(cycle_id).isascii() and str(cycle_id).isdigit() and len(cycle_id) < 10):
            raise Http404("No such cycle.")
        cycle = get_object_or_404(Cycle, pk=int(cycle_id))
    else:
        cycle = current_cycle()
        if cycle is None:
            raise Http404("No cycle.")
    return entity, cycle


def entity_view(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The documents routed to the board and the consistency of the ratings, outliers first."""
    entity, cycle = _entity_and_cycle(request, entity_id)
    report = selectors.consistency(entity, cycle)
    return render(
        request,
        "board/entity.html",
        {
            "entity": entity,
            "cycle": cycle,
            "cycles": Cycle.objects.order_by("-start")[:6],
            "documents": selectors.routed_documents(request.user, entity, cycle),
            "report": report,
            "fro_rows": [(group, report.shares(group)) for group in report.fros],
            "unit_rows": [(group, report.shares(group)) for group in report.units],
            "entity_row": report.shares(report.entity),
            "form": CommentForm(),
            "pip_reviews": selectors.pip_reviews(entity),
            "probation_reports": board_reports(entity.pk),
        },
    )


@require_POST
def fro_comment(request: HttpRequest, entity_id: int, fro_id: int) -> HttpResponse:
    entity, cycle = _entity_and_cycle(request, entity_id)
    fro = get_object_or_404(User, pk=fro_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Write the comment before sending it."))
    else:
        try:
            services.comment_on_fro(
                actor=request.user,
                entity=entity,
                cycle=cycle,
                fro=fro,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, gettext("The board's comment is recorded."))
    return redirect(f"{reverse('board:entity', args=[entity.pk])}?cycle={cycle.pk}")


def _comment_form(
    request: HttpRequest,
    refusal: str | None,
    write: Callable[..., object],
    here: str,
) -> tuple[CommentForm | None, HttpResponse | None]:
    """The board's comment form of a page: none when `refusal` says why the user may not
    comment; on a POST, `write(kind=, text=)` (a service) and back to `here`, or the form again
    with the service's reason."""
    form = CommentForm(request.POST or None) if not refusal else None
    if request.method != "POST":
        return form, None
    if refusal:
        messages.error(request, refusal)
        return form, redirect(here)
    if form is not None and form.is_valid():
        try:
            write(kind=form.cleaned_data["kind"], text=form.cleaned_data["text"])
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, gettext("The board's comment is recorded."))
            return form, redirect(here)
    return form, None


def document_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A routed document's board comments, and the form for a member who may review it."""
    document = get_object_or_404(
        visible_work_plans(request.user).select_related("staff__user", "staff__unit", "cycle"),
        pk=pk,
    )
    if not board_entities(request.user).filter(pk=document.staff.unit.entity_id).exists():
        raise Http404("No such document for the board.")
    refusal = review_refusal(request.user, document)
    form, done = _comment_form(
        request,
        refusal,
        partial(services.comment_on_document, actor=request.user, document=document),
        reverse("board:document", args=[document.pk]),
    )
    if done is not None:
        return done
    return render(
        request,
        "board/document.html",
        {
            "document": document,
            "comments": selectors.document_comments(document),
            "refusal": refusal,
            "form": form,
            "routed": is_board_routed(document),
        },
    )


def pip_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A performance improvement plan whose six-month review reached the board: read-only,
    with the board's comments on its document and the form for a member who may review it."""
    plan = get_object_or_404(
        ImprovementPlan.objects.select_related("document__staff__unit", "document__cycle"), pk=pk
    )
    entity = board_entities(request.user).filter(pk=plan.document.staff.unit.entity_id).first()
    review = selectors.pip_review(entity, plan.pk) if entity is not None else None
    if review is None:
        raise Http404("No such plan for the board.")
    refusal = pip_review_refusal(request.user, plan.document)
    form, done = _comment_form(
        request,
        refusal,
        partial(services.comment_on_pip, actor=request.user, plan=plan),
        reverse("board:pip", args=[plan.pk]),
    )
    if done is not None:
        return done
    return render(
        request,
        "board/pip.html",
        {
            "review": review,
            "plan": review.plan,
            "entity": entity,
            "comments": selectors.document_comments(plan.document),
            "refusal": refusal,
            "form": form,
        },
    )
