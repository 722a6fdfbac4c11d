"""Email notifications: queued after the transaction commits, never from a model's save()."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from pmsystem.i18n import Phrase

from .models import User

_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """No email while the block runs: the demo seed acts through the real services but
    must not write to the demo addresses (nor print emails among the logins it prints)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def notify(*, users: Iterable[User | None], subject: Phrase | str, body: Phrase | str) -> None:
    """Email each user (skipping None and inactive accounts) once the transaction commits.

    Subject and body are phrases (pmsystem.i18n), so each recipient reads them in their own
    language."""
    from .tasks import send_email

    if _muted.get():
        return
    user_ids = sorted({u.pk for u in users if u is not None and u.is_active})
    if not user_ids:
        return
    transaction.on_commit(lambda: send_email.delay(user_ids, subject, body))
