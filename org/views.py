"""Organisation pages: acting officers (delegations), the staff import, HR's bulk changes."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from pmsystem.errors import ApplicationError

from . import bulk, middleware, services
from .forms import (
    DelegationForm,
    ExtendForm,
    ImportForm,
    LanguageForm,
    LaunchForm,
    ProfileForm,
    ReassignForm,
)
from .importer import COLUMNS, import_org
from .models import BulkChange, DeadlineExtension, Delegation, OrgUnit
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
    today = timezone.localdate()
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


def profile(request: HttpRequest) -> HttpResponse:
    """A person's own choices: the language of their pages and emails, and whether reminders
    come one by one or as one email a day."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_preferences(
                user=request.user,
                language=form.cleaned_data["language"],
                email_preference=form.cleaned_data["email_preference"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, gettext("Your preferences are saved."))
            return redirect("org:profile")
    return render(request, "org/profile.html", {"form": form})


@require_POST
def keep_alive(request: HttpRequest) -> JsonResponse:
    """The "Stay signed in" button of the warning a page shows before the idle timeout
    (static/js/session.js): the idle clock starts again; the seconds it now has."""
    return JsonResponse({"idle_seconds": middleware.keep_alive(request)})


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


# --- HR's bulk work (org.bulk) -----------------------------------------------------------------

CHANGES_PER_PAGE = 25
ROWS_PER_PAGE = 100
PREVIEW_ROWS = 500


def _bulk_entity_or_404(user, entity_id: int) -> OrgUnit:
    """The entity, if `user` is one of its HR focal points. Its HOD reads the record but
    makes no bulk change (403, with the reason); for anyone else it does not exist (404)."""
    entity = bulk.hr_entities(user).filter(pk=entity_id).first()
    if entity is None:
        if bulk.record_entities(user).filter(pk=entity_id).exists():
            raise PermissionDenied(
                gettext(
                    "Bulk changes are made by an HR focal point of the department/office/"
                    "mission; you read them under HR changes."
                )
            )
        raise Http404("No such entity.")
    return entity


def bulk_changes(request: HttpRequest) -> HttpResponse:
    """HR changes: the bulk actions HR may take per entity, and the record of those made."""
    entities = list(bulk.record_entities(request.user).order_by("code"))
    if not entities:
        raise PermissionDenied(
            gettext("HR changes are for HR focal points and heads of department.")
        )
    hr = list(bulk.hr_entities(request.user).order_by("code"))
    page = Paginator(bulk.visible_changes(request.user), CHANGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "org/bulk_list.html", {"hr_entities": hr, "page": page})


def bulk_change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(bulk.visible_changes(request.user), pk=pk)
    if change.kind == BulkChange.Kind.EXTENSION:
        rows = change.extensions.select_related("staff__user", "staff__unit").order_by(
            "staff__index_number"
        )
    else:
        rows = change.rows.select_related(
            "staff__user",
            "staff__unit",
            "old_fro__user",
            "old_sro__user",
            "new_fro__user",
            "new_sro__user",
        ).order_by("staff__index_number")
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    refusal = bulk.undo_refusal(change, request.user)
    closes = change.created_at + bulk.undo_window()
    return render(
        request,
        "org/bulk_detail.html",
        {
            "change": change,
            "page": page,
            "can_undo": refusal is None,
            "undo_refusal": refusal if change.actor_id == request.user.pk else None,
            "undo_until": closes,
            "deadline_label": dict(DeadlineExtension.Deadline.choices).get(change.deadline, ""),
        },
    )


@require_POST
def bulk_change_undo(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(bulk.visible_changes(request.user), pk=pk)
    try:
        bulk.undo_bulk_change(change=change, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("Undone: everything is as it was before this change."))
    return redirect("org:bulk-detail", change.pk)


def _bulk_form_page(
    request: HttpRequest,
    *,
    entity: OrgUnit,
    form,
    kind: str,
    preview_of,
    apply,
) -> HttpResponse:
    """Fill in, preview (who is affected: list and count), then confirm the preview of
    exactly those rows: if they changed meanwhile, the new preview shows."""
    preview, changed = None, False
    if request.method == "POST" and form.is_valid():
        try:
            preview = preview_of(form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            if request.POST.get("action") == "confirm":
                try:
                    change = apply(form.cleaned_data, request.POST.get("previewed", ""))
                except bulk.PreviewChanged:
                    changed = True
                except ApplicationError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(
                        request,
                        ngettext(
                            "Done for %(count)s staff member. You may undo it here until %(time)s.",
                            "Done for %(count)s staff members. You may undo it here until "
                            "%(time)s.",
                            change.count,
                        )
                        % {
                            "count": change.count,
                            "time": formats.date_format(
                                timezone.localtime(change.created_at + bulk.undo_window()),
                                "SHORT_DATETIME_FORMAT",
                            ),
                        },
                    )
                    return redirect("org:bulk-detail", change.pk)
    return render(
        request,
        "org/bulk_form.html",
        {
            "entity": entity,
            "form": form,
            "kind": kind,
            "preview": preview,
            "changed": changed,
            "shown": PREVIEW_ROWS,
        },
    )


def bulk_reassign(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = _bulk_entity_or_404(request.user, entity_id)
    form = ReassignForm(request.POST or None, entity=entity)

    def preview_of(data):
        return bulk.reassignment_preview(
            actor=request.user,
            entity=entity,
            cycle=data["cycle"],
            selection=data["selection"],
            effective_from=data["effective_from"],
        )

    def apply(data, previewed):
        return bulk.reassign_lines(
            actor=request.user,
            entity=entity,
            cycle=data["cycle"],
            selection=data["selection"],
            effective_from=data["effective_from"],
            reason=data["reason"],
            previewed=previewed,
        )

    return _bulk_form_page(
        request, entity=entity, form=form, kind="reassign", preview_of=preview_of, apply=apply
    )


def bulk_extend(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = _bulk_entity_or_404(request.user, entity_id)
    form = ExtendForm(request.POST or None, entity=entity)

    def preview_of(data):
        return bulk.extension_preview(
            entity=entity,
            cycle=data["cycle"],
            deadline=data["deadline"],
            due=data["due"],
            selection=data["selection"],
        )

    def apply(data, previewed):
        return bulk.extend_deadline(
            actor=request.user,
            entity=entity,
            cycle=data["cycle"],
            deadline=data["deadline"],
            due=data["due"],
            selection=data["selection"],
            reason=data["reason"],
            previewed=previewed,
        )

    return _bulk_form_page(
        request, entity=entity, form=form, kind="extend", preview_of=preview_of, apply=apply
    )


def bulk_launch(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = _bulk_entity_or_404(request.user, entity_id)
    form = LaunchForm(request.POST or None, entity=entity)

    def preview_of(data):
        return bulk.launch_preview(actor=request.user, entity=entity, cycle=data["cycle"])

    def apply(data, previewed):
        return bulk.launch_cycle(
            actor=request.user,
            entity=entity,
            cycle=data["cycle"],
            reason=data["reason"],
            previewed=previewed,
        )

    return _bulk_form_page(
        request, entity=entity, form=form, kind="launch", preview_of=preview_of, apply=apply
    )
