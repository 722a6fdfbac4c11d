"""Who may see and do what on a rebuttal: docs/rules.md section 7's "see rebuttal", "HOD reply"
and "panel report" columns as a role x action matrix at every state of the case, denied
actions that change nothing, panel grants that follow the panel, and the roster's readers and
keepers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from org.models import Delegation, DepartmentRole, RatingLevel, User
from pmsystem.errors import ApplicationError
from pmsystem.models import DocumentEvent
from rebuttals import services
from rebuttals.models import (
    Group,
    PanelMember,
    PanelRoster,
    RebuttalCase,
    RosterMember,
)
from rebuttals.permissions import (
    allowed_case_actions,
    can_view_roster,
    roster_roles,
    sees_case,
    visible_cases,
)
from tests.factories import (
    DelegationFactory,
    DepartmentRoleFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.rebuttals.helpers import (
    built_rebuttable_document,
    entity_role,
    filed_case,
    published_roster,
)
from tests.workplans.helpers import fro_of, sro_of

pytestmark = pytest.mark.django_db

S = RebuttalCase.State
PEOPLE = [
    "staff",
    "fro",
    "sro",
    "supervisor",
    "hod",
    "hr",
    "member",
    "chair",
    "staff_rep",
    "colleague",
    "unrelated",
    "other_hod",
]
# Everyone docs/rules.md section 7 lets see the rebuttal; the others get nothing (404).
VIEWERS = {"staff", "fro", "sro", "hod", "hr", "member", "chair"}


@dataclass
class Cast:
    case: RebuttalCase
    users: dict[str, User]
    roster: dict[str, list[RosterMember]]

    def __getitem__(self, who: str) -> User:
        return self.users[who]

    def fresh(self) -> RebuttalCase:
        return RebuttalCase.objects.select_related("document__staff__unit", "original_rating").get(
            pk=self.case.pk
        )

    def events(self) -> int:
        return DocumentEvent.objects.filter(document_id=self.case.document_id).count()


def level(case: RebuttalCase, code: str) -> RatingLevel:
    return RatingLevel.objects.get(
        scale__cycle=case.document.cycle, scale__kind="overall", code=code
    )


@pytest.fixture
def cast() -> Cast:
    """A filed rebuttal (with one attachment) whose panel is complete: the chair, the
    HOD-designated "member" and a staff-designated member; everyone else of the matrix."""
    supervisor = StaffMemberFactory().user
    document = built_rebuttable_document(supervisors=[supervisor])
    entity = document.staff.unit.entity
    case = services.file_rebuttal(
        document=document,
        actor=document.staff.user,
        statement="The rating ignores my reassignment.",
        attachments=[SimpleUploadedFile("memo.pdf", b"%PDF-1.4 memo", "application/pdf")],
    )
    roster = published_roster(entity)
    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    panel = {
        group: services.appoint_panel_member(case=case, actor=hr, roster_member=members[0])
        for group, members in roster.items()
    }
    users = {
        "staff": document.staff.user,
        "fro": fro_of(document),
        "sro": sro_of(document),
        "supervisor": supervisor,
        "hod": entity_role(entity, DepartmentRole.Role.HOD),
        "hr": hr,
        "member": panel[Group.HOD_DESIGNATED].user,
        "chair": panel[Group.CHAIR].user,
        "staff_rep": entity_role(entity, DepartmentRole.Role.STAFF_REPRESENTATIVE),
        "colleague": StaffMemberFactory(unit=document.staff.unit).user,
        "unrelated": StaffMemberFactory().user,
        "other_hod": DepartmentRoleFactory(role=DepartmentRole.Role.HOD).user,
    }
    return Cast(case=case, users=users, roster=roster)


def advance(cast: Cast, state: str) -> RebuttalCase:
    """Take the case to `state` through the services."""
    case = cast.fresh()
    if state in (S.REPLIED, S.REPORTED, S.FORWARDED):
        services.reply_to_rebuttal(case=case, actor=cast["hod"], reply="The rating stands.")
    if state in (S.REPORTED, S.FORWARDED):
        services.record_report(
            case=case, actor=cast["chair"], rating=level(case, "SM"), report="Raised."
        )
    if state == S.FORWARDED:
        services.forward_to_status_file(case=case, actor=cast["hr"])
    case = cast.fresh()
    assert case.state == state
    return case


# --- the matrix -------------------------------------------------------------------------------

NOTHING: frozenset[str] = frozenset()
SEES = frozenset({"view"})
EXPECTED_ACTIONS = {
    S.FILED: {
        "hod": {"view", "reply"},
        "hr": {"view", "constitute_panel", "monitor"},
        "member": {"view", "declare_conflict"},
        "chair": {"view", "declare_conflict"},
    },
    S.REPLIED: {
        "hod": SEES,
        "hr": {"view", "constitute_panel", "monitor"},
        "member": {"view", "declare_conflict"},
        "chair": {"view", "declare_conflict", "report"},
    },
    S.REPORTED: {
        "hod": SEES,
        "hr": {"view", "forward", "monitor"},
        "member": SEES,
        "chair": SEES,
    },
    S.FORWARDED: {
        "hod": SEES,
        "hr": {"view", "monitor"},
        "member": SEES,
        "chair": SEES,
    },
}


def expected_actions(state: str) -> dict[str, frozenset[str]]:
    return {
        who: frozenset(EXPECTED_ACTIONS[state].get(who, SEES if who in VIEWERS else NOTHING))
        for who in PEOPLE
    }


@pytest.mark.parametrize("state", [S.FILED, S.REPLIED, S.REPORTED, S.FORWARDED])
def test_allowed_case_actions_for_every_role_at_every_state(cast, state):
    case = advance(cast, state)
    actual = {who: allowed_case_actions(cast[who], case) for who in PEOPLE}
    assert actual == expected_actions(state)


@pytest.mark.parametrize("state", [S.FILED, S.REPLIED, S.REPORTED, S.FORWARDED])
def test_visible_cases_for_every_role_at_every_state(cast, state):
    case = advance(cast, state)
    seeing = {who for who in PEOPLE if visible_cases(cast[who]).filter(pk=case.pk).exists()}
    assert seeing == VIEWERS
    # The case page's one-case form of the rule answers the same.
    assert {who for who in PEOPLE if sees_case(cast[who], case.pk)} == VIEWERS


def test_visible_cases_is_one_query_per_user(cast, django_assert_num_queries):
    for who in PEOPLE:
        with django_assert_num_queries(1):
            list(visible_cases(cast[who]))


def test_an_unfiled_case_offers_only_filing_to_the_staff_member():
    document = built_rebuttable_document()
    case = RebuttalCase(document=document, state=S.NOT_FILED)
    entity = document.staff.unit.entity
    assert allowed_case_actions(document.staff.user, case) == {"file"}
    for user in (fro_of(document), entity_role(entity, DepartmentRole.Role.HOD)):
        assert allowed_case_actions(user, case) == NOTHING


def test_a_hod_of_another_entity_sees_only_their_own_entitys_cases(cast):
    other_hod = cast["other_hod"]
    own = filed_case(
        built_rebuttable_document(
            staff=StaffMemberFactory(
                unit=DepartmentRole.objects.get(user=other_hod).entity,
            )
        )
    )
    assert list(visible_cases(other_hod)) == [own]
    assert allowed_case_actions(other_hod, own) == {"view", "reply"}


def test_the_acting_hod_sees_and_replies_while_the_delegation_holds(cast):
    acting = UserFactory()
    DelegationFactory(principal=cast["hod"], acting=acting, role=Delegation.Role.HOD)
    case = cast.fresh()
    assert case in visible_cases(acting)
    assert allowed_case_actions(acting, case) == {"view", "reply"}


def test_an_expired_hod_delegation_sees_nothing(cast):
    acting = UserFactory()
    DelegationFactory(
        principal=cast["hod"],
        acting=acting,
        role=Delegation.Role.HOD,
        start=datetime.date.today() - datetime.timedelta(days=10),
        end=datetime.date.today() - datetime.timedelta(days=1),
    )
    assert not visible_cases(acting).exists()
    assert allowed_case_actions(acting, cast.fresh()) == NOTHING


# --- denied service calls change nothing -----------------------------------------------------


def snapshot(cast: Cast) -> tuple:
    case = cast.fresh()
    return (
        case.state,
        case.hod_reply,
        case.panel_rating_id,
        case.panel_constituted_at,
        cast.events(),
        list(PanelMember.objects.filter(case=case).values_list("user_id", "excused_at")),
        hasattr(case, "status_file"),
        case.document.appraisal.final_rating_id,
    )


def attempt(cast: Cast, action: str, actor: User) -> None:
    case = cast.fresh()
    if action == "reply":
        services.reply_to_rebuttal(case=case, actor=actor, reply="Reply.")
    elif action == "constitute_panel":
        spare = cast.roster[Group.STAFF_DESIGNATED][1]
        services.appoint_panel_member(case=case, actor=actor, roster_member=spare)
    elif action == "declare_conflict":
        services.declare_conflict(case=case, actor=actor, reason="A conflict.")
    elif action == "report":
        services.record_report(case=case, actor=actor, rating=level(case, "SM"), report="Up.")
    elif action == "forward":
        services.forward_to_status_file(case=case, actor=actor)


# action -> (state where it is possible, who may take it, the refusal everyone else gets)
DENIALS = {
    "reply": (S.FILED, {"hod"}, "You may not reply to this rebuttal."),
    "constitute_panel": (
        S.FILED,
        {"hr"},
        "Only an HR focal point of the entity constitutes the panel, before the report.",
    ),
    "declare_conflict": (
        S.FILED,
        {"member", "chair"},
        "Only a sitting panel member declares a conflict, before the report.",
    ),
    "report": (S.REPLIED, {"chair"}, "You may not record the panel's report."),
    "forward": (S.REPORTED, {"hr"}, "You may not forward to the status file."),
}


@pytest.mark.parametrize("action", sorted(DENIALS))
def test_denied_actions_are_refused_and_change_nothing(cast, action):
    state, allowed, message = DENIALS[action]
    advance(cast, state)
    if action == "constitute_panel":
        # Free the staff-designated seat so that only the actor's role stands in the way.
        services.declare_conflict(
            case=cast.fresh(),
            actor=cast.fresh().panel.get(seat=Group.STAFF_DESIGNATED).user,
            reason="My neighbour.",
        )
    before = snapshot(cast)
    for who in PEOPLE:
        if who in allowed:
            continue
        with pytest.raises(ApplicationError) as error:
            attempt(cast, action, cast[who])
        assert error.value.message == message, who
        assert snapshot(cast) == before, who
    # The same call by the role that may take it goes through: the refusals were about roles.
    attempt(cast, action, cast[sorted(allowed)[0]])
    assert snapshot(cast) != before


# --- panel access follows the panel -----------------------------------------------------------


def seated(case: RebuttalCase) -> set[int]:
    """Who the case lists as readers through a panel seat."""
    return {
        user.pk
        for user in User.objects.filter(
            pk__in=PanelMember.objects.filter(case=case).values("user_id")
        )
        if case in visible_cases(user)
    }


def test_appointed_members_see_the_case(cast):
    case = cast.fresh()
    members = set(PanelMember.objects.filter(case=case).values_list("user_id", flat=True))
    assert seated(case) == members
    assert len(members) == 3
    assert {cast["chair"].pk, cast["member"].pk} <= members


def test_a_member_excused_for_a_conflict_loses_access_and_the_replacement_gains_it(cast):
    case = cast.fresh()
    hr = cast["hr"]
    services.declare_conflict(case=case, actor=cast["member"], reason="My former FRO.")
    assert case not in visible_cases(cast["member"])
    assert allowed_case_actions(cast["member"], case) == NOTHING
    replacement = cast.roster[Group.HOD_DESIGNATED][1]
    services.appoint_panel_member(case=case, actor=hr, roster_member=replacement)
    assert case in visible_cases(replacement.user)
    assert not sees_case(cast["member"], case.pk)
    assert sees_case(replacement.user, case.pk)


def test_a_seat_excused_behind_the_services_back_loses_access_at_once(cast):
    """Access is derived from the panel on every request: a seat changed by any route (here
    a raw update) changes who sees the case, with nothing to rebuild."""
    case = cast.fresh()
    PanelMember.objects.filter(case=case, user=cast["member"]).update(excused_at=timezone.now())
    assert case not in visible_cases(cast["member"])
    assert allowed_case_actions(cast["member"], case) == NOTHING
    assert case in visible_cases(cast["chair"])
    # The case page's one-case check follows the same raw update.
    assert not sees_case(cast["member"], case.pk)
    assert sees_case(cast["chair"], case.pk)


# --- pages: the case, its attachments and the status-file PDFs --------------------------------


@pytest.fixture
def signed_in(client, cast):
    """`signed_in(who)`: the client, logged in as that person of the cast."""

    def as_(who: str):
        client.force_login(cast[who])
        return client

    return as_


def statuses(signed_in, url: str) -> dict[str, int]:
    return {who: signed_in(who).get(url).status_code for who in PEOPLE}


def expected_statuses() -> dict[str, int]:
    return {who: 200 if who in VIEWERS else 404 for who in PEOPLE}


def test_the_case_page_answers_404_to_those_who_cannot_see_the_case(cast, signed_in):
    url = reverse("rebuttals:case", args=[cast.case.pk])
    assert statuses(signed_in, url) == expected_statuses()


def test_attachments_download_only_for_those_who_see_the_case(cast, signed_in):
    attachment = cast.case.attachments.get()
    url = reverse("rebuttals:attachment", args=[cast.case.pk, attachment.pk])
    assert statuses(signed_in, url) == expected_statuses()
    response = signed_in("chair").get(url)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 memo"
    assert response["Content-Disposition"] == 'attachment; filename="memo.pdf"'


def test_an_attachment_is_served_only_under_its_own_case(cast, signed_in):
    document = built_rebuttable_document(
        staff=StaffMemberFactory(unit=cast.case.document.staff.unit)
    )
    other = services.file_rebuttal(
        document=document,
        actor=document.staff.user,
        statement="Another case.",
        attachments=[SimpleUploadedFile("other.pdf", b"%PDF-1.4 other", "application/pdf")],
    )
    foreign = other.attachments.get()
    # The HR focal point sees both cases, yet a file is found only under its own case.
    response = signed_in("hr").get(reverse("rebuttals:attachment", args=[cast.case.pk, foreign.pk]))
    assert response.status_code == 404
    # The staff member of the first case may not reach the other case's file at all.
    response = signed_in("staff").get(reverse("rebuttals:attachment", args=[other.pk, foreign.pk]))
    assert response.status_code == 404


def test_status_file_pdfs_only_for_those_who_see_the_case(cast, signed_in):
    report_url = reverse("rebuttals:status-file", args=[cast.case.pk, "report"])
    assert signed_in("hr").get(report_url).status_code == 404  # nothing forwarded yet
    advance(cast, S.FORWARDED)
    for kind in ("report", "evaluation"):
        url = reverse("rebuttals:status-file", args=[cast.case.pk, kind])
        assert statuses(signed_in, url) == expected_statuses(), kind
        response = signed_in("staff").get(url)
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    url = reverse("rebuttals:status-file", args=[cast.case.pk, "history"])
    assert signed_in("hr").get(url).status_code == 404


def test_the_acting_hod_opens_the_case_and_replies_through_the_page(cast, client):
    acting = UserFactory()
    DelegationFactory(principal=cast["hod"], acting=acting, role=Delegation.Role.HOD)
    client.force_login(acting)
    page = client.get(reverse("rebuttals:case", args=[cast.case.pk]))
    assert page.status_code == 200
    assert "Send reply" in page.content.decode()
    client.post(reverse("rebuttals:reply", args=[cast.case.pk]), {"reply": "Acting reply."})
    case = cast.fresh()
    assert (case.state, case.hod_replied_by) == (S.REPLIED, acting)
    event = DocumentEvent.objects.get(document_id=case.document_id, kind="rebuttal_reply")
    assert (event.actor, event.acting_for) == (acting, cast["hod"])


# --- rosters ------------------------------------------------------------------------------------


@pytest.fixture
def roster_cast():
    """An entity with its HOD, HR focal point and staff representative, a staff member and
    their FRO, the HOD of another entity, and a draft roster with a recorded consultation."""
    document = built_rebuttable_document()
    entity = document.staff.unit.entity
    users = {
        "hod": entity_role(entity, DepartmentRole.Role.HOD),
        "hr": entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT),
        "staff_rep": entity_role(entity, DepartmentRole.Role.STAFF_REPRESENTATIVE),
        "staff": document.staff.user,
        "fro": fro_of(document),
        "colleague": StaffMemberFactory(unit=document.staff.unit).user,
        "other_hod": DepartmentRoleFactory(role=DepartmentRole.Role.HOD).user,
    }
    services.record_consultation(
        entity=entity,
        actor=users["hod"],
        held_on=datetime.date.today(),
        participants="Staff union",
    )
    return entity, users


ROSTER_READERS = {"hod", "hr", "staff_rep"}


def test_roster_roles_and_who_sees_the_roster(roster_cast):
    entity, users = roster_cast
    assert {who: roster_roles(user, entity) for who, user in users.items()} == {
        "hod": {"hod"},
        "hr": {"hr"},
        "staff_rep": {"staff_representative"},
        "staff": NOTHING,
        "fro": NOTHING,
        "colleague": NOTHING,
        "other_hod": NOTHING,
    }
    assert {who for who, user in users.items() if can_view_roster(user, entity)} == ROSTER_READERS


def test_the_roster_page_answers_404_to_other_staff(roster_cast, client):
    entity, users = roster_cast
    published_roster(entity)
    member = RosterMember.objects.filter(roster__entity=entity).first().user
    users["roster_member"] = member
    url = reverse("rebuttals:roster", args=[entity.pk])
    actual = {}
    for who, user in users.items():
        client.force_login(user)
        actual[who] = client.get(url).status_code
    assert actual == {who: 200 if who in ROSTER_READERS else 404 for who in users}
    client.force_login(users["staff_rep"])
    assert str(member) in client.get(url).content.decode()
    client.force_login(users["staff"])
    assert client.get(reverse("rebuttals:rosters")).status_code == 404
    client.force_login(users["staff_rep"])
    assert client.get(reverse("rebuttals:rosters")).url == url


def test_a_post_from_someone_who_cannot_see_the_roster_is_404_and_changes_nothing(
    roster_cast, client
):
    entity, users = roster_cast
    client.force_login(users["staff"])
    response = client.post(
        reverse("rebuttals:roster", args=[entity.pk]),
        {"action": "add", "email": users["colleague"].email, "group": Group.HOD_DESIGNATED},
    )
    assert response.status_code == 404
    assert not RosterMember.objects.filter(roster__entity=entity).exists()


# Who designates which group: (actor, group) -> None when allowed, else the refusal.
HOD_ONLY = "Only the HOD designates this group."
REPS_ONLY = "Only the staff representatives designate this group."
CHAIRS = "Only the HOD selects chairpersons, after consulting the staff representatives."
DESIGNATION = {
    "hod": {Group.HOD_DESIGNATED: None, Group.STAFF_DESIGNATED: REPS_ONLY, Group.CHAIR: None},
    "staff_rep": {
        Group.HOD_DESIGNATED: HOD_ONLY,
        Group.STAFF_DESIGNATED: None,
        Group.CHAIR: CHAIRS,
    },
    "hr": {Group.HOD_DESIGNATED: None, Group.STAFF_DESIGNATED: None, Group.CHAIR: None},
    "staff": {
        Group.HOD_DESIGNATED: HOD_ONLY,
        Group.STAFF_DESIGNATED: REPS_ONLY,
        Group.CHAIR: CHAIRS,
    },
    "other_hod": {
        Group.HOD_DESIGNATED: HOD_ONLY,
        Group.STAFF_DESIGNATED: REPS_ONLY,
        Group.CHAIR: CHAIRS,
    },
}


@pytest.mark.parametrize("who", sorted(DESIGNATION))
def test_who_may_designate_which_group(roster_cast, who):
    entity, users = roster_cast
    actual = {}
    for group in Group.values:
        person = StaffMemberFactory().user
        try:
            member = services.add_roster_member(
                entity=entity, actor=users[who], user=person, group=group
            )
        except ApplicationError as error:
            actual[group] = error.message
            assert not RosterMember.objects.filter(roster__entity=entity, user=person).exists()
        else:
            actual[group] = None
            assert (member.group, member.designated_by) == (group, users[who])
    assert actual == DESIGNATION[who]


def test_removal_follows_the_same_groups_and_hr_removes_any(roster_cast):
    entity, users = roster_cast
    members = published_roster(entity)
    with pytest.raises(ApplicationError) as error:
        services.remove_roster_member(
            member=members[Group.HOD_DESIGNATED][0], actor=users["staff_rep"]
        )
    assert error.value.message == HOD_ONLY
    with pytest.raises(ApplicationError) as error:
        services.remove_roster_member(member=members[Group.STAFF_DESIGNATED][0], actor=users["hod"])
    assert error.value.message == REPS_ONLY
    assert RosterMember.objects.filter(roster__entity=entity, removed_at__isnull=True).count() == 6
    services.remove_roster_member(
        member=members[Group.STAFF_DESIGNATED][0], actor=users["staff_rep"]
    )
    services.remove_roster_member(member=members[Group.CHAIR][0], actor=users["hr"])
    assert RosterMember.objects.filter(roster__entity=entity, removed_at__isnull=True).count() == 4


def test_hr_keeps_the_roster_training_dates_through_the_page(roster_cast, client):
    entity, users = roster_cast
    member = published_roster(entity)[Group.CHAIR][0]
    url = reverse("rebuttals:roster", args=[entity.pk])
    for who in ("hod", "staff_rep"):
        client.force_login(users[who])
        response = client.post(
            url, {"action": "training", "member": member.pk, "date": "2026-09-14"}, follow=True
        )
        assert "HR focal points record the roster&#x27;s training." in response.content.decode()
        member.refresh_from_db()
        assert member.training_date is None, who
    client.force_login(users["hr"])
    response = client.post(
        url, {"action": "training", "member": member.pk, "date": "2026-09-14"}, follow=True
    )
    assert "Training recorded." in response.content.decode()
    member.refresh_from_db()
    assert member.training_date == datetime.date(2026, 9, 14)
    assert "14 Sep 2026" in response.content.decode()


def test_only_hr_publishes_the_roster(roster_cast):
    entity, users = roster_cast
    hod, rep, hr = users["hod"], users["staff_rep"], users["hr"]
    for group, actor in (
        (Group.HOD_DESIGNATED, hod),
        (Group.STAFF_DESIGNATED, rep),
        (Group.CHAIR, hod),
    ):
        services.add_roster_member(
            entity=entity, actor=actor, user=StaffMemberFactory().user, group=group
        )
    for actor in (hod, rep, users["staff"]):
        with pytest.raises(ApplicationError) as error:
            services.publish_roster(entity=entity, actor=actor)
        assert error.value.message == "HR focal points publish the roster."
        assert not PanelRoster.objects.get(entity=entity).is_published
    services.publish_roster(entity=entity, actor=hr)
    assert PanelRoster.objects.get(entity=entity).published_by == hr


def test_only_hr_records_training(roster_cast):
    entity, users = roster_cast
    member = published_roster(entity)[Group.HOD_DESIGNATED][0]
    for who in ("hod", "staff_rep", "staff"):
        with pytest.raises(ApplicationError) as error:
            services.record_training(member=member, actor=users[who], date=datetime.date.today())
        assert error.value.message == "HR focal points record the roster's training."
    member.refresh_from_db()
    assert member.training_date is None
