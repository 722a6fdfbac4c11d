"""Writes of compliance: broadcasts (the daily reminders are `compliance.reminders`)."""

from __future__ import annotations

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from org.models import OrgUnit, User
from pmsystem.errors import ApplicationError
from pmsystem.i18n import interpolate

from .models import Broadcast, Reminder
from .permissions import can_broadcast
from .reminders import enqueue_on_commit, stages
from .selectors import broadcast_recipient_ids, broadcast_senders


@transaction.atomic
def send_broadcast(
    *,
    actor: User,
    entity: OrgUnit,
    stage: str,
    on_behalf_of: User,
    subject: str,
    message: str,
    token: uuid.UUID,
    unit: OrgUnit | None = None,
    today: datetime.date | None = None,
) -> Broadcast:
    """An HR focal point writes to everyone in the entity (or the unit and the units below
    it) whose action waits at `stage`, on behalf of the entity's HOD or a senior manager.

    Rules: only an HR focal point of the entity may broadcast; each recipient gets one email
    (one `Reminder` row of kind "broadcast" keyed by the broadcast), sent through the reminder
    pipeline after commit; the same `token` (one preview of the form) makes one broadcast
    however often it is posted."""
    if not can_broadcast(actor, entity):
        raise ApplicationError(
            interpolate(
                gettext("Only an HR focal point of %(entity)s may write to its staff."),
                {"entity": entity.name},
            )
        )
    existing = Broadcast.objects.filter(token=token).first()
    if existing is not None:
        if existing.created_by_id != actor.pk or existing.entity_id != entity.pk:
            raise ApplicationError(gettext("This form was already used: open a new one."))
        return existing
    if stage not in stages():
        raise ApplicationError(gettext("Choose a stage."))
    if unit is not None and unit.entity_id != entity.pk:
        raise ApplicationError(
            interpolate(
                gettext("%(unit)s is not a unit of %(entity)s."),
                {"unit": unit.name, "entity": entity.name},
            )
        )
    if not broadcast_senders(entity).filter(pk=on_behalf_of.pk).exists():
        raise ApplicationError(
            interpolate(
                gettext(
                    "A broadcast goes on behalf of the head or a senior manager of %(entity)s."
                ),
                {"entity": entity.name},
            )
        )
    today = today or timezone.localdate()
    recipients = broadcast_recipient_ids(entity=entity, stage=stage, unit=unit, today=today)
    if not recipients:
        raise ApplicationError(
            gettext(
                "Nobody there has an action waiting at this stage now: there is nobody to write to."
            )
        )
    broadcast = Broadcast(
        entity=entity,
        unit=unit,
        stage=stage,
        on_behalf_of=on_behalf_of,
        subject=subject.strip(),
        message=message.strip(),
        created_by=actor,
        token=token,
        recipient_count=len(recipients),
    )
    broadcast.full_clean()
    try:
        with transaction.atomic():
            broadcast.save()
    except IntegrityError:
        # The same form posted twice at once: the other request made it.
        return Broadcast.objects.get(token=token)
    batch, now, role = uuid.uuid4(), timezone.now(), stages()[stage].role
    Reminder.objects.bulk_create(
        [
            Reminder(
                subject=broadcast.subject_key,
                stage=stage,
                recipient_id=recipient_id,
                kind="broadcast",
                due_date=today,
                recipient_role=role,
                responsible_id=recipient_id,
                broadcast=broadcast,
                batch=batch,
                planned_on=today,
                created_at=now,
            )
            for recipient_id in recipients
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    enqueue_on_commit(
        list(Reminder.objects.filter(batch=batch).order_by("pk").values_list("pk", flat=True))
    )
    return broadcast
