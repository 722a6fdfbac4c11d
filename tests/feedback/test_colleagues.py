"""docs/rules.md section 9, colleague feedback: the staff member proposes three to five
colleagues, the FRO confirms; each answers (signed) or declines with a reason; the FRO and
SRO read the answers (the staff member too, per the cycle), on the evaluation and in the PDF;
staff on probation are asked for it by their mid-term."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from pypdf import PdfReader

from compliance.reminders import pending_actions
from compliance.selectors import my_tasks
from feedback import services
from feedback.models import ColleagueRequest, ColleagueRound, FeedbackSettings
from pmsystem.errors import ApplicationError
from pmsystem.signatures import content_hash
from tests.appraisals.helpers import hr_focal_point, make_document_at
from tests.factories import (
    AdditionalSupervisorFactory,
    CycleFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.workplans.helpers import fro_of, make_complete_work_plan, sro_of

pytestmark = pytest.mark.django_db


def _colleagues(count: int):
    return [StaffMemberFactory().user for _ in range(count)]


def _proposed(document, count: int = 3):
    people = _colleagues(count)
    for person in people:
        services.add_colleague(document=document, actor=document.staff.user, colleague=person)
    return people


def _confirmed(document, count: int = 3):
    people = _proposed(document, count)
    services.submit_colleagues(document=document, actor=document.staff.user)
    services.confirm_colleagues(document=document, actor=fro_of(document))
    return people


def test_the_staff_member_proposes_the_fro_confirms_and_each_colleague_is_asked(
    django_capture_on_commit_callbacks,
):
    document = make_complete_work_plan()
    people = _proposed(document)
    round_ = ColleagueRound.objects.get(document=document)
    assert set(round_.requests.values_list("state", flat=True)) == {"proposed"}
    services.submit_colleagues(document=document, actor=document.staff.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_colleagues(document=document, actor=fro_of(document))
    round_.refresh_from_db()
    assert round_.state == ColleagueRound.State.CONFIRMED
    assert round_.due == datetime.date.today() + datetime.timedelta(days=21)
    assert set(round_.requests.values_list("state", flat=True)) == {"asked"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)


def test_three_to_five_colleagues_and_nobody_with_a_role_on_the_document():
    document = make_complete_work_plan()
    staff = document.staff.user
    supervisor = UserFactory()
    AdditionalSupervisorFactory(work_plan=document, supervisor=supervisor, state="accepted")
    for holder in (staff, fro_of(document), sro_of(document), supervisor):
        with pytest.raises(ApplicationError, match="already holds a role"):
            services.add_colleague(document=document, actor=staff, colleague=holder)
    _proposed(document, 2)
    with pytest.raises(ApplicationError, match="Name from 3 to 5 colleagues"):
        services.submit_colleagues(document=document, actor=staff)
    _proposed(document, 3)
    with pytest.raises(ApplicationError, match="At most 5"):
        services.add_colleague(document=document, actor=staff, colleague=UserFactory())


def test_each_side_acts_in_turn():
    document = make_complete_work_plan()
    staff, fro = document.staff.user, fro_of(document)
    with pytest.raises(ApplicationError):
        services.add_colleague(document=document, actor=fro, colleague=UserFactory())
    _proposed(document)
    with pytest.raises(ApplicationError):
        services.confirm_colleagues(document=document, actor=fro)  # not sent yet
    services.submit_colleagues(document=document, actor=staff)
    with pytest.raises(ApplicationError):
        services.add_colleague(document=document, actor=staff, colleague=UserFactory())
    with pytest.raises(ApplicationError):
        services.confirm_colleagues(document=document, actor=staff)
    with pytest.raises(ApplicationError, match="Say why"):
        services.return_colleagues(document=document, actor=fro, comment=" ")
    services.return_colleagues(document=document, actor=fro, comment="Add a client.")
    assert ColleagueRound.objects.get(document=document).state == ColleagueRound.State.DRAFT


def test_an_answer_is_signed_and_a_refusal_gives_a_reason_and_a_replacement():
    document = make_complete_work_plan()
    people = _confirmed(document)
    first, second = ColleagueRequest.objects.filter(colleague__in=people[:2]).order_by("pk")
    with pytest.raises(ApplicationError):
        services.answer_colleague_request(
            request=first, actor=people[2], strengths="x", areas_to_develop="y"
        )
    with pytest.raises(ApplicationError, match="strengths"):
        services.answer_colleague_request(
            request=first, actor=first.colleague, strengths="", areas_to_develop="y"
        )
    answered = services.answer_colleague_request(
        request=first,
        actor=first.colleague,
        strengths="Clear reports.",
        areas_to_develop="Delegate more.",
        examples="The Q3 budget note.",
    )
    assert answered.content_hash == content_hash(answered.signed_content())
    with pytest.raises(ApplicationError, match="no longer"):
        services.answer_colleague_request(
            request=first, actor=first.colleague, strengths="a", areas_to_develop="b"
        )
    with pytest.raises(ApplicationError, match="Say why"):
        services.decline_colleague_request(request=second, actor=second.colleague, reason="")
    services.decline_colleague_request(
        request=second, actor=second.colleague, reason="I barely worked with them."
    )
    # The FRO asks someone else in their place: asked at once.
    replacement = services.add_colleague(
        document=document, actor=fro_of(document), colleague=UserFactory()
    )
    assert replacement.state == ColleagueRequest.State.ASKED


# --- who reads the answers --------------------------------------------------------------------


@pytest.fixture
def answered_document():
    document = make_document_at("sro_review")
    people = _confirmed(document)
    request = ColleagueRequest.objects.get(colleague=people[0])
    services.answer_colleague_request(
        request=request,
        actor=people[0],
        strengths="Unfailingly precise figures.",
        areas_to_develop="Share drafts earlier.",
    )
    return document, people


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    return f"{response.status_code} {response.content.decode(errors='replace')}"


def test_verify_signatures_rechecks_the_colleagues_answers(answered_document):
    """The answer's signature is re-verified with the documents' (`manage.py
    verify_signatures`): an answer edited behind the service's back (a script, the database)
    is reported with its document, request and author, and the command fails."""
    document, people = answered_document
    out = io.StringIO()
    call_command("verify_signatures", stdout=out)
    assert "no mismatch" in out.getvalue()
    request = ColleagueRequest.objects.get(colleague=people[0])
    ColleagueRequest.objects.filter(pk=request.pk).update(strengths="Rarely precise.")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 mismatch"):
        call_command("verify_signatures", stdout=out)
    assert (
        f"document {document.pk}: colleague feedback {request.pk} (by user {people[0].pk}, "
        in out.getvalue()
    )
    assert "the answer does not match its signature" in out.getvalue()
    # Put back as signed: verified again; an answer with no signature at all is reported.
    ColleagueRequest.objects.filter(pk=request.pk).update(strengths="Unfailingly precise figures.")
    call_command("verify_signatures", stdout=io.StringIO())
    ColleagueRequest.objects.filter(pk=request.pk).update(content_hash="")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 mismatch"):
        call_command("verify_signatures", stdout=out)
    assert "answered without a signature" in out.getvalue()


def test_the_fro_and_sro_read_the_answers_on_the_evaluation(client, answered_document):
    document, people = answered_document
    url = reverse("appraisals:evaluation", args=[document.pk])
    for reader in (fro_of(document), sro_of(document), document.staff.user):
        assert "Unfailingly precise figures." in _page(client, reader, url)
    assert "Unfailingly precise figures." not in _page(client, hr_focal_point(document), url)


def test_the_cycle_may_keep_the_answers_from_the_staff_member(client, answered_document):
    document, people = answered_document
    settings = services.feedback_settings(document.cycle)
    settings.colleague_feedback_visible_to_staff = False
    settings.save()
    url = reverse("appraisals:evaluation", args=[document.pk])
    assert "Unfailingly precise figures." not in _page(client, document.staff.user, url)
    colleagues_url = reverse("feedback:colleagues", args=[document.pk])
    page = _page(client, document.staff.user, colleagues_url)
    assert page.startswith("200") and "Unfailingly precise figures." not in page
    assert "Unfailingly precise figures." in _page(client, sro_of(document), colleagues_url)


def test_the_answers_are_in_the_pdf_of_their_readers_only(client, answered_document):
    document, people = answered_document
    url = reverse("appraisals:pdf", args=[document.pk])

    def text(user) -> str:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)

    assert "Unfailingly precise figures." in text(fro_of(document))
    assert "Unfailingly precise figures." not in text(hr_focal_point(document))


def test_pages_answer_only_the_people_concerned(client, answered_document):
    document, people = answered_document
    colleagues_url = reverse("feedback:colleagues", args=[document.pk])
    request = ColleagueRequest.objects.get(colleague=people[1])
    request_url = reverse("feedback:colleague-request", args=[request.pk])
    assert _page(client, people[1], request_url).startswith("200")
    for user in (fro_of(document), document.staff.user, people[0]):
        assert _page(client, user, request_url).startswith("404")
    assert _page(client, hr_focal_point(document), colleagues_url).startswith("403")
    assert _page(client, people[1], colleagues_url).startswith("404")


def test_a_colleague_answers_and_declines_through_the_page(client):
    document = make_complete_work_plan()
    people = _confirmed(document)
    first, second = ColleagueRequest.objects.filter(colleague__in=people[:2]).order_by("pk")
    client.force_login(first.colleague)
    url = reverse("feedback:colleague-request", args=[first.pk])
    missing = client.post(url, {"action": "answer", "strengths": "Fast."})
    assert missing.status_code == 200 and "This field is required." in missing.content.decode()
    client.post(url, {"action": "answer", "strengths": "Fast.", "areas_to_develop": "Slow down."})
    first.refresh_from_db()
    assert first.state == ColleagueRequest.State.ANSWERED
    client.force_login(second.colleague)
    client.post(
        reverse("feedback:colleague-request", args=[second.pk]),
        {"action": "decline", "reason": "On leave all quarter."},
    )
    second.refresh_from_db()
    assert (second.state, second.decline_reason) == ("declined", "On leave all quarter.")


def test_the_list_is_built_through_the_page(client):
    document = make_complete_work_plan()
    staff = document.staff.user
    url = reverse("feedback:colleagues", args=[document.pk])
    client.force_login(staff)
    for person in _colleagues(3):
        client.post(url, {"action": "add", "email": person.email})
    unknown = client.post(url, {"action": "add", "email": "nobody@example.org"}, follow=True)
    assert "Nobody with the email nobody@example.org" in unknown.content.decode()
    client.post(url, {"action": "submit"})
    client.force_login(fro_of(document))
    client.post(url, {"action": "confirm"})
    assert ColleagueRound.objects.get(document=document).state == "confirmed"


# --- probation, tasks and reminders ----------------------------------------------------------


def test_staff_on_probation_are_asked_to_name_colleagues_by_their_mid_term():
    cycle = CycleFactory()
    newcomer = StaffMemberFactory(on_probation=True, entry_on_duty=datetime.date(2026, 6, 15))
    document = make_complete_work_plan(staff=newcomer, cycle=cycle)
    midterm = FeedbackSettings(cycle=cycle).probation_midterm(newcomer)
    assert midterm == datetime.date(2026, 12, 15)
    tasks = [t for t in my_tasks(newcomer.user, cycle) if t.url_name == "feedback:colleagues"]
    assert [(t.url_args, t.due) for t in tasks] == [((document.pk,), midterm)]
    actions = [a for a in pending_actions(today=midterm) if a.stage == "colleague_proposal"]
    assert [(a.responsible_id, a.due) for a in actions] == [(newcomer.pk, midterm)]
    # Sent to the FRO: nothing more asked of the staff member.
    _proposed(document)
    services.submit_colleagues(document=document, actor=newcomer.user)
    assert not [a for a in pending_actions(today=midterm) if a.stage == "colleague_proposal"]
    fro_tasks = [t.url_name for t in my_tasks(fro_of(document), cycle)]
    assert "feedback:colleagues" in fro_tasks


def test_staff_not_on_probation_are_not_asked():
    document = make_complete_work_plan()
    assert not [t for t in my_tasks(document.staff.user, document.cycle) if "colleague" in t.url]


def test_colleagues_are_reminded_until_they_answer_or_decline():
    document = make_complete_work_plan()
    people = _confirmed(document)
    round_ = ColleagueRound.objects.get(document=document)
    waiting = [a for a in pending_actions(today=round_.due) if a.stage == "colleague_answer"]
    assert sorted(a.responsible_id for a in waiting) == sorted(p.pk for p in people)
    assert {a.escalation for a in waiting} == {(("fro", (fro_of(document).pk,)),)}
    request = ColleagueRequest.objects.get(colleague=people[0])
    services.decline_colleague_request(request=request, actor=people[0], reason="Busy.")
    waiting = [a for a in pending_actions(today=round_.due) if a.stage == "colleague_answer"]
    assert people[0].pk not in {a.responsible_id for a in waiting}
    tasks = [t for t in my_tasks(people[1], document.cycle) if t.url_name.startswith("feedback")]
    assert [t.due for t in tasks] == [round_.due]


@pytest.mark.parametrize("documents,per_document", [(1, 3), (3, 5)])
def test_colleague_pages_run_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, documents, per_document
):
    """The colleague's feedback page lists every request asked of them; the document's page
    every colleague on its list."""
    colleague = StaffMemberFactory().user
    built = []
    for _ in range(documents):
        document = make_complete_work_plan()
        for person in [colleague, *_colleagues(per_document - 1)]:
            services.add_colleague(document=document, actor=document.staff.user, colleague=person)
        services.submit_colleagues(document=document, actor=document.staff.user)
        services.confirm_colleagues(document=document, actor=fro_of(document))
        built.append(document)
    client.force_login(colleague)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("feedback:home")).status_code == 200
    client.force_login(fro_of(built[0]))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("feedback:colleagues", args=[built[0].pk]))
    assert response.status_code == 200
