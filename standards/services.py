"""Writes for the ratings standards: a new version drafted, its texts saved, published
(superseding the version in force), acknowledged by an FRO.

Every write locks the entity's row first, so two heads (the HOD and the acting HOD) never
publish two versions at once, asks the relations of today (`standards.permissions`) and the
declared workflow (`standards.workflow`), and refuses with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop

from org.models import Cycle, OrgUnit, RatingLevel, User
from pmsystem.errors import ApplicationError
from pmsystem.i18n import interpolate, phrase
from pmsystem.notifications import notify

from .models import (
    Acknowledgement,
    LevelStandard,
    RatingsStandard,
    StandardsSettings,
    settings_for,
)
from .permissions import allowed_actions, entity_roles
from .selectors import entity_froes
from .workflow import STANDARD

S = RatingsStandard.State
# The attachment: a PDF or Word document (the department's own guidance), checked by
# extension and by its first bytes, stored under a random name, served only to readers.
ALLOWED_ATTACHMENTS = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
}


def max_attachment_bytes() -> int:
    return int(getattr(settings, "STANDARDS_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))


@transaction.atomic
def standards_settings(cycle: Cycle) -> StandardsSettings:
    """The cycle's settings, created with their defaults the first time."""
    found, _ = StandardsSettings.objects.get_or_create(cycle=cycle)
    return found


def _lock(entity_id: int) -> None:
    """Every write on an entity's standards takes the entity's row lock first."""
    OrgUnit.objects.select_for_update().filter(pk=entity_id).values_list("pk").first()


def _hod_refusal(roles: frozenset[str]) -> str | None:
    if "hod" not in roles:
        return gettext(
            "Only the head of the department, or the acting head, writes its ratings standards."
        )
    return None


@transaction.atomic
def start_new_version(*, entity: OrgUnit, cycle: Cycle, actor: User) -> RatingsStandard:
    """The HOD (or acting HOD) opens the next version as a draft, starting from the texts of
    the version in force (or blank). One draft at a time; never in a closed cycle."""
    _lock(entity.pk)
    refusal = _hod_refusal(entity_roles(actor, entity.pk, cycle.pk))
    if refusal:
        raise ApplicationError(refusal)
    if cycle.status == Cycle.Status.CLOSED:
        raise ApplicationError(
            interpolate(
                gettext("The cycle %(cycle)s is closed: its ratings standards no longer change."),
                {"cycle": cycle.name},
            )
        )
    versions = RatingsStandard.objects.filter(entity=entity, cycle=cycle)
    draft = versions.filter(state=S.DRAFT).first()
    if draft is not None:
        raise ApplicationError(
            interpolate(
                gettext("Version %(version)s is being drafted already: edit it."),
                {"version": draft.version},
            )
        )
    current = versions.filter(state=S.PUBLISHED).first()
    number = (versions.aggregate(top=Max("version"))["top"] or 0) + 1
    standard = RatingsStandard(
        entity=entity,
        cycle=cycle,
        version=number,
        created_by=actor,
        introduction=current.introduction if current else "",
    )
    standard.full_clean()
    standard.save()
    if current is not None:
        LevelStandard.objects.bulk_create(
            LevelStandard(standard=standard, level_id=level_id, text=text)
            for level_id, text in current.texts.values_list("level_id", "text")
        )
    return standard


def check_attachment(upload: UploadedFile[bytes]) -> tuple[str, str]:
    """The file's name and content type, or the reason it is refused."""
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in ALLOWED_ATTACHMENTS:
        raise ApplicationError(
            interpolate(gettext("“%(name)s” is not a PDF or Word (.docx) file."), {"name": name})
        )
    limit = max_attachment_bytes()
    if upload.size is None or upload.size > limit:
        raise ApplicationError(
            interpolate(
                gettext("“%(name)s” is larger than %(size)s MB."),
                {"name": name, "size": limit // (1024 * 1024)},
            )
        )
    content_type, signature = ALLOWED_ATTACHMENTS[extension]
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(signature):
        raise ApplicationError(
            interpolate(
                gettext("“%(name)s” is not really a %(type)s file."),
                {"name": name, "type": extension[1:]},
            )
        )
    return name, content_type


def _locked(standard: RatingsStandard) -> RatingsStandard:
    _lock(standard.entity_id)
    return RatingsStandard.objects.select_related("entity", "cycle").get(pk=standard.pk)


def _edit_refusal(standard: RatingsStandard, actor: User) -> str | None:
    roles = entity_roles(actor, standard.entity_id, standard.cycle_id)
    refusal = _hod_refusal(roles)
    if refusal:
        return refusal
    if standard.cycle.status == Cycle.Status.CLOSED:
        return interpolate(
            gettext("The cycle %(cycle)s is closed: its ratings standards no longer change."),
            {"cycle": standard.cycle.name},
        )
    if standard.state != S.DRAFT:
        return interpolate(
            gettext("Version %(version)s is published: it no longer changes. Start a new version."),
            {"version": standard.version},
        )
    return None


@transaction.atomic
def save_draft(
    *,
    standard: RatingsStandard,
    actor: User,
    introduction: str,
    texts: Mapping[int, str],
    attachment: UploadedFile[bytes] | None = None,
    remove_attachment: bool = False,
) -> RatingsStandard:
    """The HOD writes the draft: a text per level of the cycle's scales (a blank text removes
    the level's), an introduction, an attachment. A published version never changes."""
    standard = _locked(standard)
    refusal = _edit_refusal(standard, actor)
    if refusal:
        raise ApplicationError(refusal)
    levels = set(
        RatingLevel.objects.filter(scale__cycle_id=standard.cycle_id).values_list("pk", flat=True)
    )
    unknown = set(texts) - levels
    if unknown:
        raise ApplicationError(
            interpolate(
                gettext("That level is not on a rating scale of %(cycle)s."),
                {"cycle": standard.cycle.name},
            )
        )
    current = {row.level_id: row for row in standard.texts.all()}
    wanted = {level_id: text.strip() for level_id, text in texts.items()}
    LevelStandard.objects.filter(
        standard=standard, level_id__in=[pk for pk, text in wanted.items() if not text]
    ).delete()
    changed = []
    for level_id, text in wanted.items():
        row = current.get(level_id)
        if text and row is not None and row.text != text:
            row.text = text
            changed.append(row)
    LevelStandard.objects.bulk_update(changed, ["text"])
    LevelStandard.objects.bulk_create(
        LevelStandard(standard=standard, level_id=level_id, text=text)
        for level_id, text in wanted.items()
        if text and level_id not in current
    )
    standard.introduction = introduction.strip()
    replaced = standard.attachment.name if standard.attachment else ""
    if attachment is not None:
        name, content_type = check_attachment(attachment)
        standard.attachment.save(name, attachment, save=False)
        standard.attachment_name, standard.attachment_type = name, content_type
    elif remove_attachment and replaced:
        standard.attachment = ""
        standard.attachment_name = standard.attachment_type = ""
    else:
        replaced = ""
    standard.save()
    if replaced:
        # The old file goes once the draft no longer names it (kept if this rolls back).
        storage = standard.attachment.storage
        transaction.on_commit(lambda: storage.delete(replaced))
    return standard


@transaction.atomic
def publish_standard(*, standard: RatingsStandard, actor: User) -> RatingsStandard:
    """The HOD publishes the draft: it is in force from now, the version it replaces is kept
    as superseded, and the FROs of the entity's staff are told (asked to acknowledge it when
    the cycle says so)."""
    standard = _locked(standard)
    roles = entity_roles(actor, standard.entity_id, standard.cycle_id)
    STANDARD.check(standard, "publish", roles)
    now = timezone.now()
    current = (
        RatingsStandard.objects.filter(
            entity_id=standard.entity_id, cycle_id=standard.cycle_id, state=S.PUBLISHED
        )
        .select_related("cycle")
        .first()
    )
    if current is not None:
        STANDARD.apply(current, "supersede", roles)
        current.superseded_at = now
        current.save(update_fields=["state", "superseded_at", "updated_at"])
    STANDARD.apply(standard, "publish", roles)
    standard.published_by, standard.published_at = actor, now
    standard.save(update_fields=["state", "published_by", "published_at", "updated_at"])
    asks = settings_for(standard.cycle).acknowledgement_required
    notify(
        users=User.objects.filter(pk__in=entity_froes(standard.entity_id, standard.cycle_id)),
        subject=phrase(
            gettext_noop("Ratings standards of %(entity)s, version %(version)s"),
            entity=standard.entity.code,
            version=standard.version,
        ),
        body=phrase(
            gettext_noop(
                "%(actor)s published the ratings standards of %(entity)s for %(cycle)s "
                "(version %(version)s): what each rating level means in the department. "
                "Please acknowledge them before you sign your next rating."
            )
            if asks
            else gettext_noop(
                "%(actor)s published the ratings standards of %(entity)s for %(cycle)s "
                "(version %(version)s): what each rating level means in the department."
            ),
            actor=actor,
            entity=standard.entity.code,
            cycle=standard.cycle.name,
            version=standard.version,
        ),
    )
    return standard


@transaction.atomic
def acknowledge_standard(*, standard: RatingsStandard, actor: User) -> Acknowledgement:
    """An FRO of the entity's staff acknowledges the version in force (once per version)."""
    standard = _locked(standard)
    roles = entity_roles(actor, standard.entity_id, standard.cycle_id)
    if "fro" not in roles:
        raise ApplicationError(
            gettext("The FROs of the department's staff acknowledge its ratings standards.")
        )
    found = Acknowledgement.objects.filter(standard=standard, user_id=actor.pk).first()
    if found is not None:
        raise ApplicationError(
            interpolate(
                gettext("You acknowledged version %(version)s on %(date)s."),
                {
                    "version": standard.version,
                    "date": formats.date_format(
                        timezone.localtime(found.acknowledged_at), "SHORT_DATE_FORMAT"
                    ),
                },
            )
        )
    if "acknowledge" not in allowed_actions(actor, standard, roles):
        if standard.cycle.status == Cycle.Status.CLOSED:
            raise ApplicationError(
                interpolate(
                    gettext(
                        "The cycle %(cycle)s is closed: its ratings standards no longer change."
                    ),
                    {"cycle": standard.cycle.name},
                )
            )
        raise ApplicationError(
            interpolate(
                gettext(
                    "Version %(version)s is not the version in force: acknowledge the one in force."
                ),
                {"version": standard.version},
            )
        )
    return Acknowledgement.objects.create(standard=standard, user=actor)
