"""Email notifications: queued after the transaction commits, never from a model's save()."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from org.models import User
from pmsystem.i18n import Phrase

# Emails per task when many addresses are written to at once (an import changing thousands).
ADDRESS_BATCH = 500

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


def notify_addresses(*, messages: Sequence[tuple[str, str, Phrase | str, Phrase | str]]) -> None:
    """Email each (address, language, subject, body) once the transaction commits.

    For addresses that are no account's login (any more): an account's old address after its
    email changed, where `notify` would write to the new one."""
    from .tasks import send_email_to_addresses

    if _muted.get():
        return
    batch = [list(message) for message in messages]
    for start in range(0, len(batch), ADDRESS_BATCH):
        chunk = batch[start : start + ADDRESS_BATCH]
        transaction.on_commit(lambda chunk=chunk: send_email_to_addresses.delay(chunk))
