"""Feedback in the Django admin: the settings and questionnaire of a cycle, and campaigns as
a read-only record.

Who answered (`Participation`) and what was answered (sealed ballots, counters, comments)
are not registered at all: no administrator browses answers, per respondent or otherwise;
results are read on the pages, as aggregates, by those who may read them."""

from __future__ import annotations

from django.contrib import admin

from pmsystem.admin import ReadOnlyAdmin

from .models import Campaign, FeedbackSettings, RatedManager, UpwardQuestion

# Once a campaign of the cycle is launched, answers are given against these: changing them
# would change what the answers mean.
FROZEN_ONCE_LAUNCHED = ("minimum_group_size", "scale_top")


def _launched(cycle_id: int | None) -> bool:
    return (
        cycle_id is not None
        and Campaign.objects.filter(cycle_id=cycle_id)
        .exclude(state=Campaign.State.PLANNED)
        .exists()
    )


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "cycle",
        "upward_enabled",
        "minimum_group_size",
        "scale_top",
        "upward_opens_on",
        "upward_closes_on",
    ]
    list_select_related = ["cycle"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and _launched(obj.cycle_id):
            return ("cycle", *FROZEN_ONCE_LAUNCHED)
        return ("cycle",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UpwardQuestion)
class UpwardQuestionAdmin(admin.ModelAdmin):
    list_display = ["cycle", "position", "section", "text"]
    list_filter = ["cycle", "section"]
    search_fields = ["text"]
    list_select_related = ["cycle"]

    def has_change_permission(self, request, obj=None):
        return obj is None or not _launched(obj.cycle_id)

    def has_delete_permission(self, request, obj=None):
        return obj is None or not _launched(obj.cycle_id)


class RatedManagerInline(admin.TabularInline):
    model = RatedManager
    extra = 0
    fields = ["manager", "counted"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["entity", "cycle", "state", "launched_on", "closed_on"]
    list_filter = ["state", "cycle"]
    search_fields = ["entity__code", "entity__name"]
    list_select_related = ["entity", "cycle"]
    inlines = [RatedManagerInline]
