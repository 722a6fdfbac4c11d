"""Organisation pages: acting officers (delegations), the staff import."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from pmsystem.errors import ApplicationError

from . import services
from .forms import DelegationForm, ImportForm, LanguageForm
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
            messages.success(request, gettext("Acting officer named; they have been told."))
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
        messages.success(request, gettext("Delegation ended."))
    return redirect("org:delegations")


def import_files(request: HttpRequest) -> HttpResponse:
    """HR focal points (within their entities) and administrators upload units, staff, lines."""
    if not can_import(request.user):
        raise PermissionDenied(
            gettext("Only HR focal points and system administrators may import.")
        )
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


@login_not_required
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The language switch in every page's footer, the sign-in page's included: kept on the
    profile of a signed-in user and, for everyone, in the language cookie."""
    # Back to the page the switch was on (the footer form sends no address of its own, so no
    # page shows where it is: a 404 page reads the same for every address).
    next_url = request.POST.get("next") or request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    # An address, never a URL name: redirect("abc") would look "abc" up as a view name.
    response = HttpResponseRedirect(next_url)
    form = LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["language"][0])
        return response
    code = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.set_language(user=request.user, language=code)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
