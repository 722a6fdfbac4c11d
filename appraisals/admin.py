"""Django admin for the end of the cycle: evaluations, managerial-accountability answers,
roll-backs and PIPs are the record and are read-only here; an attempt to change one is
logged."""

from django.contrib import admin

from pmsystem.admin import ReadOnlyAdmin

from .models import AccountabilityAnswer, Appraisal, ImprovementPlan, RollBack


@admin.register(Appraisal)
class AppraisalAdmin(ReadOnlyAdmin):
    list_display = ["document", "state", "overall_rating", "final_rating", "acknowledged_at"]
    list_filter = ["state", "document__cycle", "overall_rating__code"]
    search_fields = ["document__staff__index_number", "document__staff__user__last_name"]
    list_select_related = [
        "document__staff__user",
        "document__cycle",
        "overall_rating",
        "final_rating",
    ]


@admin.register(RollBack)
class RollBackAdmin(ReadOnlyAdmin):
    list_display = [
        "document",
        "target_stage",
        "from_state",
        "requested_by",
        "performed_by",
        "performed_at",
    ]
    list_filter = ["target_stage"]
    list_select_related = [
        "document__staff__user",
        "document__cycle",
        "requested_by",
        "performed_by",
    ]


@admin.register(ImprovementPlan)
class ImprovementPlanAdmin(ReadOnlyAdmin):
    list_display = ["document", "start", "end", "state", "outcome"]
    list_filter = ["state", "outcome"]
    list_select_related = ["document__staff__user", "document__cycle"]


@admin.register(AccountabilityAnswer)
class AccountabilityAnswerAdmin(ReadOnlyAdmin):
    list_display = ["appraisal", "question"]
    list_filter = ["appraisal__document__cycle"]
    search_fields = [
        "appraisal__document__staff__index_number",
        "appraisal__document__staff__user__last_name",
    ]
    list_select_related = [
        "appraisal__document__staff__user",
        "appraisal__document__cycle",
        "question",
    ]
