from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail

from org.models import User
from pmsystem.i18n import Phrase, language_of, render_in


@shared_task(name="pmsystem.tasks.health_check")
def health_check() -> str:
    """Proves the broker, worker and result backend are wired together."""
    return "ok"


@shared_task(name="pmsystem.tasks.send_email")
def send_email(user_ids: list[int], subject: Phrase | str, body: Phrase | str) -> int:
    """Send one email to each user, in the user's language; returns how many were sent."""
    users = User.objects.filter(pk__in=user_ids, is_active=True).only("email", "language")
    messages = []
    for user in users:
        language = language_of(user)
        messages.append(
            (
                f"[pmsystem] {render_in(subject, language)}",
                render_in(body, language),
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
        )
    return send_mass_mail(messages, fail_silently=False) if messages else 0


@shared_task(name="pmsystem.tasks.send_email_to_addresses")
def send_email_to_addresses(messages: list[list]) -> int:
    """Send each [address, language, subject, body] (pmsystem.notifications.notify_addresses);
    returns how many were sent."""
    emails = [
        (
            f"[pmsystem] {render_in(subject, language)}",
            render_in(body, language),
            settings.DEFAULT_FROM_EMAIL,
            [address],
        )
        for address, language, subject, body in messages
    ]
    return send_mass_mail(emails, fail_silently=False) if emails else 0
