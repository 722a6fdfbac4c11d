"""HTTP load for `manage.py bench --http` (development tool): gunicorn on a loopback port
against the bench's database, driven page by page by wrk (Debian package `wrk`, installed by
`scripts/system-deps.sh bench`), bounded in time and connections.

Every request carries a real session cookie (the session is created in the database, as a
sign-in would); any answer but 200 counts as an error, so a page that redirects to the
sign-in page, or fails, cannot pass for a fast one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
WORKERS = 4
CONNECTIONS = 8
WRK_THREADS = 2
REQUEST_TIMEOUT_S = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the database this process uses (under pytest: the test database)."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor != "postgresql":
        raise RuntimeError(f"No HTTP bench for {connection.vendor}.")
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def stop(process: subprocess.Popen | None, timeout: float) -> None:
    """Stop `process` as a service is stopped: SIGTERM (gunicorn and Celery finish what they
    are doing), then SIGKILL if it is still there after `timeout` seconds."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def worker_arguments(queue: str) -> list[str]:
    """`scripts/entrypoint.sh`'s arguments for a Celery worker that takes `queue` alone and
    talks to no other worker (the bench's, and the tests' of the reminder pipeline)."""
    return [
        "worker",
        "--queues",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


def wrk_path() -> str | None:
    return shutil.which("wrk")


class Gunicorn:
    """`with Gunicorn() as server:` gunicorn (`WORKERS` sync workers) serving the project on
    127.0.0.1, with the environment of this process (the same DATABASE_URL) and persistent
    database connections, as the production compose file runs it (`CONN_MAX_AGE` 60)."""

    def __init__(self, workers: int = WORKERS):
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in __exit__
            prefix="bench-gunicorn-", suffix=".log", delete=False
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
            "LOG_LEVEL": "WARNING",
        }
        env.pop("DEBUG", None)
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "pmsystem.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.base_url + "/accounts/login/", timeout=5):  # noqa: S310
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log.name}")

    def __exit__(self, *exc) -> None:
        stop(self.process, timeout=30)
        self.log.close()


def worker_concurrency() -> int:
    """The worker processes `scripts/entrypoint.sh worker` starts (its default: 2)."""
    return int(os.environ.get("CELERY_WORKER_CONCURRENCY") or 2)


class CeleryWorker:
    """`with CeleryWorker(smtp_port) as worker:` the production worker command
    (`scripts/entrypoint.sh worker`: prefork, `CELERY_WORKER_CONCURRENCY` processes, 2 by
    default, as docker-compose runs it) against this process's database and broker, on a queue
    of its own (`worker.queue`: no other worker on the broker takes the bench's tasks, and this
    one takes nothing else), sending through Django's SMTP backend to 127.0.0.1:`smtp_port`."""

    def __init__(self, smtp_port: int) -> None:
        self.smtp_port = smtp_port
        self.queue = f"bench-{os.getpid()}-{free_port()}"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in __exit__
            prefix="bench-worker-", suffix=".log", delete=False
        )

    def __enter__(self) -> CeleryWorker:
        env = {
            **os.environ,
            "PYTHON": sys.executable,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "CELERY_LOG_LEVEL": "INFO",  # its "ready." line says it consumes
        }
        env.pop("DEBUG", None)
        self.process = subprocess.Popen(  # noqa: S603 - the project's own entrypoint
            [
                str(Path(settings.BASE_DIR) / "scripts" / "entrypoint.sh"),
                *worker_arguments(self.queue),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited; see {self.log.name}")
            if b"ready." in Path(self.log.name).read_bytes():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"the Celery worker did not start within 60 s; see {self.log.name}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __exit__(self, *exc) -> None:
        stop(self.process, timeout=60)  # a warm shutdown: its tasks finish
        self.log.close()


@dataclass(frozen=True)
class LoadResult:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_200: int  # answered, but not with the page
    socket_errors: int  # connect, read, write errors and timeouts

    @property
    def errors(self) -> int:
        return self.non_200 + self.socket_errors

    def as_dict(self) -> dict:
        return {
            "rps": self.rps,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "errors": self.errors,
            "requests": self.requests,
            "non_200": self.non_200,
        }


def run_wrk(
    url: str,
    *,
    cookie: str = "",
    seconds: float = 10,
    connections: int = CONNECTIONS,
    threads: int = WRK_THREADS,
) -> LoadResult:
    """`connections` connections on `url` for `seconds` (every request with `cookie`)."""
    command = [
        wrk_path() or "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(int(round(seconds)), 1)}s",
        f"--timeout={REQUEST_TIMEOUT_S}s",
        "-s",
        str(WRK_SCRIPT),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(url)
    completed = subprocess.run(  # noqa: S603 - wrk with our own arguments, loopback only
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next(
        (x for x in completed.stdout.splitlines() if x.startswith("WRK_JSON ")),
        None,
    )
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {completed.stdout}\n{completed.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    duration_s = data["duration_us"] / 1e6
    return LoadResult(
        requests=data["requests"],
        rps=round(data["requests"] / duration_s, 1) if duration_s else 0.0,
        p50_ms=round(data["p50_us"] / 1000, 1),
        p99_ms=round(data["p99_us"] / 1000, 1),
        non_200=data["not_ok"],
        socket_errors=data["socket_errors"],
    )


class SmtpSink:
    """`with SmtpSink() as sink:` demo/smtp_sink.py in its own process; `sink.port`, and
    after the block `sink.received` (messages it accepted)."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="bench-smtp-")
        self.port_file = os.path.join(self.dir, "port")
        self.port = 0
        self.received: int | None = None
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> SmtpSink:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "demo.smtp_sink", self.port_file], cwd=settings.BASE_DIR
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if os.path.exists(self.port_file) and os.path.getsize(self.port_file):
                self.port = int(Path(self.port_file).read_text())
                return self
            time.sleep(0.05)
        raise RuntimeError("the SMTP sink did not start")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
            result = Path(self.port_file + ".json")
            if result.exists():
                self.received = json.loads(result.read_text())["messages"]
        shutil.rmtree(self.dir, ignore_errors=True)
