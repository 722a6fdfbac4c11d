"""Validation of user input only; the rules are `board.services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BoardComment


class CommentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=BoardComment.Kind.choices,
        widget=forms.RadioSelect,
        initial=BoardComment.Kind.COMMENT,
    )
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))
