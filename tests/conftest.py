import pytest


@pytest.fixture(autouse=True)
def _isolate_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Login rate limits and used TOTP codes live in the cache (Redis under scripts/test.sh):
    every test starts from an empty one, so one test's failed logins never lock out another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _privileged_users_count_as_enrolled(request, monkeypatch):
    """HODs, HR focal points and administrators reach no page before they set up an
    authenticator app (org.middleware.MFARequiredMiddleware). Tests of other features sign
    them in with `force_login`, which skips every sign-in step anyway, so here they count as
    enrolled; the status is still worked out (same queries). Tests that use the
    `mfa_enforced` fixture (tests/security/) get the real rule."""
    if "mfa_enforced" in request.fixturenames:
        return
    from org.permissions import MFAStatus

    monkeypatch.setattr(MFAStatus, "missing", property(lambda status: False))


@pytest.fixture
def mfa_enforced():
    """Use in a test to have two-factor enrolment enforced as in production."""
