"""Configuration: defaults, then instance/halo.cfg, then environment, then test overrides."""
import os
import secrets

# Every variable Halo reads from the environment; the README documents each one.
ENV_KEYS = (
    "SECRET_KEY", "DATABASE_URL", "REDIS_URL",
    "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME",
    "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER",
    "HALO_INBOUND_TOKEN", "HALO_HOST", "HALO_PORT", "HALO_SMTP_PORT", "HALO_DOMAIN",
    "HALO_ADMIN_EMAIL", "HALO_ADMIN_PASSWORD", "HALO_PAGE_SIZE",
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "HALO_AI_MODEL",
    "HALO_SMTP_HOST", "HALO_MAX_EMAIL_BYTES", "HALO_MAX_ATTACHMENT_BYTES",
    "HALO_MAX_ATTACHMENTS_BYTES", "HALO_MAX_ATTACHMENT_FILES", "HALO_ATTACHMENT_DIR",
    "HALO_IMAP_POLL_SECONDS",
    "HALO_TRANSLATE_DIR", "HALO_TEAM_LANGUAGE", "HALO_OUTBOUND_ALLOW", "HALO_PROXY_HOPS",
    "HALO_LOG_LEVEL", "HALO_LOG_FORMAT", "HALO_METRICS_TOKEN", "HALO_METRICS_ALLOW",
    "HALO_READY_QUEUE_LAG", "HALO_READY_MIN_FREE_MB",
    "HALO_BASE_URL", "HALO_RESET_MAX_AGE", "HALO_CSAT_MAX_AGE", "HALO_THROTTLE_STORAGE",
    "HALO_SIGNIN_LIMITS_ACCOUNT", "HALO_SIGNIN_LIMITS_ADDRESS",
    "HALO_STORAGE", "HALO_AVATAR_DIR", "HALO_S3_BUCKET", "HALO_S3_PREFIX", "HALO_S3_ENDPOINT_URL",
    "HALO_S3_REGION", "HALO_S3_ADDRESSING_STYLE", "HALO_S3_ACCESS_KEY_ID", "HALO_S3_SECRET_ACCESS_KEY",
    "HALO_INSTANCE_DIR", "HALO_PG_BIN",
    "HALO_API_RATE_LIMIT",
)
INT_KEYS = {"MAIL_PORT", "HALO_PORT", "HALO_SMTP_PORT", "HALO_PAGE_SIZE",
            "HALO_MAX_EMAIL_BYTES", "HALO_MAX_ATTACHMENT_BYTES", "HALO_MAX_ATTACHMENTS_BYTES",
            "HALO_MAX_ATTACHMENT_FILES", "HALO_IMAP_POLL_SECONDS", "HALO_READY_QUEUE_LAG",
            "HALO_READY_MIN_FREE_MB", "HALO_PROXY_HOPS", "HALO_RESET_MAX_AGE",
            "HALO_CSAT_MAX_AGE"}
BOOL_KEYS = {"MAIL_USE_TLS", "MAIL_USE_SSL"}


def instance_dir(test_config: dict | None = None, environ=os.environ) -> str | None:
    """HALO_INSTANCE_DIR: where instance/ lives (secret key, halo.cfg, the SQLite file, local
    files), e.g. a container volume; None keeps Flask's instance/ beside the code."""
    path = (test_config or {}).get("HALO_INSTANCE_DIR") or environ.get("HALO_INSTANCE_DIR")
    return os.path.abspath(path) if path else None


def defaults(instance_path: str) -> dict:
    """Settings that work on a fresh machine with nothing configured."""
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "halo.db"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "REDIS_URL": "",
        "HALO_HOST": "127.0.0.1",
        "HALO_PORT": 5000,
        "HALO_SMTP_PORT": 2525,
        "HALO_DOMAIN": "halo.localhost",
        "HALO_PAGE_SIZE": 25,
        "HALO_INBOUND_TOKEN": "",
        "HALO_SMTP_HOST": "127.0.0.1",
        "HALO_MAX_EMAIL_BYTES": 30 * 1024 * 1024,
        "HALO_MAX_ATTACHMENT_BYTES": 15 * 1024 * 1024,
        "HALO_MAX_ATTACHMENTS_BYTES": 25 * 1024 * 1024,
        "HALO_MAX_ATTACHMENT_FILES": 100,
        "HALO_ATTACHMENT_DIR": os.path.join(instance_path, "attachments"),
        "HALO_AVATAR_DIR": os.path.join(instance_path, "avatars"),
        # Where attachments and avatars live: local (the two folders above) or s3 (HALO_S3_*).
        "HALO_STORAGE": "local",
        "HALO_IMAP_POLL_SECONDS": 60,
        # Hosts and networks outbound connections (IMAP, webhooks) may reach although they
        # are loopback, private or link-local: "mail.internal, 10.0.0.0/8" (netguard).
        "HALO_OUTBOUND_ALLOW": "",
        "HALO_LOG_LEVEL": "INFO",
        "HALO_LOG_FORMAT": "text",
        # /metrics: these addresses, or anyone with the bearer token (empty: addresses only).
        "HALO_METRICS_ALLOW": "127.0.0.0/8, ::1/128",
        "HALO_METRICS_TOKEN": "",
        # /readyz: a lane whose oldest due job waited longer fails; so does a disk this full.
        "HALO_READY_QUEUE_LAG": 300,
        "HALO_READY_MIN_FREE_MB": 256,
        "HALO_PROXY_HOPS": 0,
        "HALO_BASE_URL": "",
        "HALO_RESET_MAX_AGE": 3600,
        "HALO_THROTTLE_STORAGE": "",
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
        "HALO_AI_MODEL": "gpt-4o-mini",
        "HALO_API_RATE_LIMIT": "600/minute",
        # The languages Halo's screens, mail and widget speak (halo/i18n.py): a code and
        # its name in itself. Adding one is adding its catalogue under halo/translations.
        "HALO_LOCALES": {"en": "English", "es": "Español"},
        "BABEL_DEFAULT_LOCALE": "en",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Pages, fragments and JSON compressed for browsers that ask (static files are
        # compressed once, by halo/assets.py). Zstandard and Brotli cost ~0.1-0.3 ms a page.
        "COMPRESS_MIMETYPES": ["text/html", "text/plain", "text/csv", "application/json",
                               "application/problem+json"],
        "COMPRESS_ALGORITHM": ["zstd", "br", "gzip"],
    }


def from_env(environ=os.environ) -> dict:
    """The known variables present in the environment, converted to their types."""
    out = {}
    for key in ENV_KEYS:
        if key not in environ:
            continue
        value = environ[key]
        if key in INT_KEYS:
            value = int(value)
        elif key in BOOL_KEYS:
            value = value.lower() in ("1", "true", "yes", "on")
        out[key] = value
    if environ.get("DATABASE_URL"):
        out["SQLALCHEMY_DATABASE_URI"] = normalise_db_url(environ["DATABASE_URL"])
    return out


def normalise_db_url(url: str) -> str:
    """Accept postgres:// URLs (Heroku style) and select the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def ensure_secret_key(instance_path: str) -> str:
    """Read instance/secret_key, creating it once, so sessions survive restarts."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key
