"""The Django admin works for every registered model, and the record stays read-only."""

import json
import logging

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.builders import build_document
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_every_admin_changelist_and_search_answers(superuser_client):
    build_document("completed")
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = superuser_client.get(url, {"q": "x"} if model_admin.search_fields else {})
        assert response.status_code == 200, url


def test_a_signed_evaluation_cannot_be_changed_in_the_admin_and_the_attempt_is_logged(
    superuser_client, caplog
):
    document = build_document("completed")
    url = reverse("admin:appraisals_appraisal_change", args=[document.pk])
    with caplog.at_level(logging.INFO, logger="pmsystem.security"):
        response = superuser_client.post(url, {"fro_overall_comment": "Rewritten"})
    assert response.status_code == 403
    document.appraisal.refresh_from_db()
    assert document.appraisal.fro_overall_comment != "Rewritten"
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "pmsystem.security"]
    assert any(e["event"] == "signed_stage_change_refused" and e["via"] == "admin" for e in events)


def test_timeline_events_cannot_be_edited_or_deleted_in_the_admin(superuser_client):
    document = build_document("self_assessment")
    event = document.events.first()
    change = reverse("admin:pmsystem_documentevent_change", args=[event.pk])
    delete = reverse("admin:pmsystem_documentevent_delete", args=[event.pk])
    assert superuser_client.post(change, {"summary": "edited"}).status_code == 403
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.summary != "edited"
