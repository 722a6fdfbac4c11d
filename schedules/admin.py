"""Special-schedule records in the Django admin: read-only (the FRO records and HR corrects
on the app's pages, where `schedules.services` checks who may)."""

from __future__ import annotations

from django.contrib import admin

from pmsystem.admin import ReadOnlyAdmin

from .models import ReportComment, ScheduleRecord


@admin.register(ScheduleRecord)
class ScheduleRecordAdmin(ReadOnlyAdmin):
    list_display = ["staff", "code", "due", "held_on", "board", "recorded_by", "recorded_at"]
    list_filter = ["code", "board"]
    list_select_related = ["staff__user", "recorded_by"]
    search_fields = ["staff__index_number", "staff__user__email"]


@admin.register(ReportComment)
class ReportCommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "record", "author", "kind"]
    list_filter = ["kind"]
    list_select_related = ["record__staff__user", "author"]
