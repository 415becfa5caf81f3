"""Demo: embedded SQLite, Celery tasks run in-process (only here), e-mail to the console."""

from .base import *  # noqa: F401,F403
from .base import BASE_DIR
from .env import env_str

DEBUG = True
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env_str("DEMO_DATABASE_PATH", str(BASE_DIR / "demo.sqlite3")),
    }
}
DATABASE_ROUTERS = []
# The demo has no broker: tasks execute in the calling process. Never used by tests or production.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
