"""`{% draft_form document "form" %}`, inside a `<form>` tag: the attributes with which
static/js/drafts.js keeps what is typed into that form as a draft (`pmsystem.drafts`), and
the author's draft to put back into it."""

from __future__ import annotations

import json

from django import template
from django.urls import reverse
from django.utils.html import format_html

from pmsystem import drafts

register = template.Library()


@register.simple_tag(takes_context=True)
def draft_form(context: template.Context, document, key: str) -> str:
    """Nothing for someone who may not keep a draft of the form (the page's `actions`, when
    it has them, else the form's own question)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if document is None or user is None or not user.is_authenticated:
        return ""
    form = drafts.form_of(key)
    actions = context.get("actions")
    allowed = (
        bool(form.actions & actions)
        if actions is not None
        else drafts.may_keep(user, document.pk, form)
    )
    if not allowed:
        return ""
    draft = drafts.draft_for(author=user, document_id=document.pk, form_key=key)
    url = reverse("draft", args=[document.pk, key])
    if draft is None:
        return format_html(' data-draft-url="{}"', url)
    return format_html(
        ' data-draft-url="{}" data-draft-fields="{}" data-draft-saved="{}"',
        url,
        json.dumps(draft.fields),
        draft.updated_at.isoformat(),
    )
