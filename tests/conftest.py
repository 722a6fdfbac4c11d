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
