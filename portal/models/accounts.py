"""People, their roles and their sign-in sessions."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlmodel import Field, SQLModel

from portal.models.base import utcnow


class Role(StrEnum):
    resident = "resident"
    agent = "agent"
    staff = "staff"
    moderator = "moderator"
    admin = "admin"


class NotifyEmail(StrEnum):
    immediately = "immediately"
    daily = "daily"
    never = "never"


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=500)
    email: str | None = Field(default=None, max_length=254)


class User(UserMixin, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # stored lower-cased
    password_hash: str = Field(max_length=200)
    display_name: str = Field(default="", max_length=80)
    phone: str | None = Field(default=None, max_length=40)
    role: str = Field(default=Role.resident, max_length=20)
    title: str = Field(default="", max_length=80)  # job title shown on official badges
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    locale: str | None = Field(default=None, max_length=10)
    notify_email: str = Field(default=NotifyEmail.immediately, max_length=20)
    disabled: bool = Field(default=False)
    blocked_at: datetime | None = None  # blocked by a moderator: cannot post, content hidden
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None

    # Flask-Login stores get_id() in the signed cookie: the session token, not the user id,
    # so that deleting the UserSession row ends that browser's session for good.
    def get_id(self) -> str | None:
        return self.__dict__.get("session_token")

    @property
    def is_active(self) -> bool:
        return not self.disabled

    def has_role(self, *roles: str) -> bool:
        return self.role == Role.admin or self.role in roles


class UserSession(SQLModel, table=True):
    """A signed-in browser. Deleting the row signs that browser out for good."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 of the cookie token
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    user_agent: str = Field(default="", max_length=200)


class PasswordReset(SQLModel, table=True):
    __tablename__ = "password_reset"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
