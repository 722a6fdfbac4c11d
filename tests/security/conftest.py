import json
import logging

import pytest


@pytest.fixture(autouse=True)
def _mfa_enforced(mfa_enforced):
    """Every security test sees two-factor enrolment enforced, as in production."""


@pytest.fixture
def security_log(caplog):
    """The security events logged during the test, parsed: `security_log()` -> list of dicts."""
    caplog.set_level(logging.INFO, logger="pmsystem.security")

    def events(name: str | None = None) -> list[dict]:
        parsed = [
            json.loads(record.getMessage())
            for record in caplog.records
            if record.name == "pmsystem.security"
        ]
        return [e for e in parsed if name is None or e["event"] == name]

    return events
