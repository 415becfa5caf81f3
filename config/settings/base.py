"""Settings shared by every environment; each environment module imports and adjusts these."""

from pathlib import Path

import dj_database_url

from ..version import VERSION
from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[2]

SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-not-for-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "simple_history",
    "django_celery_beat",
    "registry",
    "registry.quality",
    "outcomes",
    "outcomes.cohorts",
    "outcomes.reports",
    "outcomes.surveillance",
    "outcomes.interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.context_processors.registry_site",
            ],
        },
    },
]

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/imt_registry"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", DEFAULT_DATABASE_URL), conn_max_age=env_int("CONN_MAX_AGE", 0)
    )
}
_replica_url = env_str("DATABASE_REPLICA_URL")
if _replica_url:
    # Exports and outcome jobs read from the replica (see registry.db_router).
    DATABASES["replica"] = dj_database_url.parse(_replica_url)
    DATABASE_ROUTERS = ["registry.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/outcomes/reports/"

# --- REST API conventions (registry.api) -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "registry.api.pagination.RegistryPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "registry.api.errors.registry_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "IMT Registry API",
    "DESCRIPTION": (
        "Registry and outcomes database for Inflammatory Myofibroblastic Tumor. "
        "Authenticate with `Authorization: Token <key>` (POST /api/auth/token/ to obtain one)."
    ),
    "VERSION": VERSION,  # pyproject.toml [project] version
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # pinned Swagger UI from drf-spectacular-sidecar: the docs work offline
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "registry.vocabularies.DatePrecision",
        "CategoryEnum": "registry.vocabularies.TreatmentCategory",
        "ReportStatusEnum": "outcomes.reports.models.OutcomeReport.Status",
        "ExportStatusEnum": "outcomes.cohorts.models.ExportLog.Status",
        "AgentEnum": "registry.vocabularies.Agent",
        "GeneStatusEnum": "registry.vocabularies.GeneStatus",  # alk/ros1/ntrk status share one vocabulary
    },
}

# --- Celery --------------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1800)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 1700)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- E-mail --------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "imt-registry@localhost")

# History is an audit trail: no revert button, no edits through the history pages.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_EDIT = False

# --- Registry policy -----------------------------------------------------------------------------
REGISTRY_SITE_URL = env_str("REGISTRY_SITE_URL", "http://127.0.0.1:8000")
# Small-cell threshold k for released figures (CMS cell-size rule hides 1-10).
SMALL_CELL_THRESHOLD = env_int("SMALL_CELL_THRESHOLD", 11)
SURVEILLANCE_WINDOW_DAYS = env_int("SURVEILLANCE_WINDOW_DAYS", 30)
SURVEILLANCE_ESCALATION_EMAIL = env_str("SURVEILLANCE_ESCALATION_EMAIL", "escalation@imt-registry.invalid")
SURVEILLANCE_DEFAULT_COORDINATOR_EMAIL = env_str(
    "SURVEILLANCE_DEFAULT_COORDINATOR_EMAIL", "coordinators@imt-registry.invalid"
)
# Longer than the send task's hard time limit, so a slow but live sender never loses its claim.
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", 900)
# Backoff of digest delivery after an SMTP error: base * 2**retry seconds, capped.
REMINDER_RETRY_BASE_SECONDS = env_int("REMINDER_RETRY_BASE_SECONDS", 60)
REMINDER_RETRY_MAX_SECONDS = env_int("REMINDER_RETRY_MAX_SECONDS", 3600)
# A digest refused with a 5xx reply this many times has its reminder rows marked failed (admin).
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 3)
# Fault-test hook only: the sender pauses this long between claiming rows and sending (0 = never).
REMINDER_PAUSE_AFTER_CLAIM_SECONDS = env_int("REMINDER_PAUSE_AFTER_CLAIM_SECONDS", 0)
REPORT_LEASE_SECONDS = env_int("REPORT_LEASE_SECONDS", 1800)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_database_errors": {"()": "config.logging.RedactDatabaseErrors"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_database_errors"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Database errors can carry row contents (PHI); never log SQL or backend errors verbatim.
        "django.db.backends": {"level": "WARNING", "handlers": ["console"], "propagate": False},
        "django.request": {"level": "WARNING", "handlers": ["console"], "propagate": False},
        "celery": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
