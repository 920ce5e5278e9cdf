"""Open311 bookkeeping: tokens of batch submissions, and which department-system updates were seen."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.models.base import utcnow
from portal.models.requests import RequestUpdate, ServiceRequest

# Indexes the API's list queries need on tables of the requests feature (made in migration 0008).
# GET requests?status=open: the newest open requests among millions, status first, then time.
Index("ix_request_status_created", ServiceRequest.__table__.c.status, ServiceRequest.__table__.c.created_at)
# GET servicerequestupdates: public updates by time.
Index("ix_request_update_created_at", RequestUpdate.__table__.c.created_at)


class Open311Token(SQLModel, table=True):
    """A POST for a batch service type: validated now, filed a moment later; the token finds the result."""
    __tablename__ = "open311_token"
    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True, index=True)
    api_key_id: int = Field(foreign_key="api_key.id", index=True)
    submission: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Set when the same Idempotency-Key is used again, so the retry gets this token back.
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True)
    request_id: int | None = Field(default=None, foreign_key="service_request.id")
    created_at: datetime = Field(default_factory=utcnow)
    filed_at: datetime | None = None


class Open311UpdateRef(SQLModel, table=True):
    """A department system's own update_id, so a retried push is not recorded twice."""
    __tablename__ = "open311_update_ref"
    __table_args__ = (UniqueConstraint("api_key_id", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_key.id")
    external_id: str = Field(max_length=100)
    update_id: int = Field(foreign_key="request_update.id")
    created_at: datetime = Field(default_factory=utcnow)
