"""Django admin for work plans. The timeline and signatures are the record: read-only here,
as everywhere in the application."""

from django.contrib import admin
from django.utils.translation import gettext

from pmsystem.admin import ReadOnlyAdmin, service_checked_form
from pmsystem.models import Signature

from . import services
from .models import AdditionalSupervisor, Competency, Goal, MidpointReview, WorkPlan


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    list_display = ["name", "framework", "kind", "position"]
    list_filter = ["framework", "kind"]
    search_fields = ["name", "code"]


def _unit_goal_refusal(goal: Goal) -> str | None:
    if goal.owner_unit_id is None:
        return gettext("A goal added here belongs to an organisational unit's work plan.")
    return services.unit_goal_refusal(goal)


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    """Unit goals (entity and unit work plans) are kept here, through the same service as the
    unit goals page; personal goals belong to their work plan and change only through it."""

    list_display = ["title", "owner_unit", "work_plan", "cycle", "aligned_to", "is_current"]
    list_filter = ["cycle", "is_current", "owner_unit__entity"]
    search_fields = ["title", "owner_unit__code", "work_plan__staff__index_number"]
    autocomplete_fields = ["owner_unit", "aligned_to"]
    exclude = ["work_plan", "is_current"]
    list_select_related = ["owner_unit", "work_plan__staff__user", "cycle", "aligned_to"]
    form = service_checked_form(_unit_goal_refusal)

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.work_plan_id is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.save_unit_goal(
            unit=obj.owner_unit,
            cycle=obj.cycle,
            actor=request.user,
            title=obj.title,
            description=obj.description,
            success_criteria=obj.success_criteria,
            expected_date=obj.expected_date,
            aligned_to_id=obj.aligned_to_id,
            goal=obj if change else None,
        )


class SignatureInline(admin.TabularInline):
    model = Signature
    extra = 0
    can_delete = False
    fields = [
        "stage",
        "action",
        "signer",
        "role",
        "acting_for",
        "signed_at",
        "content_hash",
        "voided_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WorkPlan)
class WorkPlanAdmin(ReadOnlyAdmin):
    list_display = ["staff", "cycle", "state", "submitted_at", "approved_at"]
    list_filter = ["cycle", "state", "staff__unit__entity"]
    search_fields = ["staff__index_number", "staff__user__email", "staff__user__last_name"]
    list_select_related = ["staff__user", "cycle"]
    inlines = [SignatureInline]


@admin.register(MidpointReview)
class MidpointReviewAdmin(ReadOnlyAdmin):
    list_display = ["work_plan", "state", "started_at", "finalised_at"]
    list_filter = ["state"]
    list_select_related = ["work_plan__staff__user", "work_plan__cycle"]


@admin.register(AdditionalSupervisor)
class AdditionalSupervisorAdmin(ReadOnlyAdmin):
    list_display = ["work_plan", "supervisor", "state", "proposed_at", "answered_at"]
    list_filter = ["state"]
    list_select_related = ["work_plan__staff__user", "work_plan__cycle", "supervisor"]
