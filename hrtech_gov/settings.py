"""Settings for hrtech-gov, read from the environment (12-factor).

The embedded default needs no services: SQLite, Celery tasks run eagerly, email to the console.
Setting DATABASE_URL and REDIS_URL selects the production-like stack with the same code.
See .env.example for every variable.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# Generic admin and queryset classes (ModelAdmin[Event]) at run time, as the type checker sees them.
django_stubs_ext.monkeypatch()

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A strict boolean: a typo such as DEBUG=ture fails at start instead of meaning False."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no).")


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker and Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105

# --- The audit chain's keys (audit/keys.py, docs/adr/0002): every event's hash is an HMAC with
# a key that lives here, never in the database. AUDIT_HMAC_KEY (or AUDIT_HMAC_KEY_FILE) is the
# current key, AUDIT_HMAC_KEY_ID its id (recorded with each event). To rotate: give the new key a
# new id and keep the old one in AUDIT_HMAC_OLD_KEYS ({"id": "key", ...}, or _FILE) so the events
# it signed still verify. Required when DEBUG is off; the demo derives one from SECRET_KEY.
AUDIT_HMAC_KEY_ID = env.str("AUDIT_HMAC_KEY_ID", default="k1")
_audit_key = env_secret("AUDIT_HMAC_KEY")
if not _audit_key:
    if not DEBUG:
        raise ImproperlyConfigured(
            "AUDIT_HMAC_KEY (or AUDIT_HMAC_KEY_FILE) must be set when DEBUG is off: it signs the "
            "audit trail."
        )
    _audit_key = hmac.new(SECRET_KEY.encode(), b"hrtech-gov audit chain", "sha256").hexdigest()
if len(_audit_key) < 32:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY must be at least 32 characters long.")
AUDIT_HMAC_KEYS: dict[str, str] = json.loads(env_secret("AUDIT_HMAC_OLD_KEYS", "{}") or "{}")
if not isinstance(AUDIT_HMAC_KEYS, dict) or not all(
    isinstance(v, str) for v in AUDIT_HMAC_KEYS.values()
):
    raise ImproperlyConfigured('AUDIT_HMAC_OLD_KEYS must be a JSON object {"id": "key", ...}.')
AUDIT_HMAC_KEYS[AUDIT_HMAC_KEY_ID] = _audit_key
# Signed checkpoints of the chain (sequence number and hash), written outside the database every
# AUDIT_CHECKPOINT_MINUTES by beat and by `manage.py audit_checkpoint`: a file in this folder
# (put it on storage the database's owner cannot rewrite) and a log line (audit.checkpoint).
AUDIT_CHECKPOINT_DIR = Path(
    env.str("AUDIT_CHECKPOINT_DIR", default=str(BASE_DIR / "audit-checkpoints"))
)
AUDIT_CHECKPOINT_MINUTES = env.int("AUDIT_CHECKPOINT_MINUTES", default=10)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# mypy's Django plugin loads these settings to read the models (see MODELTRANSLATION_* below).
_TYPE_CHECKING = "mypy" in sys.modules

INSTALLED_APPS = [
    # Before the admin, as it asks: its admin classes show a field per language.
    "modeltranslation",
    "django.contrib.admin.apps.SimpleAdminConfig" if _TYPE_CHECKING else "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    # Ground floor: imports no feature app.
    "core",
    "audit",
    "webhooks",
    "api",
    # Feature apps, each importing only the ones below it (docs/ARCHITECTURE.md).
    "stakeholders",
    "vendors",
    "glossary",
    "landscape",
    "decisions",
    "imports",
    "demo",
]

MIDDLEWARE = [
    # /health/ for load balancers: before the HTTPS redirect and the host check (core.health).
    "core.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL or a lone surrogate in the path, the query or a form: 400 before anything reads it.
    "core.middleware.RefuseUnreadableInput",
    "core.siteurl.RequestOriginMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.htmx.VaryOnHtmx",
    # Last, as django-axes asks: it turns a locked-out sign-in into its answer.
    "axes.middleware.AxesMiddleware",
]

# Covering indexes (INCLUDE) serve PostgreSQL's index-only scans; SQLite, the embedded default,
# builds the same indexes without the extra columns, which is all it needs at its size.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

ROOT_URLCONF = "hrtech_gov.urls"
WSGI_APPLICATION = "hrtech_gov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "decisions.context_processors.navigation",
                "core.context_processors.language_next",
            ],
        },
    },
]

# --- Database
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"].endswith("sqlite3"):
    # IMMEDIATE transactions take the write lock up front, so concurrent writers wait (timeout)
    # instead of failing with "database is locked" halfway through a transaction.
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not memory, so that a Celery worker or a live server in another process sees it.
    # TEST_DB_SUFFIX keeps parallel test runs on one machine apart.
    _db["TEST"] = {
        "NAME": str(BASE_DIR / f".test-db{env.str('TEST_DB_SUFFIX', default='')}.sqlite3")
    }
else:
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction pooling mode, a server-side cursor (QuerySet.iterator())
    # could land on another server connection between fetches: Django then uses client-side
    # cursors. See docs/SCALING.md.
    _db["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_BEHIND_PGBOUNCER", False)
    if suffix := env.str("TEST_DB_SUFFIX", default=""):
        _db["TEST"] = {"NAME": f"test_{_db['NAME']}{suffix}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A PostgreSQL read replica (streaming replication) for the dashboard's and the API's reads:
# core/dbrouting.py says what goes there (never sessions, users, tokens or anything in a
# transaction) and docs/SCALING.md when it is worth it.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
REPLICA_READ_PREFIXES = env.list("REPLICA_READ_PREFIXES", default=["/dashboard/", "/api/v1/"])
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        **{k: v for k, v in _db.items() if k in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS")},
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["core.dbrouting.ReplicaRouter"]
    MIDDLEWARE.insert(MIDDLEWARE.index("core.middleware.RefuseUnreadableInput") + 1,
                      "core.dbrouting.ReplicaReadsMiddleware")  # fmt: skip
# How long the dashboard keeps its computed figures (every change makes them stale at once;
# with a replica, this also bounds how long a figure read before the replica caught up stays).
DASHBOARD_CACHE_SECONDS = env.int(
    "DASHBOARD_CACHE_SECONDS", default=15 if DATABASE_REPLICA_URL else 300
)

# --- Redis: Celery broker and cache; absent means eager tasks and a local-memory cache ---
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    # Redis away: an empty cache that keeps nothing, logged, retried every CACHE_RETRY_SECONDS
    # (core.cache); the site keeps serving, /health/ says "degraded".
    CACHES = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a task killed mid-run is redelivered; tasks are safe to run twice
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="hrtech_gov")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queueing a task after commit waits at most about a second for an unreachable broker, then
# leaves the task to its sweeper and does not ask again for BROKER_RETRY_SECONDS (core.queue).
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CACHE_RETRY_SECONDS = env.int("CACHE_RETRY_SECONDS", default=15)
BROKER_RETRY_SECONDS = env.int("BROKER_RETRY_SECONDS", default=15)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
# Reminders and escalations of overdue sign-offs (decisions/sla.py), every 15 minutes.
CELERY_BEAT_SCHEDULE["run-signoff-sla"] = {
    "task": "decisions.tasks.run_signoff_sla",
    "schedule": 15 * 60.0,
}
# Tools in sunset are retired on their planned day (decisions.services.retirement), hourly.
CELERY_BEAT_SCHEDULE["retire-due-tools"] = {
    "task": "decisions.tasks.retire_due_tools",
    "schedule": 60 * 60.0,
}
# The rest of a tool's life on dates (decisions.services.schedule): pilot ends, the shelfware
# rule, renewal reminders. Hourly; each step is idempotent, so the hour it runs in is no matter.
CELERY_BEAT_SCHEDULE["run-lifecycle"] = {
    "task": "decisions.tasks.run_lifecycle",
    "schedule": 60 * 60.0,
}

# --- Email
# EMAIL_URL: smtp://user:password@host:587/?ssl=True, consolemail://, filemail:///path, ...
_email = env.email_url("EMAIL_URL", default="consolemail://")
_mail_options: dict = {}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": _email.get("EMAIL_HOST", "localhost"),
        "port": _email.get("EMAIL_PORT", 25),
        "username": _email.get("EMAIL_HOST_USER", ""),
        "password": env_secret("EMAIL_HOST_PASSWORD", _email.get("EMAIL_HOST_PASSWORD", "")),
        "use_tls": _email.get("EMAIL_USE_TLS", False),
        "use_ssl": _email.get("EMAIL_USE_SSL", False),
        "timeout": 10,
    }
elif _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    # filemail:///var/mail/app means the absolute path /var/mail/app (django-environ drops the /).
    _mail_options = {"file_path": urlparse(env.str("EMAIL_URL")).path}
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hrtech-gov <noreply@localhost>")
# The address users reach the site at, for links in emails and webhooks (core/siteurl.py):
# unset, the demo links to the address each request came in on.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

# --- Outgoing webhooks (webhooks/services.py): per-POST timeout, retries of a failing delivery
# with exponential backoff (base doubled each try, capped, with jitter), then marked failed.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_MAX_RETRIES = env.int("WEBHOOK_MAX_RETRIES", default=8)
WEBHOOK_RETRY_BACKOFF_SECONDS = env.float("WEBHOOK_RETRY_BACKOFF_SECONDS", default=30.0)
WEBHOOK_RETRY_BACKOFF_MAX_SECONDS = env.float("WEBHOOK_RETRY_BACKOFF_MAX_SECONDS", default=3600.0)
# A pending delivery whose task is this late (or was never queued) is queued again, every 10 min.
WEBHOOK_STALLED_AFTER_SECONDS = env.float("WEBHOOK_STALLED_AFTER_SECONDS", default=900.0)
# Departments' chat channels (Slack, Teams) post to https URLs on public addresses only; the
# demo and the tests may also post to http://127.0.0.1 (a local receiver).
CHAT_WEBHOOK_ALLOW_LOOPBACK = env_bool("CHAT_WEBHOOK_ALLOW_LOOPBACK", DEBUG)
CELERY_BEAT_SCHEDULE["requeue-stalled-webhooks"] = {
    "task": "webhooks.tasks.requeue_stalled_webhooks",
    "schedule": 10 * 60.0,
}
# With acks_late, Redis hands an unacknowledged task to another worker after the visibility
# timeout (1 h by default): a retry waiting longer than that would run twice, as two chains. Keep
# it above the longest countdown: the webhook backoff cap and the notification tasks' (30 min).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(max(3 * 3600, WEBHOOK_RETRY_BACKOFF_MAX_SECONDS + 3600)),
    "socket_connect_timeout": 1.0,
}
# Notifications whose task was lost (the broker away at commit) or whose email failed for good
# are queued again by decisions.tasks.sweep_notifications: events of the last
# NOTIFICATION_SWEEP_HOURS, emails unsent NOTIFICATION_EMAIL_GRACE_MINUTES after creation.
NOTIFICATION_SWEEP_HOURS = env.int("NOTIFICATION_SWEEP_HOURS", default=24)

# The tool landscape (landscape/): the department that governs the fleet (its reviewers and
# heads edit any tool and integration, and keep the plug-in lane's guardrails).
LANDSCAPE_IT_DEPARTMENT = env.str("LANDSCAPE_IT_DEPARTMENT", default="IT")
# Tools and integrations per page of the landscape list and the API.
LANDSCAPE_PAGE_SIZE = 50
NOTIFICATION_EMAIL_GRACE_MINUTES = env.int("NOTIFICATION_EMAIL_GRACE_MINUTES", default=120)
# The sweeper leaves alone what changed in the last NOTIFICATION_SWEEP_MIN_AGE_MINUTES: its
# task is most likely still queued or running, and queueing it again would only duplicate work.
NOTIFICATION_SWEEP_MIN_AGE_MINUTES = env.int("NOTIFICATION_SWEEP_MIN_AGE_MINUTES", default=10)
CELERY_BEAT_SCHEDULE["audit-checkpoint"] = {
    "task": "audit.tasks.audit_checkpoint",
    "schedule": AUDIT_CHECKPOINT_MINUTES * 60.0,
}
CELERY_BEAT_SCHEDULE["sweep-notifications"] = {
    "task": "decisions.tasks.sweep_notifications",
    "schedule": 10 * 60.0,
}

# --- Auth
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures in a row for one account,
# or from one address, sign-in is refused (429, with a message) until the cool-off ends or an
# administrator unlocks it (admin: Axes, Access attempts; or `manage.py axes_reset_username`).
# Every lockout is also an audit event (login.locked). Behind a proxy, AXES_IPWARE_PROXY_COUNT
# says how many proxies' X-Forwarded-For entries to skip.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0) or None
AXES_VERBOSE = False
# Wrong API tokens from one address: after this many in API_TOKEN_FAILURE_WINDOW_MINUTES the
# address is answered 429 until the window ends (api.authentication).
API_TOKEN_FAILURE_LIMIT = env.int("API_TOKEN_FAILURE_LIMIT", default=20)
API_TOKEN_FAILURE_WINDOW_MINUTES = env.int("API_TOKEN_FAILURE_WINDOW_MINUTES", default=15)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Single sign-on with OpenID Connect (mozilla-django-oidc; stakeholders/oidc.py). Off unless
# OIDC_RP_CLIENT_ID is set: the demo and `make run` keep local accounts only. When on, the sign-in
# page offers "Sign in with OIDC_PROVIDER_NAME"; the provider's groups (the OIDC_GROUPS_CLAIM
# claim) become memberships and groups through the admin's identity group mappings. The
# endpoints are the provider's (its /.well-known/openid-configuration lists them).
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your organisation's account")
OIDC_RP_CLIENT_SECRET = env_secret("OIDC_RP_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile groups")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
OIDC_USE_PKCE = True
OIDC_CREATE_USER = True
if OIDC_ENABLED:
    _missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
        )
        if not globals()[name]
    ]
    if OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")) and not OIDC_OP_JWKS_ENDPOINT:
        _missing.append("OIDC_OP_JWKS_ENDPOINT")
    if _missing:
        raise ImproperlyConfigured(
            "OIDC_RP_CLIENT_ID is set, so single sign-on is on; it also needs "
            f"{', '.join(_missing)}."
        )
    AUTHENTICATION_BACKENDS.append("stakeholders.oidc.IdentityProviderBackend")

# --- Internationalisation
LANGUAGE_CODE = "en"
# English, Dutch and French: the language switcher in the header, else the browser's
# Accept-Language (LocaleMiddleware). The catalogs are in locale/ (make messages).
LANGUAGES = [("en", _("English")), ("nl", _("Dutch")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Reference data kept per language (each app's translation.py): name_en, name_nl, name_fr. English
# is required and is what the API, the audit trail and webhooks carry; a blank Dutch or French
# value reads as the English one.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# The type checker cannot type the managers modeltranslation makes at run time (django-stubs
# issue 1023): while mypy's Django plugin loads the project, the models are left unregistered
# (and the admin, whose translated forms need them, is not discovered; mypy reads it as source).
MODELTRANSLATION_ENABLE_REGISTRATIONS = not _TYPE_CHECKING
FORMAT_MODULE_PATH = ["hrtech_gov.formats"]  # "2 dec. 2026 10:42" in Dutch and French
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

# --- Static files
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security: safe production defaults, relaxed only by DEBUG or explicitly
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

# Django 6's Content Security Policy: no inline script or style; scripts need the request's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- REST framework (the API's plumbing is the api app)
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="1000/min")
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes anonymous API requests answer 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScopePermission",
    ],
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "api.pagination.StrictOrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": API_THROTTLE_RATE},
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "hrtech-gov API",
    "DESCRIPTION": "Technology proposals, sign-offs, CDO decisions and the vendor catalog.",
    "VERSION": "1.0.0",
    # 3.1: a nullable reference is `oneOf: [{$ref}, {type: null}]`, which strict validators
    # read as it is meant (3.0's `allOf` + `nullable` they read as not nullable).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is not secret: anyone may read it (the endpoints themselves need a token).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CurrencyEnum": "core.money.Currency",
        "RoleEnum": "stakeholders.models.Role",
        "ProposalStatusEnum": "decisions.models.ProposalStatus",
        "SignOffStatusEnum": "decisions.models.SignOffStatus",
        "CategoryEnum": "vendors.models.Category",
        "PricingModelEnum": "vendors.models.PricingModel",
        "DeploymentEnum": "vendors.models.Deployment",
        "ProposalKindEnum": "decisions.models.ProposalKind",
        "ToolLifecycleEnum": "landscape.models.Lifecycle",
        "SolutionLifecycleEnum": "vendors.models.SolutionLifecycle",
        "ExportFormatEnum": "decisions.models.ExportFormat",
        "LockInRatingEnum": "decisions.models.LockInRating",
        "LaneEnum": "landscape.models.Lane",
        "GuardrailKindEnum": "landscape.models.GuardrailKind",
        # The CDO's decision keeps the name it had before pilots brought another "outcome".
        "OutcomeEnum": "decisions.models.DecisionOutcome",
        "PilotOutcomeEnum": "decisions.models.PilotOutcome",
        "PilotDirectionEnum": "decisions.models.PilotDirection",
        "PilotReviewStatusEnum": "decisions.models.PilotReviewStatus",
        "CatalogRecordTypeEnum": [("vendor", "vendor"), ("solution", "solution")],
        "VendorChangeTypeEnum": [("vendor", "vendor")],
        "SolutionChangeTypeEnum": [("solution", "solution")],
        "RiskCategoryEnum": "decisions.risk_models.RiskCategory",
        "ScenarioEnum": "decisions.tco.Scenario",
        # What became of one row of a bulk request or an import (usage items, imported rows).
        "RowStatusEnum": [(s, s) for s in ("created", "updated", "unchanged", "invalid")],
    },
    # Docs assets served from this site (drf-spectacular-sidecar), not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- The product's own settings
# Amounts are compared in BASE_CURRENCY: approval tiers, approval limits and department budgets.
BASE_CURRENCY = env.str("BASE_CURRENCY", default="EUR")
# Units of BASE_CURRENCY per unit of each currency a proposal may be priced in.
FX_RATES = {
    code: Decimal(str(rate))
    for code, rate in json.loads(
        env.str(
            "FX_RATES",
            default='{"EUR": "1", "USD": "0.92", "GBP": "1.17", "CHF": "1.05", "SEK": "0.088"}',
        )
    ).items()
}
if BASE_CURRENCY not in FX_RATES:
    raise ImproperlyConfigured(f"FX_RATES must include BASE_CURRENCY {BASE_CURRENCY}.")

# Budgets per fiscal year (stakeholders.DepartmentBudget, decisions.budgets): the month the
# fiscal year starts in (1 = January: the calendar year). A fiscal year is named by the
# calendar year it starts in: with 4, fiscal year 2026 runs from April 2026 to March 2027.
FISCAL_YEAR_START_MONTH = env.int("FISCAL_YEAR_START_MONTH", default=1)
if not 1 <= FISCAL_YEAR_START_MONTH <= 12:
    raise ImproperlyConfigured("FISCAL_YEAR_START_MONTH must be a month, 1 to 12.")

# The sign-off SLA (decisions/sla.py): an overdue sign-off is reminded on the first run after its
# due date, escalated to the department's heads this many business days after the reminder, and to
# the CDO this many business days after that.
SLA_ESCALATE_HEAD_AFTER_DAYS = env.int("SLA_ESCALATE_HEAD_AFTER_DAYS", default=2)
SLA_ESCALATE_CDO_AFTER_DAYS = env.int("SLA_ESCALATE_CDO_AFTER_DAYS", default=2)
if SLA_ESCALATE_HEAD_AFTER_DAYS < 0 or SLA_ESCALATE_CDO_AFTER_DAYS < 0:
    raise ImproperlyConfigured("SLA_ESCALATE_*_AFTER_DAYS must not be negative.")

# The standard tool for a category (landscape/standards.py): the CDO may make a tool the standard
# once it has been adopted this many days with at least this adoption (a ratio, 0.30 = 30%; unset:
# the shelfware threshold, SHELFWARE_THRESHOLD).
STANDARD_MIN_ADOPTED_DAYS = env.int("STANDARD_MIN_ADOPTED_DAYS", default=180)
STANDARD_MIN_ADOPTION = env.float("STANDARD_MIN_ADOPTION", default=None)
if STANDARD_MIN_ADOPTED_DAYS < 0 or (STANDARD_MIN_ADOPTION or 0) < 0:
    raise ImproperlyConfigured("STANDARD_MIN_* settings must not be negative.")

# --- Catalog feeds we pull (vendors/sync/feeds.py): CATALOG_FEEDS is JSON, one entry per source,
# e.g. {"acme": {"url": "https://acme.example/catalog.json", "every_minutes": 60, "full": true}}.
# Each gets a Celery beat entry running vendors.tasks.sync_catalog_feed(source).
CATALOG_FEEDS: dict = json.loads(env.str("CATALOG_FEEDS", default="{}"))
if not isinstance(CATALOG_FEEDS, dict):
    raise ImproperlyConfigured("CATALOG_FEEDS must be a JSON object: {source: {url, ...}}.")
for _source, _feed in CATALOG_FEEDS.items():
    if not isinstance(_feed, dict) or not str(_feed.get("url", "")).startswith(("http", "file:")):
        raise ImproperlyConfigured(f"CATALOG_FEEDS[{_source!r}] needs a url (http(s) or file:).")
    if _unknown := sorted(set(_feed) - {"url", "every_minutes", "full"}):
        raise ImproperlyConfigured(f"CATALOG_FEEDS[{_source!r}]: unknown keys {_unknown}.")
    if not isinstance(_feed.get("full", False), bool):
        raise ImproperlyConfigured(f"CATALOG_FEEDS[{_source!r}]['full'] must be true or false.")
    _minutes = _feed.get("every_minutes", 60)
    if not isinstance(_minutes, int) or isinstance(_minutes, bool) or _minutes < 1:
        raise ImproperlyConfigured(f"CATALOG_FEEDS[{_source!r}]['every_minutes'] must be >= 1.")
    CELERY_BEAT_SCHEDULE.update(
        {
            f"catalog-feed-{_source}": {
                "task": "vendors.tasks.sync_catalog_feed",
                "schedule": _minutes * 60.0,
                "args": [_source],
            }
        }
    )
# A full catalog sync may tombstone at most this share of its source's live records unless the
# request confirms the number (confirm_deletions): a bad feed must not empty the catalog.
CATALOG_SYNC_MAX_DELETE_SHARE = env.float("CATALOG_SYNC_MAX_DELETE_SHARE", default=0.2)
if not 0 <= CATALOG_SYNC_MAX_DELETE_SHARE <= 1:
    raise ImproperlyConfigured("CATALOG_SYNC_MAX_DELETE_SHARE must be between 0 and 1.")
# Large pushes as jobs (POST /api/v1/catalog/jobs/, vendors/sync/jobs.py): at most this many
# items and bytes per job (413 beyond). A job whose worker made no progress for
# CATALOG_SYNC_JOB_STALLED_AFTER_SECONDS is queued again (every 5 minutes), at most
# CATALOG_SYNC_JOB_MAX_ATTEMPTS runs in all, then failed.
CATALOG_SYNC_JOB_MAX_ITEMS = env.int("CATALOG_SYNC_JOB_MAX_ITEMS", default=200_000)
CATALOG_SYNC_JOB_MAX_BYTES = env.int("CATALOG_SYNC_JOB_MAX_BYTES", default=256 * 1024 * 1024)
CATALOG_SYNC_JOB_STALLED_AFTER_SECONDS = env.float(
    "CATALOG_SYNC_JOB_STALLED_AFTER_SECONDS", default=600.0
)
CATALOG_SYNC_JOB_MAX_ATTEMPTS = env.int("CATALOG_SYNC_JOB_MAX_ATTEMPTS", default=5)
CELERY_BEAT_SCHEDULE["requeue-stalled-catalog-jobs"] = {
    "task": "vendors.tasks.requeue_stalled_catalog_jobs",
    "schedule": 5 * 60.0,
}
CATALOG_FEED_TIMEOUT = env.float("CATALOG_FEED_TIMEOUT", default=30.0)  # seconds per request
CATALOG_FEED_RETRIES = env.int("CATALOG_FEED_RETRIES", default=4)  # per page, after the first try
CATALOG_FEED_BACKOFF = env.float("CATALOG_FEED_BACKOFF", default=2.0)  # seconds, doubling
# Idempotency-Key records of catalog pushes are kept 24 hours; purged daily.
CELERY_BEAT_SCHEDULE.update(
    {
        "purge-idempotency-records": {
            "task": "vendors.tasks.purge_idempotency_records",
            "schedule": 24 * 3600.0,
        }
    }
)

# Usage and adoption (landscape.adoption, the shelfware step of decisions.services.schedule):
# a tool adopted for at least SHELFWARE_MIN_ADOPTED_DAYS whose adoption (active users ÷ promised
# users) stays below SHELFWARE_THRESHOLD for SHELFWARE_MONTHS consecutive months is flagged as
# shelfware. POST /api/v1/usage/ takes at most USAGE_BATCH_MAX items per request.
SHELFWARE_THRESHOLD = env.float("SHELFWARE_THRESHOLD", default=0.30)
if not 0 < SHELFWARE_THRESHOLD <= 1:
    raise ImproperlyConfigured("SHELFWARE_THRESHOLD must be above 0 and at most 1.")
SHELFWARE_MONTHS = env.int("SHELFWARE_MONTHS", default=3)
SHELFWARE_MIN_ADOPTED_DAYS = env.int("SHELFWARE_MIN_ADOPTED_DAYS", default=90)
if SHELFWARE_MONTHS < 1 or SHELFWARE_MIN_ADOPTED_DAYS < 0:
    raise ImproperlyConfigured("SHELFWARE_MONTHS must be >= 1, SHELFWARE_MIN_ADOPTED_DAYS >= 0.")
# Who hears of an unused tool besides its business owner: this department's reviewers and head.
SHELFWARE_HR_DEPARTMENT = env.str("SHELFWARE_HR_DEPARTMENT", default="HR")
USAGE_BATCH_MAX = env.int("USAGE_BATCH_MAX", default=1000)
if USAGE_BATCH_MAX < 1:
    raise ImproperlyConfigured("USAGE_BATCH_MAX must be at least 1.")
