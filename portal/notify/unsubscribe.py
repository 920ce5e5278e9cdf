"""One-click unsubscribe links: signed tokens (itsdangerous, with the app's secret) that work
without signing in. A token names an account (stop all email: `notify_email = never`) or, for
people known only by an email address, that address (stop following by email)."""
from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete
from sqlmodel import Session

from portal.models import RequestFollower, User
from portal.models.accounts import NotifyEmail

SALT = "stoop-unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token_for(*, user_id: int | None = None, email: str | None = None) -> str:
    return _serializer().dumps({"u": user_id} if user_id else {"e": (email or "").lower()})


def url_for_token(token: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("unsubscribe.confirm", token=token)


def link(*, user_id: int | None = None, email: str | None = None) -> str:
    return url_for_token(token_for(user_id=user_id, email=email))


def read(token: str) -> dict | None:
    """What the token names, or None when it was not made by us."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and (data.get("u") or data.get("e")) else None


def describe(session: Session, data: dict) -> str:
    """The address the token stops mail to (shown on the confirm page)."""
    if data.get("u"):
        user = session.get(User, data["u"])
        return user.email if user else ""
    return data.get("e", "")


def apply(session: Session, data: dict) -> bool:
    """Stop the mail; True when the token still named someone. Not committed."""
    if data.get("u"):
        user = session.get(User, data["u"])
        if user is None:
            return False
        user.notify_email = NotifyEmail.never
        session.add(user)
        return True
    session.execute(delete(RequestFollower).where(RequestFollower.email == data["e"],
                                                  RequestFollower.user_id.is_(None)))
    return True
