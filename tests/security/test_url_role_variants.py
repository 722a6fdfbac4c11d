"""The URL × role matrix (test_url_role_matrix.py) for people whose relation to the documents
changed by a route other than a page, or by the date alone (docs/rules.md §7 and §8, README
"Security": access equals today's dated relations, one person one role, each reader their part).

Each variant walks every call of the matrix's TABLE as one person and compares each answer with
the table's column of the role that person must now behave as (`url_matrix.requests_as`): a
replaced FRO and a role holder whose role ended or has not started are "any other user"; an
acting FRO is the FRO; the SRO named acting FRO behind the services' back is still only the SRO;
an HR focal point or HOD who is the staff member of a document answers there as its staff
member (never as HR or HOD on it) and elsewhere as HR or HOD. Where a person's answer differs
from the column for a reason other than the relation under test (they align to their own
entity's plan, they gave the delegation, a request asks them by name), `overrides` says so.

The world (the matrix's, with every document stage and rebuttal step) is built once for the
module; each test changes it inside its own transaction, rolled back afterwards, and moves the
clock only with time_machine. The additional supervisor's pages are read too: no rating label,
improvement plan, roll-back or rebuttal on any page they can open.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import sys

import pytest
import time_machine
from django.conf import settings
from django.db.models import Q
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

import appraisals.views
import org.relations
import workplans.conflicts
import workplans.selectors
from appraisals import services as appraisal_services
from org.importer import import_org
from org.models import Delegation, DepartmentRole, RatingLevel, ReportingLine
from org.services import (
    assign_department_role,
    create_delegation,
    save_department_role,
    save_reporting_line,
)
from pmsystem.db import PreparedQuery
from pmsystem.errors import ApplicationError
from tests.factories import StaffMemberFactory, UserFactory
from tests.security.helpers import enrol_totp
from tests.security.test_url_role_matrix import TABLE
from tests.security.url_matrix import (
    ALL_PARTS,
    Mismatch,
    World,
    build_world,
    report,
    requests_as,
    rows_of,
    run,
)
from tests.worlds import built_once
from workplans.models import WorkPlan

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Role = DepartmentRole.Role
ROLES = {"hr": Role.HR_FOCAL_POINT, "hod": Role.HOD}


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _isolate_media(settings, media):
    """The module's world keeps its rebuttal attachment in one folder for every test."""
    settings.MEDIA_ROOT = media


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    """As in test_url_role_matrix.py: fast password hashes, sessions in the cache (each
    request runs in a savepoint that is rolled back)."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"


@pytest.fixture(autouse=True)
def _english():
    """Every test starts in English: a walk's language switch (org:language) leaves its
    language active on the thread and in the client's cookie."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, media):
    """The matrix's world, built once in a transaction that the module's end rolls back; each
    test runs in a savepoint inside it, so what a test changes is gone for the next."""
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS), built_once(django_db_blocker, media):
        yield build_world(ALL_PARTS)


def today() -> datetime.date:
    return timezone.localdate()


def next_day():
    """The clock moved to tomorrow, and nothing else."""
    return time_machine.travel(datetime.timedelta(days=1))


def walk(
    client,
    world: World,
    user,
    column: str,
    *,
    label: str,
    overrides=None,
    table=TABLE,
    pages: dict | None = None,
):
    """Every call of `table` as `user`, compared with `column` (see `requests_as`); `pages`
    collects the pages answered 200. A fresh session each time (one signed in before the
    clock moved would have run out), in the default language."""
    client.logout()
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    requests = requests_as(table, world, user, column, label=label, overrides=overrides)
    return run(client, requests, pages)


def assert_walked(*walks: list[Mismatch]) -> None:
    mismatches = [mismatch for each in walks for mismatch in each]
    assert not mismatches, f"{len(mismatches)} answers differ:\n" + report(mismatches)


# Someone of the world's entity who holds no relation on its documents answers as "any other
# user" (a staff member of another entity), except that, like the entity's staff, they read
# its plan and are refused (not 404) on its unit goals.
ENTITY_STAFF = {
    "workplans:goal-tree GET": "200",
    "workplans:unit-goals GET": "200",
    "workplans:unit-goals POST": "no",
}
# The world's delegation is the FRO's: its principal ends it, whatever their lines now say;
# anyone else (a successor, the acting officer) is answered 404.
PRINCIPAL = {"org:delegation-end POST": "done"}
NOT_PRINCIPAL = {"org:delegation-end POST": "404"}
# The pending request to be additional supervisor asks the world's HOD by name, and the
# world's broadcast was sent on their behalf (compliance.permissions.visible_broadcasts: its
# subject, message and delivery counts, no names): they answer the one and read the other
# whatever their department role; another HOD of the entity does neither.
NAMED_HOD = {
    "workplans:supervision-requests POST": "done",
    "compliance:broadcast-detail GET": "200",
}
OTHER_HOD = {
    "workplans:supervision-requests POST": "404",
    "compliance:broadcast-detail GET": "404",
}
# Creating a document on a supervisee's behalf belongs to the FRO of the line in effect, not
# to an acting FRO (`workplans.permissions.is_fro_of`; the team page that offers it lists
# one's own lines only): refused with the reason.
CREATES_NOT = {"workplans:create POST": "no"}
# "Any other user" of the feedback part is a particular person: a colleague asked for
# feedback on the draft and the author of the note its staff member received. Someone else
# walked as "other" is neither: the request and the note answer 404.
NOT_THE_COLLEAGUE = {
    "feedback:colleague-request GET": "404",
    "feedback:colleague-request POST": "404",
    "feedback:recognition-attach POST": "404",
}
# Upward-feedback results are the rated manager's own: the world's FRO keeps reading theirs
# when their lines move to a successor (the campaign rated them), and neither a successor
# nor an acting FRO reads them (a delegation acts on documents, not on a person's feedback).
RATED_MANAGER = {"feedback:upward-results GET": "200"}
NOT_RATED = {"feedback:upward-results GET": "404"}
# A bulk change is undone by the HR focal point who made it only (org.bulk.undo_refusal).
NOT_ITS_AUTHOR = {"org:bulk-undo POST": "no"}


def current_lines(world: World):
    """The open lines of the world's cycle on which its FRO is FRO: one per document, and the
    newcomer's."""
    return ReportingLine.objects.filter(
        cycle=world.cycle, fro_id=world.people["fro"].pk, effective_to__isnull=True
    ).order_by("pk")


def successor(world: World):
    """Who takes the FRO's place: a staff member of the same unit."""
    return StaffMemberFactory(unit=world.unit, grade="P-4")


# --- a former FRO: the line changed in the admin, in an import, by a date ----------------------


def test_an_fro_replaced_in_the_django_admin_is_any_other_user(client, world):
    lines = list(current_lines(world))
    new = successor(world)
    admin = UserFactory(is_staff=True, is_superuser=True)
    enrol_totp(admin)
    client.force_login(admin)
    for line in lines:
        response = client.post(
            reverse("admin:org_reportingline_change", args=[line.pk]),
            {
                "staff": line.staff_id,
                "cycle": line.cycle_id,
                "fro": new.pk,
                "sro": line.sro_id,
                "effective_from": line.effective_from.isoformat(),
                "effective_to": "",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    assert not current_lines(world).exists()
    # One line per document, the rated manager's and the probationer's (no document).
    assert len(lines) == len(world.docs) + 2
    assert_walked(
        walk(
            client,
            world,
            world.people["fro"],
            "other",
            label="former_fro_admin",
            overrides=ENTITY_STAFF | PRINCIPAL | NOT_THE_COLLEAGUE | RATED_MANAGER,
        )
    )


def test_an_fro_replaced_by_an_import_is_any_other_user(client, world):
    lines = list(current_lines(world).select_related("staff", "sro"))
    new = successor(world)
    rows = "".join(
        f"{line.staff.index_number},{world.cycle.name},{new.index_number},"
        f"{line.sro.index_number},\n"
        for line in lines
    )
    result = import_org(
        files=[
            (
                "lines.csv",
                (
                    "index_number,cycle,fro_index_number,sro_index_number,effective_from\n" + rows
                ).encode(),
            )
        ]
    )
    assert result.ok, result.errors
    assert result.counts["lines"].updated == len(lines)
    # The import closed each line yesterday and opened the next today.
    assert not current_lines(world).exists()
    assert ReportingLine.objects.filter(
        fro_id=new.pk, effective_from=today(), effective_to__isnull=True
    ).count() == len(lines)
    assert_walked(
        walk(
            client,
            world,
            world.people["fro"],
            "other",
            label="former_fro_import",
            overrides=ENTITY_STAFF | PRINCIPAL | NOT_THE_COLLEAGUE | RATED_MANAGER,
        )
    )


def test_a_future_dated_line_changes_the_fro_on_its_first_day_and_not_before(client, world):
    """The line is closed today and the next opens tomorrow (through the service the admin
    writes with); then only the clock moves."""
    new = successor(world)
    tomorrow = today() + datetime.timedelta(days=1)
    for line in list(current_lines(world)):
        line.effective_to = today()
        save_reporting_line(line=line)
        save_reporting_line(
            line=ReportingLine(
                staff_id=line.staff_id,
                cycle_id=line.cycle_id,
                fro=new,
                sro_id=line.sro_id,
                effective_from=tomorrow,
            )
        )
    fro, new_fro = world.people["fro"], new.user
    before = walk(
        client,
        world,
        new_fro,
        "other",
        label="successor_before",
        overrides=ENTITY_STAFF | NOT_THE_COLLEAGUE,
    )
    with next_day():
        assert today() == tomorrow
        former = walk(
            client,
            world,
            fro,
            "other",
            label="former_fro_dated",
            overrides=ENTITY_STAFF | PRINCIPAL | NOT_THE_COLLEAGUE | RATED_MANAGER,
        )
        after = walk(
            client,
            world,
            new_fro,
            "fro",
            label="successor",
            overrides=NOT_PRINCIPAL | NOT_RATED,
        )
    assert_walked(before, former, after)


# --- HR focal points and HODs: the day after their role ended, the day a future one starts ----


def department_role(world: World, role: str) -> DepartmentRole:
    return DepartmentRole.objects.get(
        entity=world.entity, user=world.people[role], role=ROLES[role]
    )


def former(role: str) -> dict[str, str]:
    """What a holder of `role` who holds it no more answers besides "other"."""
    return ENTITY_STAFF | NOT_THE_COLLEAGUE | (NAMED_HOD if role == "hod" else {})


@pytest.mark.parametrize("role", ["hr", "hod"])
def test_a_role_that_ended_yesterday_gives_nothing_today(client, world, role):
    held = department_role(world, role)
    held.end = today()
    save_department_role(department_role=held)
    with next_day():
        assert_walked(
            walk(
                client,
                world,
                world.people[role],
                "other",
                label=f"{role}_ended",
                overrides=former(role),
            )
        )


@pytest.mark.parametrize("role", ["hr", "hod"])
def test_a_role_starting_tomorrow_gives_nothing_today_and_everything_tomorrow(client, world, role):
    held = department_role(world, role)
    held.start = today() + datetime.timedelta(days=1)
    save_department_role(department_role=held)
    person = world.people[role]
    before = walk(client, world, person, "other", label=f"{role}_future", overrides=former(role))
    with next_day():
        after = walk(
            client,
            world,
            person,
            role,
            label=f"{role}_from_today",
            overrides=NOT_ITS_AUTHOR if role == "hr" else None,
        )
    assert_walked(before, after)


def test_a_board_member_of_the_whole_organisation_is_the_entitys_board_member(client, world):
    """The entity's review board member made a member of the organisation's board (no entity,
    the ILO's Reports Board) answers every call as the entity's board member; their role
    ending ends it as for the entity's."""
    held = DepartmentRole.objects.get(
        entity=world.entity, user=world.people["board"], role=DepartmentRole.Role.REVIEW_BOARD
    )
    held.entity = None
    save_department_role(department_role=held)
    person = world.people["board"]
    assert_walked(walk(client, world, person, "board", label="board_organisation"))
    held.end = today()
    save_department_role(department_role=held)
    with next_day():
        assert_walked(
            walk(
                client,
                world,
                person,
                "other",
                label="board_organisation_ended",
                overrides=NOT_THE_COLLEAGUE,  # the world's "other" is a named colleague
            )
        )


# --- acting officers ------------------------------------------------------------------------


def with_delegation(world: World, delegation: Delegation) -> World:
    """The world whose delegation (the org:delegation-end row) is `delegation`."""
    return dataclasses.replace(world, things={**world.things, "delegation": delegation})


def test_an_acting_fro_is_the_fro(client, world):
    # The world's delegation was written by a factory: this one goes through the service.
    Delegation.objects.filter(pk=world.things["delegation"].pk).delete()
    acting = StaffMemberFactory(unit=world.unit).user  # a colleague of the FRO
    delegation = create_delegation(
        principal=world.people["fro"],
        acting=acting,
        role=Delegation.Role.FRO,
        start=today(),
        end=today() + datetime.timedelta(days=14),
    )
    assert_walked(
        walk(
            client,
            with_delegation(world, delegation),
            acting,
            "fro",
            label="acting_fro",
            overrides=NOT_PRINCIPAL | CREATES_NOT | NOT_RATED | NOT_THE_COLLEAGUE,
        )
    )


def test_the_sro_named_acting_fro_behind_the_service_acts_only_as_sro(client, world):
    fro, sro = world.people["fro"], world.people["sro"]
    Delegation.objects.filter(pk=world.things["delegation"].pk).delete()
    dates = {"start": today(), "end": today() + datetime.timedelta(days=14)}
    with pytest.raises(ApplicationError) as refused:
        create_delegation(principal=fro, acting=sro, role=Delegation.Role.FRO, **dates)
    assert "one person holds one role on a document" in refused.value.message
    assert not Delegation.objects.filter(acting=sro).exists()
    # A route that skips the service (a raw insert, a script) writes it anyway.
    delegation = Delegation.objects.create(
        principal=fro, acting=sro, role=Delegation.Role.FRO, **dates
    )
    assert_walked(
        walk(client, with_delegation(world, delegation), sro, "sro", label="sro_acting_fro")
    )


# --- an HR focal point or HOD who is the staff member of the document -----------------------


def own_document_holder(world: World, role: str, doc: str):
    """The staff member of the world's `doc`, given `role` on its entity (with the second
    factor such a role requires)."""
    owner = world.docs[doc].staff.user
    assign_department_role(entity=world.entity, user=owner, role=ROLES[role])
    enrol_totp(owner)
    return owner


# Where HR or the HOD act on a document: roll-back (acknowledgement), panel constitution and
# the HOD's reply (the filed case), forwarding to the status file (the reported case).
OWN_CASES = [("hr", "acknowledgement"), ("hr", "case_filed"), ("hr", "case_reported")]
OWN_CASES += [("hod", "case_filed")]


@pytest.mark.parametrize(("role", "doc"), OWN_CASES)
def test_hr_or_the_hod_on_their_own_document_is_its_staff_member(client, world, role, doc):
    owner = own_document_holder(world, role, doc)
    overrides = {"workplans:mine GET": "302"}  # they have a document: sent to it
    # The world's FRO is their FRO too: they answer the upward feedback on their manager.
    overrides |= {"feedback:upward-answer GET": "200", "feedback:upward-answer POST": "done"}
    if role == "hod":
        overrides |= OTHER_HOD
    else:
        overrides |= NOT_ITS_AUTHOR
    assert_walked(walk(client, world, owner, role, label=f"{role}_own_{doc}", overrides=overrides))


# --- what the additional supervisor reads ---------------------------------------------------

# Besides the rating scales' labels (the cycle's overall, competency and goal levels).
FORBIDDEN_WORDS = ("improvement plan", "rolled back", "roll-back", "roll back", "rebuttal")
PIP = re.compile(r"\bPIPs?\b")


def forbidden_in(page: str, labels: set[str]) -> list[str]:
    """The rating labels, improvement-plan, roll-back and rebuttal words `page` shows."""
    lowered = page.lower()
    found = sorted(label for label in labels if label in page)
    found += [word for word in FORBIDDEN_WORDS if word in lowered]
    return found + (["PIP"] if PIP.search(page) else [])


def rating_labels(world: World) -> set[str]:
    return set(RatingLevel.objects.filter(scale__cycle=world.cycle).values_list("label", flat=True))


def roll_back(world: World, doc: str = "acknowledgement") -> None:
    """HR rolls the document back to the FRO's evaluation at the SRO's written request."""
    appraisal_services.roll_back_document(
        document=WorkPlan.objects.get(pk=world.docs[doc].pk),
        actor=world.people["hr"],
        requested_by=world.people["sro"],
        reason="Goal 2 was rated on the wrong evidence.",
        target_stage="fro_evaluation",
    )


def document_pages(world: World) -> list[str]:
    """Every GET of the table that is built on a document alone, for every document of the
    world (the table tries each on one document)."""
    urls = []
    for name, calls in rows_of(TABLE).items():
        for call in calls:
            if call.method != "GET" or call.doc is None:
                continue
            kwargs = call.url_kwargs(world)
            if list(kwargs.values()) != [world.docs[call.doc].pk]:
                continue  # built on a case, an attachment, ...: tried as the table says
            (key,) = kwargs
            urls += [reverse(name, kwargs={key: each.pk}) for each in world.docs.values()]
    return sorted(set(urls))


# The table without its language switch: the pages are read in English, the labels' language.
IN_ENGLISH = {name: row for name, row in TABLE.items() if name != "org:language"}


def supervisor_pages(client, world: World) -> tuple[dict[str, str], list[Mismatch]]:
    """The pages the additional supervisor opens: the table's calls (answered as its
    "supervisor" column) and every document page of every document, answered 200."""
    pages: dict[str, str] = {}
    supervisor = world.people["supervisor"]
    mismatches = walk(
        client, world, supervisor, "supervisor", label="supervisor", table=IN_ENGLISH, pages=pages
    )
    for url in document_pages(world):
        response = client.get(url)
        if response.status_code == 200 and not response.streaming:
            pages[url] = response.content.decode()
    return pages, mismatches


def test_the_additional_supervisor_sees_no_rating_pip_rollback_or_rebuttal(client, world):
    roll_back(world)
    labels = rating_labels(world)
    assert {"Successfully meets performance expectations", "Fully competent"} <= labels
    pages, mismatches = supervisor_pages(client, world)
    assert_walked(mismatches)
    # Their work plan and evaluation pages of every document, at least.
    assert len(pages) >= 2 * len(world.docs)
    assert all('<html lang="en">' in page for page in pages.values())
    leaks = {url: found for url, page in pages.items() if (found := forbidden_in(page, labels))}
    assert not leaks, "\n".join(f"{url}: {', '.join(found)}" for url, found in leaks.items())


def test_the_same_pages_show_those_to_a_full_reader(client, world):
    """The world holds what the supervisor must not see: the SRO, who reads everything,
    finds each on the same documents' pages."""
    roll_back(world)
    labels = rating_labels(world)
    client.force_login(world.people["sro"])
    found = set()
    for doc, name in [
        ("acknowledgement", "workplans:document"),
        ("sro_review", "appraisals:pips"),
        ("case_filed", "appraisals:evaluation"),
    ]:
        response = client.get(reverse(name, kwargs={"pk": world.docs[doc].pk}))
        assert response.status_code == 200
        found.update(forbidden_in(response.content.decode(), labels))
    assert {"rolled back", "improvement plan", "rebuttal"} <= found
    assert found & labels


# --- each check can fail --------------------------------------------------------------------

# A few rows where a relation shows: the document, its evaluation, a workflow action, HR's
# import and roll-back, the case and its panel.
SAMPLE = {
    name: TABLE[name]
    for name in (
        "org:import",
        "workplans:document",
        "workplans:transition",
        "appraisals:evaluation",
        "appraisals:ratings",
        "appraisals:rollback",
        "rebuttals:case",
        "rebuttals:appoint",
        "rebuttals:reply",
    )
}


def everywhere(monkeypatch, module, name: str, replacement) -> None:
    """Replace `module.name` and every module's copy of it (`from x import name`), also in
    the queries compiled once per process."""
    PreparedQuery.recompiling(monkeypatch)
    original = getattr(module, name)
    for each in list(sys.modules.values()):
        if getattr(each, "__dict__", {}).get(name) is original:
            monkeypatch.setattr(each, name, replacement)


def whatever_the_day(model, field: str):
    """A mutation of a dated relation's reader: every row, whatever its dates. The day stays
    a parameter of the SQL, in a condition true of every row (`field <= day OR field > day`),
    as a query compiled once per process requires of its values."""

    def read(on=None):
        day = on or today()
        return model.objects.filter(Q(**{f"{field}__lte": day}) | Q(**{f"{field}__gt": day}))

    return read


def cells(mismatches: list[Mismatch]) -> set[tuple[str, str, str]]:
    return {(m.call, m.expected, m.got) for m in mismatches}


def test_the_walk_reports_a_future_line_taken_before_its_day(client, world, monkeypatch):
    """Lines read whatever their dates: the successor of a future-dated line acts today."""
    new = successor(world)
    tomorrow = today() + datetime.timedelta(days=1)
    for line in list(current_lines(world)):
        ReportingLine.objects.filter(pk=line.pk).update(effective_to=today())
        ReportingLine.objects.create(
            staff_id=line.staff_id,
            cycle_id=line.cycle_id,
            fro=new,
            sro_id=line.sro_id,
            effective_from=tomorrow,
        )
    undated = whatever_the_day(ReportingLine, "effective_from")
    everywhere(monkeypatch, org.relations, "lines_in_effect", undated)
    mismatches = walk(client, world, new.user, "other", label="successor", table=SAMPLE)
    assert ("workplans:document GET", "404", "200") in cells(mismatches)
    assert ("appraisals:ratings POST", "404", "done") in cells(mismatches)


def test_the_walk_reports_an_ended_role_still_honoured(client, world, monkeypatch):
    """Department roles read whatever their dates: the HR focal point keeps the entity."""
    held = department_role(world, "hr")
    held.end = today() - datetime.timedelta(days=1)
    save_department_role(department_role=held)
    everywhere(
        monkeypatch,
        org.relations,
        "current_department_roles",
        whatever_the_day(DepartmentRole, "start"),
    )
    mismatches = walk(client, world, world.people["hr"], "other", label="hr_ended", table=SAMPLE)
    assert ("org:import GET", "no", "200") in cells(mismatches)
    assert ("appraisals:rollback POST", "404", "done") in cells(mismatches)


def test_the_walk_reports_a_department_role_acting_on_its_own_document(client, world, monkeypatch):
    """Without the conflict rule's department part, HR rolls back their own document."""
    owner = own_document_holder(world, "hr", "acknowledgement")
    monkeypatch.setattr(workplans.conflicts, "DEPARTMENT_ACTORS", ())
    mismatches = walk(client, world, owner, "hr", label="hr_own", table=SAMPLE)
    assert ("appraisals:rollback POST", "no", "done") in cells(mismatches)


def test_the_walk_reports_the_sro_acting_as_fro(client, world, monkeypatch):
    """Without the conflict rule, the SRO named acting FRO rates as FRO."""
    fro, sro = world.people["fro"], world.people["sro"]
    Delegation.objects.filter(pk=world.things["delegation"].pk).delete()
    Delegation.objects.create(
        principal=fro,
        acting=sro,
        role=Delegation.Role.FRO,
        start=today(),
        end=today() + datetime.timedelta(days=14),
    )
    resolve = workplans.conflicts.resolve
    everywhere(
        monkeypatch,
        workplans.conflicts,
        "resolve",
        lambda held: workplans.conflicts.Relations(held.relations),
    )
    assert resolve is not workplans.conflicts.resolve
    mismatches = walk(client, world, sro, "sro", label="sro_acting_fro", table=SAMPLE)
    assert ("appraisals:ratings POST", "no", "done") in cells(mismatches)


def test_the_content_check_reports_a_page_that_shows_everything(client, world, monkeypatch):
    """The per-reader selector (timeline, signatures) and the evaluation page's reader
    switched off: the supervisor's pages show the roll-back and the ratings."""
    roll_back(world)
    labels = rating_labels(world)
    monkeypatch.setattr(workplans.selectors, "reads_everything", lambda roles: True)
    actions = appraisals.views.allowed_actions
    monkeypatch.setattr(
        appraisals.views,
        "allowed_actions",
        lambda *args, **kwargs: actions(*args, **kwargs) | {"view_evaluation"},
    )
    client.force_login(world.people["supervisor"])
    document = world.docs["acknowledgement"].pk
    page = client.get(reverse("workplans:document", kwargs={"pk": document}))
    assert "rolled back" in forbidden_in(page.content.decode(), labels)
    page = client.get(reverse("appraisals:evaluation", kwargs={"pk": world.docs["completed"].pk}))
    assert set(forbidden_in(page.content.decode(), labels)) & labels
