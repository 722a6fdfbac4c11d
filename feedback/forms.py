from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import StaffMember, User
from pmsystem.i18n import interpolate, translated
from workplans.models import Competency

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


class ColleagueForm(forms.Form):
    email = forms.EmailField(label=_("Email of the colleague or person served"))

    def clean_email(self) -> User:
        email = self.cleaned_data["email"].strip().lower()
        try:
            return User.objects.get(email=email, is_active=True)
        except User.DoesNotExist as exc:
            raise forms.ValidationError(
                interpolate(
                    gettext("Nobody with the email %(email)s has an account."), {"email": email}
                )
            ) from exc


class ColleagueAnswerForm(forms.Form):
    strengths = forms.CharField(
        label=_("Strengths"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What they do well, as you have seen it."),
    )
    areas_to_develop = forms.CharField(
        label=_("Areas to develop"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What would make their work even more useful to you or the team."),
    )
    examples = forms.CharField(
        label=_("Examples (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why you decline"), widget=forms.Textarea(attrs={"rows": 2}))


class RecognitionForm(forms.Form):
    """A note to a colleague: who (their email), which value or competency, a short text."""

    email = forms.EmailField(label=_("Email of the colleague"))
    competency = forms.TypedChoiceField(label=_("Value or competency"), coerce=int)
    text = forms.CharField(
        label=_("Your note"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, competencies: Sequence[Competency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competency"].choices = [(c.pk, translated(c.name)) for c in competencies]

    def clean_email(self) -> StaffMember:
        email = self.cleaned_data["email"].strip().lower()
        found = StaffMember.objects.filter(user__email=email).select_related("user").first()
        if found is None:
            raise forms.ValidationError(
                interpolate(
                    gettext("Nobody with the email %(email)s is a staff member."), {"email": email}
                )
            )
        return found
