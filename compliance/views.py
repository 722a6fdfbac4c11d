from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext

from org.selectors import current_cycle, role_summary
from pmsystem.errors import ApplicationError
from pmsystem.exports import csv_response, xlsx_response
from pmsystem.links import Links
from pmsystem.security import log_event
from standards.selectors import standards_status

from . import dashboard as reports
from . import exports, follow_up, services, summary
from .filters import FollowUpFilter, PeopleFilterForm, ReportFilterForm
from .forms import BroadcastForm
from .permissions import (
    broadcast_entities,
    broadcast_entity_or_404,
    compliance_entities,
    visible_broadcasts,
)
from .reminders import describe, stages
from .selectors import broadcast_preview, broadcasts_with_delivery, my_reminders, my_tasks


def home(request: HttpRequest) -> HttpResponse:
    """My tasks: what waits for the user in any role, and the roles they hold."""
    cycle = current_cycle()
    return render(
        request,
        "compliance/home.html",
        {
            "cycle": cycle,
            "roles": role_summary(request.user, cycle),
            "tasks": my_tasks(request.user, cycle),
        },
    )


# --- compliance reports -------------------------------------------------------------------


def _report_scope(request: HttpRequest, form_class=ReportFilterForm) -> tuple[reports.Scope, dict]:
    """The scope the query string asks for: 403 without a compliance role, 404 for an id
    outside the entities the user holds (or a malformed one)."""
    form = form_class(request.GET)
    if not form.is_valid():
        raise Http404("Unknown report filter.")
    data = form.cleaned_data
    scope = reports.resolve_scope(
        request.user,
        cycle_id=data["cycle"],
        entity_id=data["entity"],
        unit_id=data["unit"],
        category=data["category"],
    )
    return scope, data


def compliance_dashboard(request: HttpRequest) -> HttpResponse:
    """Per stage: not started, in progress, done, on time, overdue; by unit, category and
    gender; ratings per entity next to the organisation's."""
    scope, _ = _report_scope(request)
    context = {"scope": scope, "form": ReportFilterForm(request.GET)}
    if scope.cycle is not None:
        board = reports.compliance_dashboard(scope)
        context |= {"board": board, "charts": reports.chart_data(board)}
        # Beside the ratings distribution: whether each entity's ratings standards are
        # published, and how many of its FROs acknowledged the version in force.
        entities = [scope.entity] if scope.node else scope.entities
        entity_ids = [e.id for e in entities]
        # Counted from the maintained summary (None on SQLite, where the lines are read).
        context["standards"] = standards_status(
            entity_ids, scope.cycle, counts=summary.standards_counts(scope.cycle), known=entities
        )
        # Beside mandatory training: each entity's staff on special schedules, counted when
        # the view holds one entity (the exports follow the same rule).
        context["schedules"] = reports.special_schedules(scope)
    return render(request, "compliance/dashboard.html", context)


def compliance_people(request: HttpRequest) -> HttpResponse:
    """The people of a unit (or of every held entity) with their stage, FRO and due date."""
    scope, data = _report_scope(request, PeopleFilterForm)
    if scope.cycle is None:
        raise Http404("No cycle.")
    stage, status = data["stage"], data["status"]
    query = scope.params(stage=stage, status=status) if stage and status else scope.params()
    # Pages over the people's count (the maintained summary's figure); `people_page` reads
    # the rows of the page's bounds.
    count = reports.people_count(scope, stage=stage, status=status)
    paginator = Paginator(range(count), reports.PEOPLE_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/people_list.html",
        {
            "scope": scope,
            "page": page,
            "rows": reports.people_page(scope, page, stage=stage, status=status),
            "stage": stage if stage and status else "",
            "status": status if stage and status else "",
            "stage_label": reports.STAGE_LABELS.get(stage, ""),
            "status_label": reports.STATUS_LABELS.get(status, ""),
            "query": urlencode(query),
            "query_page": urlencode(query) + "&" if query else "",
            "stage_choices": [(s, reports.STAGE_LABELS[s]) for s in reports.stages_of(scope.cycle)],
            "status_choices": list(reports.STATUS_LABELS.items()),
        },
    )


EXPORT_TABLES = {"dashboard", "ratings", "schedules", "people"}
EXPORT_FORMATS = {"csv", "xlsx"}


def compliance_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """CSV or XLSX of a dashboard view (`dashboard`, `ratings`, `schedules`) or a people
    list, streamed."""
    if table not in EXPORT_TABLES or fmt not in EXPORT_FORMATS:
        raise Http404("No such export.")
    scope, data = _report_scope(request, PeopleFilterForm)
    if scope.cycle is None:
        raise Http404("No cycle.")
    filename = exports.export_filename(scope, table, fmt)

    def logged(rows: int) -> None:
        exports.log_export(request.user, view=table, fmt=fmt, rows=rows, scope=scope)

    if table == "people":
        tables = [exports.people_table(scope, stage=data["stage"], status=data["status"])]
    elif table == "schedules":
        tables = [exports.special_schedules_table(reports.special_schedules(scope))]
    else:
        board = reports.compliance_dashboard(scope)
        if table == "ratings":
            tables = [exports.ratings_table(board)]
        elif fmt == "csv":  # one table: the stage tables one after the other
            tables = [exports.stages_table(board)]
        else:
            tables = exports.dashboard_tables(board, reports.special_schedules(scope))
    if fmt == "csv":
        return csv_response(tables[0], filename=filename, on_done=logged)
    response, rows = xlsx_response(tables, filename=filename)
    logged(rows)
    return response


# --- reminders and broadcasts -------------------------------------------------------------

REMINDERS_PER_PAGE = 25
BROADCASTS_PER_PAGE = 20


def reminder_list(request: HttpRequest) -> HttpResponse:
    """My reminders: every reminder, escalation and broadcast sent to the user, newest first."""
    page = Paginator(my_reminders(request.user), REMINDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    names: dict = {}  # each course named once for the page
    links = Links()
    rows = [(reminder, describe(reminder, names, links)) for reminder in page]
    return render(request, "compliance/reminder_list.html", {"page": page, "rows": rows})


def broadcast_list(request: HttpRequest) -> HttpResponse:
    """The entities an HR focal point may write to, and the broadcasts sent so far."""
    if not compliance_entities(request.user).exists():
        raise PermissionDenied(
            gettext("Broadcasts are for HR focal points and heads of department.")
        )
    entities = list(broadcast_entities(request.user).order_by("code"))
    broadcasts = visible_broadcasts(request.user)
    page = Paginator(broadcasts_with_delivery(broadcasts), BROADCASTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "compliance/broadcast_list.html",
        {"entities": entities, "page": page, "stages": stages()},
    )


def broadcast_create(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Write, preview (how many people, a sample of names), then send. Sending needs the
    preview of exactly these recipients: if they changed meanwhile, the new preview shows."""
    entity = broadcast_entity_or_404(request.user, entity_id)
    form = BroadcastForm(request.POST or None, entity=entity)
    preview, changed = None, False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        preview = broadcast_preview(entity=entity, stage=data["stage"], unit=data["unit"])
        if request.POST.get("action") == "send":
            if request.POST.get("previewed") != preview.digest:
                changed = True
            else:
                try:
                    broadcast = services.send_broadcast(
                        actor=request.user,
                        entity=entity,
                        unit=data["unit"],
                        stage=data["stage"],
                        on_behalf_of=data["on_behalf_of"],
                        subject=data["subject"],
                        message=data["message"],
                        token=data["token"],
                    )
                except ApplicationError as error:
                    form.add_error(None, error.message)
                else:
                    count = broadcast.recipient_count
                    messages.success(
                        request,
                        ngettext(
                            "Broadcast sent to %(count)s person.",
                            "Broadcast sent to %(count)s people.",
                            count,
                        )
                        % {"count": count},
                    )
                    return redirect("compliance:broadcast-detail", broadcast.pk)
    return render(
        request,
        "compliance/broadcast_form.html",
        {"entity": entity, "form": form, "preview": preview, "changed": changed},
    )


def broadcast_detail(request: HttpRequest, pk: int) -> HttpResponse:
    broadcast = get_object_or_404(broadcasts_with_delivery(visible_broadcasts(request.user)), pk=pk)
    return render(
        request,
        "compliance/broadcast_detail.html",
        {"broadcast": broadcast, "stage": stages().get(broadcast.stage)},
    )


# --- the department follow-up ---------------------------------------------------------------

FOLLOW_UP_ROWS = 10
FOLLOW_UP_PER_PAGE = 50


@dataclass
class FollowUpSection:
    kind: str
    title: str
    items: list
    count: int
    page: Page | None = None


def _follow_up_filters(request: HttpRequest) -> FollowUpFilter:
    """The filters of the query string on the documents the user follows: 403 for someone
    who follows no entity, 404 for a filter outside what they follow (or malformed). Without a
    cycle in the query string, the current one."""
    held = list(follow_up.entities(request.user))
    if not held:
        raise PermissionDenied(
            gettext("The department follow-up is for heads of department and HR focal points.")
        )
    data = request.GET.copy()
    if "cycle" not in data:
        cycle = current_cycle()
        if cycle is not None:
            data["cycle"] = str(cycle.pk)
    documents = follow_up.scope_documents([entity.pk for entity in held])
    filters = FollowUpFilter(data, queryset=documents, entities=held)
    if not filters.is_valid():
        raise Http404("Unknown follow-up filter.")
    return filters


def follow_up_view(request: HttpRequest) -> HttpResponse:
    """The HOD's and HR focal point's view of their department: open PIPs, low overall
    ratings, rebuttal cases and roll-backs; a slice of each, or one list whole."""
    filters = _follow_up_filters(request)
    show = filters.form.cleaned_data.get("show") or ""
    lists = follow_up.lists(follow_up.document_ids(filters.qs))
    sections = []
    for kind, title in follow_up.KINDS.items():
        if show and kind != show:
            continue
        queryset = lists[kind]
        page = None
        if show:
            page = Paginator(queryset, FOLLOW_UP_PER_PAGE).get_page(request.GET.get("page"))
            items, count = list(page.object_list), page.paginator.count
        else:
            items = list(queryset[: FOLLOW_UP_ROWS + 1])
            count = len(items) if len(items) <= FOLLOW_UP_ROWS else queryset.count()
            items = items[:FOLLOW_UP_ROWS]
        if kind == "pips":
            items = follow_up.pip_rows(items)
        sections.append(FollowUpSection(kind, str(title), items, count, page))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("show", None)
    return render(
        request,
        "compliance/follow_up.html",
        {
            "filters": filters,
            "sections": sections,
            "show": show,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "rows_shown": FOLLOW_UP_ROWS,
        },
    )


def follow_up_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """One list of the follow-up as CSV or XLSX, or the four as sheets of one XLSX, streamed
    with the page's filters."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("No such export.")
    filters = _follow_up_filters(request)
    show = filters.form.cleaned_data.get("show") or ""
    if fmt == "csv" and not show:
        raise Http404("A CSV holds one list: choose it.")
    lists = follow_up.lists(follow_up.document_ids(filters.qs))
    kinds = [show] if show else list(follow_up.KINDS)
    tables = [follow_up.export_table(kind, lists[kind]) for kind in kinds]
    cycle = filters.form.cleaned_data.get("cycle")
    filename = "-".join(
        ["follow-up", show or "all", cycle.name if cycle else "all-cycles"]
    ).replace("/", "-")

    def logged(rows: int) -> None:
        log_event(
            "export", user=request.user.pk, view="follow_up", format=fmt, rows=rows, kind=show
        )

    if fmt == "csv":
        return csv_response(tables[0], filename=f"{filename}.csv", on_done=logged)
    response, rows = xlsx_response(tables, filename=f"{filename}.xlsx")
    logged(rows)
    return response
