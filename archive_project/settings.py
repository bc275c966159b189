"""The one settings module: everything that differs between deployments comes
from the environment, with safe local defaults (SQLite in the project folder,
local media, debug off unless asked for)."""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

# Without DJANGO_SECRET_KEY a development server gets a fixed key (sessions survive its
# reloads); anything else gets a random key per process, which is safe but logs everyone
# out on restart. `manage.py check --deploy` warns about it (documents.W001).
SECRET_KEY_FROM_ENVIRONMENT = bool(os.environ.get("DJANGO_SECRET_KEY"))
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    "insecure-local-development-key-never-use-in-production" if DEBUG else secrets.token_urlsafe(50)
)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "django_filters",
    "rest_framework",
    # API tokens for staff programs (manage.py drf_create_token NAME); docs/api.md, Writing.
    "rest_framework.authtoken",
    # The API's OpenAPI schema and its browsable docs, from our own static files (no CDN).
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    # Versions of the archive's records: history, revert, recover (documents/history.py).
    "reversion",
    "documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before CommonMiddleware, so that its redirects carry the CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "archive_project.urls"

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
                "documents.context_processors.archive",
            ],
        },
    },
]

WSGI_APPLICATION = "archive_project.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A common word's matches and a facet's documents run to hundreds of thousands of rows:
    # with PostgreSQL's default 4 MB their bitmaps go lossy and every row's search vector is
    # read again (3.9 s instead of 1.0 s for 505,000 matches in docs/benchmarks.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c work_mem={os.environ.get('DJANGO_PG_WORK_MEM', '64MB')}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

# The name that pages, citations and feeds show; an institution sets its own.
ARCHIVE_NAME = os.environ.get("ARCHIVE_NAME", "Digital Archive")
ARCHIVE_DESCRIPTION = os.environ.get(
    "ARCHIVE_DESCRIPTION",
    "Declassified cables, memoranda of conversation, letters and reports, "
    "translated and published for research and teaching.",
)

# Scans larger than this are refused before Pillow decodes them (decompression bombs).
# The default stays under Pillow's own decompression-bomb warning (about 89 million pixels).
SCAN_MAX_PIXELS = int(os.environ.get("SCAN_MAX_PIXELS", str(80_000_000)))
# Uploads larger than this many bytes are refused before they are opened.
SCAN_MAX_BYTES = int(os.environ.get("SCAN_MAX_BYTES", str(50 * 1024 * 1024)))
# Pillow format names accepted for scans: the originals are kept as uploaded, readers see JPEG derivatives.
SCAN_FORMATS = ["JPEG", "PNG", "TIFF", "WEBP", "GIF"]
# Scans are not public files: they live here (default: MEDIA_ROOT/scans) and are served by a view that
# checks the document is published (see docs/media.md). Keep this folder out of the web server's /media/.
SCAN_ROOT = os.environ.get("DJANGO_SCAN_ROOT", "")
# Behind nginx, the internal location that serves SCAN_ROOT: the view then answers with X-Accel-Redirect.
SCAN_ACCEL_REDIRECT = os.environ.get("DJANGO_SCAN_ACCEL_REDIRECT", "")
DOCUMENTS_PER_PAGE = 20

# The cache that every app server process shares: Redis when REDIS_URL is set, else a table in the
# database (made by migration 0013). The API's throttle keeps its counts here, so a limit holds
# across processes and hosts; a per-process memory cache would multiply it.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "archive_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# The REST API at /api/v1/ (documents/api/, docs/api.md).
REST_FRAMEWORK = {
    # Staff programs send "Authorization: Token …"; a logged-in browser's session works too (with CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reads for everyone; the viewsets that add writes set their own permissions.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["documents.api.throttling.AnonymousThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("API_ANON_RATE", "120/minute")},
    # The client's address is REMOTE_ADDR unless this many proxies of ours stand in front (then the
    # address they saw, from the right of X-Forwarded-For): a client cannot reset its limit with a
    # made-up X-Forwarded-For.
    "NUM_PROXIES": int(os.environ.get("API_NUM_PROXIES", "0")),
    "EXCEPTION_HANDLER": "documents.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "documents.api.schema.AutoSchema",
}

# The OpenAPI schema at /api/v1/schema/ (documents/api/schema.py describes what the views cannot say).
SPECTACULAR_SETTINGS = {
    "TITLE": "Archive of historical documents API",
    "VERSION": "1",
    "DESCRIPTION": (
        "What an anonymous reader sees on the site, as JSON (CSV for lists, JSON Lines for the bulk "
        "export). Versioned: fields may be added to v1, none is renamed or removed. Errors have one "
        'shape: {"error": {"status", "code", "message", "fields"}}. The guide is docs/api.md.'
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["documents.api.schema.skip_catch_all"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "documents.api.schema.optional_selected_fields",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PersonKindEnum": "documents.models.Person.Kind",
        "AliasKindEnum": "documents.models.PersonAlias.Kind",
    },
}

# CORS: any origin may read the API without credentials (Access-Control-Allow-Origin: *).
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After", "Link"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
