"""Forms of compliance: the broadcast an HR focal point writes."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import OrgUnit

from .reminders import stages
from .selectors import broadcast_senders, entity_head


class BroadcastForm(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("The whole department/office/mission"),
        label=_("To staff of"),
        help_text=_("A division, section or unit includes the units below it."),
    )
    stage = forms.ChoiceField(
        label=_("Whose action waits at"),
        help_text=_("Everyone whose action waits at this stage receives the message."),
    )
    # A choice is required: no empty "---------" first; the head of the entity comes chosen.
    on_behalf_of = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(),
        empty_label=None,
        label=_("On behalf of"),
        help_text=_("The head of the entity or one of its senior managers."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=150)
    message = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The email opens with “Dear colleagues,”: write what follows."),
    )
    # One form, one broadcast: the token travels with the form from the first preview on.
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, entity: OrgUnit, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.entity = entity
        self.fields["unit"].queryset = OrgUnit.objects.filter(
            entity=entity, is_active=True
        ).exclude(pk=entity.pk)
        self.fields["stage"].choices = [("", _("Choose a stage"))] + [
            (stage.code, stage.label) for stage in stages().values()
        ]
        senders = self.fields["on_behalf_of"]
        senders.queryset = broadcast_senders(entity)
        senders.label_from_instance = _sender_label
        if not self.is_bound and "on_behalf_of" not in self.initial:
            self.initial["on_behalf_of"] = entity_head(entity)

    def clean_subject(self) -> str:
        return self.cleaned_data["subject"].strip()

    def clean_message(self) -> str:
        """The message as typed, without a first line that repeats the greeting the email
        already opens with ("Dear colleagues," in either language)."""
        message = self.cleaned_data["message"].strip()
        first, _newline, rest = message.partition("\n")
        if _is_greeting(first):
            message = rest.strip()
        if not message:
            raise forms.ValidationError(gettext("Write the message that follows the greeting."))
        return message


def _is_greeting(line: str) -> bool:
    def words(text: str) -> str:
        return text.strip().rstrip(",:;!").strip().casefold()

    greetings = set()
    for language in ("en", "fr"):
        with translation.override(language):
            greetings.add(words(gettext("Dear colleagues,")))
    return words(line) in greetings


def _sender_label(user) -> str:
    return f"{user} <{user.email}>"
