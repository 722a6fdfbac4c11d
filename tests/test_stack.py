"""The production shape (Dockerfile + docker-compose.yml) without a Docker engine.

No container runs here, so these tests check what would break a deployment: every process
starts through scripts/entrypoint.sh, every variable the services set is one the settings or
the entrypoint actually read, the compose environment passes Django's deploy check, and the
entrypoint's migrate and web commands really serve the login page in production mode.
"""

import ast
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "scripts" / "entrypoint.sh"
IMAGE_ENTRYPOINT = "/app/scripts/entrypoint.sh"
PROCESSES = {"web", "worker", "beat", "migrate"}
HOST = "pm.example.org"
# ${NAME}, ${NAME:-default}, ${NAME:?error}: compose's interpolation.
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_services() -> dict[str, dict]:
    """The services that run pmsystem's own image (the others are PostgreSQL and Redis)."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if "build" in service or str(service.get("image", "")).startswith("pmsystem")
    }


def settings_env_names() -> set[str]:
    """Every environment variable name the settings modules read, found in their syntax tree."""
    readers = {"get", "getenv", "env_bool", "env_list", "setdefault"}
    names: set[str] = set()
    for path in (ROOT / "pmsystem" / "settings").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                func_name = (
                    func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                )
                if func_name in readers and node.args and isinstance(node.args[0], ast.Constant):
                    names.add(node.args[0].value)
                names.update(
                    kw.value.value
                    for kw in node.keywords
                    if kw.arg == "env" and isinstance(kw.value, ast.Constant)
                )
            elif (
                isinstance(node, ast.Subscript)
                and ast.unparse(node.value) == "os.environ"
                and isinstance(node.slice, ast.Constant)
            ):
                names.add(node.slice.value)
    return names


def entrypoint_env_names() -> set[str]:
    text = ENTRYPOINT.read_text()
    return set(re.findall(r"\$\{(\w+)", text)) | set(
        re.findall(r"os\.environ(?:\.get\(|\[)[\"'](\w+)", text)
    )


def interpolate(value: str, given: dict[str, str]) -> str:
    """Resolve compose's ${...} the way `docker compose` does, from `given` or the default."""

    def replace(match: re.Match) -> str:
        name, kind, default = match.groups()
        if given.get(name):
            return given[name]
        if kind == "?":
            raise AssertionError(f"{name} is required: {default}")
        return default or ""

    return INTERPOLATION.sub(replace, str(value))


def resolved_environment(service: str, given: dict[str, str]) -> dict[str, str]:
    env = compose()["services"][service]["environment"]
    return {name: interpolate(value, given) for name, value in env.items()}


def secrets_given() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": HOST,
        "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
    }


def base_env() -> dict[str, str]:
    """A clean environment: the subprocess sees only what a container would be given."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    return {k: v for k, v in os.environ.items() if k in keep} | {"PYTHON": sys.executable}


def test_compose_has_the_production_services():
    services = compose()["services"]
    assert {"web", "worker", "beat", "migrate", "postgres", "redis"} <= set(services)
    assert re.fullmatch(r"postgres:1[56](\D.*)?", services["postgres"]["image"])
    assert services["redis"]["image"].startswith("redis:")
    for name, service in services.items():
        if name != "migrate":
            assert "healthcheck" in service, f"{name} has no healthcheck"


def test_every_pmsystem_process_starts_through_the_entrypoint():
    assert os.access(ENTRYPOINT, os.X_OK), "scripts/entrypoint.sh must be executable"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f'ENTRYPOINT ["{IMAGE_ENTRYPOINT}"]' in dockerfile
    services = app_services()
    commands = {}
    for name, service in services.items():
        assert service["entrypoint"] == [IMAGE_ENTRYPOINT], name
        commands[name] = service["command"][0]
        assert commands[name] in PROCESSES, f"{name} runs {service['command']}"
        if "healthcheck" in service:
            assert service["healthcheck"]["test"] == [
                "CMD",
                IMAGE_ENTRYPOINT,
                "healthcheck",
                commands[name],
            ]
    assert set(commands.values()) == PROCESSES
    for process in PROCESSES | {"healthcheck"}:
        assert re.search(rf"^\s+{process}\)", ENTRYPOINT.read_text(), re.M), process


def test_migrate_runs_once_before_the_other_processes():
    services = app_services()
    migrate = next(name for name, s in services.items() if s["command"] == ["migrate"])
    assert services[migrate]["restart"] == "no"
    for name, service in services.items():
        if name != migrate:
            assert service["depends_on"][migrate] == {"condition": "service_completed_successfully"}
            assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
            assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_every_variable_the_services_set_is_read_by_the_settings_or_the_entrypoint():
    known = settings_env_names() | entrypoint_env_names()
    assert {"DJANGO_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST"} <= known
    unknown = {
        f"{service}: {variable}"
        for service, definition in app_services().items()
        for variable in definition["environment"]
        if variable not in known
    }
    assert not unknown, f"set in docker-compose.yml but read nowhere: {sorted(unknown)}"


def test_every_process_gets_the_same_production_settings():
    given = secrets_given()
    environments = {name: resolved_environment(name, given) for name in app_services()}
    shared = {
        "DJANGO_ENV",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_HOST",
        "DEFAULT_FROM_EMAIL",
        "MEDIA_ROOT",
    }
    for name, env in environments.items():
        assert env["DJANGO_ENV"] == "production", name
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert "@postgres:5432/" in env["DATABASE_URL"], name
        assert env["REDIS_URL"].startswith("redis://redis:"), name
        assert env["SECRET_KEY"] == given["SECRET_KEY"], name
    web = environments["web"]
    for name, env in environments.items():
        assert {k: env[k] for k in shared} == {k: web[k] for k in shared}, name


def test_a_missing_secret_stops_compose():
    with pytest.raises(AssertionError, match="SECRET_KEY is required"):
        resolved_environment("web", {"ALLOWED_HOSTS": HOST, "POSTGRES_PASSWORD": "x"})


@pytest.mark.subprocess
def test_deploy_check_passes_with_the_compose_environment():
    env = base_env() | resolved_environment("web", secrets_given())
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_dockerfile_installs_what_make_run_installs_and_runs_unprivileged():
    """No Docker engine runs here: this reads the Dockerfile for what the image must hold (the
    image itself is exercised through its entrypoint, below)."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim-bookworm\s*$", dockerfile, re.M)
    # The same Debian packages `make run` installs (WeasyPrint's Pango and a font).
    deps = (ROOT / "scripts" / "system-deps.sh").read_text()
    packages = re.search(r"for pkg in ([^;]+);", deps).group(1).split()
    assert packages
    for package in packages:
        assert package in dockerfile, package
    assert re.search(r"^RUN pip install \.\s*$", dockerfile, re.M)
    assert "manage.py collectstatic --noinput" in dockerfile
    # The French catalogue is compiled in the image, with the msgfmt `make run` installs too.
    assert "(gettext)" in deps and "gettext" in dockerfile
    assert "manage.py compilemessages" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}


@pytest.mark.subprocess
def test_the_production_image_and_settings_leave_the_demo_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "demo" in ignored
    from pmsystem.settings import base

    env = base_env() | resolved_environment("web", secrets_given())
    script = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'pmsystem.settings'; "
        "django.setup(); from django.conf import settings; "
        "print('demo' in settings.INSTALLED_APPS)"
    )
    assert "demo" in base.INSTALLED_APPS
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "False", result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, *, https: bool = True) -> tuple[int, dict, bytes]:
    headers = {"Host": HOST}
    if https:
        headers["X-Forwarded-Proto"] = "https"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http://127.0.0.1)
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.subprocess
def test_entrypoint_migrates_and_serves_the_login_page_in_production_mode(tmp_path):
    """migrate + collectstatic + web, as the image runs them, on a throwaway SQLite file."""
    port = free_port()
    env = base_env() | {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 300}
    migrate = subprocess.run([str(ENTRYPOINT), "migrate"], **run)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    static = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], **run)
    assert static.returncode == 0, static.stdout + static.stderr

    log = tmp_path / "web.log"
    with log.open("w") as out:
        web = subprocess.Popen(
            [str(ENTRYPOINT), "web"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            health = subprocess.run([str(ENTRYPOINT), "healthcheck", "web"], **run)
            if health.returncode == 0:
                break
            assert web.poll() is None, f"gunicorn exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"never healthy:\n{log.read_text()}"
            time.sleep(0.5)

        base = f"http://127.0.0.1:{port}"
        status, headers, body = get(f"{base}/accounts/login/")
        assert status == 200
        policy = dict(
            d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";")
        )
        assert policy["script-src"] == policy["style-src"] == "'self'"
        assert "camera=(), " in headers["Permissions-Policy"]
        css = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', body)
        assert css, "the page must link the hashed (manifest) stylesheet"
        assert get(base + css.group(1).decode())[0] == 200

        status, headers, _ = get(f"{base}/")
        assert status == 302
        assert headers["Location"].startswith("/accounts/login/")

        status, headers, _ = get(f"{base}/accounts/login/", https=False)
        assert status == 301
        assert headers["Location"] == f"https://{HOST}/accounts/login/"
    finally:
        web.terminate()
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
