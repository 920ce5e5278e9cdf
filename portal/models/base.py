"""Shared column helpers."""
from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Aware UTC, whole seconds (SQLModel stores aware datetimes as UTC on both databases)."""
    return datetime.now(UTC).replace(microsecond=0)
