"""The machinery of `test_url_role_matrix.py`: a fixture world around one entity with the people
of docs/rules.md section 7, the table's row type, and a runner that requests every row as every
role and collects each answer that differs from the table.

Every request runs inside a savepoint that is rolled back afterwards, so a rightful action
(the FRO approving, HR rolling back) never changes the document the next role is tried on,
and whether a request changed anything is measured against the database as it was.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from appraisals import services as appraisal_services
from compliance import services as compliance_services
from org.models import (
    Cycle,
    Delegation,
    DepartmentRole,
    OrgUnit,
    ReportingLine,
    StaffMember,
    User,
)
from rebuttals import services as rebuttal_services
from rebuttals.models import Group, RebuttalCase
from tests.appraisals.helpers import fresh, make_document_at
from tests.factories import (
    AdditionalSupervisorFactory,
    CycleFactory,
    DelegationFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.rebuttals.helpers import full_panel, published_roster, rebuttable_document
from tests.security.helpers import enrol_totp
from tests.test_urls_require_login import STATIC_VIEWS, dotted, walk
from tests.workplans.helpers import (
    make_approved_work_plan,
    make_complete_work_plan,
    make_submitted_work_plan,
)
from workplans import services as workplan_services
from workplans.models import Competency, WorkPlan

# The columns of the table, in order.
ROLES = ("staff", "fro", "sro", "supervisor", "hod", "hr", "panel", "staff_rep", "other", "board")
PROJECT_APPS = (
    "pmsystem",
    "org",
    "workplans",
    "appraisals",
    "rebuttals",
    "feedback",
    "standards",
    "training",
    "schedules",
    "board",
    "compliance",
)
# allauth's pages and the Django admin are out of scope (tests/test_admin.py, tests/security).
OUT_OF_SCOPE_MODULES = ("allauth", "django.contrib.admin")
OUT_OF_SCOPE_NAMESPACES = ("admin",)
# "done": answered 302 (or 204, to a page's script) and changed the database (the action was
# taken). "no": refused, with
# the reason, and nothing changed: a 403 page, or (for a POST) the page or redirect that shows
# the refusal as an error message, which is how a stale button is answered. Every other answer
# must have changed nothing.
DONE = "done"
REFUSED = "no"
ANSWERS = {"200", "302", REFUSED, "404", "405", DONE}
# Models that never change through a page (catalogues, scales) are left out of the comparison.
STATIC_MODELS = {"workplans.Competency", "org.RatingScale", "org.RatingLevel"}
MISSING_ID = 10**9


# --- the table's rows -------------------------------------------------------------------------


def expect(spec: str) -> dict[str, str]:
    """'200 200 no …' in the order of ROLES -> {role: answer}."""
    answers = spec.split()
    if len(answers) == len(ROLES) - 1:
        # A review board member (of another entity, on this one's board) is anyone else
        # except on the documents routed to the board: a row says so with a tenth answer.
        answers.append(answers[ROLES.index("other")])
    if len(answers) != len(ROLES) or not set(answers) <= ANSWERS:
        raise ValueError(f"{spec!r}: one of {sorted(ANSWERS)} for each of {', '.join(ROLES)}")
    return dict(zip(ROLES, answers, strict=True))


@dataclass(frozen=True)
class Call:
    """One request of a row, tried as every role.

    doc: the world's document the URL is built on; its staff member is the "staff" column
        (without one, the staff member of the draft document, or `owner`).
    kwargs: the URL's kwargs from the world; default {"pk": the document's id}.
    data: what a POST sends (default nothing).
    owner: a staff member of the world (`World.owners`) to play the "staff" column instead.
    note: the state detail or reading of docs/rules.md the row relies on.
    """

    method: str
    answers: str
    doc: str | None = None
    kwargs: Callable[[World], dict] | None = None
    data: Callable[[World], dict] | None = None
    owner: str | None = None
    label: str = ""
    note: str = ""
    expected: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self):
        if self.method not in ("GET", "POST"):
            raise ValueError(f"{self.method}: GET or POST")
        object.__setattr__(self, "expected", expect(self.answers))

    def url_kwargs(self, world: World) -> dict:
        if self.kwargs is not None:
            return self.kwargs(world)
        if self.doc is None:
            return {}
        return {"pk": world.docs[self.doc].pk}

    def title(self, name: str) -> str:
        return f"{name} {self.method}" + (f" [{self.label}]" if self.label else "")


def GET(answers: str, **kwargs) -> Call:  # named as the method it makes, to read as the table
    return Call("GET", answers, **kwargs)


def POST(answers: str, **kwargs) -> Call:
    return Call("POST", answers, **kwargs)


def rows_of(table: dict[str, Call | Iterable[Call]]) -> dict[str, list[Call]]:
    return {
        name: [calls] if isinstance(calls, Call) else list(calls) for name, calls in table.items()
    }


# --- the URLs the table must cover ------------------------------------------------------------


def _out_of_scope(entry) -> bool:
    """A top-level include of allauth or the admin (allauth's own URLconf also routes a few
    generic RedirectViews, so its include is recognised by its module, not by each view)."""
    if not isinstance(entry, URLResolver):
        return False
    module = getattr(entry.urlconf_name, "__name__", "")
    return module.startswith(OUT_OF_SCOPE_MODULES) or (entry.namespace or "").startswith(
        OUT_OF_SCOPE_NAMESPACES
    )


def project_url_names() -> tuple[set[str], list[str]]:
    """The namespaced names of the project's own URL patterns (through the walk of
    tests/test_urls_require_login.py), and the patterns that are neither the project's nor
    recognisably out of scope."""
    names, unrecognised = set(), []
    for entry in get_resolver().url_patterns:
        if _out_of_scope(entry):
            continue
        for url, name, callback in walk([entry]):
            module = dotted(callback)
            if module in STATIC_VIEWS or module.startswith(OUT_OF_SCOPE_MODULES):
                continue
            try:
                match = resolve(url)
            except Resolver404:
                unrecognised.append(f"{url} ({name or module}): the sample URL does not resolve")
                continue
            if module.split(".", 1)[0] not in PROJECT_APPS or dotted(match.func) != module:
                unrecognised.append(f"{url} ({match.view_name}, {module}): not a project view")
                continue
            names.add(match.view_name)
    return names, unrecognised


def table_problems(table: dict, names: set[str]) -> list[str]:
    """A project URL without a row, or a row without a URL."""
    return [f"URL {name} has no row in the role table" for name in sorted(names - set(table))] + [
        f"Row {name} names no URL of the project (stale row)" for name in sorted(set(table) - names)
    ]


# --- the world --------------------------------------------------------------------------------


@dataclass
class World:
    """One entity, one open cycle, a document at every stage (each its own staff member, all
    with the same FRO, SRO and accepted additional supervisor), rebuttal cases at every step,
    and the entity's HOD, HR focal point and staff representative."""

    cycle: Cycle
    entity: OrgUnit
    unit: OrgUnit
    people: dict[str, User]
    docs: dict[str, WorkPlan] = field(default_factory=dict)
    cases: dict[str, RebuttalCase] = field(default_factory=dict)
    owners: dict[str, StaffMember] = field(default_factory=dict)
    things: dict[str, Any] = field(default_factory=dict)

    def user(self, role: str, call: Call) -> User:
        if role != "staff":
            return self.people[role]
        if call.owner is not None:
            return self.owners[call.owner].user
        return self.docs[call.doc or "draft"].staff.user


def _entity_person(entity: OrgUnit, office: OrgUnit, role: str, grade: str = "P-4") -> User:
    """A staff member of the entity holding a department role on it."""
    staff = StaffMemberFactory(unit=office, grade=grade)
    DepartmentRoleFactory(entity=entity, role=role, user=staff.user)
    return staff.user


ALL_PARTS = frozenset(
    {
        "work_plan",
        "evaluation",
        "rebuttal",
        "other",
        "feedback",
        "standards",
        "training",
        "schedules",
    }
)


def build_world(parts: Iterable[str] = ALL_PARTS) -> World:
    """The world; `parts` builds a subset (the people and the draft document always)."""
    parts = set(parts)
    today = datetime.date.today()
    cycle = CycleFactory()
    entity = EntityFactory()
    unit = OrgUnitFactory(parent=entity)
    office = OrgUnitFactory(parent=entity)
    fro = StaffMemberFactory(unit=unit, grade="P-4")
    sro = StaffMemberFactory(unit=unit, grade="P-5")
    Role = DepartmentRole.Role
    people = {
        "fro": fro.user,
        "sro": sro.user,
        # An additional supervisor from another entity (they need not share the department).
        "supervisor": StaffMemberFactory(grade="P-4").user,
        "hod": _entity_person(entity, office, Role.HOD, grade="D-2"),
        "hr": _entity_person(entity, office, Role.HR_FOCAL_POINT),
        "staff_rep": _entity_person(entity, office, Role.STAFF_REPRESENTATIVE),
        # Any other user: a staff member of another entity.
        "other": StaffMemberFactory().user,
        # A member of the entity's review board (a staff member of another entity).
        "board": StaffMemberFactory(grade="D-1").user,
    }
    DepartmentRoleFactory(entity=entity, role=Role.REVIEW_BOARD, user=people["board"])
    # tests/security enforce two-factor enrolment as in production.
    enrol_totp(people["hod"])
    enrol_totp(people["hr"])
    world = World(cycle=cycle, entity=entity, unit=unit, people=people)
    line = {"cycle": cycle, "fro": fro, "sro": sro}

    def member() -> StaffMember:
        return StaffMemberFactory(unit=unit)

    def add(key: str, document: WorkPlan) -> WorkPlan:
        """The document, with the cast's additional supervisor accepted on it (named while
        the work plan was open to it: `with_supervisor` for the evaluation stages)."""
        if not document.additional_supervisors.filter(supervisor=people["supervisor"]).exists():
            AdditionalSupervisorFactory(
                work_plan=document, supervisor=people["supervisor"], state="accepted"
            )
        world.docs[key] = fresh(document)
        return world.docs[key]

    with_supervisor = {**line, "supervisors": [people["supervisor"]]}

    add("draft", make_complete_work_plan(staff=member(), **line))
    if "work_plan" in parts:
        add("submitted", make_submitted_work_plan(staff=member(), **line))
        opened = make_approved_work_plan(staff=member(), **line)
        workplan_services.start_midpoint(work_plan=opened, actor=opened.staff.user)
        add("midpoint_open", opened)
        submitted = make_approved_work_plan(staff=member(), **line)
        workplan_services.start_midpoint(work_plan=submitted, actor=submitted.staff.user)
        workplan_services.submit_midpoint(
            work_plan=submitted, actor=submitted.staff.user, comments="Half of it is done."
        )
        add("midpoint_submitted", submitted)
        # A request to be additional supervisor, waiting for the HOD's answer.
        world.things["pending_request"] = workplan_services.propose_additional_supervisor(
            work_plan=world.docs["submitted"],
            actor=world.docs["submitted"].staff.user,
            supervisor=people["hod"],
        )
    if "evaluation" in parts:
        for stage in ("not_started", "self_assessment", "fro_evaluation", "sro_review"):
            add(stage, make_document_at(stage, staff=member(), **with_supervisor))
        add(
            "acknowledgement",
            make_document_at("acknowledgement", staff=member(), **with_supervisor),
        )
        add("completed", rebuttable_document(staff=member(), **with_supervisor))
        world.things["pip"] = appraisal_services.open_improvement_plan(
            document=world.docs["sro_review"],
            actor=fro.user,
            objectives="Deliver the quarterly report on time.",
            support="Weekly coaching.",
            start=today,
            end=today + datetime.timedelta(days=90),
        )
    if "rebuttal" in parts:
        _build_cases(world, line, member, add)
    else:
        people["panel"] = StaffMemberFactory().user
    if "other" in parts:
        newcomer = member()
        ReportingLineFactory(staff=newcomer, **line)
        world.owners["newcomer"] = newcomer
        world.things["delegation"] = DelegationFactory(
            principal=fro.user, acting=UserFactory(), role=Delegation.Role.FRO
        )
        world.things["broadcast"] = compliance_services.send_broadcast(
            actor=people["hr"],
            entity=entity,
            stage="work_plan",
            on_behalf_of=people["hod"],
            subject="Work plans are due",
            message="Please submit your work plan this week.",
            token=uuid.uuid4(),
        )
        world.things["bulk_change"] = _bulk_extension(world, newcomer)
    if "feedback" in parts:
        _build_feedback(world, fro, sro, office)
    if "standards" in parts:
        _build_standards(world)
    if "training" in parts:
        _build_training(world)
    if "schedules" in parts:
        _build_schedules(world, fro, sro)
    world.things["spare"] = UserFactory()
    return world


def _bulk_extension(world: World, staff: StaffMember):
    """HR's bulk work (org.bulk): the HR focal point extended the newcomer's work plan
    deadline a moment ago (they may still undo it)."""
    from org import bulk

    selection = bulk.Selection(kind="people", people=(staff.index_number,))
    due = world.cycle.workplan_due + datetime.timedelta(days=30)
    preview = bulk.extension_preview(
        entity=world.entity, cycle=world.cycle, deadline="work_plan", due=due, selection=selection
    )
    return bulk.extend_deadline(
        actor=world.people["hr"],
        entity=world.entity,
        cycle=world.cycle,
        deadline="work_plan",
        due=due,
        selection=selection,
        reason="Joined during the office move.",
        previewed=preview.digest,
    )


def _build_feedback(world: World, fro: StaffMember, sro: StaffMember, office: OrgUnit) -> None:
    """Upward feedback launched in the entity, its window open: the FRO is a rated manager
    (FRO of at least five staff, the "staff" column one of them), whose own FRO is the
    world's SRO; a manager of the office became a responsible chief after the launch (HR's
    "Add new managers" rates them); colleague feedback confirmed on the draft; recognition
    notes to and from the draft's staff member."""
    from feedback import services as feedback_services
    from feedback.models import Campaign, ColleagueRequest, RatedManager, UpwardQuestion

    cycle, today = world.cycle, datetime.date.today()
    team = ReportingLine.objects.filter(cycle=cycle, fro=fro, effective_to__isnull=True).count()
    for _ in range(max(0, 5 - team)):
        ReportingLineFactory(
            staff=StaffMemberFactory(unit=world.unit), cycle=cycle, fro=fro, sro=sro
        )
    ReportingLineFactory(
        staff=fro, cycle=cycle, fro=sro, sro=StaffMemberFactory(unit=office, grade="D-1")
    )
    settings = feedback_services.feedback_settings(cycle)
    settings.upward_opens_on = today - datetime.timedelta(days=7)
    settings.upward_closes_on = today + datetime.timedelta(days=21)
    settings.save()
    feedback_services.launch_campaign(entity=world.entity, cycle=cycle, actor=world.people["hr"])
    chief, chief_sro = (StaffMemberFactory(unit=office, grade=g) for g in ("P-5", "D-1"))
    for _ in range(5):
        ReportingLineFactory(
            staff=StaffMemberFactory(unit=office), cycle=cycle, fro=chief, sro=chief_sro
        )
    world.things["campaign"] = Campaign.objects.get(cycle=cycle, entity=world.entity)
    world.things["rated"] = RatedManager.objects.get(campaign__cycle=cycle, manager=fro)
    world.things["questions"] = list(
        UpwardQuestion.objects.filter(cycle=cycle).values_list("pk", flat=True)
    )
    # Colleague feedback on the draft, confirmed: "any other user" is one of the colleagues
    # asked (from another entity, as a colleague may be).
    draft = world.docs["draft"]
    for colleague in (world.people["other"], UserFactory(), UserFactory()):
        feedback_services.add_colleague(document=draft, actor=draft.staff.user, colleague=colleague)
    feedback_services.submit_colleagues(document=draft, actor=draft.staff.user)
    feedback_services.confirm_colleagues(document=draft, actor=fro.user)
    world.things["colleague_request"] = ColleagueRequest.objects.get(
        round__document=draft, colleague=world.people["other"]
    )
    world.things["new_colleague"] = UserFactory()
    # Recognition: the staff member thanked someone (to withdraw), "any other user" thanked
    # the staff member (to attach to the draft).
    world.things["recognised"] = StaffMemberFactory(unit=world.unit)
    competency = Competency.objects.filter(framework=cycle.competency_framework).first()
    world.things["competency"] = competency
    world.things["note_sent"] = feedback_services.send_recognition(
        cycle=cycle,
        actor=draft.staff.user,
        recipient=world.things["recognised"],
        competency_id=competency.pk,
        text="Helped me close the accounts.",
    )
    world.things["note_received"] = feedback_services.send_recognition(
        cycle=cycle,
        actor=world.people["other"],
        recipient=draft.staff,
        competency_id=competency.pk,
        text="Shared the template that saved us a week.",
    )


def _build_training(world: World) -> None:
    """A course of the entity for all its staff, which HR keeps; one completion recorded."""
    from training import services as training_services

    course = training_services.save_course(
        actor=world.people["hr"],
        data={
            "code": "PMD-ENT",
            "name": "Performance management in the department",
            "entity": world.entity,
            "audience": "staff",
            "deadline_months": 6,
            "starts_on": datetime.date(2020, 1, 1),
        },
    )
    world.things["course"] = course
    world.things["completion"] = training_services.record_completion(
        actor=world.people["hr"],
        user=world.docs["draft"].staff.user,
        course=course,
        completed_on=datetime.date.today(),
    )


def _build_schedules(world: World, fro: StaffMember, sro: StaffMember) -> None:
    """A probationer of the unit (the "probationer" owner) reporting to the world's FRO and
    SRO, 660 days after entry on duty: the initial discussion and the probationary report
    recorded by the FRO (the report routed to the board), the 6-month mid-term overdue."""
    from schedules import services as schedule_services

    today = datetime.date.today()
    probationer = StaffMemberFactory(
        unit=world.unit, on_probation=True, entry_on_duty=today - datetime.timedelta(days=660)
    )
    ReportingLineFactory(staff=probationer, cycle=world.cycle, fro=fro, sro=sro)
    world.owners["probationer"] = probationer
    for code in ("discussion", "report_21"):
        world.things[f"schedule_{code}"] = schedule_services.record_milestone(
            actor=fro.user, staff=probationer, code=code, held_on=today, summary="Held."
        )


def _build_standards(world: World) -> None:
    """The entity's ratings standards: version 1 superseded, version 2 in force (with an
    attachment; nobody acknowledged it), version 3 drafted with every overall level written.
    The cycle does not ask FROs to acknowledge before signing, so the rows that sign a
    rating keep their answers (tests/standards test that rule)."""
    from org.models import RatingLevel, RatingScale
    from standards import services as standards_services

    hod, cycle, entity = world.people["hod"], world.cycle, world.entity
    texts = {
        level.pk: f"In {entity.code}, {level.label.lower()}."
        for level in RatingLevel.objects.filter(
            scale__cycle=cycle, scale__kind=RatingScale.Kind.OVERALL
        )
    }
    settings = standards_services.standards_settings(cycle)
    settings.acknowledgement_required = False
    settings.save()
    versions = []
    for number in (1, 2, 3):
        draft = standards_services.start_new_version(entity=entity, cycle=cycle, actor=hod)
        standards_services.save_draft(
            standard=draft,
            actor=hod,
            introduction=f"Version {number}.",
            texts=texts,
            attachment=SimpleUploadedFile("guide.pdf", b"%PDF-1.4 guide", "application/pdf")
            if number == 2
            else None,
        )
        if number < 3:
            standards_services.publish_standard(standard=draft, actor=hod)
        versions.append(draft)
    world.things["standard_old"], world.things["standard"], world.things["standard_draft"] = (
        versions
    )


def _build_cases(world: World, line: dict, member, add) -> None:
    """Cases filed (the chair appointed), replied (full panel), reported and forwarded."""
    people = world.people
    members = published_roster(world.entity)
    chair = members[Group.CHAIR][0]
    people["panel"] = chair.user
    world.things["hod_designated"] = members[Group.HOD_DESIGNATED][0]
    world.things["roster_member"] = chair

    def case(key: str, attachments=()) -> RebuttalCase:
        document = add(
            key, rebuttable_document(staff=member(), supervisors=[people["supervisor"]], **line)
        )
        world.cases[key] = rebuttal_services.file_rebuttal(
            document=document,
            actor=document.staff.user,
            statement="The rating ignores my reassignment in October.",
            attachments=list(attachments),
        )
        return world.cases[key]

    filed = case(
        "case_filed", [SimpleUploadedFile("memo.pdf", b"%PDF-1.4 memo", "application/pdf")]
    )
    rebuttal_services.appoint_panel_member(case=filed, actor=people["hr"], roster_member=chair)
    world.things["attachment"] = filed.attachments.get()
    later = [case(key) for key in ("case_replied", "case_reported", "case_forwarded")]
    for each in later:
        rebuttal_services.reply_to_rebuttal(
            case=each, actor=people["hod"], reply="The rating stands."
        )
        full_panel(each, members)
    for each in later[1:]:
        rebuttal_services.record_report(
            case=each, actor=chair.user, rating=each.original_rating, report="Maintained."
        )
    rebuttal_services.forward_to_status_file(case=later[2], actor=people["hr"])
    for key in world.cases:
        world.cases[key] = RebuttalCase.objects.get(pk=world.cases[key].pk)


def relations_in(world: World) -> dict[str, Any]:
    """Who the world's people are to its draft document and its filed case, as the
    application sees them."""
    from rebuttals.permissions import case_relations
    from workplans.permissions import roles_for

    draft = world.docs["draft"]
    people = {"staff": draft.staff.user, **world.people}
    answers: dict[str, Any] = {role: set(roles_for(user, draft)) for role, user in people.items()}
    if world.cases:
        filed = world.cases["case_filed"]
        answers["panel on the filed case"] = set(case_relations(world.people["panel"], filed))
    return answers


# --- running the table ------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    call: str
    role: str
    expected: str
    got: str
    url: str


def _project_models() -> dict[str, type]:
    """The project's models that a page may change, by table name."""
    return {
        model._meta.db_table: model
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label not in STATIC_MODELS
    }


def _fingerprint(models: list[type]) -> list:
    return [list(model.objects.order_by("pk").values_list()) for model in models]


def _written(statements: list[str], models: dict[str, type]) -> list[type]:
    """The project models an INSERT, UPDATE or DELETE among `statements` touched."""
    written = set()
    for sql in statements:
        if sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            written.update(table for table in models if f'"{table}"' in sql)
    return [models[table] for table in sorted(written)]


def answer(
    client, method: str, url: str, data: dict, models: dict[str, type], pages: dict | None = None
) -> str:
    """The answer to one request, with the database left as it was: "done" (302, something
    changed), "no" (refused with the reason, nothing changed), or the status code, with
    " (changed)" when a non-redirect changed something. With `pages`, the text of a page
    answered 200 is kept there under its URL (what the reader saw).

    What the request wrote is compared, inside the savepoint, with the same tables once the
    savepoint is rolled back (the database as it was before the request)."""
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    after = None
    try:
        # Messages an earlier request left for its (unfollowed) redirect are not this one's.
        client.cookies.pop(CookieStorage.cookie_name, None)
        with connection.execute_wrapper(record), transaction.atomic():
            response = client.get(url) if method == "GET" else client.post(url, data)
            status = response.status_code
            if response.streaming:
                # Read to the end: the client's wrapper then closes the file and sends
                # request_finished without closing the test's database connection.
                body = b"".join(response.streaming_content)
            else:
                body = response.content
            html = response.get("Content-Type", "").startswith("text/html")
            if pages is not None and status == 200 and html:  # pages, not files (a PDF)
                pages[url] = body.decode(errors="replace")
            written = _written(statements, models)
            if written:
                after = _fingerprint(written)
            transaction.set_rollback(True)
    except Exception as error:  # a crash is an answer too; report them all at once
        return f"raised {type(error).__name__}: {error}"[:80]
    changed = after is not None and after != _fingerprint(written)
    if changed:
        return DONE if status in (302, 204) else f"{status} (changed)"
    if status == 403 or (method == "POST" and status in (200, 302) and _refusal_shown(response)):
        return REFUSED
    return str(status)


def _refusal_shown(response) -> bool:
    """The request queued an error (or warning) message: the page it answers, or the one it
    redirects to, says why the action was refused."""
    storage = getattr(response.wsgi_request, "_messages", None)
    # A page that shows its messages has moved them from the queue to the loaded ones; the
    # loaded ones hold nothing older, since `answer` drops what earlier requests left behind.
    shown = [*getattr(storage, "_loaded_messages", []), *getattr(storage, "_queued_messages", [])]
    return any(message.level >= messages.WARNING for message in shown)


@dataclass(frozen=True)
class Request:
    title: str
    role: str
    user: User
    method: str
    url: str
    data: dict
    expected: str


def requests_of(table: dict, world: World, *, missing_ids: bool = False) -> list[Request]:
    """Every call of `table` as every role; with `missing_ids`, each URL's leading id
    replaced by one that does not exist, and 404 expected from everyone."""
    requests = []
    for name, calls in rows_of(table).items():
        tried = False
        for call in calls:
            kwargs = call.url_kwargs(world)
            data = call.data(world) if call.data else {}
            if not missing_ids:
                targets = [(call.title(name), reverse(name, kwargs=kwargs), call.expected)]
            else:
                # The URL's leading id (document, case, entity, ...), on its first call.
                key = next((k for k, v in kwargs.items() if isinstance(v, int)), None)
                if tried or key is None:
                    continue
                tried = True
                url = reverse(name, kwargs={**kwargs, key: MISSING_ID})
                title = f"{call.title(name)} {key}={MISSING_ID}"
                targets = [(title, url, dict.fromkeys(ROLES, "404"))]
            requests += [
                Request(title, role, world.user(role, call), call.method, url, data, wanted[role])
                for title, url, wanted in targets
                for role in ROLES
            ]
    return requests


def requests_as(
    table: dict,
    world: World,
    user: User,
    column: str,
    *,
    label: str,
    overrides: dict[str, str] | None = None,
) -> list[Request]:
    """Every call of `table` made by one person, who must answer as the table's `column`
    does (as its "staff" column on the rows whose staff member they are), except on the calls
    `overrides` names ({call title: answer}); `label` names them in the report."""
    overrides = dict(overrides or {})
    requests = []
    for name, calls in rows_of(table).items():
        for call in calls:
            title = call.title(name)
            own = world.user("staff", call).pk == user.pk
            expected = overrides.pop(title, call.expected["staff" if own else column])
            if expected not in ANSWERS:
                raise ValueError(f"{title}: {expected!r} is not one of {sorted(ANSWERS)}")
            url = reverse(name, kwargs=call.url_kwargs(world))
            data = call.data(world) if call.data else {}
            requests.append(Request(title, label, user, call.method, url, data, expected))
    if overrides:
        raise ValueError(f"overrides name no call of the table: {', '.join(sorted(overrides))}")
    return requests


def run(client, requests: list[Request], pages: dict | None = None) -> list[Mismatch]:
    """Make every request (signed in as its user) and return each answer that differs from
    the expected one, in table order; `pages` collects the pages answered 200 (`answer`)."""
    models = _project_models()
    by_user = defaultdict(list)
    for request in requests:
        by_user[request.user.pk].append(request)
    mismatches = []
    for batch in by_user.values():
        client.force_login(batch[0].user)
        for request in batch:
            got = answer(client, request.method, request.url, request.data, models, pages)
            if got != request.expected:
                mismatches.append(
                    Mismatch(request.title, request.role, request.expected, got, request.url)
                )
    order = {(r.title, r.role): i for i, r in enumerate(requests)}
    return sorted(mismatches, key=lambda m: order[m.call, m.role])


def report(mismatches: list[Mismatch]) -> str:
    """The mismatches as one table: url name / role / expected / got."""
    header = Mismatch("url name", "role", "expected", "got", "url")
    rows = [header, *mismatches]
    widths = [max(len(getattr(r, f)) for r in rows) for f in ("call", "role", "expected", "got")]
    lines = [
        "  ".join(
            value.ljust(width)
            for value, width in zip((r.call, r.role, r.expected, r.got), widths, strict=True)
        )
        + f"  {r.url}"
        for r in rows
    ]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])
