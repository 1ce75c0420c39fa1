"""Settings of the server that `page_load.py` starts: the test settings with static files as in
production (hashed, precompressed, served by whitenoise from STATIC_ROOT) and the HTML gzipped as
the reverse proxy in front of gunicorn does it (docs/deploy.md)."""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import MIDDLEWARE

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware", *MIDDLEWARE]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["BENCH_DB"]}}
# `page_load.py --before` serves the full Bootstrap under the subset's name: the page as it was.
if os.environ.get("BENCH_CSS_OVERRIDE"):
    STATICFILES_DIRS = [os.environ["BENCH_CSS_OVERRIDE"], *STATICFILES_DIRS]  # noqa: F405
