"""The security log: one structured (JSON, UTC) line per security-relevant event."""

from __future__ import annotations

import datetime
import json
import logging

logger = logging.getLogger("pmsystem.security")


def log_event(event: str, **fields) -> None:
    """Log `event` with its fields as one JSON object; ids, never content."""
    record = {
        "event": event,
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        **{k: v for k, v in fields.items() if v is not None},
    }
    logger.info(json.dumps(record, default=str, sort_keys=True))


class ExcludeSecurityLog(logging.Filter):
    """For the general console handler: security events have their own JSON-line handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(logger.name)
