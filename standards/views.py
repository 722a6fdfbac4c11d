"""Ratings standards pages. Thin: load through a selector (404 when the user may not read
them), check the rule, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from org.models import Cycle, OrgUnit
from org.selectors import current_cycle
from pmsystem.errors import ApplicationError
from pmsystem.i18n import interpolate
from pmsystem.security import log_event

from . import selectors, services
from .forms import DraftForm
from .models import RatingsStandard, settings_for
from .permissions import READER_ROLES, allowed_actions, entity_roles
from .workflow import STANDARD

S = RatingsStandard.State


def home(request: HttpRequest) -> HttpResponse:
    """The standards the user writes (HOD), follows (HR) or applies (FRO, SRO) this cycle."""
    cycle = current_cycle()
    return render(
        request,
        "standards/home.html",
        {"cycle": cycle, "rows": selectors.standards_home(request.user, cycle)},
    )


def _entity_scope(request: HttpRequest, entity_id: int, cycle_id: int):
    roles = entity_roles(request.user, entity_id, cycle_id)
    if not roles & READER_ROLES:
        raise Http404(gettext("No such ratings standards."))
    entity = get_object_or_404(OrgUnit, pk=entity_id)
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    return entity, cycle, roles


def _page(
    request: HttpRequest,
    entity: OrgUnit,
    cycle: Cycle,
    roles: frozenset[str],
    standard: RatingsStandard | None,
    form: DraftForm | None = None,
) -> HttpResponse:
    history = selectors.versions(request.user, entity.pk, cycle.pk)
    actions = allowed_actions(request.user, standard, roles) if standard else frozenset()
    if "edit" in actions and form is None:
        form = DraftForm(scales=selectors.scale_texts(standard, blank=True))
    return render(
        request,
        "standards/standard_detail.html",
        {
            "entity": entity,
            "cycle": cycle,
            "roles": roles,
            "standard": standard,
            "actions": actions,
            "scales": selectors.scale_texts(standard) if standard else [],
            "form": form if "edit" in actions else None,
            "publish_refusal": STANDARD.refusal(standard, "publish", roles)
            if "edit" in actions
            else None,
            "history": history,
            "draft": next((v for v in history if v.state == S.DRAFT), None),
            "can_start": "hod" in roles
            and cycle.status != Cycle.Status.CLOSED
            and not any(v.state == S.DRAFT for v in history),
            "acknowledgements": selectors.fro_acknowledgements(standard)
            if standard is not None
            and standard.state != S.DRAFT
            and "view_acknowledgements" in actions
            else None,
            "acknowledged_at": selectors.acknowledged_at(standard, request.user)
            if standard is not None and "fro" in roles
            else None,
            "required": settings_for(cycle).acknowledgement_required,
        },
    )


def entity(request: HttpRequest, entity_id: int, cycle_id: int) -> HttpResponse:
    """An entity's standards for a cycle: the version in force, the history, and (HOD) the
    draft; 404 for anyone who is not its HOD, HR focal point, or an FRO or SRO of its staff."""
    entity, cycle, roles = _entity_scope(request, entity_id, cycle_id)
    standard = selectors.current_standard(entity.pk, cycle.pk)
    return _page(request, entity, cycle, roles, standard)


def version(request: HttpRequest, pk: int) -> HttpResponse:
    """One version (the history's, the version in force, or the HOD's draft)."""
    standard = selectors.get_visible_standard(request.user, pk)
    roles = entity_roles(request.user, standard.entity_id, standard.cycle_id)
    return _page(request, standard.entity, standard.cycle, roles, standard)


@require_POST
def create(request: HttpRequest, entity_id: int, cycle_id: int) -> HttpResponse:
    entity, cycle, roles = _entity_scope(request, entity_id, cycle_id)
    if "hod" not in roles:
        raise PermissionDenied(
            gettext(
                "Only the head of the department, or the acting head, writes its ratings standards."
            )
        )
    try:
        standard = services.start_new_version(entity=entity, cycle=cycle, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("standards:entity", entity.pk, cycle.pk)
    messages.success(
        request,
        interpolate(
            gettext("Version %(version)s is a draft: write it, then publish it."),
            {"version": standard.version},
        ),
    )
    return redirect("standards:version", standard.pk)


def _acting(request: HttpRequest, pk: int, action: str) -> RatingsStandard:
    standard = selectors.get_visible_standard(request.user, pk)
    if action not in allowed_actions(request.user, standard):
        raise PermissionDenied(gettext("You may not do this on these ratings standards now."))
    return standard


@require_POST
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    standard = _acting(request, pk, "edit")
    form = DraftForm(
        request.POST, request.FILES, scales=selectors.scale_texts(standard, blank=True)
    )
    if form.is_valid():
        try:
            services.save_draft(
                standard=standard,
                actor=request.user,
                introduction=form.cleaned_data["introduction"],
                texts=form.texts(),
                attachment=form.cleaned_data["attachment"] or None,
                remove_attachment=form.cleaned_data["remove_attachment"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, gettext("Draft saved."))
            return redirect("standards:version", standard.pk)
    roles = entity_roles(request.user, standard.entity_id, standard.cycle_id)
    return _page(request, standard.entity, standard.cycle, roles, standard, form)


@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    standard = selectors.get_visible_standard(request.user, pk)
    roles = entity_roles(request.user, standard.entity_id, standard.cycle_id)
    if "hod" not in roles:
        raise PermissionDenied(
            gettext(
                "Only the head of the department, or the acting head, writes its ratings standards."
            )
        )
    try:
        services.publish_standard(standard=standard, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            interpolate(
                gettext("Version %(version)s is published: the FROs are asked to acknowledge it."),
                {"version": standard.version},
            ),
        )
    return redirect("standards:version", standard.pk)


@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """An FRO acknowledges the version in force; back to the page they came from (the
    evaluation they are rating) when it is one of the site's."""
    standard = selectors.get_visible_standard(request.user, pk)
    roles = entity_roles(request.user, standard.entity_id, standard.cycle_id)
    if "fro" not in roles:
        raise PermissionDenied(
            gettext("The FROs of the department's staff acknowledge its ratings standards.")
        )
    try:
        services.acknowledge_standard(standard=standard, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            interpolate(
                gettext(
                    "You acknowledged the ratings standards of %(entity)s (version %(version)s)."
                ),
                {"entity": standard.entity.code, "version": standard.version},
            ),
        )
    # Back to the page the form was on (a path of this site), never a view name or elsewhere.
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("standards:version", standard.pk)


def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The version's attachment, served only to its readers, never from a public URL."""
    standard = selectors.get_visible_standard(request.user, pk)
    if not standard.attachment:
        raise Http404(gettext("No such file."))
    log_event("download", user=request.user.pk, standard=standard.pk)
    response = FileResponse(
        standard.attachment.open("rb"),
        as_attachment=True,
        filename=standard.attachment_name or "standards",
        content_type=standard.attachment_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
