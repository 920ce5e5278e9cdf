"""Accounts: sign-up, sign-in sessions, password reset and profile. No HTTP here."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.accounts.passwords import hash_password, password_problem, verify_password
from portal.models import Department, PasswordReset, Role, User, UserSession, utcnow
from portal.models.accounts import NotifyEmail
from portal.validation import EMAIL, Invalid

SEEN_REFRESH = timedelta(minutes=5)  # write last_seen at most this often


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def create_user(session: Session, *, email: str, password: str, display_name: str = "",
                role: str = Role.resident, department_code: str | None = None,
                locale: str | None = None, title: str = "") -> User:
    """Create an account or raise Invalid; nothing is stored on failure."""
    email = email.strip().lower()
    errors: dict[str, str] = {}
    if not EMAIL.match(email):
        errors["email"] = _l("Enter an email address like name@example.com.")
    if problem := password_problem(password, email=email):
        errors["password"] = problem
    if role not in Role.__members__:
        errors["role"] = _l("Unknown role.")
    department = None
    if role == Role.staff and not department_code:
        errors["department"] = _l("Staff must belong to a department.")
    if department_code:
        department = session.exec(select(Department).where(Department.code == department_code)).first()
        if department is None:
            errors["department"] = _l("Unknown department.")
    if user_by_email(session, email):
        errors["email"] = _l("An account with this email already exists. Sign in, or reset your password.")
    if errors:
        raise Invalid(errors)
    user = User(email=email, password_hash=hash_password(password), display_name=display_name,
                role=role, department_id=department.id if department else None, locale=locale,
                title=title)
    session.add(user)
    try:
        session.commit()
    except IntegrityError:  # two sign-ups racing for one email
        session.rollback()
        raise Invalid({"email": _l("An account with this email already exists. Sign in, or reset your password.")}) from None
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user if the password matches; same work whether or not the account exists."""
    user = user_by_email(session, email)
    ok, new_hash = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


def start_session(session: Session, user: User, *, user_agent: str = "") -> str:
    """A new random session token (fresh on every sign-in, so fixation cannot work)."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=token_hash(token), user_id=user.id, user_agent=user_agent[:200]))
    user.last_login_at = utcnow()
    session.add(user)
    session.commit()
    user.__dict__["session_token"] = token
    return token


def user_for_session(session: Session, token: str) -> User | None:
    row = session.exec(select(UserSession).where(UserSession.token_hash == token_hash(token))).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    if utcnow() - row.last_seen_at > SEEN_REFRESH:
        session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=utcnow()))
        session.commit()
    user.__dict__["session_token"] = token
    return user


def end_session(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))
    session.commit()


def end_all_sessions(session: Session, user: User) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.commit()


def request_password_reset(session: Session, email: str, *, hours: int) -> tuple[User, str] | None:
    """A single-use token for the account, or None when there is no such account."""
    user = user_by_email(session, email)
    if user is None or user.disabled:
        return None
    token = secrets.token_urlsafe(32)  # 256 bits
    session.add(PasswordReset(token_hash=token_hash(token), user_id=user.id,
                              expires_at=utcnow() + timedelta(hours=hours)))
    session.commit()
    return user, token


def valid_reset(session: Session, token: str) -> PasswordReset | None:
    reset = session.exec(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))).first()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def reset_password(session: Session, token: str, new_password: str) -> User:
    """Set a new password with a reset token; every other session of the user ends."""
    reset = valid_reset(session, token)
    if reset is None:
        raise Invalid({"_form": _l("This reset link has expired or was already used. Ask for a new one.")})
    user = session.get(User, reset.user_id)
    if problem := password_problem(new_password, email=user.email):
        raise Invalid({"password": problem})
    # Claim the token atomically: of two racing uses, only one updates a row.
    claimed = session.execute(update(PasswordReset)
                              .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
                              .values(used_at=utcnow()))
    if claimed.rowcount != 1:
        session.rollback()
        raise Invalid({"_form": _l("This reset link has expired or was already used. Ask for a new one.")})
    user.password_hash = hash_password(new_password)
    session.add(user)
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.commit()
    return user


def update_profile(session: Session, user: User, *, display_name: str, locale: str | None,
                   notify_email: str, phone: str | None = None) -> User:
    if notify_email not in NotifyEmail.__members__:
        raise Invalid({"notify_email": _l("Choose one of the options.")})
    user.display_name = display_name
    user.locale = locale or None
    user.notify_email = notify_email
    user.phone = phone or None
    session.add(user)
    session.commit()
    return user


def change_password(session: Session, user: User, *, current: str, new: str, keep_token: str | None) -> None:
    """Change the password; every other browser of the user is signed out."""
    if not verify_password(user.password_hash, current)[0]:
        raise Invalid({"current_password": _l("That is not your current password.")})
    if problem := password_problem(new, email=user.email):
        raise Invalid({"password": problem})
    user.password_hash = hash_password(new)
    session.add(user)
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        query = query.where(UserSession.token_hash != token_hash(keep_token))
    session.execute(query)
    session.commit()
