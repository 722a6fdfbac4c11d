"""`make run` serves the demo from SQLite: migrate, seed and browse it there, in another
process, so that a query only PostgreSQL accepts (an ordered subquery of a UNION, say) fails
here rather than in a new user's first minute."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_the_demo_seeds_and_every_login_browses_it_on_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DB_STATEMENT_TIMEOUT_MS"}
    }
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CELERY_TASK_ALWAYS_EAGER": "1"}
    for args in (("migrate", "--noinput", "-v", "0"), ("seed_demo", "--staff", "60")):
        done = manage(env, *args)
        assert done.returncode == 0, done.stderr[-3000:]
    code = "import runpy; runpy.run_path('tests/sqlite_crawl.py')"
    done = manage(env, "shell", "-c", code)
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    failures = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    assert not failures, "\n".join(failures) + "\n" + done.stderr[-3000:]
    pages = int(last.split()[1])
    assert last.endswith("failed 0") and pages >= 8 * 10, last
