"""A demo seed that fails half-way leaves no document behind (and, on PostgreSQL, no writer
thread still writing on the connection): its transaction, here a savepoint of the test's,
is rolled back."""

import threading

import pytest

from demo import documents as demo
from demo.organisation import seed_demo
from pmsystem.models import DocumentEvent
from workplans.models import Goal, WorkPlan

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_a_failure_while_planning_writes_no_document(monkeypatch):
    seed_demo(staff=60, password="seed-pass-2026")
    monkeypatch.setattr(demo, "FLUSH_EVERY", 10)
    planned = demo._Planner.document
    calls = []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 50:  # after a few flushes
            raise RuntimeError("planning failed")
        return planned(self, *args, **kwargs)

    monkeypatch.setattr(demo._Planner, "document", failing)
    with pytest.raises(RuntimeError, match="planning failed"):
        demo.seed_documents()
    assert not WorkPlan.objects.exists()
    assert not Goal.objects.exists()
    assert not DocumentEvent.objects.exists()
    assert not [t for t in threading.enumerate() if t.name.startswith("demo-copy")]
    monkeypatch.setattr(demo._Planner, "document", planned)
    assert demo.seed_documents() > 0  # and a later run seeds them all
