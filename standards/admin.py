"""Ratings standards in the Django admin: the cycle's setting, and the versions and
acknowledgements as a read-only record (the HOD writes and publishes on the pages, where the
rules of `standards.services` hold)."""

from __future__ import annotations

from django.contrib import admin

from pmsystem.admin import ReadOnlyAdmin

from .models import Acknowledgement, LevelStandard, RatingsStandard, StandardsSettings


@admin.register(StandardsSettings)
class StandardsSettingsAdmin(admin.ModelAdmin):
    list_display = ["cycle", "acknowledgement_required"]
    list_select_related = ["cycle"]

    def get_readonly_fields(self, request, obj=None):
        return ("cycle",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False


class LevelStandardInline(admin.TabularInline):
    model = LevelStandard
    fields = ["level", "text"]
    readonly_fields = ["level", "text"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RatingsStandard)
class RatingsStandardAdmin(ReadOnlyAdmin):
    list_display = ["entity", "cycle", "version", "state", "published_at", "published_by"]
    list_filter = ["state", "cycle"]
    search_fields = ["entity__code", "entity__name"]
    list_select_related = ["entity", "cycle", "published_by"]
    inlines = [LevelStandardInline]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["standard", "user", "acknowledged_at"]
    list_filter = ["standard__cycle"]
    search_fields = ["user__email", "standard__entity__code"]
    list_select_related = ["standard__entity", "standard__cycle", "user"]
