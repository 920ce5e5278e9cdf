"""Settings from environment variables, with embedded defaults that need no other service.

Every setting is documented in the README's configuration table.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("STOOP_INSTANCE_DIR", PROJECT_ROOT / "instance"))

LANGUAGES = {
    # code: (native name, text direction)
    "en": ("English", "ltr"),
    "es": ("Español", "ltr"),
    "ar": ("العربية", "rtl"),
}


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/.

    Kept on disk so that sessions survive a restart and several processes share it.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def database_url(raw: str | None) -> str:
    """Normalise DATABASE_URL: default SQLite file, and psycopg 3 for PostgreSQL."""
    if not raw:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'stoop.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def from_environment() -> dict:
    env = os.environ.get
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": database_url(env("DATABASE_URL")),
        "REDIS_URL": env("REDIS_URL") or None,
        "SMTP_URL": env("SMTP_URL") or None,
        "MAIL_FROM": env("MAIL_FROM", "Stoop <no-reply@stoop.localhost>"),
        "UPLOAD_DIR": env("UPLOAD_DIR", str(INSTANCE_DIR / "uploads")),
        "SITE_NAME": env("SITE_NAME", "Stoop"),
        "CITY_NAME": env("CITY_NAME", "Philadelphia"),
        "PUBLIC_URL": env("PUBLIC_URL", "http://127.0.0.1:8000"),
        "SESSION_COOKIE_SECURE": env("SESSION_COOKIE_SECURE", "0") == "1",
        "TRUSTED_PROXIES": int(env("TRUSTED_PROXIES", "0")),
        "LOGIN_LIMIT": env("LOGIN_LIMIT", "5 per minute"),
        "BABEL_DEFAULT_LOCALE": env("DEFAULT_LANGUAGE", "en"),
    }


# Fixed settings: not meant to vary between deployments.
FIXED = {
    "LANGUAGES": LANGUAGES,
    "BABEL_TRANSLATION_DIRECTORIES": "../translations",
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,  # three phone photos; larger bodies get a 413
    "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 30 * 24 * 3600,
    "WTF_CSRF_CHECK_DEFAULT": False,  # checked in portal.web so forms can keep typed input
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "WTF_CSRF_HEADERS": ["X-CSRFToken", "X-CSRF-Token"],
    "PASSWORD_RESET_HOURS": 1,
    "ARGON2": {},  # argon2-cffi defaults (t=3, m=64 MiB, p=4); tests lower them
}
