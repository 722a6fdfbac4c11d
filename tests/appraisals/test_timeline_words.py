"""Timeline rows in words (issue 17, "readable everywhere"): a rating change reads with the
competency's and the levels' names, in the reader's language, never as codes; the demo's
rating events too."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from pmsystem.models import DocumentEvent
from tests.appraisals.helpers import make_document_at, rate_everything
from tests.workplans.helpers import fro_of

pytestmark = pytest.mark.django_db


def ratings_event(document) -> DocumentEvent:
    return DocumentEvent.objects.filter(document=document, kind="ratings_changed").last()


def test_a_rating_change_reads_in_each_readers_language():
    document = make_document_at("fro_evaluation")
    rate_everything(document, overall="SM", competency="FC")
    event = ratings_event(document)

    with translation.override("en"):
        english = event.details.splitlines()
    with translation.override("fr"):
        french = event.details.splitlines()
    assert "Integrity: not rated → Fully competent" in english
    assert "Overall: not rated → Successfully meets performance expectations" in english
    assert "Intégrité\u00a0: sans notation → Pleinement compétent" in french
    assert any(line.startswith("Appréciation globale\u00a0: sans notation → ") for line in french)
    # The record keeps its English text, as the summary does.
    assert event.comment.splitlines() == english


def test_the_timeline_shows_words_in_french_not_codes(client):
    document = make_document_at("fro_evaluation")
    rate_everything(document, overall="SM", competency="OUT")
    fro = fro_of(document)
    fro.language = "fr"
    fro.save(update_fields=["language"])
    client.force_login(fro)
    # The request leaves French active in this thread: put the test's own language back after.
    with translation.override("en"):
        page = client.get(reverse("workplans:document", args=[document.pk])).content.decode()
    timeline = page[page.index('id="timeline-heading"') :]
    assert "Intégrité\u00a0: sans notation → Exceptionnel" in timeline
    assert "OUT" not in timeline
    assert "Integrity" not in timeline


@pytest.mark.slow
def test_the_demo_rating_events_read_in_words():
    call_command("seed_demo", staff=40, password="seed-pass-2026", stdout=io.StringIO())
    events = list(DocumentEvent.objects.filter(kind="ratings_changed"))
    assert events
    codes = re.compile(r"\b(none|OUT|FC|RD|UNS|EX|SM|PM|DN)\b")
    for event in events:
        assert not codes.search(event.comment), event.comment
        with translation.override("fr"):
            french = event.details
        assert "sans notation → " in french
        assert not codes.search(french), french
        assert len(french.splitlines()) == len(event.comment.splitlines())
