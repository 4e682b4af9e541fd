"""GigBook settings: one module, driven by environment variables (see .env.example).

With no DATABASE_URL/REDIS_URL the app runs in *embedded demo mode*: SQLite, a filesystem Celery
broker, console email/SMS and DEBUG on. With them set it runs on PostgreSQL and Redis.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("GIGBOOK_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

EMBEDDED = not env.str("DATABASE_URL", default="")
DEBUG = env.bool("DEBUG", default=EMBEDDED)

_DEV_SECRET = "dev-only-insecure-secret-key-used-in-embedded-demo-mode-never-in-prod"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 50 characters when DEBUG is off "
        "(DATABASE_URL is set, so this is not the embedded demo). To run the demo on PostgreSQL/Redis, "
        "say so explicitly: DEBUG=1 make run. In production, set SECRET_KEY (see .env.example)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "gigbook.accounts.admin_apps.GigBookAdminConfig",  # django.contrib.admin with sign-in limits and TOTP
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "gigbook.core",
    "gigbook.accounts",
    "gigbook.notifications",
    "gigbook.exchange",
    "musicians",
    "musicians.calendar_import",
    "bookings",
    "bookings.gigrequests",
    "bookings.callsheets",
    "bookings.engagements",
    "trust",
    "billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages on a phone connection: HTML compressed (static files come precompressed from WhiteNoise).
    # Django pads gzip output at random against BREACH, and CSRF tokens are masked per response.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "gigbook.accounts.middleware.UserTimezoneMiddleware",
]

ROOT_URLCONF = "gigbook.urls"
WSGI_APPLICATION = "gigbook.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gigbook.core.context_processors.site",
                "gigbook.notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if EMBEDDED:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "gigbook.sqlite3",
            # WAL lets readers and a writer work at once; IMMEDIATE transactions take the write lock
            # up front, so the web server and the worker queue for it instead of failing with
            # "database is locked" when a read transaction tries to upgrade.
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
else:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    # A new PostgreSQL connection per request costs more than the query; health checks make a
    # reused connection survive a database restart.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction pooling mode a server connection changes hands between
    # transactions: no server-side cursors (they outlive a transaction), no session state.
    DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
    if DATABASE_POOLER not in ("", "pgbouncer"):
        raise ImproperlyConfigured("DATABASE_POOLER must be empty or 'pgbouncer'.")
    if DATABASE_POOLER == "pgbouncer":
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # Reads that may lag (directory search, public profiles) go to a streaming replica when one is
    # configured; see gigbook/core/db.py for which reads and for read-your-writes.
    _replica_url = env.str("DATABASE_REPLICA_URL", default="")
    if _replica_url:
        DATABASES["replica"] = {
            **env.db_url_config(_replica_url),
            "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
            "CONN_HEALTH_CHECKS": True,
            "DISABLE_SERVER_SIDE_CURSORS": DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS", False),
            # The test runner must not create a second test database for it.
            "TEST": {"MIRROR": "default"},
        }
        DATABASE_ROUTERS = ["gigbook.core.db.ReplicaRouter"]
        MIDDLEWARE.append("gigbook.core.db.ReplicaReadsMiddleware")
# A person who has just written reads from the primary for this many seconds (replica lag bound).
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache (rate limits, clock override in tests) ------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # File-based so the web server processes and the worker share rate-limit counters in the demo.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3
# Login, token and password-reset attempts allowed per window, per client address and per account.
AUTH_RATE_LIMIT = env.str("AUTH_RATE_LIMIT", default="10/m")
# Staff must give a TOTP code at the admin sign-in (enrol at /account/two-factor/). Off in the demo.
STAFF_REQUIRE_OTP = env.bool("STAFF_REQUIRE_OTP", default=not DEBUG)
OTP_TOTP_ISSUER = "GigBook"

# --- I18N / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# MEDIA_STORAGE=s3 keeps uploads in an S3-compatible bucket (AWS, MinIO, Ceph, R2...), so every web
# node serves the same files. The bucket stays private: photos get signed URLs valid for an hour,
# booking materials signed URLs valid for MATERIALS_URL_SECONDS, handed out only after the party check.
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local")
MATERIALS_URL_SECONDS = env.int("MATERIALS_URL_SECONDS", default=60)
if MEDIA_STORAGE == "s3":
    _s3 = {
        "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
        "signature_version": "s3v4",
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "media", "querystring_expire": 3600},
    }
    STORAGES["materials"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "private/materials", "querystring_expire": MATERIALS_URL_SECONDS},
    }
elif MEDIA_STORAGE != "local":
    raise ImproperlyConfigured("MEDIA_STORAGE must be 'local' or 's3'.")
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email and SMS --------------------------------------------------------------------------
# e.g. smtp+tls://user:password@smtp.example.com:587; production without it uses a local MTA.
_EMAIL_URL = env.str("EMAIL_URL", default="" if DEBUG else "smtp://localhost:25")
if _EMAIL_URL:
    _email = environ.Env.email_url_config(_EMAIL_URL)
    _email_options = {
        "host": _email.get("EMAIL_HOST"),
        "port": _email.get("EMAIL_PORT"),
        "username": _email.get("EMAIL_HOST_USER") or None,
        "password": _email.get("EMAIL_HOST_PASSWORD") or None,
        "use_tls": bool(_email.get("EMAIL_USE_TLS")),
        "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
        "timeout": env.int("EMAIL_TIMEOUT", default=15),
    }
    if _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
        _email_options = {"file_path": _email.get("EMAIL_FILE_PATH")}
    elif not _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
        _email_options = {}
    MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="GigBook <no-reply@gigbook.test>")
# The demo writes each SMS to a file in var/sms/ (and the log), so its links can be opened.
SMS_BACKEND = env.str(
    "SMS_BACKEND",
    default="gigbook.notifications.sms.FileSMSBackend" if EMBEDDED else "gigbook.notifications.sms.ConsoleSMSBackend",
)
SMS_FILE_PATH = Path(env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms")))
SMS_FROM = env.str("SMS_FROM", default="GigBook")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com")
# Web push (VAPID, RFC 8292): keys as base64url (generate with `vapid --gen` or see docs/push.md). The demo
# writes each push to a file in var/push/ instead and makes its own key on first use.
PUSH_BACKEND = env.str(
    "PUSH_BACKEND",
    default="gigbook.notifications.push.FilePushBackend" if EMBEDDED else "gigbook.notifications.push.WebPushBackend",
)
PUSH_FILE_PATH = Path(env.str("PUSH_FILE_PATH", default=str(VAR_DIR / "push")))
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default="mailto:admin@gigbook.test")
# How long a push service keeps a message for a phone that is off (RFC 8030 TTL).
WEBPUSH_TTL_SECONDS = env.int("WEBPUSH_TTL_SECONDS", default=12 * 3600)
WEBPUSH_TIMEOUT = env.int("WEBPUSH_TIMEOUT", default=10)
# Tests run a push service on 127.0.0.1 over plain HTTP; real ones are https.
WEBPUSH_ALLOW_LOOPBACK = env.bool("WEBPUSH_ALLOW_LOOPBACK", default=False)

# --- Calendar import (musicians/calendar_import, docs/calendar-import.md) ----------------------
CALENDAR_IMPORT_INTERVAL_MINUTES = env.int("CALENDAR_IMPORT_INTERVAL_MINUTES", default=15)
# Without a good sync for this long a calendar is "out of date": the musician is told, search says so.
CALENDAR_IMPORT_STALE_HOURS = env.int("CALENDAR_IMPORT_STALE_HOURS", default=24)
CALENDAR_IMPORT_HORIZON_DAYS = env.int("CALENDAR_IMPORT_HORIZON_DAYS", default=180)
CALENDAR_IMPORT_MAX_BYTES = env.int("CALENDAR_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
CALENDAR_IMPORT_MAX_EVENTS = env.int("CALENDAR_IMPORT_MAX_EVENTS", default=20000)
CALENDAR_IMPORT_TIMEOUT_SECONDS = env.float("CALENDAR_IMPORT_TIMEOUT_SECONDS", default=20.0)
CALENDAR_IMPORT_MAX_PER_MUSICIAN = env.int("CALENDAR_IMPORT_MAX_PER_MUSICIAN", default=5)
# Encrypts stored calendar addresses; empty means derived from SECRET_KEY.
CALENDAR_IMPORT_KEY = env.str("CALENDAR_IMPORT_KEY", default="")
# SSRF guard: calendars on loopback/private/link-local addresses are refused unless this is on (tests).
CALENDAR_IMPORT_ALLOW_PRIVATE = env.bool("CALENDAR_IMPORT_ALLOW_PRIVATE", default=False)
# A claim on a delivery is a lease of this many seconds, extended every third of it while its batch
# is worked through; a claim whose lease ran out belonged to a worker that died and is swept again.
# Every channel's send timeout must stay under two thirds of it (EMAIL_TIMEOUT and Twilio: 15 s).
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=30)
NOTIFICATION_SWEEP_GRACE_SECONDS = env.int("NOTIFICATION_SWEEP_GRACE_SECONDS", default=120)
# A producer's live page shows an offer as "delayed" when none of its channels got it and one has
# waited longer than this (a healthy broadcast to 1,000 players is out within 10 s), or failed.
NOTIFICATION_DELAYED_SECONDS = env.int("NOTIFICATION_DELAYED_SECONDS", default=20)

# --- Celery ---------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery closes the worker's database connection after every task unless told to reuse it; a new
# PostgreSQL connection costs more than most tasks. Stale or broken ones are still dropped before
# each task (gigbook/celery.py), with CONN_HEALTH_CHECKS.
CELERY_DB_REUSE_MAX = 1000
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
if REDIS_URL:
    # RedBeat keeps the schedule in Redis behind a lock: beat may run on several nodes for
    # availability, and only the lock holder sends; a standby takes over when the lock lapses.
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = REDIS_URL
    CELERY_REDBEAT_KEY_PREFIX = env.str("REDBEAT_KEY_PREFIX", default="gigbook:redbeat:")
    CELERY_REDBEAT_LOCK_TIMEOUT = env.int("REDBEAT_LOCK_TIMEOUT", default=30)
    CELERY_BEAT_MAX_LOOP_INTERVAL = 5
# Periodic sweeps. Anything due later is a stored timestamp that one of these picks up.
CELERY_BEAT_SCHEDULE = {
    # Every 10 s: a lost claim is sent again within lease + 10 s of the crash (40 s by default).
    "notifications-sweep": {"task": "gigbook.notifications.tasks.sweep_pending_deliveries", "schedule": 10.0},
    "musicians-extend-busy-horizon": {"task": "musicians.tasks.extend_busy_horizon", "schedule": 60.0 * 60 * 24},
    "bookings-sweep": {"task": "bookings.tasks.sweep_bookings", "schedule": 60.0},
    "bookings-reminders": {"task": "bookings.tasks.send_due_reminders", "schedule": 60.0},
    "bookings-holds": {"task": "bookings.tasks.sweep_holds", "schedule": 60.0},
    "callsheets-reminders": {"task": "bookings.callsheets.tasks.send_due_call_sheet_reminders", "schedule": 60.0},
    "gig-requests-sweep": {"task": "bookings.gigrequests.tasks.sweep_gig_requests", "schedule": 15.0},
    "trust-reviews": {"task": "trust.tasks.publish_due_reviews", "schedule": 300.0},
    "trust-review-invitations": {"task": "trust.tasks.send_review_invitations", "schedule": 300.0},
    "billing-draft-invoices": {"task": "billing.tasks.draft_due_invoices", "schedule": 60.0},
    "billing-reminders": {"task": "billing.tasks.send_invoice_reminders", "schedule": 300.0},
    # Every minute: claims the calendars whose own next_due_at has passed (default every 15 min each).
    "calendar-import-sweep": {"task": "musicians.calendar_import.tasks.sweep_calendars", "schedule": 60.0},
    "core-purge-short-links": {"task": "gigbook.core.tasks.purge_short_links", "schedule": 60.0 * 60 * 24},
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "not signed in" a 401 (DRF turns it into a 403
    # when the first authenticator is the session one, which has no such header).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "gigbook.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "gigbook.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "gigbook.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="600/min"),
    },
    # 0 proxies: identify clients by REMOTE_ADDR, so a forged X-Forwarded-For cannot reset a
    # throttle. Behind a reverse proxy, set NUM_PROXIES to the number of trusted hops.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GigBook API",
    "DESCRIPTION": "Book session musicians: profiles, search, bookings and short-notice gig requests.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    # The shared error bodies and answers (gigbook.core.schema), after the default enum hook.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "gigbook.core.schema.error_components"],
    # Swagger UI assets are served from our own static files (no CDN; allowed by the CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "kind" choice field; name the bookings ones so the schema names stay stable.
    "ENUM_NAME_OVERRIDES": {
        # Accounts, call sheets and engagements all name who is looking: producer or musician.
        "RoleEnum": "gigbook.accounts.services.registration.ROLE_CHOICES",
        "BookingKindEnum": "bookings.models.Booking.Kind",
        "MaterialKindEnum": "bookings.models.Material.Kind",
        "UnavailabilityKindEnum": "musicians.models.UnavailabilityBlock.Kind",
        "BookingSourceEnum": "bookings.models.Booking.Source",
        "FeeBasisEnum": "bookings.models.Booking.FeeBasis",
        "GigRequestStatusEnum": "bookings.gigrequests.models.GigRequest.Status",
        "GigRequestFeeBasisEnum": "bookings.gigrequests.models.GigRequest.FeeBasis",
        "GigRequestStrategyEnum": "bookings.gigrequests.models.GigRequest.Strategy",
        "GigInvitationStatusEnum": "bookings.gigrequests.models.Invitation.Status",
        "GigInvitationReasonEnum": "bookings.gigrequests.models.Invitation.Reason",
        "ReportReasonEnum": "trust.models.Report.Reason",
        "ReportStatusEnum": "trust.models.Report.Status",
        "ReportOutcomeEnum": "trust.models.Report.Outcome",
        "BookingFlagReasonEnum": "trust.models.BookingFlag.Reason",
        "RecommendationStatusEnum": "trust.models.Recommendation.Status",
        "ProfileStatusEnum": "musicians.models.MusicianProfile.Status",
        "InvoiceKindEnum": "billing.models.Invoice.Kind",
        "InvoiceStatusEnum": "billing.models.Invoice.Status",
        "InvoiceReasonEnum": "billing.models.Invoice.Reason",
        "InvoiceWorkKindEnum": "billing.models.Invoice.WorkKind",
        "ExpenseKindEnum": "billing.models.Expense.Kind",
        "PaymentStatusEnum": "billing.models.Payment.Status",
    },
}

# --- Security -------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Production is served over HTTPS (usually by a TLS-terminating proxy). HTTPS=0 is only for
# trying the production stack on plain http://localhost; `check --deploy` will say why not.
SERVED_OVER_HTTPS = env.bool("HTTPS", default=not DEBUG)
if SERVED_OVER_HTTPS:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "https:"],
    # Demo media embeds (YouTube, Vimeo, SoundCloud, Bandcamp players).
    "frame-src": [
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
        "https://w.soundcloud.com",
        "https://bandcamp.com",
    ],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Map tiles for the venue form's pin (Leaflet, vendored in static/vendor/leaflet). Empty: no map; the place
# search alone positions a venue. A URL template such as https://tile.example.org/{z}/{x}/{y}.png, from a tile
# server whose usage policy allows your traffic (for OpenStreetMap's, read its tile usage policy first).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="© OpenStreetMap contributors")
if MAP_TILE_URL:
    from urllib.parse import urlsplit as _urlsplit

    _tiles = _urlsplit(MAP_TILE_URL.replace("{s}", "a"))
    # Tile hosts with {s} sub-domains (a., b., c.) are allowed as a wildcard of their parent domain.
    _tile_host = ("*." + _tiles.netloc.split(".", 1)[1]) if "{s}" in MAP_TILE_URL else _tiles.netloc
    SECURE_CSP["img-src"] = [*SECURE_CSP["img-src"], f"{_tiles.scheme}://{_tile_host}"]

# --- Logging (structured: one JSON object per line) -----------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # WeasyPrint logs every rendering step at INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"},
                # urllib3 logs each request's path at DEBUG; an imported calendar's path is its secret.
                "urllib3.connectionpool": {"level": "WARNING"}},
}

# Demo seeders, run in order by `manage.py seed_demo`; each later capability appends its own.
DEMO_SEEDERS = [
    "gigbook.accounts.demo.seed",
    "gigbook.notifications.demo.seed",
    "gigbook.exchange.demo.seed",
    "musicians.demo.seed",
    "musicians.calendar_import.demo.seed",
    "bookings.demo.seed",
    "bookings.engagements.demo.seed",
    "bookings.callsheets.demo.seed",
    "trust.demo.seed",
    "bookings.gigrequests.demo.seed",
    "billing.demo.seed",
]
DEMO_PASSWORD = "gigbook-demo"

# --- Billing ------------------------------------------------------------------------------------
# Standard VAT rate (percent) by the musician's country, applied when they are VAT registered.
# Override with BILLING_VAT_RATES="GB=20,IE=23,...".
BILLING_VAT_RATES = {
    "GB": "20", "IE": "23", "FR": "20", "DE": "19", "NL": "21", "BE": "21", "ES": "21", "IT": "22", "PT": "23",
    "AT": "20", "SE": "25", "DK": "25", "FI": "25.5", "PL": "23", "CZ": "21", "LU": "17", "GR": "24",
    **env.dict("BILLING_VAT_RATES", default={}),
}
RECEIPTS_ROOT = env.str("RECEIPTS_ROOT", default="") or None
