"""The one settings module: everything that differs between deployments comes
from the environment, with safe local defaults (SQLite in the project folder,
local media, debug off unless asked for)."""

import datetime
import os
import secrets
import subprocess
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

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
    # The admin, whose change lists filter only by their declared filters (documents/apps.py, documents/admin/site.py).
    "documents.apps.ArchiveAdminConfig",
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
    # Versions of the archive's records: history, revert, recover (documents/history/recording.py).
    "reversion",
    # The admin's sign-in throttle (documents/admin/login_throttle.py): its counts are tables made by migrate.
    "axes",
    "documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files with hashed names and far-future caching, answered before anything else runs.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # /healthz, before the host is checked: load balancers probe by address (documents/ops/health.py).
    "documents.ops.health.HealthCheckMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before CommonMiddleware, so that its redirects carry the CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Staff answers private, API answers varying by Authorization (documents/web/headers.py).
    "documents.web.headers.CacheHeadersMiddleware",
    # Answers a sign-in that django-axes locked out (documents/admin/login_throttle.py); last, as axes asks.
    "axes.middleware.AxesMiddleware",
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
                "documents.web.context_processors.archive",
            ],
        },
    },
]

WSGI_APPLICATION = "archive_project.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Each worker keeps its connection for a minute instead of opening one per request; the
        # health check before reuse replaces a connection that a database restart broke, so the
        # restart costs no request a 500.
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}


# Web processes only: archive_project/wsgi.py sets the defaults, so that migrate, backups and other
# long management commands run without limits unless these are set (docs/reliability.md, "Timeouts").
# A statement running longer is cancelled by the server (and answered 503, documents/ops/unavailable.py)...
PG_STATEMENT_TIMEOUT = float(os.environ.get("DJANGO_PG_STATEMENT_TIMEOUT", "0"))
# ...and a command without an answer this long means the server has stopped answering at all: the
# connection is closed, and the request answers 503 (documents/ops/postgresql/base.py). 0: wait for ever.
PG_ANSWER_TIMEOUT = float(os.environ.get("DJANGO_PG_ANSWER_TIMEOUT", "0"))


def tune_postgresql(database):
    """A common word's matches and a facet's documents run to hundreds of thousands of rows: with
    PostgreSQL's default 4 MB their bitmaps go lossy and every row's search vector is read again
    (3.9 s instead of 1.0 s for 505,000 matches in docs/benchmarks.md).

    Search vectors are stored out of line (TOAST), so the search table looks small to the planner
    and, at the default random_page_cost of 4 (spinning disks), it reads every vector rather than
    its GIN index to find a common word: 359 ms instead of 24 ms for 25,729 matches among 100,000
    documents. 1.1 is the usual value for SSD and cloud storage, where random reads cost about as
    much as sequential ones."""
    if database["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, with connections that stop waiting for a server that stops answering.
        database["ENGINE"] = "documents.ops.postgresql"
        database["ANSWER_TIMEOUT"] = PG_ANSWER_TIMEOUT or None
        database.setdefault("OPTIONS", {})["options"] = (
            f"-c work_mem={os.environ.get('DJANGO_PG_WORK_MEM', '64MB')}"
            f" -c random_page_cost={os.environ.get('DJANGO_PG_RANDOM_PAGE_COST', '1.1')}"
            f" -c statement_timeout={PG_STATEMENT_TIMEOUT * 1000:.0f}"
        )
        # A server that does not answer (host down, packets dropped) fails the connection in this many
        # seconds and the request with the 503 page (documents/ops/unavailable.py), instead of hanging a worker
        # for the operating system's TCP timeout of minutes. A refused connection fails at once anyway.
        database["OPTIONS"].setdefault("connect_timeout", int(os.environ.get("DJANGO_PG_CONNECT_TIMEOUT", "3")))
        # A host that vanishes (powered off, cut off): TCP keepalives find an idle connection dead within
        # about 20 s, and data sent that the host does not acknowledge fails the connection after 10 s,
        # instead of the operating system's minutes (libpq's keepalives* and tcp_user_timeout).
        tcp = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 2}
        database["OPTIONS"] = tcp | {"tcp_user_timeout": 10_000} | database["OPTIONS"]


tune_postgresql(DATABASES["default"])


def tune_sqlite(database):
    """Several gunicorn workers write to one SQLite file (make serve). WAL lets readers go on while one
    writer commits; IMMEDIATE takes the write lock when a transaction begins, so two writers queue on
    the busy timeout instead of one failing with "database is locked" when its read lock cannot be
    upgraded; the timeout (seconds) is how long a writer waits its turn before its request answers 503
    (docs/reliability.md)."""
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("OPTIONS", {}).update(
            init_command="PRAGMA journal_mode=WAL",
            transaction_mode="IMMEDIATE",
            timeout=float(os.environ.get("DJANGO_SQLITE_TIMEOUT", "20")),
        )


tune_sqlite(DATABASES["default"])

# Read replicas (docs/deployment.md, "Past one machine"): DATABASE_REPLICA_URLS lists them, comma-separated,
# as aliases replica1, replica2, …; documents/ops/routers.py sends reads to them and writes to the primary, and
# keeps staff and anyone who has just written on the primary for DATABASE_PIN_SECONDS. In tests each replica
# mirrors the test database.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _alias = f"replica{_number}"
    DATABASES[_alias] = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    tune_postgresql(DATABASES[_alias])
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
DATABASE_PIN_SECONDS = int(os.environ.get("DATABASE_PIN_SECONDS", "10"))
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["documents.ops.routers.ReplicaRouter"]
    # After AuthenticationMiddleware: it asks request.user whether the reader is staff.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "documents.ops.routers.PinPrimaryMiddleware",
    )


# The search index (docs/search.md): a directory per app host, beside the database it is made from
# (an SQLite file's index sits next to the file; a PostgreSQL database's in the project folder, by
# the database's name), so that two databases never share one.
def _search_index_dir(database):
    if database["ENGINE"] == "django.db.backends.sqlite3" and database["NAME"] not in ("", ":memory:"):
        return f"{database['NAME']}.search-index"
    return str(BASE_DIR / f"search-index-{database['NAME'] or 'memory'}")


SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR") or _search_index_dir(DATABASES["default"])
# How often (seconds) a process checks, before a search, whether other processes or hosts have committed
# changes its index has not applied yet: a reader sees any save within this time.
SEARCH_SYNC_INTERVAL = float(os.environ.get("SEARCH_SYNC_INTERVAL", "1"))

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

# Static files looked up in the apps' folders on each request, without collectstatic: debug, and the
# tests (tests/settings.py). Otherwise collectstatic's copies under hashed names, cached for ever.
STATIC_FROM_APPS = env_bool("DJANGO_STATIC_FROM_APPS", DEBUG)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# With debug off, static files are served by whitenoise from STATIC_ROOT (filled by collectstatic)
# under content-hashed names, so they can be cached for ever. Debug and the tests use the files
# where they lie: neither needs collectstatic.
STORAGES = {
    # Uploads: a write that fails part-way (a full disk) leaves nothing (documents/files/storage.py).
    "default": {"BACKEND": "documents.files.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if STATIC_FROM_APPS
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = STATIC_FROM_APPS
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

# Media in an S3-compatible bucket instead of MEDIA_ROOT (docs/deployment.md, "Past one machine"), with
# django-storages. Public files are addressed by AWS_S3_CUSTOM_DOMAIN (a CDN) when set; scans go to a private
# bucket (AWS_SCANS_BUCKET_NAME, else the same bucket under scans/) and are still served by the view that
# checks the document (docs/media.md). The keys are read by boto3 from AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY (or its other credential sources), never from this file.
MEDIA_STORAGE = os.environ.get("DJANGO_MEDIA_STORAGE", "filesystem").strip().lower()
if MEDIA_STORAGE == "s3":
    _s3 = {
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "file_overwrite": False,
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "location": os.environ.get("AWS_MEDIA_LOCATION", ""),
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
        },
    }
    STORAGES["scans"] = {
        "BACKEND": "documents.files.storage_s3.S3ScanStorage",
        "OPTIONS": {
            **_s3,
            "bucket_name": os.environ.get("AWS_SCANS_BUCKET_NAME") or os.environ["AWS_STORAGE_BUCKET_NAME"],
            "location": os.environ.get(
                "AWS_SCANS_LOCATION", "" if os.environ.get("AWS_SCANS_BUCKET_NAME") else "scans"
            ),
            "default_acl": "private",
            "custom_domain": None,
            "querystring_auth": True,
        },
    }
elif MEDIA_STORAGE != "filesystem":
    raise ValueError(f"DJANGO_MEDIA_STORAGE must be 'filesystem' or 's3', not {MEDIA_STORAGE!r}")

# The name that pages, citations and feeds show; an institution sets its own.
ARCHIVE_NAME = os.environ.get("ARCHIVE_NAME", "Digital Archive")
ARCHIVE_DESCRIPTION = os.environ.get(
    "ARCHIVE_DESCRIPTION",
    "Declassified cables, memoranda of conversation, letters and reports, "
    "translated and published for research and teaching.",
)
# Where readers write about rights and reuse: rights texts link to it (documents/templatetags/archive_html.py).
ARCHIVE_CONTACT_EMAIL = os.environ.get("ARCHIVE_CONTACT_EMAIL", "archive@example.org")

# How documents are cited: the page's "Cite this document" and its BibTeX, RIS and CSL-JSON
# downloads (documents/citations/formats.py, docs/citations.md). The style is Chicago for archival material.
CITATION = {
    # Chicago sets the name of a website or database in roman (CMOS 14.206); true sets it in italics.
    "ITALIC_ARCHIVE_NAME": env_bool("CITATION_ITALIC_ARCHIVE_NAME", False),
    # What a citation says in place of a date for an undated document.
    "UNDATED": os.environ.get("CITATION_UNDATED", "n.d."),
    # The access date, as Django's date filter formats it ("Accessed November 30, 2026").
    "ACCESSED_FORMAT": os.environ.get("CITATION_ACCESSED_FORMAT", "F j, Y"),
    # BibTeX keys and CSL ids are this prefix and the record id, e.g. "archive121773".
    "KEY_PREFIX": os.environ.get("CITATION_KEY_PREFIX", "archive"),
}

# Scans larger than this are refused before Pillow decodes them (decompression bombs).
# The default stays under Pillow's own decompression-bomb warning (about 89 million pixels).
SCAN_MAX_PIXELS = int(os.environ.get("SCAN_MAX_PIXELS", str(80_000_000)))
# Uploads larger than this many bytes are refused before they are opened.
SCAN_MAX_BYTES = int(os.environ.get("SCAN_MAX_BYTES", str(50 * 1024 * 1024)))
# All the new scans of one request together (the several-scans page, the document form's rows): each
# is decoded in turn, and this bounds how long the request takes (documents/files/images.py).
SCAN_REQUEST_MAX_PIXELS = int(os.environ.get("SCAN_REQUEST_MAX_PIXELS", str(400_000_000)))
# Pillow format names accepted for scans: the originals are kept as uploaded, readers see JPEG derivatives.
SCAN_FORMATS = ["JPEG", "PNG", "TIFF", "WEBP", "GIF"]
# Scans are not public files: they live here (default: MEDIA_ROOT/scans) and are served by a view that
# checks the document is published (see docs/media.md). Keep this folder out of the web server's /media/.
SCAN_ROOT = os.environ.get("DJANGO_SCAN_ROOT", "")
# Behind nginx, the internal location that serves SCAN_ROOT: the view then answers with X-Accel-Redirect.
SCAN_ACCEL_REDIRECT = os.environ.get("DJANGO_SCAN_ACCEL_REDIRECT", "")
# The same for the other media files (PDFs, logos, collection images) under MEDIA_ROOT (docs/media.md).
MEDIA_ACCEL_REDIRECT = os.environ.get("DJANGO_MEDIA_ACCEL_REDIRECT", "")
DOCUMENTS_PER_PAGE = 20

# The cache that every app server process shares: Redis when REDIS_URL is set, else a table in the
# database (made by migration 0013). The API's and the sign-in's throttles keep their counts here, so a
# limit holds across processes and hosts; a per-process memory cache would multiply it.
# "pages" holds page fragments and facet counts (documents/ops/page_cache.py): Redis too when set, else each
# process's memory (its keys carry the archive's stamp read from the database, so a process never serves
# what another one changed). With Redis down the site works uncached: documents/ops/cache.py.
# docs/deployment.md, "Caching".
REDIS_URL = os.environ.get("REDIS_URL", "")
# Page fragments may go to a Redis of their own, with maxmemory and an LRU eviction policy, while the
# throttle counts stay where nothing is evicted (docs/deployment.md, "Caching").
REDIS_PAGES_URL = os.environ.get("REDIS_PAGES_URL", REDIS_URL)
# Seconds a Redis call may take to connect or answer before the site gives up on Redis for a while.
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.25"))
# How long a cached page fragment lives; a change to the archive makes it unreachable at once anyway.
PAGE_CACHE_TIMEOUT = int(os.environ.get("PAGE_CACHE_TIMEOUT", "3600"))


def _git_commit():
    """The commit checked out in the project folder, or "" (no git, not a clone)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


# The release this code is, read once at start-up: ARCHIVE_RELEASE (a version or a commit, set by the
# deployment), else the commit checked out. Page fragments are cached per release, so hosts running the
# same release share them and a new release never serves what the old templates rendered
# (documents/ops/page_cache.py). Unknown (""), a shared page cache warns in `check --deploy`.
RELEASE = os.environ.get("ARCHIVE_RELEASE", "").strip() or _git_commit()
if REDIS_URL:
    _redis = {
        "BACKEND": "documents.ops.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
    }
    CACHES = {
        "default": _redis,
        "pages": {**_redis, "LOCATION": REDIS_PAGES_URL, "KEY_PREFIX": "pages", "TIMEOUT": PAGE_CACHE_TIMEOUT},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "archive_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "archive-pages",
            "TIMEOUT": PAGE_CACHE_TIMEOUT,
            "OPTIONS": {"MAX_ENTRIES": 1_000},
        },
    }

# --- Abuse and bad input (docs/security.md) ---
# Admin sign-in throttling by django-axes (documents/admin/login_throttle.py, docs/security.md): after
# LOGIN_THROTTLE_FAILURES failed attempts for one user name or from one client address (told apart as
# the API throttle does, by REMOTE_ADDR or API_NUM_PROXIES), sign-in is refused until
# LOGIN_THROTTLE_LOCKOUT seconds have passed since the last failure, even with the right password.
# The counts are axes' AccessAttempt rows in the database.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked name or address before any password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_THROTTLE_FAILURES", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(seconds=int(os.environ.get("LOGIN_THROTTLE_LOCKOUT", str(15 * 60))))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks, each counted on its own
AXES_CLIENT_IP_CALLABLE = "documents.admin.login_throttle.client_address"
AXES_USERNAME_CALLABLE = "documents.admin.login_throttle.user_name"
AXES_HANDLER = "documents.admin.login_throttle.SignInAttempts"
AXES_RESET_ON_SUCCESS = True  # the name's failures only (SignInAttempts)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # tries while locked do not extend the lock
AXES_LOCKOUT_CALLABLE = "documents.admin.login_throttle.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # failures are kept until their cool-off ends; successful sign-ins are not logged
AXES_VERBOSE = False  # no banner on every manage.py command; failures are still logged, names and addresses masked
# Request limits: a body beyond them is answered 400 before any view reads it. The body limit counts
# everything but uploaded files (a long translation in the admin is well under it); scans have their
# own limits (SCAN_MAX_BYTES); the file count matches the admin's multiple scan upload (100 files).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(10 * 1024 * 1024)))
# The admin's document form with its inlines (up to 100 scans, people, relations) stays far below this.
DATA_UPLOAD_MAX_NUMBER_FIELDS = int(os.environ.get("DATA_UPLOAD_MAX_NUMBER_FIELDS", "5000"))
DATA_UPLOAD_MAX_NUMBER_FILES = int(os.environ.get("DATA_UPLOAD_MAX_NUMBER_FILES", "100"))
# Uploads larger than this are streamed to a temporary file instead of held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", str(2_621_440)))
# After signing in without a `next` (or with one that leads off the site) curators land in the admin:
# the site has no other page for signed-in users (Django's default is /accounts/profile/).
LOGIN_REDIRECT_URL = "admin:index"
LOGIN_URL = "admin:login"
# --- end of abuse and bad input ---

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
    # An empty ?format= is an unknown format (404), as the schema says (documents/api/renderers.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "documents.api.renderers.ContentNegotiation",
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
        "documents.api.schema.request_rules",
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

# HTTPS and security headers (docs/deployment.md). With debug off the site is HTTPS-only unless
# DJANGO_HTTPS=0 says otherwise (make serve on 127.0.0.1; a site that must answer plain HTTP).
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    # Load balancers probe over plain HTTP (documents/ops/health.py).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    # Joining the browsers' preload list is the domain owner's decision, and hard to undo.
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [
        # Warnings for choices made explicitly in the environment, not for defaults forgotten.
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]
elif not DEBUG:
    # DJANGO_HTTPS=0: whatever stands in front (or nothing, on a laptop) owns HTTPS, HSTS and
    # cookie flags, so Django's warnings about them are silenced on purpose.
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]
# Set only when every request passes through a proxy of ours that sets X-Forwarded-Proto: a
# client could otherwise claim HTTPS.
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy for every page, admin included (Django 6's admin has no inline script or
# style): scripts, styles and everything else only from this site, no inline code. Images may also
# be data: URIs (icons in the admin's and the API docs' CSS).
csp_policy = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Django's debug pages have inline styles and scripts: with debug on, the policy only reports (in
# the browser's console) what it would block.
if DEBUG:
    SECURE_CSP_REPORT_ONLY = csp_policy
else:
    SECURE_CSP = csp_policy

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# OAI-PMH at /oai/ (docs/oai-pmh.md). Item identifiers are oai:<OAI_REPOSITORY_IDENTIFIER>:<record id>:
# set it to the archive's domain name so that they never change; empty, the host of each request is used.
OAI_REPOSITORY_IDENTIFIER = os.environ.get("OAI_REPOSITORY_IDENTIFIER", "")
# Identify must name at least one administrator's address.
OAI_ADMIN_EMAILS = env_list("OAI_ADMIN_EMAILS", "archive@example.org")
# Records (or headers) per ListRecords / ListIdentifiers response; the rest follow by resumption token.
OAI_PAGE_SIZE = int(os.environ.get("OAI_PAGE_SIZE", "100"))
