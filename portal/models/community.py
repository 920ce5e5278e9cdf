"""The neighbourhood community: boards' threads and posts, support, follows, moderation,
in-app notifications, organisations and their events.

A board is not a table: it is a neighbourhood (an `Area`) or the city-wide board (`area_id` NULL),
so every neighbourhood has its board the moment it is imported.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.models.base import utcnow

CITY_BOARD = "city"  # the slug of the city-wide board


class FollowLevel(StrEnum):
    watching = "watching"  # every post
    normal = "normal"  # replies to me and official answers
    muted = "muted"  # nothing


class Thread(SQLModel, table=True):
    __tablename__ = "community_thread"
    __table_args__ = (Index("ix_thread_area_activity", "area_id", "last_activity_at"),)
    id: int | None = Field(default=None, primary_key=True)
    area_id: int | None = Field(default=None, foreign_key="area.id")  # NULL: the city-wide board
    request_id: int | None = Field(default=None, foreign_key="service_request.id", unique=True)  # a request's own
    title: str = Field(max_length=160)
    tag: str = Field(default="general", max_length=20, index=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    client_key: str | None = Field(default=None, max_length=64, unique=True)  # the form's idempotency key
    created_at: datetime = Field(default_factory=utcnow, index=True)
    last_activity_at: datetime = Field(default_factory=utcnow, index=True)
    reply_count: int = Field(default=0)
    support_count: int = Field(default=0, index=True)
    pinned_post_id: int | None = Field(default=None)
    locked_at: datetime | None = None
    hidden_at: datetime | None = None  # its opening post is hidden: off the lists until a moderator decides


class ThreadRequestLink(SQLModel, table=True):
    """A thread about one or more requests."""
    __tablename__ = "thread_request_link"
    thread_id: int = Field(foreign_key="community_thread.id", primary_key=True)
    request_id: int = Field(foreign_key="service_request.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Post(SQLModel, table=True):
    __tablename__ = "community_post"
    __table_args__ = (Index("ix_post_thread_id", "thread_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="community_thread.id")
    author_id: int = Field(foreign_key="user.id", index=True)
    reply_to_id: int | None = Field(default=None, foreign_key="community_post.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")  # posted with its badge
    official_department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    opening: bool = Field(default=False)
    body: str = Field(default="")  # Markdown as written
    html: str = Field(default="")  # rendered once, sanitised (portal.community.markup)
    client_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    edited_at: datetime | None = None
    deleted_at: datetime | None = None  # the author's tombstone
    hidden_at: datetime | None = Field(default=None, index=True)
    hidden_reason: str = Field(default="", max_length=200)
    flag_count: int = Field(default=0)


class PostRevision(SQLModel, table=True):
    """The text a post had before each edit or deletion (for moderators)."""
    __tablename__ = "post_revision"
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="community_post.id", index=True)
    body: str
    editor_id: int | None = Field(default=None, foreign_key="user.id")
    reason: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class PostFlag(SQLModel, table=True):
    __tablename__ = "post_flag"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="community_post.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    reason: str = Field(max_length=20)
    note: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = Field(default=None, index=True)


class ThreadSupport(SQLModel, table=True):
    """ "Me too": once per person and thread."""
    __tablename__ = "thread_support"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="community_thread.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ThreadRead(SQLModel, table=True):
    """Up to when a signed-in reader has seen a thread (for unread markers)."""
    __tablename__ = "thread_read"
    __table_args__ = (UniqueConstraint("user_id", "thread_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    thread_id: int = Field(foreign_key="community_thread.id")
    last_read_at: datetime = Field(default_factory=utcnow)


class Follow(SQLModel, table=True):
    """Following a board (target_id: the area's id, 0 for the city board) or a thread.
    Requests keep their own `request_follower` rows (with a level)."""
    __tablename__ = "community_follow"
    __table_args__ = (UniqueConstraint("user_id", "kind", "target_id"), Index("ix_follow_target", "kind", "target_id"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=10)  # board | thread
    target_id: int
    level: str = Field(default=FollowLevel.normal, max_length=10)
    created_at: datetime = Field(default_factory=utcnow)


class EmailState(StrEnum):
    none = "none"  # inbox only
    queued = "queued"  # an immediate mail was queued
    digest = "digest"  # waits for the daily digest
    digested = "digested"  # went out in a digest


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),
                      Index("ix_notification_digest", "email_state", "user_id"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    # One notification per person and event, however often the event is processed.
    event_key: str = Field(max_length=80, unique=True)
    kind: str = Field(max_length=20)  # reply | official | post | thread | status
    text: str = Field(max_length=300)  # plain text, escaped wherever shown
    link: str = Field(max_length=300)  # a site path
    created_at: datetime = Field(default_factory=utcnow, index=True)
    read_at: datetime | None = None
    email_state: str = Field(default=EmailState.none, max_length=10)
    digest_batch: str | None = Field(default=None, max_length=40)


class OrganisationKind(StrEnum):
    civic = "civic"
    block = "block"
    town_watch = "town_watch"
    other = "other"


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    area_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    name: str = Field(max_length=120)
    kind: str = Field(default=OrganisationKind.civic, max_length=20)
    description: str = Field(default="", max_length=2000)
    contact: str = Field(default="", max_length=200)  # public: shown on its page
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    verified_at: datetime | None = None
    verified_by_id: int | None = Field(default=None, foreign_key="user.id")


class OrganisationMember(SQLModel, table=True):
    __tablename__ = "organisation_member"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    manager: bool = Field(default=False)  # may add members and events
    created_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    __tablename__ = "community_event"
    __table_args__ = (Index("ix_event_area_start", "area_id", "starts_at"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    area_id: int | None = Field(default=None, foreign_key="area.id")
    title: str = Field(max_length=160)
    starts_at: datetime
    ends_at: datetime | None = None
    place: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=2000)
    client_key: str | None = Field(default=None, max_length=64, unique=True)
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PostDraft(SQLModel, table=True):
    """What someone typed when their session had ended: back in the form after they sign in."""
    __tablename__ = "post_draft"
    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True)
    path: str = Field(max_length=300)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
