"""The report filters of the query string: cycle, entity, unit, category, and on the people
list a stage and a status (both, or neither). Only types are checked here;
`dashboard.resolve_scope` checks the ids against what the user holds (404 outside it)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import Category

from .dashboard import STAGE_LABELS, STATUS_LABELS


class ReportFilterForm(forms.Form):
    cycle = forms.IntegerField(required=False, min_value=1)
    entity = forms.IntegerField(required=False, min_value=1)
    unit = forms.IntegerField(required=False, min_value=1)
    category = forms.ChoiceField(
        required=False, choices=[("", _("All categories")), *Category.choices]
    )


class PeopleFilterForm(ReportFilterForm):
    stage = forms.ChoiceField(
        required=False,
        choices=[("", _("Any stage"))]
        + [(k, v) for k, v in STAGE_LABELS.items() if k != "completed"],
    )
    status = forms.ChoiceField(required=False, choices=[("", _("Any")), *STATUS_LABELS.items()])
