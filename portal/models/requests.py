"""Service requests, what happened to them, who reported and follows them."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from portal.models.base import utcnow


class Status(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    closed = "closed"


class ClosureReason(StrEnum):
    fixed = "fixed"
    duplicate = "duplicate"
    not_city = "not_city"  # not the city's responsibility
    could_not_locate = "could_not_locate"
    referred = "referred"  # referred to another agency
    no_action = "no_action"  # no action needed


class Channel(StrEnum):
    web = "web"
    api = "api"
    phone = "phone"
    walk_in = "walk_in"
    social = "social"
    email = "email"


class UpdateKind(StrEnum):
    created = "created"
    status = "status"
    public_note = "public_note"
    internal_note = "internal_note"
    coreport = "coreport"
    reopened = "reopened"
    still_there = "still_there"
    transfer = "transfer"  # passed to another department (public; the reason is an internal note)
    merge = "merge"  # on the original: a duplicate was merged into it
    merged = "merged"  # on the duplicate: merged into the original
    assign = "assign"  # internal
    priority = "priority"  # internal


class ServiceRequest(SQLModel, table=True):
    __tablename__ = "service_request"
    __table_args__ = (
        Index("ix_request_type_status_created", "service_type_id", "status", "created_at"),
        Index("ix_request_area_created", "area_id", "created_at"),
        # Most rows leave these empty: indexed only where set (`= value` implies "is not null").
        Index("ix_service_request_private_token_hash", "private_token_hash",
              sqlite_where=text("private_token_hash IS NOT NULL"), postgresql_where=text("private_token_hash IS NOT NULL")),
        Index("ix_service_request_reporter_user_id", "reporter_user_id",
              sqlite_where=text("reporter_user_id IS NOT NULL"), postgresql_where=text("reporter_user_id IS NOT NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=12, unique=True, index=True)  # public, readable over the phone
    external_id: str | None = Field(default=None, max_length=80, unique=True)  # e.g. "philly:15867389"
    media_url: str = Field(default="", max_length=500)  # a photo elsewhere (imports, Open311 clients)
    service_type_id: int = Field(foreign_key="service_type.id")
    department_id: int = Field(foreign_key="department.id")  # (indexed with status: ix_request_dept_*)
    status: str = Field(default=Status.open, max_length=20)  # (indexed with created_at: ix_request_status_created)
    closure_reason: str | None = Field(default=None, max_length=30)
    duplicate_of_id: int | None = Field(default=None, foreign_key="service_request.id")
    related_to_id: int | None = Field(default=None, foreign_key="service_request.id")
    description: str = Field(default="")
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    lat: float | None = None
    lon: float | None = None
    location_approximate: bool = Field(default=False)  # neighbourhood chosen, no exact point
    address: str = Field(default="", max_length=200)
    area_id: int | None = Field(default=None, foreign_key="area.id")
    channel: str = Field(default=Channel.web, max_length=20)
    # The reporter: private. Never shown publicly, in the API or in exports.
    reporter_user_id: int | None = Field(default=None, foreign_key="user.id")
    reporter_name: str = Field(default="", max_length=80)
    reporter_email: str = Field(default="", max_length=254)
    reporter_phone: str = Field(default="", max_length=40)
    private_token_hash: str | None = Field(default=None, max_length=64)
    coreporter_count: int = Field(default=0, index=True)
    priority: int = Field(default=0)
    version: int = Field(default=1)  # bumped by every change: a stale form cannot overwrite
    assignee_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    expected_at: datetime
    closed_at: datetime | None = None


class RequestUpdate(SQLModel, table=True):
    """One line of a request's timeline. Internal notes have public=False."""
    __tablename__ = "request_update"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="service_request.id", index=True)
    kind: str = Field(max_length=20)
    public: bool = Field(default=True)
    status: str | None = Field(default=None, max_length=20)  # the status after this update
    closure_reason: str | None = Field(default=None, max_length=30)
    text: str = Field(default="")
    author_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class RequestPhoto(SQLModel, table=True):
    __tablename__ = "request_photo"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="service_request.id", index=True)
    coreport_id: int | None = Field(default=None, foreign_key="coreport.id")
    digest: str = Field(max_length=64)
    width: int
    height: int
    created_at: datetime = Field(default_factory=utcnow)


class CoReport(SQLModel, table=True):
    """A neighbour saying "I have this too" instead of filing again."""
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="service_request.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    name: str = Field(default="", max_length=80)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    note: str = Field(default="")
    channel: str = Field(default=Channel.web, max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class RequestFollower(SQLModel, table=True):
    """Who gets told about updates: an account, or just an email address (anonymous reporters)."""
    __tablename__ = "request_follower"
    __table_args__ = (UniqueConstraint("request_id", "user_id"), UniqueConstraint("request_id", "email"))
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="service_request.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    email: str | None = Field(default=None, max_length=254)
    level: str = Field(default="normal", max_length=10)  # watching | normal | muted (portal.models.community)
    created_at: datetime = Field(default_factory=utcnow)


class ReportDraft(SQLModel, table=True):
    """A report between "review" and "submit". Its token is the form's idempotency key:
    however often the final form is posted, one request (or one co-report) comes of it."""
    __tablename__ = "report_draft"
    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    photos: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # digests
    result_request_id: int | None = Field(default=None, foreign_key="service_request.id")
    result_kind: str | None = Field(default=None, max_length=20)  # "request" | "coreport"
    created_at: datetime = Field(default_factory=utcnow, index=True)


class IdempotencyKey(SQLModel, table=True):
    """Remembers what a once-only form did, so a retried post returns the same result."""
    __tablename__ = "idempotency_key"
    key: str = Field(primary_key=True, max_length=64)
    scope: str = Field(max_length=40)
    fingerprint: str = Field(max_length=64)
    result_request_id: int | None = Field(default=None, foreign_key="service_request.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
