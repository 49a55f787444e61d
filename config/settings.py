"""Fangkong settings: one file, every knob from the environment (see .env.example)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"environment variable {name} is required")
    return value


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# "production" switches on HTTPS-only cookies, HSTS and friends (manage.py check --deploy is clean).
PRODUCTION = envbool("FANGKONG_PRODUCTION", False)
DEBUG = envbool("DEBUG", not PRODUCTION)
VAR_DIR = Path(env("FANGKONG_VAR_DIR", str(BASE_DIR / "var")))
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)  # SQLite file and collected static

if PRODUCTION:
    SECRET_KEY = env("SECRET_KEY")
else:
    SECRET_KEY = env("SECRET_KEY", "dev-insecure-not-for-production-" + "x" * 32)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env("SITE_URL", f"http://localhost:{env('PORT', '8000')}")  # links in SMS, QR codes, demo output

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "fangkong.core",
    "fangkong.orgs",
    "fangkong.addresses",
    "fangkong.booking",
    "fangkong.pickup",
    "fangkong.office",
    "fangkong.supplies",
    "fangkong.training",
    "fangkong.exchange",
    "fangkong.screening",
    "fangkong.activity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fangkong.activity.middleware.ActivityMiddleware",  # one write per user, module and day
]

ROOT_URLCONF = env("ROOT_URLCONF", "config.urls")
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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: SQLite by default (embedded, zero setup), PostgreSQL in production via DATABASE_URL,
# e.g. postgres://postgres@127.0.0.1:5432/fangkong
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fangkong.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions let the web server and the worker write side by side.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # One test database file per test process, so parallel runs never share one.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"
# Django's ModelBackend with a hand-written user load (fangkong/core/auth_backends.py); Django's own
# stays listed so sessions that name it remain valid.
AUTHENTICATION_BACKENDS = ["fangkong.core.auth_backends.FastModelBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Cache: shared between processes (rate limits, OTP throttles). Database table by default,
# Redis in production via CACHE_URL=redis://127.0.0.1:6379/1
CACHE_URL = env("CACHE_URL", "")
if CACHE_URL.startswith("redis://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "fangkong_cache"}
    }
RATELIMIT_ENABLE = envbool("RATELIMIT_ENABLE", True)
RATELIMIT_VIEW = "fangkong.core.views.ratelimited"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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
MEDIA_ROOT = VAR_DIR / "media"

# Exports: up to EXPORT_SYNC_MAX_ROWS rows stream straight to the browser; larger ones run in
# the worker (files under MEDIA_ROOT/exports, deleted after EXPORT_KEEP_HOURS).
EXPORT_SYNC_MAX_ROWS = envint("EXPORT_SYNC_MAX_ROWS", 20000)
EXPORT_KEEP_HOURS = envint("EXPORT_KEEP_HOURS", 24)

# Background jobs: django-tasks with its database backend. Enqueueing writes a row in the same
# transaction as the data that caused it, so a job exists if and only if its cause committed.
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "sms", "email"],
    }
}

# Messaging. SMS_BACKEND: "outbox" (demo default: recorded in the database and readable at
# /dev/outbox/), "console", "aliyun" (Alibaba Cloud SMS), or a dotted path to a gateway class.
SMS_BACKEND = env("SMS_BACKEND", "outbox")
SMS_SIGN_NAME = env("SMS_SIGN_NAME", "浦东防控")
SMS_PER_PHONE_PER_HOUR = envint("SMS_PER_PHONE_PER_HOUR", 10)
SMS_PER_PHONE_PER_DAY = envint("SMS_PER_PHONE_PER_DAY", 20)
SMS_MAX_ATTEMPTS = envint("SMS_MAX_ATTEMPTS", 8)
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
ALIYUN_ACCESS_KEY_ID = env("ALIYUN_ACCESS_KEY_ID", "")
ALIYUN_ACCESS_KEY_SECRET = env("ALIYUN_ACCESS_KEY_SECRET", "")
# Provider template codes, one per message template of ours (JSON object), e.g.
# {"booking_created": "SMS_123456789", "booking_unresolved": "SMS_123456790", "lookup_code": "SMS_987654321"}
SMS_TEMPLATE_CODES = env("SMS_TEMPLATE_CODES", "{}")
OUTBOX_STALE_SECONDS = envint("OUTBOX_STALE_SECONDS", 120)

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@fangkong.local")

# Screening work orders (fangkong.screening): hours to accept and to report a result, per order
# type, counted from the order's creation (accept: from routing to a committee).
SCREENING_CLOCKS = {
    "home_check": {"accept_hours": 2.0, "result_hours": 24.0},
    "symptom_check": {"accept_hours": 0.5, "result_hours": 4.0},
    "hotline_check": {"accept_hours": 2.0, "result_hours": 24.0},
}
# Reference files a screening run uses when the upload page is not given them (paths; blank: must upload).
# Default: the full Pudong file beside the checkout when there is one, else the demo towns' rooms
# the project ships (the same format), so a fresh machine can run the demo screening end to end.
_SHARED_STANDARD = BASE_DIR.parent / "shared" / "data" / "standard_addresses.csv.gz"
SCREENING_STANDARD_PATH = env("SCREENING_STANDARD_PATH", str(
    _SHARED_STANDARD if _SHARED_STANDARD.exists() else BASE_DIR / "fangkong" / "addresses" / "data" / "demo_addresses.csv.gz"))
SCREENING_REFERENCE_DIR = env("SCREENING_REFERENCE_DIR", "")
SCREENING_ENGINE = env("SCREENING_ENGINE", "duckdb")
# 天地图 (map.tianditu.gov.cn) browser key for the work-order map's tiles; blank: no tiles, markers
# on a plain background (the map still works).
TIANDITU_KEY = env("TIANDITU_KEY", "")

# Resident look-up one-time codes.
OTP_TTL_SECONDS = envint("OTP_TTL_SECONDS", 600)
OTP_MAX_TRIES = envint("OTP_MAX_TRIES", 5)

SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, loaded with one fixed SELECT instead of the ORM (fangkong/core/sessions.py).
SESSION_ENGINE = "fangkong.core.sessions"
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "fangkong.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# 文件交换/邮件 (fangkong/exchange): the largest file one may send or attach, in MB.
EXCHANGE_MAX_FILE_MB = envint("EXCHANGE_MAX_FILE_MB", 50)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
