"""Test suite: PostgreSQL at DATABASE_URL, real broker for the worker tests, mail kept in memory."""

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from .env import env_str  # noqa: E402

# Worker tests point a real worker at a loopback SMTP server through the environment.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
CELERY_TASK_ALWAYS_EAGER = False
