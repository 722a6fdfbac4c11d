"""Celery tasks of the reminder pipeline: thin, they take ids and call `compliance.reminders`."""

import datetime

from celery import shared_task

from . import access_audit, reminders


@shared_task(name="compliance.tasks.run_daily_sweep")
def run_daily_sweep(today: str | None = None) -> dict:
    """The one beat task a day: plan today's reminders and enqueue them (see reminders)."""
    result = reminders.run_daily_sweep(datetime.date.fromisoformat(today) if today else None)
    return {
        "today": result.today.isoformat(),
        "pending_actions": result.pending_actions,
        "planned": result.planned,
        "enqueued": result.enqueued,
        "tasks": result.tasks,
    }


@shared_task(name="compliance.tasks.send_reminders")
def send_reminders(reminder_ids: list[int]) -> dict:
    """Send a chunk of planned reminders, each at most once (a duplicate or redelivered task
    sends nothing more: every row is claimed before its email leaves)."""
    result = reminders.send_reminders(reminder_ids=reminder_ids)
    return {"sent": result.sent, "skipped": result.skipped, "failed": result.failed}


@shared_task(name="compliance.tasks.check_access")
def check_access() -> dict:
    """Daily: does every person's access equal today's relations? Findings go to the security
    log (`access_drift`)."""
    report = access_audit.check_access()
    return {
        "documents": report.checked_documents,
        "people": report.checked_people,
        "findings": len(report.findings),
    }
