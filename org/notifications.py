"""Email notifications: queued after the transaction commits, never from a model's save()."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import User


def notify(*, users: Iterable[User | None], subject: str, body: str) -> None:
    """Email each user (skipping None and inactive accounts) once the transaction commits."""
    from .tasks import send_email

    user_ids = sorted({u.pk for u in users if u is not None and u.is_active})
    if not user_ids:
        return
    transaction.on_commit(lambda: send_email.delay(user_ids, subject, body))
