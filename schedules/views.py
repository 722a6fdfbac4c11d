"""Special-schedule pages. Thin: 404 for what the user may not see, 403 with the reason for
an action they may not take, a selector to read and a service to write."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from org.models import OrgUnit, StaffMember
from pmsystem import entity_pages
from pmsystem.errors import ApplicationError
from pmsystem.exports import Table, csv_response
from pmsystem.i18n import interpolate
from pmsystem.security import log_event

from . import selectors, services
from .forms import CommentForm, FilterForm, RecordForm
from .models import ScheduleRecord
from .permissions import (
    board_entity_ids,
    board_refusal,
    can_read,
    correction_refusal,
    record_refusal,
    report_entities,
    supervised_staff_ids,
)


def home(request: HttpRequest) -> HttpResponse:
    """My schedule; my team's staff on special schedules (FRO); the entities I follow."""
    team = (
        selectors.special_staff()
        .filter(pk__in=supervised_staff_ids(request.user))
        .select_related("user", "unit")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    mine = selectors.staff_schedule(request.user.pk)
    own = None if mine else StaffMember.objects.filter(pk=request.user.pk).first()
    return render(
        request,
        "schedules/home.html",
        {
            "mine": mine,
            "my_past": selectors.past_records(own) if own is not None else [],
            "team": selectors.schedules_of(team),
            "entities": list(report_entities(request.user).order_by("code")),
        },
    )


def _readable_staff(request: HttpRequest, staff_id: int) -> StaffMember:
    staff = StaffMember.objects.select_related("user", "unit").filter(pk=staff_id).first()
    if staff is None or not can_read(request.user, staff):
        raise Http404("No such staff member.")
    return staff


def staff_view(request: HttpRequest, staff_id: int) -> HttpResponse:
    """A staff member's milestones and records; what the FRO may record and HR correct."""
    staff = _readable_staff(request, staff_id)
    schedule = selectors.staff_schedule(staff.pk)
    return render(
        request,
        "schedules/staff.html",
        {
            "staff": staff,
            "schedule": schedule,
            # No longer on a special schedule: what was recorded while they were.
            "past": selectors.past_records(staff) if schedule is None else [],
            "can_record": record_refusal(request.user, staff) is None,
            "can_correct": correction_refusal(request.user, staff) is None,
        },
    )


def milestone_view(request: HttpRequest, staff_id: int, code: str) -> HttpResponse:
    """The FRO records a milestone as held; on a recorded one, HR corrects it. The form keeps
    what was typed when the service refuses it."""
    staff = _readable_staff(request, staff_id)
    schedule = selectors.staff_schedule(staff.pk)
    step = schedule.step(code) if schedule is not None else None
    if step is None:
        raise Http404("No such milestone.")
    record = step.record
    refusal = (
        record_refusal(request.user, staff)
        if record is None
        else correction_refusal(request.user, staff)
    )
    if refusal:
        raise PermissionDenied(refusal)
    initial = {"held_on": record.held_on, "summary": record.summary} if record else None
    form = RecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if record is None:
                services.record_milestone(
                    actor=request.user,
                    staff=staff,
                    code=code,
                    held_on=data["held_on"],
                    summary=data["summary"],
                )
            else:
                services.correct_record(
                    actor=request.user,
                    record=record,
                    held_on=data["held_on"],
                    summary=data["summary"],
                )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                interpolate(gettext("Recorded: %(milestone)s."), {"milestone": step.label}),
            )
            return redirect("schedules:staff", staff_id=staff.pk)
    return render(
        request,
        "schedules/milestone.html",
        {"staff": staff, "step": step, "record": record, "form": form},
    )


@require_POST
def remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    """HR removes a record made by mistake; one the user may not read is not found."""
    record = get_object_or_404(ScheduleRecord.objects.select_related("staff__user"), pk=pk)
    staff = _readable_staff(request, record.staff_id)
    refusal = correction_refusal(request.user, staff)
    if refusal:
        raise PermissionDenied(refusal)
    services.remove_record(actor=request.user, record=record)
    messages.success(request, gettext("The record is removed: the milestone is due again."))
    return redirect("schedules:staff", staff_id=staff.pk)


def report_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A probationary report routed to the review board: its members read it and comment,
    except one who holds a role on it (the conflict rule)."""
    record = (
        ScheduleRecord.objects.select_related("staff__user", "staff__unit", "recorded_by")
        .filter(pk=pk, board=True, staff__unit__entity_id__in=board_entity_ids(request.user))
        .first()
    )
    if record is None:
        raise Http404("No such report for the board.")
    refusal = board_refusal(request.user, record.staff, record.recorded_by_id)
    form = CommentForm(request.POST or None) if not refusal else None
    here = redirect("schedules:report", pk=record.pk)
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            return here
        if form is not None and form.is_valid():
            try:
                services.comment_on_report(
                    actor=request.user,
                    record=record,
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, gettext("The board's comment is recorded."))
                return here
    return render(
        request,
        "schedules/report.html",
        {
            "record": record,
            "comments": selectors.report_comments(record),
            "refusal": refusal,
            "form": form,
        },
    )


# --- HR's entity page --------------------------------------------------------------------------


def _report_entity(request: HttpRequest, entity_id: int) -> OrgUnit:
    return entity_pages.report_entity(report_entities(request.user), entity_id)


def _filtered(request: HttpRequest, entity: OrgUnit):
    data = entity_pages.cleaned_filters(FilterForm(request.GET))
    rows = selectors.entity_rows(entity.pk)
    counts = selectors.milestone_counts(rows)
    rows = entity_pages.narrowed(
        rows,
        data,
        entity_id=entity.pk,
        values={"code": lambda r: r.step.code, "state": lambda r: r.step.state},
        person=lambda r: r.staff.pk,
    )
    return data, rows, counts, entity_pages.filter_query(request.GET, data)


def entity_view(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The entity's staff on special schedules: done, due and overdue per milestone, and the
    people behind each figure."""
    entity = _report_entity(request, entity_id)
    data, rows, counts, query = _filtered(request, entity)
    return render(
        request,
        "schedules/entity.html",
        {
            "entity": entity,
            "counts": counts,
            "rows": rows,
            "filters": data,
            "states": list(selectors.STATE_LABELS.items()),
            "query": urlencode(query),
        },
    )


EXPORT_HEADER = (
    _("Index number"),
    _("Name"),
    _("Unit"),
    _("Milestone"),
    _("Due"),
    _("State"),
    _("Held on"),
)


def entity_export(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The list (with its filters) as CSV, logged."""
    entity = _report_entity(request, entity_id)
    _, rows, _, _ = _filtered(request, entity)
    records = {
        (staff_id, code): day
        for staff_id, code, day in ScheduleRecord.objects.filter(
            staff__unit__entity_id=entity.pk
        ).values_list("staff_id", "code", "held_on")
    }

    def lines() -> Iterator[list]:
        for r in rows:
            yield [
                r.staff.index_number,
                str(r.staff.user),
                r.staff.unit.code,
                r.step.label,
                r.step.due,
                r.step.state_label,
                records.get((r.staff.pk, r.step.code)),
            ]

    table = Table(gettext("Special schedules"), [str(h) for h in EXPORT_HEADER], lines())

    def logged(count: int) -> None:
        log_event(
            "export",
            user=request.user.pk,
            view="schedules",
            format="csv",
            rows=count,
            unit=entity.pk,
        )

    return csv_response(
        table, filename=f"schedules-{entity.code}.csv".replace("/", "-"), on_done=logged
    )
