"""Plumbing shared by the concurrency tests (two real database connections at once).

Row locks and unique constraints only serialise concurrent work on PostgreSQL: on SQLite the
tests skip, and in CI (the `CI` variable is set) they fail instead, because CI must run them
on PostgreSQL (`bash scripts/test.sh`).
"""

from __future__ import annotations

import importlib
import os
import threading
import time
from collections.abc import Callable

import pytest
from django.apps import apps as django_apps
from django.db import connection

from pmsystem.errors import ApplicationError


def only_on_postgresql(tests: str, reason: str) -> None:
    """Skip unless the tests run on PostgreSQL, and fail in CI, which must run them there:
    `tests` names them in the failure, `reason` says why they need it."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the {tests} on PostgreSQL. {reason}")
    pytest.skip(reason)


def require_postgresql(test_file: str) -> None:
    """Skip (fail in CI) unless the tests run on PostgreSQL."""
    only_on_postgresql(
        "concurrency tests",
        f"Concurrent actions are only serialised by PostgreSQL's locks; this database is "
        f"{connection.vendor}. Run `bash scripts/test.sh {test_file}`.",
    )


def reseed_competency_catalogue() -> None:
    """The flush after a transactional test empties the catalogue a data migration seeds: seed
    it again, the way the migration does."""
    migration = importlib.import_module("workplans.migrations.0002_competency_catalogues")
    migration.seed(django_apps, None)


def ensure_competency_catalogue() -> None:
    """The catalogue put back if a flush emptied it (one query when it is there). Module-scoped
    fixtures that seed the demo call it: they run before the per-test fixture that does this."""
    from workplans.models import Competency

    if not Competency.objects.exists():
        reseed_competency_catalogue()


def slow_down(monkeypatch, module, name: str = "_lock", seconds: float = 0.4) -> None:
    """Widen the race: every racer pauses right after `module.name` read (and locked) the row,
    long enough that without the lock both racers would read the same state."""
    read = getattr(module, name)

    def read_and_pause(*args, **kwargs):
        locked = read(*args, **kwargs)
        time.sleep(seconds)
        return locked

    monkeypatch.setattr(module, name, read_and_pause)


def race(*calls: Callable[[], object]) -> list[tuple[str, str]]:
    """Run the calls at the same moment, each in its own thread and database connection.
    Returns ("ok", "") or ("refused", message) per call, in the order given."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, str] | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            results[index] = ("ok", "")
        except ApplicationError as error:
            results[index] = ("refused", error.message)
        except Exception as error:  # a crash is a result the test reports
            results[index] = ("error", repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racer is still waiting (deadlock?)"
    return results  # type: ignore[return-value]
