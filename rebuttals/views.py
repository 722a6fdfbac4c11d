"""Rebuttal pages. Thin: load through a selector (404 when not visible), ask
`allowed_case_actions` (403 when visible but not allowed), call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from appraisals.models import Appraisal
from org.models import OrgUnit
from pmsystem.drafts import discard_draft
from pmsystem.errors import ApplicationError
from pmsystem.exports import Table, csv_response, xlsx_response
from pmsystem.http import id_param, id_params
from pmsystem.i18n import interpolate, translated
from pmsystem.i18n import render as render_phrase
from pmsystem.security import log_event
from workplans.selectors import get_visible_work_plan

from . import selectors, services
from .forms import (
    ConflictForm,
    ConsultationForm,
    FileRebuttalForm,
    MonitorFilter,
    ReplyForm,
    ReportForm,
    RosterMemberForm,
    TrainingForm,
    UnpublishForm,
)
from .models import Group, RebuttalAttachment, RebuttalCase, RosterMember
from .permissions import (
    allowed_case_actions,
    can_view_roster,
    case_relations,
    monitored_entities,
    roster_roles,
    rosters_visible_to,
)
from .workflow import CASE


def _load(request: HttpRequest, pk: int):
    case = selectors.get_visible_case(request.user, pk)
    relations = case_relations(request.user, case)
    return case, frozenset(relations), allowed_case_actions(request.user, case, relations)


def file(request: HttpRequest, document_pk: int) -> HttpResponse:
    """The staff member files a rebuttal of their completed evaluation."""
    document = get_visible_work_plan(request.user, document_pk)
    if document.staff_id != request.user.pk:
        raise PermissionDenied(gettext("Only the staff member may rebut their evaluation."))
    existing = RebuttalCase.objects.filter(document=document).first()
    if existing is not None:
        return redirect("rebuttals:case", existing.pk)
    case = RebuttalCase(document=document, state=RebuttalCase.State.NOT_FILED)
    refusal = CASE.refusal(case, "file", frozenset({"staff"}))
    form = FileRebuttalForm()
    if request.method == "POST":
        form = FileRebuttalForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                case = services.file_rebuttal(
                    document=document,
                    actor=request.user,
                    statement=form.cleaned_data["statement"],
                    attachments=form.cleaned_data["attachments"],
                )
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                discard_draft(author=request.user, document_id=document.pk, form_key="rebuttal")
                messages.success(request, gettext("Your rebuttal is filed; the HOD has been told."))
                return redirect("rebuttals:case", case.pk)
    appraisal = Appraisal.objects.filter(pk=document.pk).select_related("final_rating").first()
    return render(
        request,
        "rebuttals/rebuttal_file.html",
        {
            "work_plan": document,
            "roles": frozenset({"staff"}),
            "form": form,
            "refusal": refusal,
            "appraisal": appraisal,
        },
    )


def for_document(request: HttpRequest, document_pk: int) -> HttpResponse:
    """The case of a document (links in reminders name the document)."""
    case = get_object_or_404(RebuttalCase.objects.only("pk"), document_id=document_pk)
    selectors.get_visible_case(request.user, case.pk)
    return redirect("rebuttals:case", case.pk)


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case, roles, actions = _load(request, pk)
    if "view" not in actions:
        raise PermissionDenied(gettext("You may not see this rebuttal."))
    panel = list(case.panel.select_related("user__staff").order_by("seat", "appointed_at"))
    sitting = {m.seat: m for m in panel if m.excused_at is None}
    candidates = []
    # A panel still to constitute waits for a published roster: the page says why not.
    roster_notice = None
    if case.state in (RebuttalCase.State.FILED, RebuttalCase.State.REPLIED) and len(sitting) < len(
        Group.values
    ):
        roster_notice = selectors.roster_notice(case.document.staff.unit.entity_id)
    if "constitute_panel" in actions and roster_notice is None:
        candidates = [
            (seat, label, list(services.eligible_roster_members(case, seat)))
            for seat, label in Group.choices
            if seat not in sitting
        ]
    appraisal = case.document.appraisal
    return render(
        request,
        "rebuttals/case_detail.html",
        {
            "case": case,
            "roles": roles,
            "actions": actions,
            "work_plan": case.document,
            "appraisal": appraisal,
            "attachments": list(case.attachments.all()),
            "panel": panel,
            "sitting": sitting,
            "candidates": candidates,
            "today": timezone.localdate(),
            "reply_form": ReplyForm(),
            "conflict_form": ConflictForm(),
            # The rating starts at the original (maintained), never at the highest level.
            "report_form": ReportForm(
                levels=_levels(case), initial={"rating": case.original_rating_id}
            ),
            "goal_rows": list(appraisal.goal_rows.select_related("goal")),
            "competency_rows": list(appraisal.competency_rows.select_related("competency")),
            "status_file": getattr(case, "status_file", None),
            "roster_notice": roster_notice,
            "sees_roster": can_view_roster(request.user, case.document.staff.unit.entity),
        },
    )


def _levels(case: RebuttalCase):
    from org.models import RatingLevel

    original = case.original_rating
    return RatingLevel.objects.filter(scale_id=original.scale_id, rank__lte=original.rank)


@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    case, roles, actions = _load(request, pk)
    if "hod" not in roles:
        raise PermissionDenied(gettext("Only the HOD (or acting HOD) replies to a rebuttal."))
    form = ReplyForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(gettext("Write the reply."))
        services.reply_to_rebuttal(case=case, actor=request.user, reply=form.cleaned_data["reply"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        discard_draft(author=request.user, document_id=case.document_id, form_key="rebuttal_reply")
        messages.success(
            request, gettext("Reply recorded and shared with the staff member and panel.")
        )
    return redirect("rebuttals:case", pk)


@require_POST
def appoint(request: HttpRequest, pk: int) -> HttpResponse:
    case, roles, actions = _load(request, pk)
    if "hr" not in roles:
        raise PermissionDenied(
            gettext("Only an HR focal point of the entity constitutes the panel.")
        )
    # One radio group per open seat (`member-<seat>`), or one `member`.
    ids = [
        id_param(request.POST, name, required=False)
        for name in ("member", *(f"member-{seat}" for seat in Group.values))
    ]
    chosen = [i for i in ids if i is not None]
    found = RosterMember.objects.select_related("user").in_bulk(chosen)
    if len(found) != len(set(chosen)):
        raise Http404("No such roster member.")
    members = [found[i] for i in chosen]
    try:
        services.appoint_panel_members(case=case, actor=request.user, roster_members=members)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        for member in members:
            messages.success(
                request, interpolate(gettext("%(name)s appointed."), {"name": member.user})
            )
    return redirect("rebuttals:case", pk)


@require_POST
def conflict(request: HttpRequest, pk: int) -> HttpResponse:
    case, roles, actions = _load(request, pk)
    if "panel_member" not in roles:
        raise PermissionDenied(gettext("Only a panel member declares a conflict."))
    form = ConflictForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(gettext("Say what the conflict is."))
        services.declare_conflict(case=case, actor=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("You are excused; HR will appoint a replacement."))
        return redirect("home")
    return redirect("rebuttals:case", pk)


@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    case, roles, actions = _load(request, pk)
    if "panel_member" not in roles:
        raise PermissionDenied(gettext("Only the panel records its report."))
    form = ReportForm(request.POST, levels=_levels(case))
    if form.is_valid():
        removed = services.RemovedComments(
            goal_rows=id_params(request.POST, "remove_goal"),
            competency_rows=id_params(request.POST, "remove_competency"),
            overall=form.cleaned_data["remove_overall"],
        )
        try:
            services.record_report(
                case=case,
                actor=request.user,
                rating=form.cleaned_data["rating"],
                report=form.cleaned_data["report"],
                removed=removed,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            discard_draft(
                author=request.user, document_id=case.document_id, form_key="panel_report"
            )
            messages.success(
                request, gettext("The panel's report is recorded; everyone concerned is told.")
            )
        return redirect("rebuttals:case", pk)
    messages.error(
        request,
        gettext("A panel may maintain the rating or replace it by a higher one, never a lower one.")
        if "rating" in form.errors
        else gettext("Write the panel's report."),
    )
    return redirect("rebuttals:case", pk)


@require_POST
def forward(request: HttpRequest, pk: int) -> HttpResponse:
    case, roles, actions = _load(request, pk)
    if "hr" not in roles:
        raise PermissionDenied(gettext("Only an HR focal point forwards to the status file."))
    try:
        services.forward_to_status_file(case=case, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, gettext("Report and evaluation forwarded to the official status file.")
        )
    return redirect("rebuttals:case", pk)


def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """Files are served only to those who may see the case, never from a public URL."""
    case, roles, actions = _load(request, pk)
    if "view" not in actions:
        raise Http404("No such file.")
    item = get_object_or_404(RebuttalAttachment, pk=attachment_id, case=case)
    log_event("download", user=request.user.pk, case=case.pk, attachment=item.pk)
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def status_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    case, roles, actions = _load(request, pk)
    record = getattr(case, "status_file", None)
    if record is None or kind not in {"report", "evaluation"} or "view" not in actions:
        raise Http404("No such file.")
    field = record.report_pdf if kind == "report" else record.evaluation_pdf
    return FileResponse(
        field.open("rb"),
        as_attachment=True,
        filename=field.name.rsplit("/", 1)[-1],
        content_type="application/pdf",
    )


MONITOR_HEADER = [
    _("Staff member"),
    _("Index"),
    _("Entity"),
    _("Cycle"),
    _("State"),
    _("Filed"),
    _("HOD reply due"),
    _("HOD replied"),
    _("Panel constituted"),
    _("Report due"),
    _("Report given"),
    _("Original rating"),
    _("Panel rating"),
    _("Forwarded"),
    _("Late"),
]


def monitor(request: HttpRequest) -> HttpResponse:
    """HR sees every case in their entities with its dates and what is late; exports."""
    entities = list(monitored_entities(request.user))
    if not entities:
        raise PermissionDenied(gettext("Only HR focal points and HODs follow rebuttal cases."))
    form = MonitorFilter(request.GET or None, entities=entities)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.monitored_cases(
        request.user,
        entity_id=filters.get("entity"),
        state=filters.get("state") or None,
        late_only=bool(filters.get("late")),
    )
    today = timezone.localdate()
    export = request.GET.get("export")
    if export in {"csv", "xlsx"}:
        # Streamed rows are written in the request's language (pmsystem.exports.csv_response).
        rows = (_monitor_row(selectors.CaseRow(c, today)) for c in cases.iterator(chunk_size=500))

        table = Table(gettext("Rebuttal cases"), [str(h) for h in MONITOR_HEADER], rows)
        filename = f"rebuttal-cases.{export}"
        if export == "csv":
            return csv_response(
                table,
                filename=filename,
                on_done=lambda rows: log_event(
                    "export", user=request.user.pk, view="rebuttal_cases", format=export, rows=rows
                ),
            )
        response, rows = xlsx_response([table], filename=filename)
        log_event("export", user=request.user.pk, view="rebuttal_cases", format=export, rows=rows)
        return response
    return render(
        request,
        "rebuttals/case_monitor.html",
        {
            "form": form,
            "rows": [selectors.CaseRow(c, today) for c in cases],
            "query": request.GET.urlencode(),
        },
    )


def _monitor_row(row: selectors.CaseRow) -> list:
    case = row.case
    return [
        str(case.document.staff.user),
        case.document.staff.index_number,
        case.document.staff.unit.entity.code,
        case.document.cycle.name,
        case.get_state_display(),
        case.filed_at.date(),
        case.reply_due,
        case.hod_replied_at.date() if case.hod_replied_at else None,
        case.panel_constituted_at.date() if case.panel_constituted_at else None,
        case.report_due,
        case.reported_at.date() if case.reported_at else None,
        translated(case.original_rating.label),
        translated(case.panel_rating.label) if case.panel_rating else None,
        case.status_file.forwarded_at.date() if hasattr(case, "status_file") else None,
        gettext("yes") if row.late else "",
    ]


def rosters(request: HttpRequest) -> HttpResponse:
    entities = list(rosters_visible_to(request.user).order_by("code"))
    if len(entities) == 1:
        return redirect("rebuttals:roster", entities[0].pk)
    if not entities:
        raise Http404("No roster for you to see.")
    return render(request, "rebuttals/roster_list.html", {"entities": entities})


def roster(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The entity's panel roster: HOD and staff representatives designate, HR keeps and
    publishes it; other staff get 404."""
    entity = get_object_or_404(OrgUnit, pk=entity_id, kind=OrgUnit.Kind.ENTITY)
    if not can_view_roster(request.user, entity):
        raise Http404("No such roster.")
    roles = roster_roles(request.user, entity)
    editable = services.designable_groups(roles)
    member_form = RosterMemberForm(groups=editable)
    consultation_form = ConsultationForm()
    unpublish_form = UnpublishForm()
    if request.method == "POST":
        action = request.POST.get("action")
        before = selectors.roster_of(entity)
        was_published = before is not None and before.is_published
        try:
            if action == "add":
                member_form = RosterMemberForm(request.POST, groups=editable)
                if member_form.is_valid():
                    services.add_roster_member(
                        entity=entity,
                        actor=request.user,
                        user=member_form.cleaned_data["email"],
                        group=member_form.cleaned_data["group"],
                    )
                    messages.success(request, gettext("Member added."))
                    _say_if_unpublished(request, entity, was_published)
                    return redirect("rebuttals:roster", entity.pk)
            elif action == "remove":
                member = get_object_or_404(
                    RosterMember,
                    pk=id_param(request.POST, "member"),
                    roster__entity=entity,
                    removed_at__isnull=True,
                )
                services.remove_roster_member(member=member, actor=request.user)
                messages.success(
                    request,
                    interpolate(
                        gettext("%(name)s removed from the roster."), {"name": member.user}
                    ),
                )
                _say_if_unpublished(request, entity, was_published)
                return redirect("rebuttals:roster", entity.pk)
            elif action == "unpublish":
                unpublish_form = UnpublishForm(request.POST)
                if not unpublish_form.is_valid():
                    raise ApplicationError(gettext("Say why the roster is unpublished."))
                services.unpublish_roster(
                    entity=entity, actor=request.user, reason=unpublish_form.cleaned_data["reason"]
                )
                _say_if_unpublished(request, entity, was_published)
                return redirect("rebuttals:roster", entity.pk)
            elif action == "training":
                member = get_object_or_404(
                    RosterMember, pk=id_param(request.POST, "member"), roster__entity=entity
                )
                training = TrainingForm(request.POST)
                if not training.is_valid():
                    raise ApplicationError(gettext("Give the training date."))
                services.record_training(
                    member=member, actor=request.user, date=training.cleaned_data["date"]
                )
                messages.success(request, gettext("Training recorded."))
                return redirect("rebuttals:roster", entity.pk)
            elif action == "consultation":
                consultation_form = ConsultationForm(request.POST)
                if consultation_form.is_valid():
                    services.record_consultation(
                        entity=entity, actor=request.user, **consultation_form.cleaned_data
                    )
                    messages.success(request, gettext("Consultation recorded."))
                    return redirect("rebuttals:roster", entity.pk)
            elif action == "publish":
                services.publish_roster(entity=entity, actor=request.user)
                messages.success(request, gettext("Roster published."))
                return redirect("rebuttals:roster", entity.pk)
            else:
                raise Http404("No such action.")
        except ApplicationError as error:
            messages.error(request, error.message)
    current = selectors.roster_of(entity)
    members = selectors.roster_members(current)
    waiting = selectors.cases_waiting_for_a_panel(entity)
    return render(
        request,
        "rebuttals/roster_detail.html",
        {
            "entity": entity,
            "roster": current,
            "roles": roles,
            "groups": [
                (value, label, [m for m in members if m.group == value], value in editable)
                for value, label in Group.choices
            ],
            "counts": selectors.roster_counts(current),
            "problems": selectors.roster_problems(current),
            "consultations": list(current.consultations.select_related("recorded_by"))
            if current
            else [],
            "member_form": member_form,
            "consultation_form": consultation_form,
            "unpublish_form": unpublish_form,
            "unpublished_because": render_phrase(current.unpublished_because)
            if current is not None and not current.is_published and current.unpublished_because
            else "",
            "waiting": waiting,
        },
    )


def _say_if_unpublished(request: HttpRequest, entity: OrgUnit, was_published: bool) -> None:
    """The person whose change unpublished the roster is told so, with what it lacks and who
    was told (the rule is the service's: rebuttals.services._unpublish_if_unequal)."""
    roster = selectors.roster_of(entity)
    if not was_published or roster is None or roster.is_published:
        return
    problems = selectors.roster_problems(roster)
    message = interpolate(
        gettext(
            "%(change)s The roster is no longer published: no rebuttal panel can be constituted "
            "from it until an HR focal point republishes it; the HR focal points have been told."
        ),
        {"change": render_phrase(roster.unpublished_because)},
    )
    if problems:
        message += " " + interpolate(
            gettext("It lacks: %(problems)s"), {"problems": " ".join(problems)}
        )
    messages.warning(request, message)
