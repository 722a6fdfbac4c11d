"""A world built once per test module: the pattern of the URL walkers (tests/security) for any
module whose tests read or change the same data.

The module's fixture builds the world inside a transaction that the module's end rolls back;
each test's own transaction (pytest-django's `db`) is then a savepoint inside it, so what one
test changes is gone for the next, and the world costs one build instead of one per test.
Python objects the world hands out are shared too: a test that changes one in memory (not
only in the database) must refresh it, or build its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import transaction
from django.test import override_settings


@contextmanager
def built_once(django_db_blocker, media: Path | None = None) -> Iterator[None]:
    """Unblock the database for a module-scoped fixture and roll back what it built at the
    module's end; with `media`, files written while building go to that folder.

    The world is built before any test's own fixtures run, so it puts back the migration-seeded
    competency catalogues itself (a transactional test earlier in the same process flushed
    them; tests/conftest.py `_migration_seeded_catalogues` does it for each test)."""
    from tests.concurrency import ensure_competency_catalogue

    settings = override_settings(MEDIA_ROOT=media) if media else override_settings()
    with django_db_blocker.unblock(), settings, transaction.atomic():
        ensure_competency_catalogue()
        yield
        transaction.set_rollback(True)
