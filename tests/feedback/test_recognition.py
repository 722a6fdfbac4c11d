"""docs/rules.md section 9, recognition: anyone sends a colleague a note tied to a value or
competency; the recipient and their FRO read it; the recipient attaches it to their document
(evaluation and PDF); its author withdraws it within 24 hours; HR sees counts per entity and
unit, never who."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from feedback import services
from feedback.models import RecognitionNote
from org.models import DepartmentRole
from pmsystem.errors import ApplicationError
from tests.appraisals.helpers import hr_focal_point, make_document_at
from tests.factories import CycleFactory, DepartmentRoleFactory, StaffMemberFactory
from tests.workplans.helpers import fro_of
from workplans.models import Competency

pytestmark = pytest.mark.django_db


def _competency(cycle, kind="core_value"):
    return Competency.objects.filter(framework=cycle.competency_framework, kind=kind).first()


def _send(cycle, sender, recipient, text="Stayed late to close the accounts with us."):
    return services.send_recognition(
        cycle=cycle,
        actor=sender,
        recipient=recipient,
        competency_id=_competency(cycle).pk,
        text=text,
    )


def test_a_note_is_sent_and_the_recipient_told(django_capture_on_commit_callbacks):
    cycle = CycleFactory()
    sender, recipient = StaffMemberFactory().user, StaffMemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        note = _send(cycle, sender, recipient)
    assert note.state == RecognitionNote.State.SENT
    assert [m.to for m in mail.outbox] == [[recipient.user.email]]
    assert "Stayed late" in mail.outbox[0].body


def test_what_a_note_may_not_be():
    cycle = CycleFactory()
    sender = StaffMemberFactory()
    recipient = StaffMemberFactory()
    with pytest.raises(ApplicationError, match="someone else"):
        _send(cycle, sender.user, sender)
    other = Competency.objects.exclude(framework=cycle.competency_framework).first()
    with pytest.raises(ApplicationError, match="catalogue"):
        services.send_recognition(
            cycle=cycle, actor=sender.user, recipient=recipient, competency_id=other.pk, text="x"
        )
    for text in ("  ", "x" * 501):
        with pytest.raises(ApplicationError, match="short note"):
            _send(cycle, sender.user, recipient, text=text)
    closed = CycleFactory(status="closed")
    with pytest.raises(ApplicationError, match="open cycle"):
        _send(closed, sender.user, recipient)
    assert not RecognitionNote.objects.exists()


def test_its_author_withdraws_it_within_a_day_only():
    cycle = CycleFactory()
    sender, recipient = StaffMemberFactory().user, StaffMemberFactory()
    note = _send(cycle, sender, recipient)
    with pytest.raises(ApplicationError):
        services.withdraw_note(note=note, actor=recipient.user)
    later = _send(cycle, sender, recipient)
    services.withdraw_note(note=note, actor=sender)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        with pytest.raises(ApplicationError, match="within 24 hours"):
            services.withdraw_note(note=later, actor=sender)
    assert RecognitionNote.objects.get(pk=note.pk).state == "withdrawn"


def test_the_recipient_attaches_it_to_their_document_and_readers_see_it(client):
    document = make_document_at("sro_review")
    staff, fro = document.staff, fro_of(document)
    note = _send(document.cycle, StaffMemberFactory().user, staff, text="Rebuilt the ledger.")
    client.force_login(fro)
    attach = reverse("feedback:recognition-attach", args=[note.pk])
    assert client.post(attach).status_code == 403
    client.force_login(staff.user)
    client.post(attach)
    note.refresh_from_db()
    assert (note.state, note.document_id) == ("attached", document.pk)
    evaluation = reverse("appraisals:evaluation", args=[document.pk])
    for reader in (fro, staff.user, hr_focal_point(document)):
        client.force_login(reader)
        assert "Rebuilt the ledger." in client.get(evaluation).content.decode()
    client.force_login(fro)
    pdf = client.get(reverse("appraisals:pdf", args=[document.pk]))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Rebuilt the ledger." in text
    client.force_login(staff.user)
    client.post(attach, {"action": "detach"})
    client.force_login(fro)
    assert "Rebuilt the ledger." not in client.get(evaluation).content.decode()


def test_no_document_yet_no_attachment():
    cycle = CycleFactory()
    recipient = StaffMemberFactory()
    note = _send(cycle, StaffMemberFactory().user, recipient)
    with pytest.raises(ApplicationError, match="document to attach it to"):
        services.attach_note(note=note, actor=recipient.user)


def test_who_reads_a_note(client):
    document = make_document_at("not_started")
    sender = StaffMemberFactory().user
    note = _send(document.cycle, sender, document.staff, text="A generous colleague.")
    page = reverse("feedback:recognition")
    for reader in (sender, document.staff.user, fro_of(document)):
        client.force_login(reader)
        assert "A generous colleague." in client.get(page).content.decode()
    for outsider in (StaffMemberFactory().user, hr_focal_point(document)):
        client.force_login(outsider)
        assert "A generous colleague." not in client.get(page).content.decode()
        withdraw = reverse("feedback:recognition-withdraw", args=[note.pk])
        assert client.post(withdraw).status_code == 404
    services.withdraw_note(note=note, actor=sender)
    client.force_login(document.staff.user)
    assert "A generous colleague." not in client.get(page).content.decode()


def test_hr_sees_counts_per_unit_never_names(client):
    cycle = CycleFactory()
    first, second = StaffMemberFactory(), StaffMemberFactory()
    entity = first.unit.entity
    second.unit = first.unit
    second.save()
    hr = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user
    sender = StaffMemberFactory().user
    for recipient in (first, first, second):
        _send(cycle, sender, recipient)
    gone = _send(cycle, sender, second)
    services.withdraw_note(note=gone, actor=sender)
    url = reverse("feedback:recognition-counts")
    client.force_login(sender)
    assert client.get(url).status_code == 403
    client.force_login(hr)
    page = client.get(url).content.decode()
    assert f"{entity}: 3" in page and first.unit.code in page
    assert str(first.user) not in page and str(second.user) not in page


@pytest.mark.parametrize("notes", [1, 6])
def test_recognition_pages_run_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, notes
):
    cycle = CycleFactory()
    me = StaffMemberFactory()
    hr = DepartmentRoleFactory(entity=me.unit.entity, role=DepartmentRole.Role.HR_FOCAL_POINT)
    for _ in range(notes):
        _send(cycle, StaffMemberFactory().user, me)
        _send(cycle, me.user, StaffMemberFactory(unit=me.unit))
    client.force_login(me.user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("feedback:recognition")).status_code == 200
    client.force_login(hr.user)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("feedback:recognition-counts")).status_code == 200
