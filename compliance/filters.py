"""The report filters of the query string: cycle, entity, unit, category, and on the people
list a stage and a status (both, or neither). Only types are checked here;
`dashboard.resolve_scope` checks the ids against what the user holds (404 outside it)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import Category
from pmsystem.http import ID_MAX

from .dashboard import STAGE_LABELS, STATUS_LABELS


class ReportFilterForm(forms.Form):
    cycle = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    entity = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    unit = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
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
