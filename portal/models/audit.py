"""The audit trail: who did what, when and from where. Rows are only ever added."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from portal.models.base import utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    actor_label: str = Field(default="", max_length=120)  # "email (role)" kept even if the account goes
    action: str = Field(max_length=60, index=True)  # e.g. "request.transfer", "user.role", "apikey.revoke"
    target_kind: str = Field(default="", max_length=40)  # "request", "user", "post", "service_type", ...
    target_id: str = Field(default="", max_length=80, index=True)
    summary: str = Field(default="", max_length=500)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ip: str = Field(default="", max_length=64)
