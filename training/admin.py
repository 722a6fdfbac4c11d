"""Mandatory training in the Django admin: a read-only record. Courses and completions are
kept on the training pages (and the import), where the rules of `training.services` hold."""

from __future__ import annotations

from django.contrib import admin

from pmsystem.admin import ReadOnlyAdmin

from .models import Completion, Course


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "entity", "audience", "deadline_months", "is_active"]
    list_filter = ["audience", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Completion)
class CompletionAdmin(ReadOnlyAdmin):
    list_display = ["course", "user", "completed_on", "source", "recorded_by"]
    list_filter = ["source", "course"]
    list_select_related = ["course", "user", "recorded_by"]
    search_fields = ["user__email", "user__last_name", "course__code"]
    date_hierarchy = "completed_on"
