"""Celery task of feedback: thin, it calls `feedback.services`."""

from celery import shared_task

from . import services


@shared_task(name="feedback.tasks.close_finished_campaigns")
def close_finished_campaigns() -> dict:
    """Daily: close the campaigns whose window has passed, counting their last answers."""
    return {"closed": services.close_finished_campaigns()}
