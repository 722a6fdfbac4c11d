from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from pmsystem.i18n import translated

from .models import UpwardQuestion
from .services import COMMENT_MAX_LENGTH


class UpwardAnswerForm(forms.Form):
    """The questionnaire: for each question a value from 1 to the top of the scale (required)
    and a comment (optional)."""

    def __init__(self, *args, questions: Sequence[UpwardQuestion], top: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        choices = [(str(value), str(value)) for value in range(1, top + 1)]
        for question in self.questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=translated(question.text),
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a value.")},
            )
            self.fields[f"c{question.pk}"] = forms.CharField(
                label=_("Comment (optional)"),
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[tuple[UpwardQuestion, forms.BoundField, forms.BoundField]]:
        return [(q, self[f"q{q.pk}"], self[f"c{q.pk}"]) for q in self.questions]

    def answers(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}

    def comments(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data[f"c{q.pk}"] for q in self.questions}
