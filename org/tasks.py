from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail

from .models import User


@shared_task(name="org.tasks.health_check")
def health_check() -> str:
    """Proves the broker, worker and result backend are wired together."""
    return "ok"


@shared_task(name="org.tasks.send_email")
def send_email(user_ids: list[int], subject: str, body: str) -> int:
    """Send one email to each user; returns how many were sent."""
    emails = User.objects.filter(pk__in=user_ids, is_active=True).values_list("email", flat=True)
    messages = [
        (f"[pmsystem] {subject}", body, settings.DEFAULT_FROM_EMAIL, [email]) for email in emails
    ]
    return send_mass_mail(messages, fail_silently=False) if messages else 0
