"""Django admin forms that ask the same service rules as every other route.

A model's `full_clean` checks its own fields; the rules that span records (a delegation that
would give someone two roles on a document, overlapping reporting lines) live in services.
`service_checked_form(refusal)` builds the admin form that shows a service's refusal
as a form error, so the administrator corrects the entry and loses nothing typed; the admin's
`save_model` then saves through the service.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.db import models


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
