"""The city side: response templates, staff members' saved queue filters, call-centre intakes,
and the indexes the department queues and the caller lookup need at millions of requests."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from portal.models.accounts import User
from portal.models.base import utcnow
from portal.models.requests import CoReport, ServiceRequest


class ResponseTemplate(SQLModel, table=True):
    """A ready-made public note, for a type (or any type) and a status (or any), in one language."""
    __tablename__ = "response_template"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=80)
    locale: str = Field(max_length=10, index=True)
    service_type_id: int | None = Field(default=None, foreign_key="service_type.id", index=True)
    status: str | None = Field(default=None, max_length=20)  # the status being set; None: any
    text: str
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SavedFilter(SQLModel, table=True):
    """A staff member's named queue filter (the query string of /staff)."""
    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=60)
    query: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)


class Intake(SQLModel, table=True):
    """A request or co-report a call-centre agent took for a caller: their list to correct."""
    __tablename__ = "intake"
    __table_args__ = (Index("ix_intake_agent_created", "agent_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="user.id")
    request_id: int = Field(foreign_key="service_request.id", index=True)
    kind: str = Field(max_length=20)  # "request" | "coreport"
    channel: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


# Queue, counts and service-level queries filter by department first (7 million requests).
_request = ServiceRequest.__table__
Index("ix_request_dept_status_created", _request.c.department_id, _request.c.status, _request.c.created_at)
Index("ix_request_dept_status_expected", _request.c.department_id, _request.c.status, _request.c.expected_at)
Index("ix_request_dept_closed", _request.c.department_id, _request.c.closed_at)
Index("ix_request_assignee_status", _request.c.assignee_id, _request.c.status,  # (most rows: nobody's)
      sqlite_where=text("assignee_id IS NOT NULL"), postgresql_where=text("assignee_id IS NOT NULL"))
# The call centre finds a caller by phone or email.
Index("ix_request_reporter_email", _request.c.reporter_email)
Index("ix_request_reporter_phone", _request.c.reporter_phone)
Index("ix_coreport_email", CoReport.__table__.c.email)
Index("ix_coreport_phone", CoReport.__table__.c.phone)
Index("ix_user_phone", User.__table__.c.phone)
