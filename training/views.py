"""Mandatory training pages. Thin: check the permission (404 for an entity the user does not
report on, 403 with the reason for an action they may not take), call a selector or a service,
render."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from org.models import OrgUnit, StaffMember
from pmsystem import entity_pages
from pmsystem.errors import ApplicationError
from pmsystem.exports import CHUNK_SIZE, Table, csv_response, xlsx_response
from pmsystem.i18n import interpolate
from pmsystem.security import log_event

from . import selectors, services
from .forms import CourseForm, ImportForm, PeopleFilterForm, RecordForm
from .models import Completion, Course
from .permissions import (
    can_keep_course,
    can_manage,
    managed_entity_ids,
    recordable_staff,
    report_entities,
)

PEOPLE_PER_PAGE = 50
EXPORT_FORMATS = {"csv", "xlsx"}


def home(request: HttpRequest) -> HttpResponse:
    """My courses; the entities I follow (HOD, HR) with their figures; what HR may do."""
    mine = sorted(
        selectors.user_courses(request.user), key=lambda pair: selectors.sort_key(pair[0])
    )
    entities = list(report_entities(request.user).order_by("code"))
    counts = selectors.entity_counts([e.pk for e in entities]) if entities else {}
    return render(
        request,
        "training/home.html",
        {
            "mine": mine,
            "completions": selectors.completions_of([request.user.pk])[:20],
            "entities": [(e, counts.get(e.pk, [])) for e in entities],
            "can_manage": can_manage(request.user),
        },
    )


def _report_entity(request: HttpRequest, entity_id: int) -> OrgUnit:
    return entity_pages.report_entity(report_entities(request.user), entity_id)


def _filtered(request: HttpRequest, entity: OrgUnit):
    data = entity_pages.cleaned_filters(PeopleFilterForm(request.GET))
    courses = {c.pk: c for c in selectors.active_courses([entity.pk])}
    if data["course"] and data["course"] not in courses:
        raise Http404("No such course.")
    rows = selectors.obligations(entity_ids=[entity.pk], courses=list(courses.values()))
    counts = selectors.entity_counts_from(rows, courses)
    rows = entity_pages.narrowed(
        rows,
        data,
        entity_id=entity.pk,
        values={"course": lambda o: o.course_id, "state": lambda o: o.state},
        person=lambda o: o.user_id,
    )
    rows.sort(key=selectors.sort_key)
    return data, courses, rows, counts, entity_pages.filter_query(request.GET, data)


def entity_view(request: HttpRequest, entity_id: int) -> HttpResponse:
    """An entity's courses (done, due, overdue) and the people behind each figure."""
    entity = _report_entity(request, entity_id)
    data, courses, rows, counts, query = _filtered(request, entity)
    page = Paginator(rows, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/entity.html",
        {
            "entity": entity,
            "counts": counts,
            "courses": courses.values(),
            "filters": data,
            "page": page,
            "people": selectors.person_rows(page.object_list, courses),
            "states": list(selectors.STATE_LABELS.items()),
            "query": urlencode(query),
            "query_page": urlencode(query) + "&" if query else "",
            "can_record": can_keep_course(request.user, entity.pk),
        },
    )


EXPORT_HEADER = (
    _("Index number"),
    _("Name"),
    _("Email"),
    _("Unit"),
    _("Course code"),
    _("Course"),
    _("State"),
    _("Due"),
    _("Last completed"),
    _("Valid until"),
)


def entity_export(request: HttpRequest, entity_id: int, fmt: str) -> HttpResponse:
    """The drill-down (with its filters) as CSV or XLSX, logged."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("No such export.")
    entity = _report_entity(request, entity_id)
    _, courses, rows, _, query = _filtered(request, entity)

    def lines() -> Iterator[list]:
        for start in range(0, len(rows), CHUNK_SIZE):
            for p in selectors.person_rows(rows[start : start + CHUNK_SIZE], courses):
                o = p.obligation
                yield [
                    p.index_number,
                    p.name,
                    p.email,
                    p.unit,
                    p.course.code,
                    p.course.name,
                    o.state_label,
                    o.due,
                    o.completed_on,
                    o.valid_until,
                ]

    table = Table(gettext("Training"), [str(h) for h in EXPORT_HEADER], lines())
    filename = f"training-{entity.code}.{fmt}".replace("/", "-")

    def logged(count: int) -> None:
        log_event(
            "export", user=request.user.pk, view="training", format=fmt, rows=count, unit=entity.pk
        )

    if fmt == "csv":
        return csv_response(table, filename=filename, on_done=logged)
    response, count = xlsx_response([table], filename=filename)
    logged(count)
    return response


# --- the catalogue ---------------------------------------------------------------------------


def _require_manager(request: HttpRequest) -> set[int] | None:
    if not can_manage(request.user):
        raise PermissionDenied(
            gettext("Only HR focal points and system administrators keep mandatory training.")
        )
    return managed_entity_ids(request.user)


def catalogue(request: HttpRequest) -> HttpResponse:
    """The courses: every one binding the user's entities is readable; those they keep have a
    link to change them."""
    scope = _require_manager(request)
    courses = Course.objects.select_related("entity").order_by("code")
    if scope is not None:
        courses = courses.filter(Q(entity__isnull=True) | Q(entity_id__in=scope))
    return render(
        request,
        "training/catalogue.html",
        {
            "courses": [(c, scope is None or c.entity_id in scope) for c in courses],
            "roles": selectors.role_labels(),
        },
    )


def course_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk) if pk is not None else None
    scope = _require_manager(request)
    if course is not None:
        if not can_keep_course(request.user, course.entity_id):
            if scope is not None and course.entity_id is None:
                raise PermissionDenied(
                    gettext("An organisation-wide course is kept by the system administrators.")
                )
            raise Http404("No such course.")
    form = CourseForm(request.POST or None, instance=course, entity_ids=scope)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = services.save_course(actor=request.user, course=course, data=data)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, interpolate(gettext("Course %(code)s saved."), {"code": saved.code})
            )
            return redirect("training:catalogue")
    return render(request, "training/course_form.html", {"form": form, "course": course})


# --- completions -------------------------------------------------------------------------------


def record(request: HttpRequest) -> HttpResponse:
    """HR records one completion (the learning system's import is `import_view`)."""
    scope = _require_manager(request)
    courses = Course.objects.order_by("code")
    if scope is not None:
        courses = courses.filter(Q(entity__isnull=True) | Q(entity_id__in=scope))
    form = RecordForm(request.POST or None, courses=courses)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["person"].strip()
        staff = (
            StaffMember.objects.filter(Q(index_number=text) | Q(user__email__iexact=text))
            .select_related("user", "unit")
            .first()
        )
        if staff is None:
            form.add_error("person", gettext("No staff member has this index number or email."))
        else:
            try:
                services.record_completion(
                    actor=request.user,
                    user=staff.user,
                    course=form.cleaned_data["course"],
                    completed_on=form.cleaned_data["completed_on"],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    interpolate(
                        gettext("Recorded: %(person)s completed %(course)s."),
                        {"person": staff.user, "course": form.cleaned_data["course"].code},
                    ),
                )
                return redirect("training:record")
    return render(
        request,
        "training/record.html",
        {"form": form, "recent": selectors.recent_completions(recordable_staff(request.user))},
    )


@require_POST
def remove_completion(request: HttpRequest, pk: int) -> HttpResponse:
    """HR removes a completion recorded by mistake; one outside their entities is not found."""
    completion = get_object_or_404(
        Completion.objects.select_related("course", "user"),
        pk=pk,
        user_id__in=recordable_staff(request.user).values("pk"),
    )
    _require_manager(request)
    services.delete_completion(actor=request.user, completion=completion)
    messages.success(
        request,
        interpolate(
            gettext("Removed: %(person)s, %(course)s, %(date)s."),
            {
                "person": completion.user,
                "course": completion.course.code,
                "date": formats.date_format(completion.completed_on, "SHORT_DATE_FORMAT"),
            },
        ),
    )
    return redirect("training:record")


def import_view(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    result = None
    if form.is_bound and form.is_valid():
        try:
            result = services.import_completions(
                files=[(f.name, f) for f in form.cleaned_data["files"]],
                actor=request.user,
                dry_run=form.cleaned_data["validate_only"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
    return render(
        request,
        "training/import.html",
        {"form": form, "result": result, "columns": services.COLUMNS},
    )
