import pytest


@pytest.fixture(autouse=True)
def _isolate_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request the test client made in French
    (LocaleMiddleware, UserLanguageMiddleware) leaves French active on the thread, and the
    next test of the same process would read its messages in French."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _name_the_cancelled_statement():
    """scripts/checks.sh sets DB_STATEMENT_TIMEOUT_MS, so PostgreSQL cancels a statement that
    runs away (a bad plan) instead of letting the suite hang; the failure then quotes it."""
    from django.db import OperationalError, connection

    def quote_cancelled(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except OperationalError as exc:
            # query_canceled (statement_timeout), lock_not_available (lock_timeout)
            if getattr(exc.__cause__, "sqlstate", None) in {"57014", "55P03"}:
                statement = f"{sql} with {params!r}"
                if len(statement) > 4000:  # a bulk insert: its start says enough
                    statement = statement[:4000] + " ..."
                exc.add_note(f"The cancelled statement: {statement}")
                plan = _plan_elsewhere(connection, sql, params)
                if plan:
                    exc.add_note(f"Its plan, from another connection:\n{plan}")
            raise

    with connection.execute_wrapper(quote_cancelled):
        yield


def _plan_elsewhere(connection, sql, params) -> str:
    """The plan of a cancelled SELECT, explained on a new connection (the cancelled one's
    transaction is aborted): it sees the same planner statistics, not the uncommitted rows."""
    if not sql.lstrip().upper().startswith("SELECT"):
        return ""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            # Planning waits for the locks a wait was cancelled for: not long.
            cursor.execute("SET statement_timeout = '5s'")
            cursor.execute("SET lock_timeout = '1s'")
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
    except Exception as exc:  # noqa: BLE001 - a diagnostic only: never hide the failure
        return f"(not explained: {exc})"
    finally:
        other.close()


@pytest.fixture(autouse=True)
def _migration_seeded_catalogues(request):
    """The competency catalogues come from a data migration, and the flush after a
    transactional test (browser, concurrency) empties them. The suite runs in several
    processes, each in its own order, so any database test may come after such a flush: it
    finds the catalogues put back (inside its own transaction, at the cost of one query)."""
    if request.node.get_closest_marker("django_db") is None:
        for name in ("transactional_db", "db"):
            if name in request.fixturenames:
                request.getfixturevalue(name)
                break
        else:
            return
    from tests.concurrency import ensure_competency_catalogue

    ensure_competency_catalogue()


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


# The longest files (measured on 2 cores), started first. `make test` gives each file to one
# process (`--dist loadfile`) in the order collected: a long file collected late ran alone at
# the end while the other processes waited (three of the last minutes of a 12.5-minute run).
LONGEST_FIRST = (
    "tests/security/test_url_role_variants.py",
    "tests/security/test_url_role_matrix.py",
    "tests/security/test_access_property.py",
    "tests/security/test_malformed_ids.py",
    "tests/browser/test_accessibility.py",
    "tests/compliance/test_bench.py",
    "tests/browser/test_appraisal_journey.py",
    "tests/test_stack.py",
    "tests/compliance/test_summary.py",
    "tests/test_planner_statistics.py",
    "tests/test_sqlite_demo.py",
    "tests/rebuttals/test_demo.py",
    "tests/browser/test_drafts_journey.py",
    "tests/browser/test_rebuttal_journey.py",
    "tests/browser/test_phone_width.py",
    "tests/rebuttals/test_workflow.py",
    "tests/security/test_freeze_table.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: n for n, path in enumerate(LONGEST_FIRST)}
    order = {item: n for n, item in enumerate(items)}
    root = config.rootpath

    def key(item):
        path = item.path.relative_to(root).as_posix()
        return (rank.get(path, len(rank)), order[item])

    items.sort(key=key)
