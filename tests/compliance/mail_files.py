"""An email backend for tests that watch another process send: each message becomes one file
named after its reminder (the `X-Pmsystem-Reminder` header), so a second send of the same
reminder is a second file, never an overwrite. The worker process under test is given
`EMAIL_BACKEND=tests.compliance.mail_files.EmailBackend`, `TEST_MAIL_DIR` and optionally
`TEST_MAIL_DELAY` (seconds per message, to widen the window for killing it mid-run)."""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        directory = Path(os.environ["TEST_MAIL_DIR"])
        delay = float(os.environ.get("TEST_MAIL_DELAY", "0"))
        for message in email_messages:
            time.sleep(delay)
            reminder = message.extra_headers.get("X-Pmsystem-Reminder", "none")
            partial = directory / f".{uuid.uuid4().hex}.tmp"
            partial.write_bytes(message.message().as_bytes())
            partial.rename(directory / f"{reminder}-{uuid.uuid4().hex}.eml")
        return len(email_messages)


def sent_reminder_ids(directory: Path) -> Counter:
    """How many emails each reminder id got."""
    return Counter(int(path.name.split("-", 1)[0]) for path in directory.glob("*.eml"))
