"""Settings shared by every environment; values that differ come from the environment."""

import warnings
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from config.settings.services import caches_for, logging_for

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "surveys",
    "analytics",
    "analytics.coding",
    "api",
]

MIDDLEWARE = [
    # First: every later middleware's and view's log line carries the request id.
    "config.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A database connection lost under a respondent's page gives a page to try again (503).
    "surveys.respond.middleware.DatabaseRetryMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the view into the 429 page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A persistent connection (CONN_MAX_AGE, e.g. ?conn_max_age=60 in DATABASE_URL) that the server
# dropped is replaced at the next request instead of failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Axes first: it refuses a locked-out username and IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The two languages of the platform. Kazakh first: it is the state language.
LANGUAGE_CODE = "kk"
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]


def _bootstrap_dir() -> Path | None:
    # XStatic-Bootstrap's namespace package still goes through pkg_resources.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import xstatic.pkg.bootstrap as xbootstrap
        except ImportError:
            return None
    return Path(xbootstrap.BASE_DIR)


_BOOTSTRAP = _bootstrap_dir()
if _BOOTSTRAP is not None:
    STATICFILES_DIRS.append(("bootstrap", _BOOTSTRAP))

MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"  # never served directly: exports go through a permission-checked view

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "analytics:index"
LOGOUT_REDIRECT_URL = "/"

# Login throttling (django-axes) for every authenticate() call: our sign-in page and the admin's.
# Five wrong passwords for one username from one address lock that pair for 15 minutes, so a
# guesser is slowed down without locking the real user out from everywhere else.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"

# Security headers that do not depend on HTTPS, so that local runs and tests see them too.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No script of ours reads the CSRF cookie: every form carries the token itself.
CSRF_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # No inline script and no event handler attributes: every script is a static file.
        "script-src": [SELF],
        # Inline style stays allowed: progress bars and the matrix set widths and column counts
        # in style attributes, and the admin carries a <style> block (templates/admin/).
        "style-src": [SELF, UNSAFE_INLINE],
        # Bootstrap draws its checkboxes and select arrows with data: SVG images.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Uploads (the admin's question and option imports): checked by accounts.uploads.upload_check.
# Django does not count file parts in DATA_UPLOAD_MAX_MEMORY_SIZE, so the file limit is ours; the
# web server in front should refuse bodies a little above it (nginx: client_max_body_size 12m).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# The site's public address, for links in e-mails a worker sends with no request at hand
# (reminders); empty: https:// and the first of ALLOWED_HOSTS.
SITE_URL = env.str("SITE_URL", default="")
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB of ordinary form fields
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger uploads are spooled to a temporary file

# Celery: Redis when REDIS_URL is set; otherwise every task runs in-process.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that enqueues must not hang when Redis is down: fail fast, say so, keep serving.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A task taken by a worker that then dies (acks_late) is handed out again after the visibility
# timeout: Redis's default is an hour. Half an hour is still longer than the slowest task (an
# XLSX export of 1M responses, ~15 min), so a task that is running is never handed out twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 1800,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}

IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# The start rate limit (surveys.drafts.start_quota_take): at most START_RATE_LIMIT new drafts per
# START_RATE_WINDOW seconds per client address and survey; beyond it a 429 page, and no row. Set
# generously: a ministry behind one NAT address can have hundreds of respondents opening the same
# e-mailed link within minutes, while a script still cannot fill the table (0: no limit).
START_RATE_LIMIT = env.int("START_RATE_LIMIT", default=100)
START_RATE_WINDOW = env.int("START_RATE_WINDOW", default=600)
# The request.META key of the client's address. Behind a reverse proxy REMOTE_ADDR is the proxy
# itself: name the header the proxy sets and overwrites (nginx `proxy_set_header X-Real-IP
# $remote_addr;` gives HTTP_X_REAL_IP); never a header the client could send unchecked.
START_RATE_CLIENT_META = env.str("START_RATE_CLIENT_META", default="REMOTE_ADDR")
# The counts live in the cache: with Redis it is shared by every server process (otherwise each
# process counts alone, and the limit is per process). Unreachable, it lets starts through.
CACHES = caches_for(redis_url=REDIS_URL)
# django-redis logs each error it turns into a miss (IGNORE_EXCEPTIONS), so an outage is seen.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "saualnama.cache"
# Sessions in the database, shared by every web node, never a node's disk. Not cached_db with
# Redis: a logout while Redis is unreachable would delete the row but leave the cached copy,
# which would sign the user back in once Redis returns.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# E-mail from EMAIL_URL, e.g. smtp+tls://user:password@mail.example.kz:587; the console by default.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10  # a dead mail server must not hang the password-reset request
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Saualnama <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# LOG_FORMAT=json: one JSON object a line (timestamp, level, logger, message, request_id) for a
# log collector; plain text otherwise. Tokens, resume keys and API tokens are never written.
LOGGING = logging_for(
    fmt=env.str("LOG_FORMAT", default="text"), level=env.str("LOG_LEVEL", default="WARNING")
)
# The request.META key of the request id the reverse proxy sets (X-Request-ID); empty: always
# generate one. Only a well-formed id is taken (config.request_id).
REQUEST_ID_META = env.str("REQUEST_ID_META", default="HTTP_X_REQUEST_ID")
# The worker keeps this LOGGING (request id, redaction, JSON) instead of Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Workbooks (.xlsx) are bounded before any parser reads them (surveys.formats.xlsx_guard): what
# their parts unpack to, their cells' text with each shared string counted once per cell using it,
# and their cells (rows x columns of each sheet, as openpyxl fills them). 4790 responses of the 2022
# questionnaire are under 0.5 million cells and 20 MB; raise these for a larger response import.
XLSX_MAX_UNPACKED_BYTES = env.int("XLSX_MAX_UNPACKED_BYTES", default=50 * 1024 * 1024)
XLSX_MAX_TEXT_CHARS = env.int("XLSX_MAX_TEXT_CHARS", default=20_000_000)
XLSX_MAX_CELLS = env.int("XLSX_MAX_CELLS", default=1_000_000)

# The research API (api/, docs/api.md). Tokens or the browser session; JSON only, errors as
# {"error": {"code", "message"}} in the request's language. The throttle counts per token (per user
# for the session) in the cache, so with Redis every web node shares one count.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/minute")
API_PAGE_SIZE = 100  # responses per page unless `page_size` says otherwise
API_PAGE_SIZE_MAX = 1000
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.TokenBasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_THROTTLE_RATE},
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Saualnama research API",
    "DESCRIPTION": (
        "Surveys, codebooks, microdata, results and exports of Saualnama, read with a personal "
        "API token (Authorization: Token snm_...). Responses come 100 per page by default and at "
        "most 1000 (`page_size`), with a cursor to the next page. See docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No call to swagger.io's online validator: nothing leaves the machine at run time.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.odata_metadata_path",
    ],
}

# --- Health and readiness (health/, docs: /health/live, /health/ready, manage.py check_services) --
INSTALLED_APPS += ["health"]
# Each dependency's check must answer within this many seconds, or it counts as failed.
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=2.0)
# Workers record a heartbeat when they start and every 30 s from beat (health.tasks); readiness
# fails when the last one is older than this.
HEALTH_WORKER_MAX_AGE = env.int("HEALTH_WORKER_MAX_AGE", default=120)
# Off: a missing worker is still reported but does not take web nodes out of the load balancer.
HEALTH_WORKER_REQUIRED = env.bool("HEALTH_WORKER_REQUIRED", default=True)
# /health/ready answers from the last check made in this process when it is younger than this:
# a probe every few seconds sees fresh results, a client hammering the endpoint loads nothing.
HEALTH_READY_CACHE_SECONDS = env.float("HEALTH_READY_CACHE_SECONDS", default=2.0)

# --- Storage (issue 15) ---------------------------------------------------------------------------
# Every user-visible file (exports, stashed imports) goes through Django's storage API, so that on
# several machines a file written by a worker is read by any web node. `local`: FileSystemStorage
# at MEDIA_ROOT (one machine, `make demo`); `s3`: any S3-compatible object store (MinIO, Ceph, AWS)
# through django-storages. Downloads stream through the permission-checked view unless
# S3_SIGNED_URLS, when the view redirects to a presigned URL valid S3_SIGNED_URL_SECONDS.
from django.core.exceptions import ImproperlyConfigured  # noqa: E402  (kept in this block)

STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
S3_SIGNED_URLS = env.bool("S3_SIGNED_URLS", default=False)
S3_SIGNED_URL_SECONDS = env.int("S3_SIGNED_URL_SECONDS", default=60)
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
if STORAGE_BACKEND == "s3":
    STORAGES = {
        **STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env.str("S3_BUCKET"),
                "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
                "region_name": env.str("S3_REGION", default=None),
                "access_key": env.str("S3_ACCESS_KEY_ID", default=None),
                "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=None),
                # Private objects: only a presigned URL (or the view) reads them.
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": S3_SIGNED_URL_SECONDS,
                # SigV4, which MinIO, Ceph and every AWS region accept (v2 is gone from newer ones).
                "signature_version": "s3v4",
                # Names are chosen by us (job ids, random tokens); a re-run replaces its own file.
                "file_overwrite": True,
            },
        },
    }
elif STORAGE_BACKEND != "local":
    raise ImproperlyConfigured(f"STORAGE_BACKEND is 'local' or 's3', not {STORAGE_BACKEND!r}")

# --- Results at scale (issue 18) ----------------------------------------------------------------
# How long the results page trusts its last count of the survey's responses (a COUNT over every
# response, 140 ms at a million) before reading it again: the page may show the snapshot of a few
# seconds ago, which still states exactly what it covers. 0 reads it on every request.
RESULTS_FRESHNESS_SECONDS = env.float("RESULTS_FRESHNESS_SECONDS", default=5.0)
