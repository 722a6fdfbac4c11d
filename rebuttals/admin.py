from django.contrib import admin

from pmsystem.admin import ReadOnlyAdmin

from .models import PanelRoster, RebuttalCase, RosterMember


class RosterMemberInline(admin.TabularInline):
    model = RosterMember
    extra = 0
    fields = ["user", "group", "designated_by", "training_date", "removed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PanelRoster)
class PanelRosterAdmin(ReadOnlyAdmin):
    list_display = ["entity", "published_at", "published_by"]
    inlines = [RosterMemberInline]
    list_select_related = ["entity", "published_by"]


@admin.register(RebuttalCase)
class RebuttalCaseAdmin(ReadOnlyAdmin):
    list_display = ["document", "state", "filed_at", "reply_due", "report_due", "decision"]
    list_filter = ["state", "decision"]
    search_fields = ["document__staff__index_number", "document__staff__user__last_name"]
    list_select_related = ["document__staff__user", "document__cycle"]
