"""Writes for rebuttals: rosters, filing, the HOD's reply, panels, reports and forwarding.

Every rule of docs/rules.md section 4 is enforced here, not only in forms.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from appraisals.models import Appraisal, CompetencyAssessment, GoalAssessment
from org.models import OrgUnit, RatingLevel, ReportingLine, User
from org.relations import current_department_roles, line_in_effect
from pmsystem.errors import ApplicationError
from pmsystem.events import record_event
from pmsystem.i18n import Phrase, interpolate, phrase
from pmsystem.notifications import notify
from pmsystem.security import log_event
from workplans.conflicts import Relations
from workplans.locks import lock_document
from workplans.models import WorkPlan
from workplans.permissions import hr_conflict_refusal, role_holders

from .models import (
    GROUP_NAMES,
    Group,
    PanelMember,
    PanelRoster,
    RebuttalAttachment,
    RebuttalCase,
    RosterConsultation,
    RosterMember,
    StatusFileRecord,
)
from .permissions import allowed_case_actions, case_relations, roster_roles
from .selectors import roster_problem_phrases, roster_problems, sentences
from .workflow import CASE

S = RebuttalCase.State

# What may be attached to a statement: extension → (content type, leading bytes).
ALLOWED_UPLOADS = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}


def _days_after(moment: datetime.datetime, days: int) -> datetime.date:
    return timezone.localdate(moment) + datetime.timedelta(days=days)


def _rating(level: RatingLevel) -> Phrase:
    """A rating level's label inside a phrase: a seeded default label is shown in each
    reader's language (as `pmsystem.i18n.translated` does), an organisation's own wording as
    it was typed."""
    return phrase(level.label)


# --- rosters -------------------------------------------------------------------------------


def _roster(entity: OrgUnit) -> PanelRoster:
    roster, _ = PanelRoster.objects.select_for_update().get_or_create(entity=entity)
    return PanelRoster.objects.select_for_update().get(pk=roster.pk)


def designable_groups(actor_roles: frozenset[str]) -> set[str]:
    """The groups a person may add to or remove from: HR keeps the whole roster; the HOD
    designates members and chairs; the staff representatives designate their members."""
    if "hr" in actor_roles:
        return set(Group.values)
    groups: set[str] = set()
    if "hod" in actor_roles:
        groups |= {Group.HOD_DESIGNATED, Group.CHAIR}
    if "staff_representative" in actor_roles:
        groups.add(Group.STAFF_DESIGNATED)
    return groups


def _check_roster_group(actor_roles: frozenset[str], group: str) -> None:
    if group in designable_groups(actor_roles):
        return
    refusals: dict[str, str] = {
        Group.STAFF_DESIGNATED: gettext("Only the staff representatives designate this group."),
        Group.HOD_DESIGNATED: gettext("Only the HOD designates this group."),
        Group.CHAIR: gettext(
            "Only the HOD selects chairpersons, after consulting the staff representatives."
        ),
    }
    raise ApplicationError(refusals[group])


@transaction.atomic
def add_roster_member(
    *, entity: OrgUnit, actor: User, user: User, group: str, designated_by: User | None = None
) -> RosterMember:
    """The HOD designates members and chairs, the staff representatives their members; HR keeps
    the list (recording who designated). A person sits in one group only."""
    roles = roster_roles(actor, entity)
    _check_roster_group(roles, group)
    roster = _roster(entity)
    if group == Group.CHAIR and not roster.consultations.exists():
        raise ApplicationError(
            gettext(
                "Record the consultation with the staff representatives before selecting chairs."
            )
        )
    current = roster.members.filter(user=user, removed_at__isnull=True).first()
    if current is not None:
        raise ApplicationError(
            interpolate(
                gettext(
                    "%(name)s is already on the roster (%(group)s): a person sits in one group "
                    "only."
                ),
                {"name": user, "group": GROUP_NAMES[current.group]},
            )
        )
    if not user.is_active:
        raise ApplicationError(
            interpolate(gettext("%(name)s's account is not active."), {"name": user})
        )
    try:
        with transaction.atomic():
            member = RosterMember.objects.create(
                roster=roster, user=user, group=group, designated_by=designated_by or actor
            )
    except IntegrityError as exc:
        raise ApplicationError(
            interpolate(gettext("%(name)s is already on the roster."), {"name": user})
        ) from exc
    _unpublish_if_unequal(
        roster,
        actor,
        phrase(
            gettext_noop("%(actor)s added %(name)s to the roster (%(group)s)."),
            actor=actor,
            name=user,
            group=GROUP_NAMES[group],
        ),
    )
    return member


@transaction.atomic
def remove_roster_member(*, member: RosterMember, actor: User) -> None:
    roster = _roster(member.roster.entity)
    roles = roster_roles(actor, roster.entity)
    if "hr" not in roles:
        _check_roster_group(roles, member.group)
    member.removed_at = timezone.now()
    member.save(update_fields=["removed_at"])
    _unpublish_if_unequal(
        roster,
        actor,
        phrase(
            gettext_noop("%(actor)s removed %(name)s from the roster (%(group)s)."),
            actor=actor,
            name=member.user,
            group=GROUP_NAMES[member.group],
        ),
    )


def _unpublish_if_unequal(roster: PanelRoster, actor: User, change: Phrase) -> None:
    """Rule (docs/rules.md §4): the roster is invalid while its groups are unequal. A change
    that makes them unequal unpublishes it, and says so: the roster keeps what changed, and the
    entity's HR focal points, who republish it, are told what it lacks."""
    problems = roster_problem_phrases(roster)
    if roster.is_published and problems:
        _unpublish(roster, actor, change, lacking=problems)


def _unpublish(roster: PanelRoster, actor: User, change: Phrase, *, lacking: list[Phrase]) -> None:
    roster.published_at = None
    roster.published_by = None
    roster.unpublished_at = timezone.now()
    roster.unpublished_by = actor
    roster.unpublished_because = change
    roster.save(
        update_fields=[
            "published_at",
            "published_by",
            "unpublished_at",
            "unpublished_by",
            "unpublished_because",
        ]
    )
    log_event("roster_unpublished", user=actor.pk, entity=roster.entity_id)
    waiting = RebuttalCase.objects.filter(
        state__in=[S.FILED, S.REPLIED],
        panel_constituted_at__isnull=True,
        document__staff__unit__entity_id=roster.entity_id,
    ).count()
    body = (
        gettext_noop(
            "%(change)s The panel roster of %(entity)s is no longer published: no rebuttal panel "
            "can be constituted from it until an HR focal point republishes it. It lacks: "
            "%(lacking)s Cases waiting for a panel: %(waiting)s."
        )
        if lacking
        else gettext_noop(
            "%(change)s The panel roster of %(entity)s is no longer published: no rebuttal panel "
            "can be constituted from it until an HR focal point republishes it. Cases waiting "
            "for a panel: %(waiting)s."
        )
    )
    entity = roster.entity
    hr = [user for user in _entity_hr(entity.pk) if user.pk != actor.pk]
    notify(
        users=hr,
        subject=phrase(
            gettext_noop("The panel roster of %(entity)s is no longer published"),
            entity=entity.code,
        ),
        body=phrase(
            body,
            change=change,
            entity=entity.code,
            waiting=waiting,
            **({"lacking": sentences(lacking)} if lacking else {}),
        ),
    )


@transaction.atomic
def unpublish_roster(*, entity: OrgUnit, actor: User, reason: str) -> PanelRoster:
    """An HR focal point withdraws the roster's publication (to revise it), with the reason;
    the other HR focal points are told."""
    if "hr" not in roster_roles(actor, entity):
        raise ApplicationError(gettext("HR focal points publish and unpublish the roster."))
    if not reason.strip():
        raise ApplicationError(gettext("Say why the roster is unpublished."))
    roster = _roster(entity)
    if not roster.is_published:
        raise ApplicationError(gettext("The roster is not published."))
    change = phrase(
        gettext_noop("%(actor)s unpublished the roster: %(reason)s"),
        actor=actor,
        reason=reason.strip(),
    )
    _unpublish(roster, actor, change, lacking=roster_problem_phrases(roster))
    return roster


@transaction.atomic
def record_training(*, member: RosterMember, actor: User, date: datetime.date) -> RosterMember:
    if "hr" not in roster_roles(actor, member.roster.entity):
        raise ApplicationError(gettext("HR focal points record the roster's training."))
    member.training_date = date
    member.save(update_fields=["training_date"])
    return member


@transaction.atomic
def record_consultation(
    *, entity: OrgUnit, actor: User, held_on: datetime.date, participants: str, note: str = ""
) -> RosterConsultation:
    roles = roster_roles(actor, entity)
    if not roles & {"hod", "hr"}:
        raise ApplicationError(gettext("The HOD (or HR for the HOD) records the consultation."))
    if not participants.strip():
        raise ApplicationError(gettext("Say who took part in the consultation."))
    roster = _roster(entity)
    return RosterConsultation.objects.create(
        roster=roster,
        held_on=held_on,
        participants=participants.strip(),
        note=note.strip(),
        recorded_by=actor,
    )


@transaction.atomic
def publish_roster(*, entity: OrgUnit, actor: User) -> PanelRoster:
    """Rule: the roster is published by HR only while its three groups are equal."""
    if "hr" not in roster_roles(actor, entity):
        raise ApplicationError(gettext("HR focal points publish the roster."))
    roster = _roster(entity)
    problems = roster_problems(roster)
    if problems:
        raise ApplicationError(
            interpolate(
                gettext(
                    "The roster cannot be published while its groups are unequal. %(problems)s"
                ),
                {"problems": " ".join(problems)},
            )
        )
    roster.published_at = timezone.now()
    roster.published_by = actor
    roster.save(update_fields=["published_at", "published_by"])
    return roster


# --- filing --------------------------------------------------------------------------------


def _check_upload(upload: UploadedFile[bytes]) -> tuple[str, str, int]:
    """The file's name, content type and size, or the reason it is refused."""
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in ALLOWED_UPLOADS:
        raise ApplicationError(
            interpolate(
                gettext("“%(name)s” is not a PDF, Word (.docx) or image (PNG, JPEG) file."),
                {"name": name},
            )
        )
    limit = settings.REBUTTAL_MAX_UPLOAD_BYTES
    size = upload.size
    # A size Django's upload handlers did not measure cannot be held to the limit: refused.
    if size is None or size > limit:
        raise ApplicationError(
            interpolate(
                gettext("“%(name)s” is larger than %(size)s MB."),
                {"name": name, "size": limit // (1024 * 1024)},
            )
        )
    content_type, signatures = ALLOWED_UPLOADS[extension]
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in signatures):
        raise ApplicationError(
            interpolate(
                gettext("“%(name)s” is not really a %(type)s file."),
                {"name": name, "type": extension[1:]},
            )
        )
    return name, content_type, size


@transaction.atomic
def file_rebuttal(
    *,
    document: WorkPlan,
    actor: User,
    statement: str,
    attachments: Sequence[UploadedFile[bytes]] = (),
) -> RebuttalCase:
    """The staff member rebuts a rebuttable final rating within the window (setting), with a
    statement and attachments. Late filing is refused with the date the window closed."""
    document = lock_document(document)
    if RebuttalCase.objects.filter(document=document).exists():
        raise ApplicationError(gettext("A rebuttal of this evaluation was already filed."))
    case = RebuttalCase(document=document, state=S.NOT_FILED)
    relations = case_relations(actor, case)
    roles = frozenset(relations)
    if "staff" not in roles:
        raise ApplicationError(gettext("Only the staff member may rebut their evaluation."))
    reason = CASE.refusal(case, "file", roles)
    if reason:
        raise ApplicationError(reason)
    if not statement.strip():
        raise ApplicationError(gettext("Write your rebuttal statement."))
    checked = [(upload, *_check_upload(upload)) for upload in attachments]
    CASE.apply(case, "file", roles)
    cycle = document.cycle
    now = timezone.now()
    case.statement = statement.strip()
    original = document.appraisal.final_rating
    if original is None:  # the filing rule (rebuttals.workflow.filing_refusal) refused it above
        raise ValueError("a rebuttal is filed against a final rating")
    case.original_rating = original
    case.reply_due = _days_after(now, cycle.hod_reply_days)
    case.report_due = _days_after(now, cycle.panel_report_days)
    case.save()
    for upload, name, content_type, size in checked:
        attachment = RebuttalAttachment(
            case=case,
            original_name=name,
            content_type=content_type,
            size=size,
            uploaded_by=actor,
        )
        attachment.file.save("upload", upload, save=False)
        attachment.save()
    count = len(checked)
    # A phrase has no plural forms: one msgid for one attachment, one for any other number.
    filed = (
        gettext_noop("Rebuttal filed (%(count)s attachment)")
        if count == 1
        else gettext_noop("Rebuttal filed (%(count)s attachments)")
    )
    record_event(
        document=document,
        kind="rebuttal_filed",
        summary=phrase(filed, count=count),
        actor=actor,
    )
    notify(
        users=_entity_people(document, "hod") + _entity_people(document, "hr"),
        subject=phrase(gettext_noop("Rebuttal filed by %(name)s"), name=document.staff.user),
        body=phrase(
            gettext_noop(
                "%(name)s filed a rebuttal of their %(cycle)s evaluation. "
                "The HOD's reply is due by %(date)s."
            ),
            name=document.staff.user,
            cycle=cycle,
            date=case.reply_due,
        ),
    )
    return case


def _entity_hr(entity_id: int) -> list[User]:
    """The entity's HR focal points today."""
    from org.models import DepartmentRole

    holders = current_department_roles().filter(
        entity_id=entity_id, role=DepartmentRole.Role.HR_FOCAL_POINT
    )
    return list(User.objects.filter(pk__in=holders.values("user_id"), is_active=True))


def _entity_people(document: WorkPlan, role: str) -> list[User]:
    from org.models import DepartmentRole

    wanted = {"hod": DepartmentRole.Role.HOD, "hr": DepartmentRole.Role.HR_FOCAL_POINT}[role]
    today = timezone.localdate()
    return list(
        User.objects.filter(
            department_roles__entity_id=document.staff.unit.entity_id,
            department_roles__role=wanted,
            department_roles__start__lte=today,
        )
        .exclude(department_roles__end__lt=today)
        .distinct()
    )


def _lock_case(case: RebuttalCase) -> RebuttalCase:
    return (
        RebuttalCase.objects.select_for_update(of=("self",))
        .select_related("document__staff__user", "document__staff__unit", "document__cycle")
        .get(pk=case.pk)
    )


# --- the HOD's reply -----------------------------------------------------------------------


@transaction.atomic
def reply_to_rebuttal(*, case: RebuttalCase, actor: User, reply: str) -> RebuttalCase:
    """The HOD (or acting HOD) replies in writing; the reply is shared with the staff member
    and the panel."""
    case = _lock_case(case)
    relations = case_relations(actor, case)
    if not reply.strip():
        raise ApplicationError(gettext("Write the reply."))
    CASE.apply(case, "reply", relations)
    case.hod_reply = reply.strip()
    case.hod_replied_at = timezone.now()
    case.hod_replied_by = actor
    case.save()
    acting_for = relations.get("hod")
    record_event(
        document=case.document,
        kind="rebuttal_reply",
        summary=phrase(gettext_noop("HOD replied to the rebuttal")),
        actor=actor,
        acting_for=User.objects.filter(pk=acting_for).first() if acting_for else None,
    )
    notify(
        users=[case.document.staff.user, *_panel_users(case)],
        subject=phrase(gettext_noop("The HOD replied to the rebuttal")),
        body=phrase(
            gettext_noop("The HOD's reply to the rebuttal of %(name)s is available."),
            name=case.document.staff.user,
        ),
    )
    return case


def _refuse_hr_conflict(case: RebuttalCase, actor: User, relations: Relations) -> None:
    """An HR focal point who holds a role on the document (their own case above all) does not
    act on its case: another HR focal point of the entity does, and the refusal names them."""
    if "hr" not in relations and "hr" in relations.conflicts:
        raise ApplicationError(hr_conflict_refusal(case.document, actor, relations))


def _panel_users(case: RebuttalCase) -> list[User]:
    return [m.user for m in case.panel.filter(excused_at__isnull=True).select_related("user")]


# --- the panel -----------------------------------------------------------------------------


def conflicted_user_ids(case: RebuttalCase) -> set[int]:
    """Nobody who holds a role on the document (`workplans.conflicts`: the staff member, the
    FRO and SRO and their acting officers, accepted additional supervisors, anyone who signed
    a stage), nor anyone in the staff member's reporting line for the cycle (every FRO and SRO
    of the cycle's lines), may sit."""
    document = case.document
    ids = set(role_holders(document))
    for fro, sro in ReportingLine.objects.filter(
        staff_id=document.staff_id, cycle_id=document.cycle_id
    ).values_list("fro_id", "sro_id"):
        ids.update((fro, sro))
    if case.pk:
        # Members excused for a conflict are not offered again.
        ids.update(case.panel.filter(excused_at__isnull=False).values_list("user_id", flat=True))
    return ids


def eligible_roster_members(case: RebuttalCase, seat: str) -> QuerySet[RosterMember]:
    """Members of the published roster of the entity who may take the seat."""
    roster = PanelRoster.objects.filter(
        entity_id=case.document.staff.unit.entity_id, published_at__isnull=False
    ).first()
    if roster is None:
        return RosterMember.objects.none()
    return (
        roster.members.filter(removed_at__isnull=True, group=seat)
        .exclude(user_id__in=conflicted_user_ids(case))
        .select_related("user__staff")
    )


@transaction.atomic
def appoint_panel_members(
    *, case: RebuttalCase, actor: User, roster_members: Sequence[RosterMember]
) -> list[PanelMember]:
    """Several seats at once (the case page offers every open seat in one form): each as
    `appoint_panel_member`, all or none: one refusal and nobody is appointed."""
    if not roster_members:
        raise ApplicationError(gettext("Choose who takes a seat."))
    return [
        appoint_panel_member(case=case, actor=actor, roster_member=member)
        for member in roster_members
    ]


@transaction.atomic
def appoint_panel_member(
    *, case: RebuttalCase, actor: User, roster_member: RosterMember
) -> PanelMember:
    """HR constitutes the panel from the published roster: one chair, one HOD-designated and
    one staff-designated member, none of them conflicted."""
    case = _lock_case(case)
    _refuse_hr_conflict(case, actor, case_relations(actor, case))
    if "constitute_panel" not in allowed_case_actions(actor, case):
        raise ApplicationError(
            gettext(
                "Only an HR focal point of the entity constitutes the panel, before the report."
            )
        )
    roster_member = RosterMember.objects.select_related("roster", "user").get(pk=roster_member.pk)
    roster = roster_member.roster
    if roster.entity_id != case.document.staff.unit.entity_id or not roster.is_published:
        raise ApplicationError(gettext("Panel members come from the entity's published roster."))
    if roster_member.removed_at is not None:
        raise ApplicationError(
            interpolate(
                gettext("%(name)s is no longer on the roster."), {"name": roster_member.user}
            )
        )
    if roster_member.user_id in conflicted_user_ids(case):
        raise ApplicationError(
            interpolate(
                gettext(
                    "%(name)s cannot sit on this panel: they are the staff member, in their "
                    "reporting line for the cycle, an additional supervisor or acting officer, "
                    "signed the document, or were excused for a conflict."
                ),
                {"name": roster_member.user},
            )
        )
    seat = roster_member.group
    if case.panel.filter(seat=seat, excused_at__isnull=True).exists():
        taken: dict[str, str] = {
            Group.HOD_DESIGNATED: gettext("The designated by the HOD seat is already taken."),
            Group.STAFF_DESIGNATED: gettext(
                "The designated by the staff representatives seat is already taken."
            ),
            Group.CHAIR: gettext("The chairperson seat is already taken."),
        }
        raise ApplicationError(taken[seat])
    member = PanelMember.objects.create(
        case=case,
        roster_member=roster_member,
        user=roster_member.user,
        seat=seat,
        appointed_by=actor,
    )
    if case.panel.filter(excused_at__isnull=True).count() == len(Group.values):
        case.panel_constituted_at = timezone.now()
        case.save(update_fields=["panel_constituted_at"])
    record_event(
        document=case.document,
        kind="panel_member_appointed",
        summary=phrase(
            gettext_noop("%(name)s appointed to the rebuttal panel (%(seat)s)"),
            name=member.user,
            seat=GROUP_NAMES[seat],
        ),
        actor=actor,
    )
    notify(
        users=[member.user],
        subject=phrase(gettext_noop("You are on a rebuttal panel")),
        body=phrase(
            gettext_noop(
                "You were appointed to the rebuttal panel of %(name)s (%(seat)s). "
                "The report is due by %(date)s."
            ),
            name=case.document.staff.user,
            seat=GROUP_NAMES[seat],
            date=case.report_due,
        ),
    )
    return member


@transaction.atomic
def declare_conflict(*, case: RebuttalCase, actor: User, reason: str) -> PanelMember:
    """A panel member declares a conflict and is excused; HR appoints a replacement."""
    case = _lock_case(case)
    member = case.panel.filter(user=actor, excused_at__isnull=True).first()
    if member is None or "declare_conflict" not in allowed_case_actions(actor, case):
        raise ApplicationError(
            gettext("Only a sitting panel member declares a conflict, before the report.")
        )
    if not reason.strip():
        raise ApplicationError(gettext("Say what the conflict is."))
    member.excused_at = timezone.now()
    member.conflict = reason.strip()
    member.save(update_fields=["excused_at", "conflict"])
    case.panel_constituted_at = None
    case.save(update_fields=["panel_constituted_at"])
    record_event(
        document=case.document,
        kind="panel_conflict",
        summary=phrase(
            gettext_noop("%(name)s declared a conflict and was excused from the panel"),
            name=actor,
        ),
        actor=actor,
    )
    notify(
        users=_entity_people(case.document, "hr"),
        subject=phrase(gettext_noop("A panel member was excused")),
        body=phrase(
            gettext_noop(
                "%(name)s declared a conflict on the rebuttal panel of %(staff)s: "
                "appoint a replacement."
            ),
            name=actor,
            staff=case.document.staff.user,
        ),
    )
    return member


# --- the report ----------------------------------------------------------------------------


@dataclass
class RemovedComments:
    goal_rows: list[int]
    competency_rows: list[int]
    overall: bool = False


@transaction.atomic
def record_report(
    *,
    case: RebuttalCase,
    actor: User,
    rating: RatingLevel,
    report: str,
    removed: RemovedComments | None = None,
) -> RebuttalCase:
    """The panel maintains the rating or replaces it by a higher one of the same scale —
    never a lower one — and may order FRO comments removed from the current version (they
    stay in the history). The panel's rating becomes the final rating; the original stays
    on the record."""
    case = _lock_case(case)
    relations = case_relations(actor, case)
    if not report.strip():
        raise ApplicationError(gettext("Write the panel's report."))
    original = case.original_rating
    if rating.scale_id != original.scale_id:
        raise ApplicationError(
            gettext("The panel's rating must be on the evaluation's overall scale.")
        )
    if rating.rank > original.rank:
        raise ApplicationError(
            gettext(
                "A panel may maintain the rating or replace it by a higher one, never a lower one."
            )
        )
    CASE.apply(case, "report", relations)
    appraisal = Appraisal.objects.select_for_update().get(pk=case.document_id)
    removed = removed or RemovedComments([], [])
    goal_rows = GoalAssessment.objects.filter(appraisal=appraisal, pk__in=removed.goal_rows)
    competency_rows = CompetencyAssessment.objects.filter(
        appraisal=appraisal, pk__in=removed.competency_rows
    )
    case.removed_comments = (
        [{"goal": r.goal_id, "comment": r.fro_comment} for r in goal_rows]
        + [{"competency": r.competency_id, "comment": r.fro_comment} for r in competency_rows]
        + ([{"overall": True, "comment": appraisal.fro_overall_comment}] if removed.overall else [])
    )
    goal_rows.update(fro_comment_removed=True)
    competency_rows.update(fro_comment_removed=True)
    if removed.overall:
        appraisal.fro_overall_comment_removed = True
    appraisal.final_rating = rating
    appraisal.save(update_fields=["final_rating", "fro_overall_comment_removed"])
    case.decision = (
        RebuttalCase.Decision.MAINTAINED
        if rating.pk == original.pk
        else RebuttalCase.Decision.RAISED
    )
    case.panel_rating = rating
    case.report = report.strip()
    case.reported_at = timezone.now()
    case.reported_by = actor
    case.save()
    maintained = case.decision == RebuttalCase.Decision.MAINTAINED
    ratings = {"original": _rating(original), "rating": _rating(rating)}
    record_event(
        document=case.document,
        kind="rebuttal_report",
        summary=phrase(
            gettext_noop("Rebuttal panel report: rating maintained (%(original)s → %(rating)s)")
            if maintained
            else gettext_noop(
                "Rebuttal panel report: rating replaced by a higher one (%(original)s → %(rating)s)"
            ),
            **ratings,
        ),
        actor=actor,
    )
    fro, sro = _officers(case.document)
    notify(
        users=[
            case.document.staff.user,
            fro,
            sro,
            *_entity_people(case.document, "hod"),
            *_entity_people(case.document, "hr"),
        ],
        subject=phrase(
            gettext_noop("Rebuttal panel report for %(name)s"), name=case.document.staff.user
        ),
        body=phrase(
            gettext_noop(
                "The rebuttal panel rating maintained: final rating %(rating)s "
                "(originally %(original)s)."
            )
            if maintained
            else gettext_noop(
                "The rebuttal panel rating replaced by a higher one: final rating %(rating)s "
                "(originally %(original)s)."
            ),
            **ratings,
        ),
    )
    return case


def _officers(document: WorkPlan) -> tuple[User | None, User | None]:
    line = line_in_effect(document.staff_id, document.cycle_id)
    return (line.fro.user, line.sro.user) if line else (None, None)


@transaction.atomic
def forward_to_status_file(*, case: RebuttalCase, actor: User) -> StatusFileRecord:
    """HR forwards the panel's report and the evaluation (PDFs) to the official status file."""
    from appraisals.pdf import render_document_pdf

    from .pdf import render_report_pdf

    case = _lock_case(case)
    relations = case_relations(actor, case)
    _refuse_hr_conflict(case, actor, relations)
    CASE.apply(case, "forward", relations)
    case.save()
    record = StatusFileRecord(case=case, forwarded_by=actor)
    stem = f"{case.document.cycle.name}-{case.document.staff.index_number}"
    record.report_pdf.save(
        f"{stem}-panel-report.pdf", ContentFile(render_report_pdf(case)), save=False
    )
    record.evaluation_pdf.save(
        f"{stem}-evaluation.pdf", ContentFile(render_document_pdf(case.document)), save=False
    )
    record.save()
    record_event(
        document=case.document,
        kind="rebuttal_forwarded",
        summary=phrase(
            gettext_noop("Panel report and evaluation forwarded to the official status file")
        ),
        actor=actor,
    )
    log_event("status_file_forward", user=actor.pk, case=case.pk)
    return record
