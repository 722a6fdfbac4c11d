from celery import shared_task


@shared_task(name="org.tasks.health_check")
def health_check() -> str:
    """Proves the broker, worker and result backend are wired together."""
    return "ok"
