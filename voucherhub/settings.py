"""VoucherHub settings: one module, driven by the environment.

With no environment at all the app runs on a laptop: SQLite in the project folder, Celery on kombu's
filesystem broker under ``var/``, DEBUG on. Production sets ``DEBUG=0`` plus at least ``SECRET_KEY``,
``ALLOWED_HOSTS``, ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``; see README and docs.

Environment variables read here:
    SECRET_KEY, DEBUG, ALLOWED_HOSTS (comma separated), CSRF_TRUSTED_ORIGINS (comma separated),
    TIME_ZONE, DATABASE_URL, CONN_MAX_AGE, DB_CONNECT_TIMEOUT, REDIS_URL, SECURE_SSL_REDIRECT,
    SECURE_HSTS_SECONDS, SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD, LOG_LEVEL, LOG_FORMAT,
    STATIC_ROOT, MEDIA_ROOT, VOUCHERHUB_VAR_DIR, VOUCHERHUB_CURRENCY.
gunicorn.conf.py reads its own (PORT, WEB_CONCURRENCY, ...); docs/deploy.md lists what each node needs.
(Celery itself also honours CELERY_BROKER_URL from the environment, which beats everything here.)
"""

import os
from pathlib import Path

import dj_database_url
from babel.numbers import is_currency
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime files of the embedded default (SQLite file, filesystem broker, beat schedule, export files).
VAR_DIR = Path(os.environ.get("VOUCHERHUB_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "dev-only-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = os.environ.get("SECRET_KEY") or ("" if not DEBUG else _DEV_SECRET_KEY)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "template_partials",
    "voucherhub.apps.VoucherHubConfig",
    "dashboard",
    "stacking",
    "campaigns",
    "sessions.apps.ValidationSessionsConfig",
    "redemptions",
    "loyalty",
    "referrals",
    "auditlog",
    "apikeys",
    "exports",
    "outbound",
    "insights",
    "customers",
    "demo",
]

MIDDLEWARE = [
    # /healthz and /readyz answer first: a load balancer probes nodes by IP over plain HTTP, so these two
    # skip the host check, the HTTPS redirect, sessions and logging (they reveal nothing).
    "voucherhub.middleware.HealthCheckMiddleware",
    "voucherhub.middleware.RequestLogMiddleware",  # one log line per request, with its X-Request-Id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "auditlog.middleware.ApiAuditMiddleware",  # request id, error shape and request log for /v1/
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dashboard.timezones.TimeZoneMiddleware",  # dashboard pages in the viewer's zone; /v1/ stays UTC
    "voucherhub.middleware.NulInPathNotFoundMiddleware",  # an id holding NUL: the 404 page, not a database error
    "django.contrib.auth.middleware.LoginRequiredMiddleware",  # every dashboard URL needs login
    "voucherhub.middleware.DatabaseUnavailableMiddleware",  # database down: 503, friendly page (and handler500)
    "voucherhub.middleware.MethodNotAllowedPageMiddleware",  # a GET on a POST-only action: a page, not a blank 405
]

ROOT_URLCONF = "voucherhub.urls"
WSGI_APPLICATION = "voucherhub.wsgi.application"

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
                "dashboard.context_processors.layout",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# DATABASE_URL (postgres://...) switches to PostgreSQL through psycopg 3; otherwise a SQLite file.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers work during a write, IMMEDIATE
    # transactions take the write lock up front instead of failing half way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # An unreachable server fails a request in seconds (503, see voucherhub.middleware) instead of hanging
    # a web thread; libpq's minimum is 2 s.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(os.environ.get("DB_CONNECT_TIMEOUT", "3"))
# The hot statements of a redemption (voucherhub.hotsql) run as server-side prepared statements: parsing and
# planning them was half of PostgreSQL's work per call. PgBouncer in transaction pooling needs version 1.21+
# with max_prepared_statements set, or DATABASE_PREPARED_STATEMENTS=0.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
if DATABASE_PREPARED_STATEMENTS and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django connects with psycopg's preparation off (None); any number turns it on for the cursors that ask
    # (Django's own bind client-side and never prepare).
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (Index(include=...)) are a PostgreSQL feature; SQLite (the embedded default) simply
# builds them without the extra columns, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Auth -----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# The zone of a viewer who chose none and whose browser did not say (dashboard.timezones); storage is UTC.
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# The one currency of the installation: amounts are stored in its minor units and the dashboard shows them
# with its sign, formatted for the locale by Babel (dashboard.formatting.money). The API sends bare integers.
VOUCHERHUB_CURRENCY = (os.environ.get("VOUCHERHUB_CURRENCY") or "EUR").strip().upper()
if len(VOUCHERHUB_CURRENCY) != 3 or not VOUCHERHUB_CURRENCY.isalpha() or not is_currency(VOUCHERHUB_CURRENCY):
    raise ImproperlyConfigured(
        f"VOUCHERHUB_CURRENCY must be an ISO 4217 currency code such as EUR, USD or PLN, not {VOUCHERHUB_CURRENCY!r}."
    )

# --- Static and uploaded files --------------------------------------------------------------------
STATIC_URL = "static/"
# collectstatic writes here on each web node (a build step); WhiteNoise serves it when DEBUG is off.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Export files; never served directly, only through an owner check. Workers write them and web nodes
# serve them, so on several machines MEDIA_ROOT is a shared volume (docs/deploy.md).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Celery ---------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "vhfs://"  # kombu's filesystem transport, whole messages (voucherhub.broker)
if CELERY_BROKER_URL.startswith("vhfs"):
    from .broker import folder_options

    CELERY_BROKER_TRANSPORT_OPTIONS = folder_options(VAR_DIR / "broker", polling_interval=0.1)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is redelivered, not lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Background jobs (exports, voucher generation, bulk changes) write a heartbeat while they run (an export every
# second, a generation job every batch). A job whose heartbeat is older than this lost its worker, and the
# reaper (every JOB_REAP_SECONDS, beat) hands it out again. Keep it well above the longest pause between
# heartbeats; lower it only where a dead worker's job must come back within seconds.
JOB_STALE_SECONDS = float(os.environ.get("VOUCHERHUB_JOB_STALE_SECONDS", "120"))
JOB_REAP_SECONDS = float(os.environ.get("VOUCHERHUB_JOB_REAP_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "voucherhub.tasks.record_heartbeat", "schedule": 30.0},
    "purge-idempotency-keys": {"task": "voucherhub.tasks.purge_idempotency_keys", "schedule": 3600.0},
    # A session past its ttl already blocks nobody (the engine treats its locks as free); this marks it
    # EXPIRED and returns its locks to the vouchers' counters.
    "expire-sessions": {"task": "sessions.tasks.expire_sessions", "schedule": 60.0},
    "purge-validations": {"task": "redemptions.tasks.purge_validations", "schedule": 3600.0},
    # Pending loyalty points whose day has come join their cards' balances.
    "activate-pending-points": {"task": "loyalty.tasks.activate_pending_points", "schedule": 600.0},
    # Loyalty points whose day has come expire (a card's soonest buckets first; idempotent).
    "expire-points": {"task": "loyalty.tasks.expire_points", "schedule": 3600.0},
    # Big loyalty programs' dashboard totals (their pages read these rather than add up every card).
    "refresh-program-figures": {"task": "loyalty.tasks.refresh_program_figures", "schedule": 60.0},
    # Big campaigns' voucher totals (their dashboards read these rather than add up every voucher).
    "refresh-campaign-figures": {"task": "campaigns.tasks.refresh_campaign_figures", "schedule": 60.0},
    # Exports whose worker died (stale heartbeat) are retried or failed; ones the broker never took are re-sent.
    "reap-exports": {"task": "exports.tasks.reap_exports", "schedule": JOB_REAP_SECONDS},
    # Voucher generation jobs the broker never took are re-sent; ones whose worker died are handed out again.
    "reap-voucher-generation": {"task": "campaigns.tasks.reap_generation_jobs", "schedule": JOB_REAP_SECONDS},
    # The same for bulk changes of customers and vouchers (async actions).
    "reap-async-actions": {"task": "campaigns.tasks.reap_async_actions", "schedule": JOB_REAP_SECONDS},
    # Webhook deliveries and e-mails that are due (retries; those whose wake-up or worker was lost).
    "deliver-webhooks": {"task": "outbound.tasks.deliver_due", "schedule": 10.0},
    "send-messages": {"task": "outbound.tasks.send_messages", "schedule": 10.0},
    "purge-deliveries": {"task": "outbound.tasks.purge_deliveries", "schedule": 3600.0},
}
# Deliveries have their own queue, so a slow receiver never holds up an export; a worker started without
# -Q consumes both (CELERY_TASK_QUEUES lists every queue the app uses).
CELERY_TASK_DEFAULT_QUEUE = "celery"
OUTBOUND_QUEUE = "outbound"
CELERY_TASK_QUEUES = (Queue(CELERY_TASK_DEFAULT_QUEUE), Queue(OUTBOUND_QUEUE))
CELERY_TASK_ROUTES = {"outbound.tasks.*": {"queue": OUTBOUND_QUEUE}}

# --- Webhooks and e-mail distributions (outbound) ---------------------------------------------------
# The installation is one project for the Management API (GET /management/v1/projects).
VOUCHERHUB_PROJECT_ID = os.environ.get("VOUCHERHUB_PROJECT_ID", "proj_voucherhub")
VOUCHERHUB_PROJECT_NAME = os.environ.get("VOUCHERHUB_PROJECT_NAME", "VoucherHub")
# Hosts or addresses a webhook may reach although they are internal (loopback, private, link-local), and
# over plain http: e.g. "127.0.0.1,hooks.internal". Nothing else internal is ever called.
WEBHOOK_ALLOWED_HOSTS = frozenset(
    host.strip().lower() for host in os.environ.get("VOUCHERHUB_WEBHOOK_ALLOWED_HOSTS", "").split(",") if host.strip()
)
WEBHOOK_ALLOW_HTTP = DEBUG  # plain http:// targets on a laptop; production sends over https only
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("VOUCHERHUB_WEBHOOK_TIMEOUT", "5"))
WEBHOOK_RESPONSE_BYTES = 64 * 1024  # what is read of an answer, at most
# Seconds before each retry (the last one repeats) and how long a delivery is retried: the Standard
# Webhooks schedule, for 24 hours. An endpoint whose every attempt failed for that long is disabled.
WEBHOOK_RETRY_DELAYS = tuple(
    float(delay)
    for delay in os.environ.get("VOUCHERHUB_WEBHOOK_RETRY_DELAYS", "5,300,1800,7200,18000,36000").split(",")
)
WEBHOOK_RETRY_HOURS = float(os.environ.get("VOUCHERHUB_WEBHOOK_RETRY_HOURS", "24"))
# Delivered and failed deliveries (and their attempts) are kept this many days in the delivery log.
WEBHOOK_LOG_DAYS = int(os.environ.get("VOUCHERHUB_WEBHOOK_LOG_DAYS", "30"))
# A worker that took a delivery and died lets it go after this many seconds.
WEBHOOK_CLAIM_SECONDS = float(os.environ.get("VOUCHERHUB_WEBHOOK_CLAIM_SECONDS", "120"))
# E-mail: SMTP when EMAIL_HOST is set (EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS),
# otherwise each message is written as a file under var/mail (make run).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "VoucherHub <vouchers@localhost>")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_TIMEOUT = 10

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    # Behind a load balancer that terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging --------------------------------------------------------------------------------------
# Production writes one JSON object per line (voucherhub.logging.JsonFormatter), each request's line
# carrying its request id; a laptop gets plain text. LOG_FORMAT=json|text overrides either.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "voucherhub.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        "skip_503": {"()": "voucherhub.logging.SkipServiceUnavailable"},
        "forbidden_one_line": {"()": "voucherhub.logging.ForbiddenWithoutTraceback"},
        "redact_secrets": {"()": "voucherhub.logging.RedactSecrets"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "text"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver's access line prints the query string: a download link's token is removed from it.
        "django.server": {"handlers": ["console"], "level": "INFO", "filters": ["redact_secrets"], "propagate": False},
        # In JSON mode RequestLogMiddleware writes every request's line (at LOG_LEVEL INFO) and Django's own
        # 4xx lines would repeat it; in text mode runserver already prints an access line.
        "django.request": {
            "level": "ERROR" if LOG_FORMAT == "json" else "WARNING",
            "filters": ["skip_503", "forbidden_one_line"],
        },
    },
}
if LOG_FORMAT == "json":
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers and beat log through LOGGING too
else:
    LOGGING["loggers"]["voucherhub.request"] = {"level": "WARNING"}

# --- Third-party apps -----------------------------------------------------------------------------
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
