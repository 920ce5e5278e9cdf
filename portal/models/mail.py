"""Mail waiting to go out, and what happened to it."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from portal.models.base import utcnow


class MailStatus(StrEnum):
    queued = "queued"
    sending = "sending"  # claimed by one sender; never picked up twice
    sent = "sent"
    kept = "kept"  # no SMTP configured: kept in the outbox for admins to read
    failed = "failed"


class OutboxMail(SQLModel, table=True):
    __tablename__ = "outbox_mail"
    id: int | None = Field(default=None, primary_key=True)
    to_addr: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body_text: str
    unsubscribe_url: str | None = Field(default=None, max_length=500)  # List-Unsubscribe (RFC 8058)
    status: str = Field(default=MailStatus.queued, max_length=20, index=True)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = None
