"""Validation of user input only; the rules are `schedules.services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReportComment
from .selectors import STATE_LABELS


class RecordForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was discussed and agreed; the staff member reads it."),
    )


class CommentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ReportComment.Kind.choices,
        widget=forms.RadioSelect,
        initial=ReportComment.Kind.COMMENT,
    )
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))


class FilterForm(forms.Form):
    code = forms.CharField(required=False, max_length=32)
    state = forms.ChoiceField(
        required=False, choices=[("", "")] + [(k, v) for k, v in STATE_LABELS.items()]
    )
    q = forms.CharField(required=False, max_length=100)
