"""Rate limits with the `limits` library (the engine under Flask-Limiter), checked only where a
view asks. Redis-backed when REDIS_URL is set, so every app process shares the counters; in
memory for the single-process embedded demo.

Flask-Limiter itself is not used: its per-request hooks cost about 0.15 ms on every page,
a sixth of a page's budget, for routes that have no limit at all.
"""
from __future__ import annotations

import time

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


def init_app(app) -> None:
    uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    app.extensions["rate_limiter"] = MovingWindowRateLimiter(storage_from_string(uri))


def _limiter() -> MovingWindowRateLimiter:
    return current_app.extensions["rate_limiter"]


def over_limit(rule: str, *keys: str) -> int:
    """Seconds to wait if any key has used up `rule` (e.g. "5 per minute"), else 0."""
    limit = parse(rule)
    for key in keys:
        if not _limiter().test(limit, key):
            reset_at, _remaining = _limiter().get_window_stats(limit, key)
            return max(1, int(reset_at - time.time()))
    return 0


def record_hit(rule: str, *keys: str) -> None:
    limit = parse(rule)
    for key in keys:
        _limiter().hit(limit, key)
