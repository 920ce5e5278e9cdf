"""Shared column helpers."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import SQLModel

# Named constraints, the same on SQLite and PostgreSQL, so later migrations can refer to them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Aware UTC, whole seconds (SQLModel stores aware datetimes as UTC on both databases)."""
    return datetime.now(UTC).replace(microsecond=0)
