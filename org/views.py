"""Organisation pages: acting officers (delegations), the staff import."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from pmsystem.errors import ApplicationError

from . import services
from .forms import DelegationForm, ImportForm
from .importer import COLUMNS, import_org
from .models import Delegation
from .permissions import can_import


def delegations(request: HttpRequest) -> HttpResponse:
    """An FRO, SRO or HOD names an acting officer; everyone sees whom they act for."""
    roles = services.delegable_roles(request.user)
    form = DelegationForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_delegation(principal=request.user, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Acting officer named; they have been told.")
            return redirect("org:delegations")
    today = datetime.date.today()
    rows = (
        Delegation.objects.filter(Q(principal=request.user) | Q(acting=request.user))
        .filter(end__gte=today - datetime.timedelta(days=90))
        .select_related("principal", "acting")
        .order_by("-start")
    )
    return render(
        request,
        "org/delegation_list.html",
        {"form": form, "roles": roles, "delegations": list(rows), "today": today},
    )


@require_POST
def end_delegation(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = get_object_or_404(Delegation, pk=pk, principal=request.user)
    try:
        services.end_delegation(delegation=delegation, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Delegation ended.")
    return redirect("org:delegations")


def import_files(request: HttpRequest) -> HttpResponse:
    """HR focal points (within their entities) and administrators upload units, staff, lines."""
    if not can_import(request.user):
        raise PermissionDenied("Only HR focal points and system administrators may import.")
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    result = None
    if form.is_bound and form.is_valid():
        try:
            result = import_org(
                files=[(f.name, f) for f in form.cleaned_data["files"]],
                actor=request.user,
                dry_run=form.cleaned_data["validate_only"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
    return render(
        request,
        "org/import_form.html",
        {"form": form, "result": result, "columns": COLUMNS},
    )
