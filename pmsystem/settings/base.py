"""Base settings, driven by environment variables.

With nothing set this is the embedded default: SQLite, eager Celery, console email and a
local-memory cache. DATABASE_URL, REDIS_URL and EMAIL_* switch to the real services.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-change-me")  # noqa: S105
# Seals upward-feedback answers until they are counted (feedback.sealing); empty: derived from
# SECRET_KEY. Kept out of the database, so that the database alone never opens a ballot.
FEEDBACK_BALLOT_KEY = os.environ.get("FEEDBACK_BALLOT_KEY", "")
# Off unless DEBUG=1: `make run` shows the project's own error pages, never Django's technical
# ones, and its static files come from WhiteNoise as in production (the Makefile collects them).
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_htmx",
    "django_filters",
    "pmsystem",
    "org",
    "workplans",
    "appraisals",
    "rebuttals",
    "feedback",
    "standards",
    "training",
    "schedules",
    "board",
    "compliance",
    # Development tools (seed_demo, bench): not in production (settings/production.py).
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "pmsystem.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "org.middleware.SessionLimitsMiddleware",
    "org.middleware.UserLanguageMiddleware",
    "org.middleware.MFARequiredMiddleware",
    "pmsystem.middleware.PermissionDeniedLogMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "pmsystem.urls"
WSGI_APPLICATION = "pmsystem.wsgi.application"
ASGI_APPLICATION = "pmsystem.asgi.application"

TEMPLATES = [
    {
        # Django's, its library-name check aware of `libraries` below (pmsystem.template_engine).
        "BACKEND": "pmsystem.template_engine.DjangoTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "org.context_processors.navigation",
            ],
            # `{% url %}` with its answers kept per process, and `{% load i18n %}` Django's
            # library with `{% translate %}` of a literal kept per language (issue 14).
            "builtins": ["pmsystem.templatetags.pmsystem_urls"],
            "libraries": {"i18n": "pmsystem.templatetags.i18n_kept"},
        },
    },
]

# Database: SQLite file unless DATABASE_URL is given (postgres://user:pass@host:port/name).
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
# PostgreSQL: DB_STATEMENT_TIMEOUT_MS cancels any statement running longer (scripts/checks.sh
# sets it for the test suite, so a runaway query fails with its SQL instead of hanging CI).
# Unset (production, unless an operator wants one): no limit.
DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS") or 0)
# PostgreSQL: `pmsystem.db.PreparedQuery` runs as server-side prepared statements (issue 14).
# DB_PREPARED_STATEMENTS=0 turns them off, for a pooler in transaction mode that cannot keep
# them (PgBouncer before 1.21).
DB_PREPARED_STATEMENTS = os.environ.get("DB_PREPARED_STATEMENTS", "1") != "0"
# PostgreSQL: the planner's cost of reading a page out of order against reading it in order
# (`random_page_cost`). Its default, 4, models spinning disks; an organisation's database of
# this size is read from memory or SSD, for which PostgreSQL's documentation suggests about 1.1.
# With 4 the planner hashed whole tables of 40,000 rows where a few hundred index lookups
# were needed (a division's people list: 7.5 -> 3.3 ms; a stage's people in it: 10 -> 3.8
# ms, issue 14). DB_RANDOM_PAGE_COST="" leaves the server's own setting.
DB_RANDOM_PAGE_COST = os.environ.get("DB_RANDOM_PAGE_COST", "1.1")
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # JIT compilation off: the application's queries are short, and the planner's cost
    # estimates of the few correlated ones (40,000 rows) crossed jit_above_cost, so PostgreSQL
    # spent seconds compiling what runs in milliseconds (issue 14).
    _pg_options = ["-c jit=off"]
    if DB_RANDOM_PAGE_COST:
        _pg_options.append(f"-c random_page_cost={float(DB_RANDOM_PAGE_COST)}")
    if DB_STATEMENT_TIMEOUT_MS:
        _pg_options.append(f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(_pg_options)
    # psycopg prepares a statement only when its connection has a threshold, so one is set;
    # Django's own cursors bind on the client and are never prepared.
    if DB_PREPARED_STATEMENTS:
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
# Django's and allauth's backends, also refusing users whose staff profile is deactivated.
AUTHENTICATION_BACKENDS = [
    "org.backends.ModelBackend",
    "org.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS_FAST = env_bool("PASSWORD_HASHERS_FAST")
if PASSWORD_HASHERS_FAST:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Cache: Redis when REDIS_URL is set (login rate limits need a shared cache), else local memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
# The test suite runs in parallel processes (pytest-xdist, `make test`): each uses its own Redis
# database, so one test's cache flush or task queue never reaches a test running beside it, and
# the services a test starts (a Celery worker) inherit it.
_TEST_PROCESS = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _TEST_PROCESS.startswith("gw"):
    REDIS_URL = urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{1 + int(_TEST_PROCESS[2:])}"))
    os.environ["REDIS_URL"] = REDIS_URL
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "pmsystem"),
        }
    }
    # Sessions read from the shared cache and written through to the database: no query per
    # request to load the session (issue 14). A signed-out or flushed session leaves both.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Each process has its own memory cache: a session ended in one must end in all, so
    # sessions stay in the database only.
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Celery: eager unless a broker is configured; CELERY_TASK_ALWAYS_EAGER forces either way.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "health-check": {"task": "pmsystem.tasks.health_check", "schedule": crontab(minute="*/30")},
    # The one daily reminder sweep (compliance.reminders): it plans and enqueues everything.
    "compliance-daily-sweep": {
        "task": "compliance.tasks.run_daily_sweep",
        "schedule": crontab(hour=int(os.environ.get("REMINDER_SWEEP_HOUR", "5")), minute=0),
    },
    # Early each day: access equals today's relations (compliance.access_audit).
    "check-access": {
        "task": "compliance.tasks.check_access",
        "schedule": crontab(hour=4, minute=30),
    },
    # Upward-feedback campaigns whose window has passed are closed, their last answers counted.
    "feedback-close-campaigns": {
        "task": "feedback.tasks.close_finished_campaigns",
        "schedule": crontab(hour=4, minute=45),
    },
}

# Email: console unless EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
    )
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "pmsystem <no-reply@pmsystem.local>")
# The address of the site, for links in emails (reminders are sent by workers, not requests):
# set it to the address people open; the default is where `make run` serves.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# allauth: login by email, no public sign-up (accounts come from HR), MFA with TOTP.
ACCOUNT_ADAPTER = "org.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
# Imported accounts have no password: the emailed reset link is how people first set one. Asking
# for a reset writes nothing (allauth's own token stored an unverified address, which blocks
# TOTP enrolment), and completing one verifies the address the link went to.
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "org.adapters.PasswordResetTokenGenerator"  # noqa: S105
ACCOUNT_FORMS = {"reset_password_from_key": "org.forms.ResetPasswordKeyForm"}
# Per account: 5 failed logins in 5 minutes, then refused until the oldest ages out (never a
# permanent lockout). Per IP: higher, because a whole office often shares one address.
ACCOUNT_RATE_LIMITS = {
    "login": "60/m/ip",
    "login_failed": "20/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
}
# Behind N reverse proxies the client address is the Nth entry from the right of
# X-Forwarded-For; 0 trusts no header (REMOTE_ADDR is the client).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "pmsystem"
# HODs, HR focal points, staff administrators and superusers must enrol (org.middleware);
# this makes it everyone.
MFA_REQUIRED_FOR_ALL = env_bool("MFA_REQUIRED_FOR_ALL")
SOCIALACCOUNT_ADAPTER = "org.adapters.SocialAccountAdapter"
# SSO signs in existing accounts only: matched by an email address the identity provider says
# is verified, then connected to the account; nobody is signed up (the adapter).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_PROVIDERS: dict = {}
if os.environ.get("OIDC_SERVER_URL"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": os.environ.get("OIDC_PROVIDER_ID", "sso"),
                "name": os.environ.get("OIDC_NAME", "Single sign-on"),
                "client_id": os.environ["OIDC_CLIENT_ID"],
                "secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                "settings": {
                    "server_url": os.environ["OIDC_SERVER_URL"],
                    "oauth_pkce_enabled": env_bool("OIDC_PKCE", default=True),
                    # Domains whose addresses count as verified even without the provider's
                    # `email_verified` claim (some providers never send it).
                    "verified_email": env_list("OIDC_VERIFIED_EMAIL_DOMAINS") or False,
                },
            }
        ]
    }


# Languages: English and French. A signed-in user's choice is kept on their profile
# (User.language, org.middleware.UserLanguageMiddleware); before that, the browser's.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["pmsystem.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

SESSION_COOKIE_HTTPONLY = True
# Sessions end after this long without a request, and this long after signing in at the most
# (org.middleware.SessionLimitsMiddleware); the cookie does not outlive the absolute limit.
# The idle timeout may be a fraction of a minute (a browser test lets a session expire).
_IDLE_MINUTES = float(os.environ.get("SESSION_IDLE_TIMEOUT_MINUTES", "30"))
SESSION_IDLE_TIMEOUT_MINUTES = int(_IDLE_MINUTES) if _IDLE_MINUTES.is_integer() else _IDLE_MINUTES
SESSION_ABSOLUTE_TIMEOUT_HOURS = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT_HOURS", "12"))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_HOURS * 3600
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) in every mode, so that the browser tests prove nothing a
# page needs is blocked: scripts and styles come only from our own static files (templates have
# no inline script, style or event handler: behaviour lives in static/js).
# With SSO the sign-in form posts to pmsystem, which redirects to the identity provider, and
# browsers apply form-action to that redirect too: the provider's origin is allowed there.
_SSO_ORIGIN = urlsplit(os.environ.get("OIDC_SERVER_URL", ""))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # allauth's TOTP QR code is a data: URI
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF]
        + ([f"{_SSO_ORIGIN.scheme}://{_SSO_ORIGIN.netloc}"] if _SSO_ORIGIN.netloc else []),
        "frame-ancestors": [NONE],
    }
}
# Permissions-Policy (pmsystem.middleware): no page uses these browser features, so none may.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
}

# The security log (pmsystem.security): one JSON object per line, UTC times, on stderr and,
# with SECURITY_LOG_FILE, appended to that file too. The general console leaves those lines out.
SECURITY_LOG_FILE = os.environ.get("SECURITY_LOG_FILE", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"not_security": {"()": "pmsystem.security.ExcludeSecurityLog"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json_line": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["not_security"],
        },
        "security": {"class": "logging.StreamHandler", "formatter": "json_line"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every layout step at INFO: only its warnings are worth reading.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "pmsystem.security": {"handlers": ["security"], "level": "INFO"},
    },
}
if SECURITY_LOG_FILE:
    LOGGING["handlers"]["security_file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": SECURITY_LOG_FILE,
        "formatter": "json_line",
    }
    LOGGING["loggers"]["pmsystem.security"]["handlers"].append("security_file")

# Imports: the largest file the upload page accepts.
# Rebuttal attachments: the largest file accepted.
REBUTTAL_MAX_UPLOAD_BYTES = int(os.environ.get("REBUTTAL_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
