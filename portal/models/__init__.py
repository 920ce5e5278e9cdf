"""All tables, one module per feature; imported here so Alembic and callers see one namespace."""
from portal.models.base import utcnow
from portal.models.accounts import Department, PasswordReset, Role, User, UserSession
from portal.models.mail import OutboxMail

__all__ = [
    "Department",
    "OutboxMail",
    "PasswordReset",
    "Role",
    "User",
    "UserSession",
    "utcnow",
]
