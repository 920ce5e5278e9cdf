"""Rate limits: Redis-backed when REDIS_URL is set, shared by every app process;
in memory for the single-process embedded demo."""
from __future__ import annotations

import time

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse

limiter = Limiter(key_func=get_remote_address, strategy="moving-window")


def init_app(app) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)


def over_limit(rule: str, *keys: str) -> int:
    """Seconds to wait if any key has used up `rule` (e.g. "5 per minute"), else 0."""
    limit = parse(rule)
    for key in keys:
        if not limiter.limiter.test(limit, key):
            reset_at, _remaining = limiter.limiter.get_window_stats(limit, key)
            return max(1, int(reset_at - time.time()))
    return 0


def record_hit(rule: str, *keys: str) -> None:
    limit = parse(rule)
    for key in keys:
        limiter.limiter.hit(limit, key)


def reset_limits() -> None:
    """For tests: forget every counter."""
    limiter.reset()
    current_app.logger.debug("rate limits reset")
