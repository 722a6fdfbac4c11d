"""Organisation: people, units, cycles, reporting lines, department roles and delegations."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pmsystem.i18n import interpolate

from . import profiles, schedules


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A login. Email is the identifier; roles are relations, never flags on the user."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language pages and emails are in; empty: the browser's."),
    )

    class EmailPreference(models.TextChoices):
        IMMEDIATE = "immediate", _("Each reminder as it comes")
        DAILY_DIGEST = "daily_digest", _("One email a day listing them all")

    # Reminders and escalations (compliance.reminders): one email each, or one digest a day.
    email_preference = models.CharField(
        _("reminder emails"),
        max_length=16,
        choices=EmailPreference.choices,
        default=EmailPreference.DAILY_DIGEST,
        help_text=_("How reminders and escalations about documents reach you."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [
            # Lists sorted by name read their first page in this order instead of sorting
            # every person (the compliance people list of every entity: 27 -> 4 ms at 40,000
            # staff).
            models.Index(fields=["last_name", "first_name"], name="user_name_order"),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.email


class OrgUnit(models.Model):
    """A node of the organisation tree. Every unit knows its entity (department/office/mission)."""

    class Kind(models.TextChoices):
        ENTITY = "entity", _("Department / office / mission")
        DIVISION = "division", _("Division")
        SECTION = "section", _("Section")
        UNIT = "unit", _("Unit")

    KIND_DEPTH = {Kind.ENTITY: 0, Kind.DIVISION: 1, Kind.SECTION: 2, Kind.UNIT: 3}

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    # Denormalised: the entity at the top of this unit's branch (itself for an entity), so
    # department-wide queries are a single join.
    entity = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entity_units",
        verbose_name=_("entity"),
    )
    head = models.ForeignKey(
        "User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_units",
        verbose_name=_("head"),
    )
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="entity", parent__isnull=True) | ~Q(kind="entity"),
                name="orgunit_entity_has_no_parent",
            ),
            models.CheckConstraint(
                condition=Q(kind="entity") | Q(parent__isnull=False),
                name="orgunit_non_entity_has_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def save(self, *args, **kwargs) -> None:
        if self.kind != self.Kind.ENTITY and self.parent_id:
            self.entity_id = self.parent.entity_id
        super().save(*args, **kwargs)
        if self.kind == self.Kind.ENTITY and self.entity_id != self.pk:
            self.entity_id = self.pk
            OrgUnit.objects.filter(pk=self.pk).update(entity_id=self.pk)

    def clean(self) -> None:
        if self.kind == self.Kind.ENTITY:
            if self.parent_id:
                raise ValidationError(
                    {"parent": gettext("A department/office/mission has no parent.")}
                )
            return
        if not self.parent_id:
            raise ValidationError(
                {"parent": gettext("Only a department/office/mission has no parent.")}
            )
        if self.KIND_DEPTH[self.parent.kind] >= self.KIND_DEPTH[self.kind]:
            raise ValidationError(
                {
                    "parent": interpolate(
                        gettext("A %(kind)s cannot sit under a %(parent_kind)s."),
                        {
                            "kind": self.get_kind_display().lower(),
                            "parent_kind": self.parent.get_kind_display().lower(),
                        },
                    )
                }
            )

    def ancestors(self) -> list[OrgUnit]:
        """This unit and every unit above it, nearest first (at most four levels)."""
        chain: list[OrgUnit] = []
        node: OrgUnit | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class Grade(models.TextChoices):
    G1 = "G-1"
    G2 = "G-2"
    G3 = "G-3"
    G4 = "G-4"
    G5 = "G-5"
    G6 = "G-6"
    G7 = "G-7"
    P1 = "P-1"
    P2 = "P-2"
    P3 = "P-3"
    P4 = "P-4"
    P5 = "P-5"
    D1 = "D-1"
    D2 = "D-2"
    ASG = "ASG"
    USG = "USG"
    NOA = "NO-A"
    NOB = "NO-B"
    NOC = "NO-C"
    NOD = "NO-D"
    FS1 = "FS-1"
    FS2 = "FS-2"
    FS3 = "FS-3"
    FS4 = "FS-4"
    FS5 = "FS-5"
    FS6 = "FS-6"
    FS7 = "FS-7"


class Category(models.TextChoices):
    GENERAL_SERVICE = "GS", _("General Service")
    PROFESSIONAL = "P", _("Professional")
    DIRECTOR = "D", _("Director")
    SENIOR = "SENIOR", _("Senior")
    NATIONAL_OFFICER = "NO", _("National Officer")
    FIELD_SERVICE = "FS", _("Field Service")


def category_for_grade(grade: str) -> str:
    """The staff category follows from the grade: G-* GS, P-* P, D-* D, ASG/USG senior, ..."""
    if grade in {"ASG", "USG"}:
        return Category.SENIOR
    prefix = grade.split("-", 1)[0]
    return {
        "G": Category.GENERAL_SERVICE,
        "P": Category.PROFESSIONAL,
        "D": Category.DIRECTOR,
        "NO": Category.NATIONAL_OFFICER,
        "FS": Category.FIELD_SERVICE,
    }[prefix]


class StaffMember(models.Model):
    """The staff profile of a user. Its primary key is the user's id."""

    class Gender(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        OTHER = "X", _("Other / not stated")

    class ContractType(models.TextChoices):
        PERMANENT = "permanent", _("Permanent")
        CONTINUING = "continuing", _("Continuing")
        FIXED_TERM = "fixed_term", _("Fixed-term")
        TEMPORARY = "temporary", _("Temporary")
        # The ILO's technical-cooperation projects: first appraisal six months after entry on
        # duty, then yearly (`Cycle.tc_first_appraisal_months`).
        TECHNICAL_COOPERATION = "tc", _("Technical cooperation")

    user = models.OneToOneField(
        User,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="staff",
        verbose_name=_("user"),
    )
    index_number = models.CharField(_("index number"), max_length=16, unique=True)
    grade = models.CharField(_("grade"), max_length=8, choices=Grade.choices)
    category = models.CharField(
        _("category"), max_length=8, choices=Category.choices, editable=False
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="staff", verbose_name=_("unit")
    )
    entry_on_duty = models.DateField(_("entry on duty"))
    contract_type = models.CharField(
        _("contract type"),
        max_length=16,
        choices=ContractType.choices,
        default=ContractType.FIXED_TERM,
    )
    on_probation = models.BooleanField(_("on probation"), default=False)
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        ordering = ["index_number"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        indexes = [
            models.Index(fields=["unit", "is_active"]),
            # The staff on special schedules (`schedules.selectors.special_staff`: active, on
            # probation or on a technical-cooperation contract), a few in a hundred: an
            # entity's compliance page found its own by reading every staff member (issue 14).
            models.Index(
                fields=["unit"],
                name="staff_special_schedule",
                condition=models.Q(is_active=True)
                & (models.Q(on_probation=True) | models.Q(contract_type="tc")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.index_number})"

    def save(self, *args, **kwargs) -> None:
        self.category = category_for_grade(self.grade)
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return str(self.user)


def default_reminder_days() -> list[int]:
    """The default reminder schedule: 14, 7 and 1 days before a deadline (docs/rules.md)."""
    return [14, 7, 1]


def default_probation_schedule() -> list[dict[str, object]]:
    """Both profiles' probation schedule (`org.profiles.DEFAULT_PROBATION_SCHEDULE`)."""
    return [dict(milestone) for milestone in profiles.DEFAULT_PROBATION_SCHEDULE]


class Cycle(models.Model):
    """A performance cycle. Every policy figure that varies between years is a field here."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Framework(models.TextChoices):
        UN_COMPETENCIES = "un", _("UN values and competencies")
        VALUES_BEHAVIOURS = "vb", _("Values and Behaviours")

    name = models.CharField(_("name"), max_length=32, unique=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PLANNED
    )
    workplan_due = models.DateField(_("work plan due"))
    new_staff_workplan_months = models.PositiveSmallIntegerField(
        _("new staff work plan months"),
        default=2,
        help_text=_("New staff: work plan due this many months after entry on duty."),
    )
    midpoint_required = models.BooleanField(_("mid-point review required"), default=True)
    midpoint_due = models.DateField(_("mid-point due"))
    end_of_cycle_due = models.DateField(_("end of cycle due"))
    competency_framework = models.CharField(
        _("competency framework"),
        max_length=4,
        choices=Framework.choices,
        default=Framework.UN_COMPETENCIES,
    )
    goal_ratings_enabled = models.BooleanField(_("goal ratings enabled"), default=True)
    min_goals = models.PositiveSmallIntegerField(_("minimum goals"), default=3)
    max_goals = models.PositiveSmallIntegerField(_("maximum goals"), default=5)
    max_additional_supervisors = models.PositiveSmallIntegerField(
        _("maximum additional supervisors"), default=2
    )
    rebuttal_filing_days = models.PositiveSmallIntegerField(_("rebuttal filing days"), default=14)
    hod_reply_days = models.PositiveSmallIntegerField(_("HOD reply days"), default=14)
    panel_report_days = models.PositiveSmallIntegerField(_("panel report days"), default=60)
    reminder_days_before = models.JSONField(
        _("reminder days before"),
        default=default_reminder_days,
        blank=True,
        help_text=_(
            "Days before each deadline on which the person whose action is due is reminded."
        ),
    )
    rollback_completed_allowed = models.BooleanField(
        _("roll-back of completed documents allowed"), default=False
    )

    class BoardReceives(models.TextChoices):
        COMPLETED = "completed", _("Completed evaluations")
        SIGNED = "signed", _("Every signed stage")

    # The review board (docs/rules.md section 10; the ILO's Reports Board): which documents of
    # the entity its members read and comment on, and whether the staff member reads them.
    board_receives = models.CharField(
        _("documents the review board receives"),
        max_length=16,
        choices=BoardReceives.choices,
        default=BoardReceives.COMPLETED,
    )
    board_comments_to_staff = models.BooleanField(
        _("staff members read the review board's comments on their document"), default=False
    )
    # The policy profile that set this cycle's defaults (`org.profiles`); the figures below
    # and above are the cycle's own, editable whatever the profile.
    profile = models.CharField(
        _("policy profile"), max_length=8, choices=profiles.CHOICES, default=profiles.DEFAULT
    )
    # Staff on probation (docs/rules.md section 10): milestones in months after entry on
    # duty, each {"code", "months"} with "colleague_feedback" or "board" when true.
    probation_schedule = models.JSONField(
        _("probation schedule"),
        default=default_probation_schedule,
        blank=True,
        help_text=_(
            "Milestones in months after entry on duty: an initial discussion, mid-term reviews, "
            "appraisals and the probationary report."
        ),
    )
    tc_first_appraisal_months = models.PositiveSmallIntegerField(
        _("technical cooperation: first appraisal (months after entry on duty)"),
        null=True,
        blank=True,
        help_text=_("Empty: technical-cooperation staff follow the cycle like everyone."),
    )
    tc_appraisal_every_months = models.PositiveSmallIntegerField(
        _("technical cooperation: then an appraisal every (months)"), null=True, blank=True
    )

    class Meta:
        ordering = ["-start"]
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="cycle_end_after_start"),
            models.CheckConstraint(
                condition=Q(max_goals__gte=F("min_goals")), name="cycle_goal_bounds"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        refused = schedules.schedule_refusal(self.probation_schedule)
        if refused:
            raise ValidationError({"probation_schedule": refused})
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": gettext("The cycle must end after it starts.")})
        if self.min_goals and self.max_goals and self.max_goals < self.min_goals:
            raise ValidationError(
                {"max_goals": gettext("The maximum must not be below the minimum.")}
            )

    def workplan_due_for(self, staff: StaffMember) -> datetime.date:
        """Work plans are due on the cycle date, or N months after entry on duty if later."""
        eod = staff.entry_on_duty
        if eod <= self.start:
            return self.workplan_due
        month = eod.month - 1 + self.new_staff_workplan_months
        year, month = eod.year + month // 12, month % 12 + 1
        day = min(eod.day, 28)
        return max(self.workplan_due, datetime.date(year, month, day))


class Organisation(models.Model):
    """The organisation's own settings: one row (`org.selectors.organisation`)."""

    profile = models.CharField(
        _("policy profile"),
        max_length=8,
        choices=profiles.CHOICES,
        default=profiles.DEFAULT,
        help_text=_(
            "Sets the defaults of every new cycle: its calendar, scales, review-board routing, "
            "managerial-accountability questions and special schedules."
        ),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="organisation_one_row")]

    def __str__(self) -> str:
        return gettext("Organisation settings")


class AccountabilityQuestion(models.Model):
    """A question of a cycle's managerial-accountability section, which staff with
    supervisory responsibilities answer at the end of the cycle (seeded from the profile)."""

    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.CASCADE,
        related_name="accountability_questions",
        verbose_name=_("cycle"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.TextField(_("question"))

    class Meta:
        ordering = ["cycle", "position"]
        verbose_name = _("managerial-accountability question")
        verbose_name_plural = _("managerial-accountability questions")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "position"], name="accountabilityquestion_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.text


class RatingScale(models.Model):
    """A rating scale of a cycle: the overall scale or the values-and-competencies scale."""

    class Kind(models.TextChoices):
        OVERALL = "overall", _("Overall rating")
        COMPETENCY = "competency", _("Values and competencies")
        GOAL = "goal", _("Goals")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="scales", verbose_name=_("cycle")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta:
        verbose_name = _("rating scale")
        verbose_name_plural = _("rating scales")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "kind"], name="ratingscale_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} — {self.get_kind_display()}"


class RatingLevel(models.Model):
    """One level of a scale; rank 1 is the highest."""

    scale = models.ForeignKey(
        RatingScale, on_delete=models.CASCADE, related_name="levels", verbose_name=_("scale")
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    code = models.CharField(_("code"), max_length=16)
    label = models.CharField(_("label"), max_length=120)
    rebuttable = models.BooleanField(_("rebuttable"), default=False)
    underperformance = models.BooleanField(_("underperformance"), default=False)

    class Meta:
        ordering = ["scale", "rank"]
        verbose_name = _("rating level")
        verbose_name_plural = _("rating levels")
        constraints = [
            models.UniqueConstraint(fields=["scale", "rank"], name="ratinglevel_unique_rank"),
            models.UniqueConstraint(fields=["scale", "code"], name="ratinglevel_unique_code"),
        ]

    def __str__(self) -> str:
        return self.label


class ReportingLine(models.Model):
    """Who reports to whom in a cycle. A mid-cycle change closes this line and opens the next."""

    staff = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="lines", verbose_name=_("staff")
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="lines", verbose_name=_("cycle")
    )
    fro = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="fro_lines", verbose_name=_("FRO")
    )
    sro = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="sro_lines", verbose_name=_("SRO")
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    class Meta:
        ordering = ["cycle", "staff", "-effective_from"]
        verbose_name = _("reporting line")
        verbose_name_plural = _("reporting lines")
        constraints = [
            models.CheckConstraint(condition=~Q(fro=F("sro")), name="reportingline_fro_is_not_sro"),
            models.CheckConstraint(
                condition=~Q(fro=F("staff")), name="reportingline_fro_is_not_staff"
            ),
            models.CheckConstraint(
                condition=~Q(sro=F("staff")), name="reportingline_sro_is_not_staff"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="reportingline_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["staff", "cycle"],
                condition=Q(effective_to__isnull=True),
                name="reportingline_one_current_per_cycle",
            ),
        ]
        indexes = [
            models.Index(fields=["fro", "cycle"]),
            models.Index(fields=["sro", "cycle"]),
            # A staff member's line in effect (org.relations.line_in_effect, the access rule's
            # EXISTS): found by key, whatever the planner's statistics say.
            models.Index(fields=["staff", "cycle", "effective_from"]),
        ]

    def __str__(self) -> str:
        return interpolate(
            gettext("%(staff)s — FRO %(fro)s / SRO %(sro)s (%(cycle)s)"),
            {
                "staff": self.staff,
                "fro": self.fro.user,
                "sro": self.sro.user,
                "cycle": self.cycle,
            },
        )

    def clean(self) -> None:
        errors = {}
        if self.fro_id and self.sro_id and self.fro_id == self.sro_id:
            errors["sro"] = gettext("The SRO must be a different person from the FRO.")
        if self.fro_id and self.staff_id and self.fro_id == self.staff_id:
            errors["fro"] = gettext("A staff member cannot be their own FRO.")
        if self.sro_id and self.staff_id and self.sro_id == self.staff_id:
            errors["sro"] = gettext("A staff member cannot be their own SRO.")
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors["effective_to"] = gettext("The line cannot end before it starts.")
        if errors:
            raise ValidationError(errors)


class DepartmentRole(models.Model):
    """A department-wide role held on an entity: HOD, HR focal point, staff representative or
    review board member. A review board may also be the organisation's (the ILO's Reports
    Board): a membership without an entity covers every entity, those created later too
    (`org.permissions.entity_ids_where` is where that is read)."""

    # The roles that may be held on the whole organisation (no entity).
    ORGANISATION_WIDE = ("review_board",)

    class Role(models.TextChoices):
        HOD = "hod", _("Head of department")
        HR_FOCAL_POINT = "hr_focal_point", _("HR focal point")
        STAFF_REPRESENTATIVE = "staff_representative", _("Staff representative")
        REVIEW_BOARD = "review_board", _("Review board member")

    entity = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="department_roles",
        limit_choices_to={"kind": OrgUnit.Kind.ENTITY},
        verbose_name=_("entity"),
        help_text=_("Empty only for a review board of the whole organisation."),
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="department_roles", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    start = models.DateField(_("start"), default=timezone.localdate)
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        ordering = ["entity", "role"]
        verbose_name = _("department role")
        verbose_name_plural = _("department roles")
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "user", "role"], name="departmentrole_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(entity__isnull=True),
                name="departmentrole_unique_organisation_wide",
            ),
            models.CheckConstraint(
                condition=Q(entity__isnull=False) | Q(role__in=["review_board"]),
                name="departmentrole_entity_unless_organisation_wide",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="departmentrole_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return interpolate(
            gettext("%(role)s of %(entity)s: %(user)s"),
            {
                "role": self.get_role_display(),
                "entity": self.entity.code if self.entity_id else gettext("the organisation"),
                "user": self.user,
            },
        )

    def clean(self) -> None:
        if self.entity_id and self.entity.kind != OrgUnit.Kind.ENTITY:
            raise ValidationError(
                {"entity": gettext("Department roles are held on a department/office/mission.")}
            )
        if not self.entity_id and self.role not in self.ORGANISATION_WIDE:
            raise ValidationError(
                {
                    "entity": gettext(
                        "Choose the department/office/mission: only a review board may be "
                        "the whole organisation's."
                    )
                }
            )
        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": gettext("The role cannot end before it starts.")})

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start <= on and (self.end is None or self.end >= on)


class Delegation(models.Model):
    """An acting officer: for a date range `acting` may act in `role` for `principal`."""

    class Role(models.TextChoices):
        FRO = "fro", _("First reporting officer")
        SRO = "sro", _("Second reporting officer")
        HOD = "hod", _("Head of department")

    principal = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="delegations_given",
        verbose_name=_("principal"),
    )
    acting = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="delegations_held",
        verbose_name=_("acting officer"),
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(principal=F("acting")), name="delegation_not_to_self"
            ),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="delegation_dates"),
        ]
        indexes = [models.Index(fields=["acting", "start", "end"])]

    def __str__(self) -> str:
        return interpolate(
            gettext("%(acting)s acting %(role)s for %(principal)s"),
            {
                "acting": self.acting,
                "role": self.get_role_display(),
                "principal": self.principal,
            },
        )

    def clean(self) -> None:
        if self.principal_id and self.principal_id == self.acting_id:
            raise ValidationError({"acting": gettext("An officer cannot delegate to themselves.")})
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": gettext("The delegation cannot end before it starts.")})


class BulkChange(models.Model):
    """One HR action on many staff members at once, and its record: who did it, when, why,
    and on whom (`rows`, or `extensions` for a deadline extension). Written only by
    `org.bulk`; an undo keeps the record and says who undid it and when."""

    class Kind(models.TextChoices):
        REASSIGNMENT = "reassignment", _("Reporting lines reassigned")
        EXTENSION = "extension", _("Deadline extended")
        LAUNCH = "launch", _("Cycle launched from the previous cycle's lines")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    entity = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="bulk_changes",
        limit_choices_to={"kind": OrgUnit.Kind.ENTITY},
        verbose_name=_("entity"),
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="bulk_changes", verbose_name=_("cycle")
    )
    source_cycle = models.ForeignKey(
        Cycle,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lines copied from"),
    )
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="bulk_changes", verbose_name=_("done by")
    )
    created_at = models.DateTimeField(_("done at"), auto_now_add=True, db_index=True)
    # Whom it was applied to, as a phrase (pmsystem.i18n): read in each reader's language.
    scope = models.JSONField(_("who"), default=dict, blank=True)
    reason = models.TextField(_("reason or hand-over note"))
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    deadline = models.CharField(_("deadline"), max_length=16, blank=True)
    due = models.DateField(_("new due date"), null=True, blank=True)
    count = models.PositiveIntegerField(_("staff members"), default=0)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bulk change")
        verbose_name_plural = _("bulk changes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.entity.code}, {self.cycle})"

    @property
    def who(self) -> str:
        """Whom it was applied to, in the reader's language."""
        from pmsystem.i18n import render

        return render(self.scope) if self.scope else ""


class BulkChangeRow(models.Model):
    """One staff member's reporting line in a bulk reassignment or a cycle launch: the line
    it closed (with that line's end before) and the line it opened, with both pairs of
    officers kept by name even if a line is later removed."""

    change = models.ForeignKey(
        BulkChange, on_delete=models.CASCADE, related_name="rows", verbose_name=_("change")
    )
    staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    old_fro = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("FRO before"),
    )
    old_sro = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("SRO before"),
    )
    new_fro = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("FRO")
    )
    new_sro = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("SRO")
    )
    closed_line = models.ForeignKey(
        ReportingLine,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("line closed"),
    )
    closed_line_end = models.DateField(_("its end before"), null=True, blank=True)
    new_line = models.ForeignKey(
        ReportingLine,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("line opened"),
    )

    class Meta:
        ordering = ["change", "pk"]
        verbose_name = _("bulk change row")
        verbose_name_plural = _("bulk change rows")

    def __str__(self) -> str:
        return f"{self.change_id}: {self.staff_id}"


class DeadlineExtension(models.Model):
    """A staff member's later due date for one of the cycle's deadlines, given by HR with a
    reason (`BulkChange` of kind extension). The due date in effect is the latest of the
    cycle's (or the staff member's own) and the extensions not undone (`org.deadlines`)."""

    class Deadline(models.TextChoices):
        WORK_PLAN = "work_plan", _("Work plan")
        MIDPOINT = "midpoint", _("Mid-point review")
        END_OF_CYCLE = "end_of_cycle", _("End-of-cycle evaluation")

    change = models.ForeignKey(
        BulkChange, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("change")
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="+", verbose_name=_("cycle")
    )
    staff = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="+", verbose_name=_("staff member")
    )
    deadline = models.CharField(_("deadline"), max_length=16, choices=Deadline.choices)
    due = models.DateField(_("due"))

    class Meta:
        ordering = ["change", "pk"]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        indexes = [models.Index(fields=["cycle", "staff", "deadline"])]

    def __str__(self) -> str:
        return f"{self.staff_id}: {self.deadline} {self.due.isoformat()}"
