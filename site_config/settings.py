"""Carnet's settings, read from the environment (or a `.env` file) through django-environ.

Local defaults need nothing installed: SQLite, a local-memory cache, e-mail printed to the console.
Production sets DEBUG=off, SECRET_KEY, ALLOWED_HOSTS and the *_URL settings (see README.md).
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-only")
else:
    # No default on purpose: a production site must not start with a guessable key.
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The public address of the site, used for absolute links in feeds, sitemaps and e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_TITLE = env.str("SITE_TITLE", default="Carnet")
SITE_DESCRIPTION = env.str(
    "SITE_DESCRIPTION", default="Notes, projets et réflexions d’une développeuse web indépendante."
)
SITE_AUTHOR = env.str("SITE_AUTHOR", default="l’autrice")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "site_config.apps.TagsConfig",  # taggit
    # The CSP header (site_config/csp.py) and the admin's login throttle.
    "csp",
    "site_config.apps.AdminLoginsConfig",  # axes
    "blog",
    "contact",
]

MIDDLEWARE = [
    # Outermost: a HEAD answer loses its body last, after the page cache kept it.
    "site_config.head.HeadWithoutBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside the page cache, so cached pages get the header too (site_config/csp.py).
    "site_config.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and CSRF: an anonymous page served from the cache costs almost nothing.
    "blog.cache.PageCacheMiddleware",
    # Inside the page cache, so a page is compressed once and kept compressed (the cache keys
    # on Accept-Encoding). Django's GZip pads its output against BREACH-style guessing.
    "django.middleware.gzip.GZipMiddleware",
    # Pages the cache does not keep (cache off, staff) still answer If-None-Match with a 304.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a locked-out login into the lockout page (templates/axes/lockout.html).
    "axes.middleware.AxesMiddleware",
    # Last, so it sees every 404: old Jekyll addresses answer a 301 to their new place.
    "blog.middleware.OldURLRedirectMiddleware",
]

ROOT_URLCONF = "site_config.urls"
WSGI_APPLICATION = "site_config.wsgi.application"

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
                "blog.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web server writes from several processes: WAL lets readers and one writer work at once,
    # immediate transactions take the write lock up front (no deadlock on upgrade), and the
    # busy timeout makes a writer wait its turn instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA foreign_keys=ON;"
            ),
        }
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://carnet")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A Redis down, unreachable or slow costs speed, not pages (site_config/cache.py); a call
    # to one that does not answer gives up after half a second.
    CACHES["default"]["BACKEND"] = "site_config.cache.ForgivingRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("socket_connect_timeout", 0.5)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 0.5)
# Anonymous pages are cached (blog/cache.py) for this many seconds; edits invalidate at once.
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", default=True)
CACHE_PAGE_SECONDS = env.int("CACHE_PAGE_SECONDS", default=600)
# Workers learn of edits through this file's change (with Redis too: blog/cache.py).
CACHE_STAMP_FILE = env.path("CACHE_STAMP_FILE", default=BASE_DIR / ".content-stamp")

vars().update(env.email("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Carnet <carnet@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
ADMINS = [("Admin", address) for address in env.list("ADMINS", default=[])]
MANAGERS = [("Manager", address) for address in env.list("MANAGERS", default=[])] or ADMINS

# Contact form (see contact/).
CONTACT_RECIPIENTS = env.list("CONTACT_RECIPIENTS", default=[])
CONTACT_SEND_ACKNOWLEDGEMENT = env.bool("CONTACT_SEND_ACKNOWLEDGEMENT", default=False)
CONTACT_RATE_LIMIT = env.str("CONTACT_RATE_LIMIT", default="5/h")
CONTACT_RETENTION_DAYS = env.int("CONTACT_RETENTION_DAYS", default=365)
CONTACT_MIN_SECONDS = env.int("CONTACT_MIN_SECONDS", default=3)
CONTACT_MAX_AGE_SECONDS = env.int("CONTACT_MAX_AGE_SECONDS", default=24 * 3600)
# Behind a reverse proxy, rate-limit on the last X-Forwarded-For address (the one the proxy
# appended). Off without a proxy: a client can forge the header.
CONTACT_TRUST_X_FORWARDED_FOR = env.bool("CONTACT_TRUST_X_FORWARDED_FOR", default=False)

# Markdown: the imported site's _config.yml decides per post; new posts follow these.
MARKDOWN_HARD_WRAP = env.bool("MARKDOWN_HARD_WRAP", default=True)
MARKDOWN_FRENCH_TYPOGRAPHY = env.bool("MARKDOWN_FRENCH_TYPOGRAPHY", default=True)
EXCERPT_SEPARATOR = env.str("EXCERPT_SEPARATOR", default="<!--more-->")
# Hosts whose iframes posts may embed, beyond YouTube and Vimeo (e.g. a PeerTube instance).
EMBED_HOSTS = env.list("EMBED_HOSTS", default=[])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="fr")
LANGUAGES = [("fr", _("French"))]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# With DEBUG off nginx serves /media/; `make serve-prod` turns this on to run without nginx.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

ADMIN_URL = env.str("ADMIN_URL", default="admin/")
# Only for bench/: serves /bench/bare/, a view that does nothing, to compare pages with, and
# /bench/fixed/, the bytes of BENCH_FIXED_PAGE (a page saved by bench/pages.py) as they are.
BENCH_BARE_VIEW = env.bool("BENCH_BARE_VIEW", default=False)
BENCH_FIXED_PAGE = env.str("BENCH_FIXED_PAGE", default="")

TAGGIT_CASE_INSENSITIVE = True
# Tag names keep their text ("et moi", "écoconception"); slugs are ASCII ("ecoconception").
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = True

# Production hardening: on whenever DEBUG is off.
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=not DEBUG)
if SECURE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # The header alone submits nothing: the domain joins browsers' preload list only if its
    # owner submits it at hstspreload.org.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# A form the CSRF check refuses: French, and the contact form keeps the reader's text.
CSRF_FAILURE_VIEW = "site_config.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp; site_config/csp.py adds frame-src: the video hosts the
# sanitiser allows). No inline script anywhere, the admin included; no <style> element.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # Style attributes only, not <style> elements: posts keep the table alignment and image
        # sizes that markdown writes as style="…", and the sanitiser lets through no other
        # property (blog/rendering.py, ALLOWED_STYLE_PROPERTIES).
        "style-src-attr": [UNSAFE_INLINE],
        # Old posts show images hot-linked from other sites.
        "img-src": [SELF, "data:", "https:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": SECURE_HTTPS,
    }
}

# The admin door (django-axes): five failed logins for one account from one address lock that
# pair out for an hour. Keyed on the pair, not the account alone, so that a stranger failing on
# her username cannot lock the author out of her own site.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The French lockout page (templates/axes/lockout.html), a 429 that says how long to wait.
AXES_LOCKOUT_CALLABLE = "site_config.security.lockout_response"
# Behind nginx every request comes from 127.0.0.1: the same switch as the contact form's rate
# limit (CONTACT_TRUST_X_FORWARDED_FOR) makes it count the address nginx saw.
AXES_CLIENT_IP_CALLABLE = "site_config.security.client_ip"

# Oversized or overstuffed requests are refused before they are read, with a French 413 or 400
# page (site_config/errors.py). Uploads stream to disk past FILE_UPLOAD_MAX_MEMORY_SIZE; their
# total size is capped by nginx's client_max_body_size (docs/DEPLOY.md).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MiB of form fields: a very long post is 200 KiB.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "django": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
        "carnet": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
        # Refused requests (unknown host, oversized body, bad CSRF token) are what bots send all
        # day: logged, never mailed, or the author's inbox fills with noise.
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
