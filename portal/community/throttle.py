"""Posting limits. New accounts: one post per 30 seconds, three threads on their first day, at most
two links a post. Everyone: a flood limit per account and per address. Counters live in the
`limits` library's storage (Redis when REDIS_URL is set, so all app processes share them); the
first-day thread count is read from the database, which is exact.
"""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, func, select

from portal.community.markup import count_links
from portal.limits import over_limit, record_hit
from portal.models import Thread, User, utcnow
from portal.models.accounts import Role
from portal.validation import Invalid

NEW_ACCOUNT = timedelta(days=7)
FIRST_DAY = timedelta(days=1)
NEW_ACCOUNT_POST_RULE = "1 per 30 seconds"
FIRST_DAY_THREADS = 3
NEW_ACCOUNT_LINKS = 2
FLOOD_RULES = ("10 per minute", "60 per hour")  # per account
ADDRESS_RULES = ("60 per minute", "600 per hour")  # per address: a library or a shared flat is many people


class RateLimited(Exception):
    """Posting must wait `seconds`; what was typed stays in the form."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = max(1, int(seconds))


def _aware(moment):
    from datetime import UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_new(user: User) -> bool:
    """Residents in their first week; officials, moderators and admins are known people."""
    return user.role == Role.resident and utcnow() - _aware(user.created_at) < NEW_ACCOUNT


def _keys(user: User, ip: str) -> tuple[str, str]:
    return f"community-user:{user.id}", f"community-ip:{ip}"


def check(session: Session, user: User, *, ip: str, body: str, new_thread: bool = False) -> None:
    """Raise RateLimited (wait) or Invalid (too many links) before anything is stored."""
    user_key, ip_key = _keys(user, ip)
    for rule in FLOOD_RULES:
        if wait := over_limit(rule, user_key):
            raise RateLimited(wait)
    for rule in ADDRESS_RULES:
        if wait := over_limit(rule, ip_key):
            raise RateLimited(wait)
    if not is_new(user):
        return
    if wait := over_limit(NEW_ACCOUNT_POST_RULE, f"community-new:{user.id}"):
        raise RateLimited(wait)
    if new_thread:
        first_day_ends = _aware(user.created_at) + FIRST_DAY
        if utcnow() < first_day_ends:
            started = session.exec(select(func.count()).select_from(Thread).where(
                Thread.author_id == user.id, Thread.request_id.is_(None))).one()
            if started >= FIRST_DAY_THREADS:
                raise RateLimited((first_day_ends - utcnow()).total_seconds())
    if count_links(body) > NEW_ACCOUNT_LINKS:
        raise Invalid({"body": _l("New accounts can put at most %(max)s links in a post.", max=NEW_ACCOUNT_LINKS)})


def record(user: User, *, ip: str) -> None:
    """Count a post that was stored."""
    user_key, ip_key = _keys(user, ip)
    for rule in FLOOD_RULES:
        record_hit(rule, user_key)
    for rule in ADDRESS_RULES:
        record_hit(rule, ip_key)
    if is_new(user):
        record_hit(NEW_ACCOUNT_POST_RULE, f"community-new:{user.id}")
