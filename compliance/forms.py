"""Forms of compliance: the broadcast an HR focal point writes."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import OrgUnit

from .reminders import stages
from .selectors import broadcast_senders


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
    on_behalf_of = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(),
        label=_("On behalf of"),
        help_text=_("The head of the entity or one of its senior managers."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=150)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}))
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
        self.fields["on_behalf_of"].queryset = broadcast_senders(entity)
        self.fields["on_behalf_of"].label_from_instance = _sender_label

    def clean_subject(self) -> str:
        return self.cleaned_data["subject"].strip()

    def clean_message(self) -> str:
        return self.cleaned_data["message"].strip()


def _sender_label(user) -> str:
    return f"{user} <{user.email}>"
