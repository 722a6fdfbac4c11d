"""Django admin base classes shared by every app: the read-only record, and forms that ask the
same service rules as every other route.

`ReadOnlyAdmin`: the record (documents, signatures, the timeline, reminders...) cannot be
added, changed or deleted through the admin; an attempt to change it is logged.

A model's `full_clean` checks its own fields; the rules that span records (a delegation that
would give someone two roles on a document, overlapping reporting lines) live in services.
`service_checked_form(refusal)` builds the admin form that shows a service's refusal
as a form error, so the administrator corrects the entry and loses nothing typed; the admin's
`save_model` then saves through the service.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin
from django.db import models

from .models import DocumentEvent, Signature
from .security import log_event


class ReadOnlyAdmin(admin.ModelAdmin):
    """The record cannot be edited or deleted; an attempt through the admin is logged."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and request.method == "POST":
            log_event(
                "signed_stage_change_refused",
                user=request.user.pk,
                via="admin",
                model=obj._meta.label,
                object=obj.pk,
            )
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def service_checked_form(
    refusal: Callable[[models.Model], str | None],
) -> type[forms.ModelForm]:
    """The admin sets the model and fields (`ModelAdmin.get_form`)."""

    class ServiceCheckedForm(forms.ModelForm):
        def _post_clean(self) -> None:
            super()._post_clean()
            if not self.errors:
                reason = refusal(self.instance)
                if reason:
                    self.add_error(None, reason)

    return ServiceCheckedForm


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = [
        "document",
        "stage",
        "action",
        "signer",
        "role",
        "acting_for",
        "signed_at",
        "voided_at",
    ]
    list_filter = ["stage", "action", "role"]
    search_fields = ["document__staff__index_number", "signer__email", "content_hash"]
    list_select_related = ["document__staff__user", "document__cycle", "signer", "acting_for"]


@admin.register(DocumentEvent)
class DocumentEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "document", "kind", "summary", "actor"]
    list_filter = ["kind"]
    search_fields = ["document__staff__index_number", "summary", "actor__email"]
    list_select_related = ["document__staff__user", "document__cycle", "actor"]
