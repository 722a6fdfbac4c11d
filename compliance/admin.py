"""Admin for reminders and broadcasts: a read-only record, with one deliberate way out for rows
a killed worker left in "sending" (or that failed): release them for sending again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pmsystem.admin import ReadOnlyAdmin

from .models import Broadcast, Reminder
from .reminders import enqueue_on_commit


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "recipient",
        "stage",
        "kind",
        "due_date",
        "recipient_role",
        "status",
        "planned_on",
        "sent_at",
    ]
    list_filter = ["status", "stage", "kind", "recipient_role", "planned_on"]
    search_fields = ["recipient__email", "subject"]
    date_hierarchy = "planned_on"
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "responsible", "staff", "document", "broadcast", "cycle"]
    actions = ["release"]
    show_full_result_count = False

    @admin.action(
        description=_("Release for sending again (only if you know the email did not leave)"),
        permissions=["release"],
    )
    def release(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        """At-most-once sending leaves a row in "sending" when a worker dies between claim and
        send: whether the email left is unknown, so only a person may decide to send it again.
        """
        ids = list(
            queryset.filter(status__in=[Reminder.Status.SENDING, Reminder.Status.FAILED])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Reminder.objects.filter(pk__in=ids).update(
            status=Reminder.Status.PENDING, claimed_at=None, error=""
        )
        enqueue_on_commit(ids)
        count = len(ids)
        self.message_user(
            request,
            ngettext(
                "%(count)s reminder(s) released for sending.",
                "%(count)s reminder(s) released for sending.",
                count,
            )
            % {"count": count},
            messages.INFO,
        )

    def has_release_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("compliance.change_reminder")


@admin.register(Broadcast)
class BroadcastAdmin(ReadOnlyAdmin):
    list_display = [
        "subject",
        "entity",
        "unit",
        "stage",
        "on_behalf_of",
        "created_by",
        "created_at",
    ]
    list_filter = ["stage", "entity"]
    search_fields = ["subject", "message"]
    list_select_related = ["entity", "unit", "on_behalf_of", "created_by"]
    raw_id_fields = ["entity", "unit", "on_behalf_of", "created_by"]
