from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from org.selectors import current_cycle, role_summary

from . import dashboard as reports
from . import exports
from .filters import PeopleFilterForm, ReportFilterForm
from .selectors import my_tasks


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
    return render(request, "compliance/dashboard.html", context)


def compliance_people(request: HttpRequest) -> HttpResponse:
    """The people of a unit (or of every held entity) with their stage, FRO and due date."""
    scope, data = _report_scope(request, PeopleFilterForm)
    if scope.cycle is None:
        raise Http404("No cycle.")
    stage, status = data["stage"], data["status"]
    query = scope.params(stage=stage, status=status) if stage and status else scope.params()
    paginator = Paginator(
        reports.people(scope, stage=stage, status=status), reports.PEOPLE_PER_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/people_list.html",
        {
            "scope": scope,
            "page": page,
            "rows": list(reports.person_rows(scope, page.object_list)),
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


EXPORT_TABLES = {"dashboard", "ratings", "people"}
EXPORT_FORMATS = {"csv", "xlsx"}


def compliance_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """CSV or XLSX of a dashboard view (`dashboard`, `ratings`) or a people list, streamed."""
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
    else:
        board = reports.compliance_dashboard(scope)
        tables = (
            [exports.ratings_table(board)]
            if table == "ratings"
            else exports.dashboard_tables(board)
        )
    if fmt == "csv":
        table_ = tables[0] if len(tables) == 1 else exports.stages_table(board)
        return exports.csv_response(table_, filename=filename, on_done=logged)
    response, rows = exports.xlsx_response(tables, filename=filename)
    logged(rows)
    return response
