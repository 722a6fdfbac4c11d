"""Drafts: the text a person is typing into a long form, kept on the server as they type.

Rules (issue 17, "never lose typed text"):

- A draft belongs to one author, one document and one form of it (`DraftForm`, declared by
  the app that owns the form, through `pmsystem.registry.register_draft_form`).
- Only its author reads or writes it, and only while the form is theirs to fill: the app's
  own `allowed_actions` on the document gives them one of the form's `actions`. Someone who
  may not see the document gets 404 (as for a document that does not exist); someone who may
  see it but not fill that form now is refused.
- It keeps only the fields the form declares (`fields`, a pattern of field names), each at
  most `MAX_FIELD_CHARS` characters, at most `MAX_FIELDS` of them: a draft holds what one
  person types, nothing else the request carries.
- The page saves it as one types (static/js/drafts.js, debounced, and when the page is left)
  and puts it back into the form when the page is shown again; it is deleted when the form is
  saved (the app's view calls `discard_draft` once its service succeeded) or when the author
  discards it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from . import registry
from .errors import ApplicationError
from .models import Draft

if TYPE_CHECKING:
    from org.models import User

MAX_FIELDS = 200
MAX_FIELD_CHARS = 100_000


@dataclass(frozen=True)
class DraftForm:
    """A form of a document whose text is kept as a draft.

    `allowed(user, document_id)` is the app's answer to "what may this user do on this
    document now" (its `allowed_actions`); it raises Http404 when the user may not see the
    document. A draft may be kept while that answer holds one of `actions`."""

    key: str
    fields: re.Pattern[str]
    actions: frozenset[str]
    allowed: Callable[[User, int], frozenset[str]]

    def keeps(self, name: str) -> bool:
        return bool(self.fields.fullmatch(name))


class DraftRefused(ApplicationError):
    """The author may see the document but not fill this form now (or sent too much)."""


def form_of(key: str) -> DraftForm:
    """The form `key` (404 when no app declares it)."""
    form = registry.draft_form(key)
    if form is None:
        raise Http404("No such form.")
    return form


def may_keep(user: User, document_id: int, form: DraftForm) -> bool:
    """Whether `user` may keep a draft of `form` on the document now (Http404 when they may not
    see the document)."""
    return bool(form.actions & form.allowed(user, document_id))


def _check(user: User, document_id: int, form: DraftForm) -> None:
    if not may_keep(user, document_id, form):
        raise DraftRefused(gettext("This form is not yours to fill on this document now."))


def kept_fields(form: DraftForm, data: Mapping[str, object]) -> dict[str, str]:
    """The fields of `data` the form keeps (others are left out), checked against the limits."""
    fields = {
        name: value for name, value in data.items() if isinstance(value, str) and form.keeps(name)
    }
    if len(fields) > MAX_FIELDS or any(len(value) > MAX_FIELD_CHARS for value in fields.values()):
        raise DraftRefused(gettext("The draft is too long to keep."))
    return fields


def save_draft(
    *, author: User, document_id: int, form: DraftForm, data: Mapping[str, Any]
) -> Draft:
    """Keep what `author` typed into `form` on the document (replacing their previous draft).

    `data` is what the page sent (a QueryDict or a dict): only the form's fields are kept."""
    _check(author, document_id, form)
    fields = kept_fields(form, {name: data.get(name) for name in data})
    with transaction.atomic():
        draft, _ = Draft.objects.update_or_create(
            author=author,
            document_id=document_id,
            form=form.key,
            defaults={"fields": fields, "updated_at": timezone.now()},
        )
    return draft


def discard_draft(*, author: User, document_id: int, form_key: str) -> bool:
    """Delete `author`'s draft of the form (after the form was saved, or on their request);
    whether there was one."""
    deleted, _ = Draft.objects.filter(
        author=author, document_id=document_id, form=form_key
    ).delete()
    return bool(deleted)


def draft_for(*, author: User, document_id: int, form_key: str) -> Draft | None:
    """`author`'s draft of the form, if any (one query). The caller shows it only inside the
    form, which the page renders only to someone who may fill it."""
    return Draft.objects.filter(author=author, document_id=document_id, form=form_key).first()
