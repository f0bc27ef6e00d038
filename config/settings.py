"""One settings module; everything that differs between machines comes from the environment.

Environment variables (all optional for the demo):
  CC_ENV            "dev" (default), "demo", "test" or "production"
  CC_SECRET_KEY     required in production
  CC_DATABASE_URL   postgres://user:pass@host:port/name or sqlite:///path (default: PostgreSQL
                    database "chuangcheng" on 127.0.0.1 as user postgres)
  CC_ALLOWED_HOSTS  comma separated
  CC_PUBLIC_URL     the site's public address (https://example.gov.cn), printed in the QR codes of
                    the 明白卡 and the 志愿服务证明 (default: the address of the request)
  CC_DATA_DIR       where uploads, models and the SQLite file live (default ./var)
  CC_HISTORY_KEY    (or CC_HISTORY_KEY_FILE) the history chain's key: required in production
  CC_FIELD_KEYS     (or CC_FIELD_KEYS_FILE) keys encrypting personal data at rest, newest first;
  CC_FIELD_INDEX_KEY (or CC_FIELD_INDEX_KEY_FILE) the key of their blind indexes: both required
                    in production (docs/deployment.md, "Keys")
Security (see docs/deployment.md, "Security"):
  CC_TRUSTED_PROXIES      comma separated addresses/CIDRs of the reverse proxies in front of
                          Django (e.g. 127.0.0.1 for nginx on the same host); X-Forwarded-For
                          is honoured only on requests whose REMOTE_ADDR is one of them
  CC_PROXY_COUNT          further proxies that appended to X-Forwarded-For before the trusted
                          one (default 0: nginx talks to the browsers itself)
  CC_LOGIN_ACCOUNT_LIMIT  failed logins per account before it is locked (default 5)
  CC_LOGIN_ADDRESS_LIMIT  failed logins per client address before it is locked (default 50)
  CC_LOGIN_COOLOFF_MINUTES how long a lock lasts after the last failure (default 15)
  CC_REQUIRE_2FA          "1": the admin and the roles that may reveal phone numbers must
                          confirm a TOTP code (default 1 in production, 0 elsewhere)
  CC_SESSION_IDLE_MINUTES a session ends after this long without a request (default 30)
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ.get("CC_ENV", "dev")
PRODUCTION = ENV == "production"
DATA_DIR = Path(os.environ.get("CC_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("CC_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("CC_SECRET_KEY must be set in production")
    SECRET_KEY = "dev-insecure-" + "x" * 50
# The key of the history's hash chain (HMAC), kept outside the database (core/hashing.py).
CC_HISTORY_KEY = os.environ.get("CC_HISTORY_KEY", "")
CC_HISTORY_KEY_FILE = os.environ.get("CC_HISTORY_KEY_FILE", "")
CC_HISTORY_DEV_KEY_FILE = "" if PRODUCTION else str(DATA_DIR / "history.key")
if PRODUCTION and not (CC_HISTORY_KEY or CC_HISTORY_KEY_FILE):
    raise RuntimeError("CC_HISTORY_KEY or CC_HISTORY_KEY_FILE must be set in production")
# Personal data encrypted at rest (core/crypto.py, ADR 0022): the field keys (first encrypts,
# all decrypt) and the blind-index key, kept outside the database like the history key.
CC_FIELD_KEYS = os.environ.get("CC_FIELD_KEYS", "")
CC_FIELD_KEYS_FILE = os.environ.get("CC_FIELD_KEYS_FILE", "")
CC_FIELD_INDEX_KEY = os.environ.get("CC_FIELD_INDEX_KEY", "")
CC_FIELD_INDEX_KEY_FILE = os.environ.get("CC_FIELD_INDEX_KEY_FILE", "")
CC_FIELD_DEV_KEYS_FILE = "" if PRODUCTION else str(DATA_DIR / "field.keys")
CC_FIELD_DEV_INDEX_KEY_FILE = "" if PRODUCTION else str(DATA_DIR / "field-index.key")
if PRODUCTION and not (CC_FIELD_KEYS or CC_FIELD_KEYS_FILE):
    raise RuntimeError("CC_FIELD_KEYS or CC_FIELD_KEYS_FILE must be set in production")
if PRODUCTION and not (CC_FIELD_INDEX_KEY or CC_FIELD_INDEX_KEY_FILE):
    raise RuntimeError("CC_FIELD_INDEX_KEY or CC_FIELD_INDEX_KEY_FILE must be set in production")
# Where chain heads are anchored outside the database (cases/anchors.py), and how often.
CC_HISTORY_ANCHOR_FILE = os.environ.get(
    "CC_HISTORY_ANCHOR_FILE", str(DATA_DIR / "anchors" / "chain-heads.jsonl")
)
CC_HISTORY_ANCHOR_EVERY = int(os.environ.get("CC_HISTORY_ANCHOR_EVERY", "3600"))
# A task still RUNNING this long after its worker stopped beating is run again (core/worker.py).
CC_TASK_RECLAIM_AFTER = int(os.environ.get("CC_TASK_RECLAIM_AFTER", "600"))
CC_TASK_MAX_ATTEMPTS = int(os.environ.get("CC_TASK_MAX_ATTEMPTS", "3"))
# The demo is shown to people (and probed by them): no debug pages, Chinese error pages.
DEBUG = os.environ.get("CC_DEBUG", "0" if ENV in ("production", "demo") else "1") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("CC_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CC_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
PUBLIC_URL = os.environ.get("CC_PUBLIC_URL", "").strip().rstrip("/")


def _database(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path) or str(DATA_DIR / "demo.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"),
            },
        }
    if parsed.scheme not in ("postgres", "postgresql"):
        raise RuntimeError(f"unsupported CC_DATABASE_URL scheme: {parsed.scheme}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parsed.path.lstrip("/") or "chuangcheng",
        "USER": unquote(parsed.username or "postgres"),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "127.0.0.1",
        "PORT": str(parsed.port or 5432),
        "CONN_MAX_AGE": int(os.environ.get("CC_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
        # JIT compilation costs 70–240 ms on list and ranking queries that run in < 100 ms
        # (measured at 1M orders, bench/README.md): off for this OLTP workload.
        "OPTIONS": {"options": "-c jit=off"},
        "TEST": {"NAME": os.environ.get("CC_TEST_DB_NAME", "test_chuangcheng")},
    }


DATABASES = {
    "default": _database(
        os.environ.get("CC_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chuangcheng")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "chuangcheng.core.task_queue_app.TasksConfig",  # django_tasks_db, named in Chinese
    "chuangcheng.core.third_party_apps.AxesConfig",  # django-axes, named in Chinese
    "django_otp",
    "chuangcheng.core.third_party_apps.TOTPConfig",  # django-otp's TOTP, named in Chinese
    "chuangcheng.core",
    "chuangcheng.org",
    "chuangcheng.cases",
    "chuangcheng.hotline",
    "chuangcheng.citymgmt",
    "chuangcheng.evaluation",
    "chuangcheng.grid",
    "chuangcheng.volunteer",
    "chuangcheng.intelligence",
    "chuangcheng.web",
    "chuangcheng.api",
    "chuangcheng.demo",
]
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    INSTALLED_APPS.append("django.contrib.postgres")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "chuangcheng.web.security.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chuangcheng.web.middleware.RejectNulMiddleware",
    # last: turns a lockout found during authenticate() into the 429 page or JSON
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "chuangcheng.web.context.navigation",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "chuangcheng.web.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
# 工作时: the windows of a working day that clocks counted in working hours run in (local time)
CC_WORK_HOURS = os.environ.get("CC_WORK_HOURS", "08:00-12:00,14:00-18:00")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
CC_UPLOAD_MAX_BYTES = int(os.environ.get("CC_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
CC_MODEL_DIR = DATA_DIR / "models"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("CC_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache"
        if PRODUCTION
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "cc_cache",
    },
    # counters every process must share in every environment (进度查询 failed-attempt
    # limits): the database cache; `manage.py createcachetable` creates its table
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cc_shared_cache",
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "chuangcheng.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "chuangcheng.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "chuangcheng.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "创城 chuangcheng API",
    "DESCRIPTION": "12345 接诉即办 and the case engine behind every loop.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # the schema and API docs are for logged-in users and integrators (tokens), not the public
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # one name per vocabulary of coded values (the schema lists every allowed value)
    "ENUM_NAME_OVERRIDES": {
        "SupervisionLevelEnum": "chuangcheng.hotline.constants.SUPERVISION_LEVELS",
        "AppealTypeEnum": "chuangcheng.hotline.constants.APPEAL_TYPES",
        "UrgencyEnum": "chuangcheng.hotline.constants.URGENCIES",
        "ChannelEnum": "chuangcheng.hotline.constants.CHANNELS",
        "ResolutionEnum": "chuangcheng.hotline.constants.RESOLUTIONS",
        "SatisfactionEnum": "chuangcheng.hotline.constants.SATISFACTIONS",
        "StatusEnum": "chuangcheng.api.schema.STATUS_CHOICES",  # a case's (several "status")
        "EditionStatusEnum": "chuangcheng.evaluation.models.EDITION_STATUSES",
        "InspectionStatusEnum": "chuangcheng.evaluation.models.INSPECTION_STATUSES",
        # a 网格事件's class: the grid API's category and 下派网格's event_class
        "GridEventClassEnum": "chuangcheng.grid.models.EventClass",
    },
}


# Security (production values; `manage.py check --deploy` passes with CC_ENV=production).
def _csv(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


# Login lockout (django-axes, state in the database: every process and the SQLite demo share
# it). Failures only are counted; a lock ends CC_LOGIN_COOLOFF_MINUTES after the last failure.
CC_TRUSTED_PROXIES = _csv("CC_TRUSTED_PROXIES")
CC_PROXY_COUNT = int(os.environ.get("CC_PROXY_COUNT", "0"))
CC_LOGIN_ADDRESS_LIMIT = int(os.environ.get("CC_LOGIN_ADDRESS_LIMIT", "50"))
AXES_HANDLER = "chuangcheng.web.security.LockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("CC_LOGIN_ACCOUNT_LIMIT", "5"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("CC_LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "chuangcheng.web.security.client_ip"
AXES_LOCKOUT_CALLABLE = "chuangcheng.web.security.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "otp"]
AXES_VERBOSE = False

# Second factor (django-otp, TOTP) for the admin and the roles that may reveal phone numbers.
CC_REQUIRE_2FA = os.environ.get("CC_REQUIRE_2FA", "1" if PRODUCTION else "0") == "1"
OTP_TOTP_ISSUER = "创城 12345"

# Sessions end after CC_SESSION_IDLE_MINUTES without a request (each request renews them).
SESSION_COOKIE_AGE = 60 * int(os.environ.get("CC_SESSION_IDLE_MINUTES", "30"))
SESSION_SAVE_EVERY_REQUEST = True


# Content-Security-Policy on every response: scripts and styles from this site only (the
# vendored ECharts, Leaflet and htmx are static files); style attributes stay allowed because
# ECharts and Leaflet write them. Map tiles may come from the configured tile server.
def _tile_source(template: str) -> list[str]:
    """The origin of the tile URL template; a placeholder in the host name ({s}, t{s}: the
    tile server's numbered mirrors) widens its first label to a wildcard."""
    parsed = urlparse(template)
    if not parsed.netloc:
        return []
    host = parsed.netloc
    if "{" in host:
        host = "*." + host.split(".", 1)[1]
    return [f"{parsed.scheme}://{host}"]


SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", *_tile_source(os.environ.get("CC_MAP_TILES", ""))],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("CC_SSL_REDIRECT", "1") == "1"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("CC_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CC_LOG_LEVEL", "WARNING")},
}

# Map bounds of the city: intake refuses coordinates outside them (呼和浩特 by default).
CC_CITY_BOUNDS = tuple(
    float(x) for x in os.environ.get("CC_CITY_BOUNDS", "110.4,40.4,112.3,41.4").split(",")
)  # min_lng, min_lat, max_lng, max_lat
# Map tiles: a 天地图 key (vector map + Chinese labels, https://console.tianditu.gov.cn), or any
# XYZ URL template ({s} {z} {x} {y}); with neither, maps draw the city's own street and
# community outlines (works offline). The key is a browser key: it is sent to the browser.
CC_MAP_TIANDITU_KEY = os.environ.get("CC_MAP_TIANDITU_KEY", "")
CC_MAP_TILES = os.environ.get("CC_MAP_TILES", "")  # e.g. https://{s}.tile.example/{z}/{x}/{y}.png
CC_MAP_SUBDOMAINS = os.environ.get("CC_MAP_SUBDOMAINS", "abc")  # the {s} of CC_MAP_TILES
CC_MAP_ATTRIBUTION = os.environ.get("CC_MAP_ATTRIBUTION", "")  # shown in the map's corner

# The covering indexes on Case (INCLUDE columns) are a PostgreSQL feature; SQLite (demo only)
# builds them without the extra columns, which is fine there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
