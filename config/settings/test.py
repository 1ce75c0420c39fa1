"""The test suite: the database comes from DATABASE_URL (PostgreSQL in CI), SQLite otherwise."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests exercise the in-process path unless a test opts into a real worker.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come from the finders; nothing is collected before a test run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Off by default: Django's `Client.login()` calls authenticate() without a request, which axes
# refuses. The throttling tests switch it on (tests/accounts/test_signin.py); `force_login`
# never goes through authenticate() at all.
AXES_ENABLED = False
# Each test process keeps its own counts, never in a shared Redis; the suite starts thousands of
# drafts from 127.0.0.1, so the start limit is off unless a test sets it (tests/privacy).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
START_RATE_LIMIT = 0
# Generous for the suite; tests/api/test_throttling.py sets its own small rate.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "100000/minute"}}  # noqa: F405
# Each readiness request checks afresh (tests/health set it back to measure the reuse).
HEALTH_READY_CACHE_SECONDS = 0
RESULTS_FRESHNESS_SECONDS = 0
