"""neighbourhood community: threads, posts, follows, notifications, organisations, events

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def text(length=None):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def moment():
    return sqlmodel.sql.sqltypes.UTCDateTime()


def _indexes(table: str, *specs) -> None:
    """(columns, unique): one column gets the convention's name, several an explicit first item."""
    with op.batch_alter_table(table) as batch_op:
        for columns, unique in specs:
            if len(columns) == 1:
                batch_op.create_index(batch_op.f(f"ix_{table}_{columns[0]}"), columns, unique=unique)
            else:
                batch_op.create_index(columns[0], columns[1:], unique=unique)


def upgrade() -> None:
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("blocked_at", moment(), nullable=True))
    with op.batch_alter_table("request_follower") as batch_op:
        batch_op.add_column(sa.Column("level", text(10), nullable=False, server_default="normal"))
    with op.batch_alter_table("outbox_mail") as batch_op:
        batch_op.add_column(sa.Column("unsubscribe_url", text(500), nullable=True))

    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("name", text(120), nullable=False),
        sa.Column("kind", text(20), nullable=False),
        sa.Column("description", text(2000), nullable=False),
        sa.Column("contact", text(200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("verified_at", moment(), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["verified_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("organisation", (["area_id"], False))

    op.create_table(
        "organisation_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("manager", sa.Boolean(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "user_id"),
    )
    _indexes("organisation_member", (["organisation_id"], False), (["user_id"], False))

    op.create_table(
        "community_thread",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("title", text(160), nullable=False),
        sa.Column("tag", text(20), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("client_key", text(64), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("last_activity_at", moment(), nullable=False),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("support_count", sa.Integer(), nullable=False),
        sa.Column("pinned_post_id", sa.Integer(), nullable=True),
        sa.Column("locked_at", moment(), nullable=True),
        sa.Column("hidden_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["service_request.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
        sa.UniqueConstraint("client_key"),
    )
    _indexes("community_thread", (["tag"], False), (["author_id"], False), (["created_at"], False),
             (["last_activity_at"], False), (["support_count"], False),
             (["ix_thread_area_activity", "area_id", "last_activity_at"], False))

    op.create_table(
        "thread_request_link",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["community_thread.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["service_request.id"]),
        sa.PrimaryKeyConstraint("thread_id", "request_id"),
    )
    _indexes("thread_request_link", (["request_id"], False))

    op.create_table(
        "community_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("official_department_id", sa.Integer(), nullable=True),
        sa.Column("opening", sa.Boolean(), nullable=False),
        sa.Column("body", text(), nullable=False),
        sa.Column("html", text(), nullable=False),
        sa.Column("client_key", text(64), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("edited_at", moment(), nullable=True),
        sa.Column("deleted_at", moment(), nullable=True),
        sa.Column("hidden_at", moment(), nullable=True),
        sa.Column("hidden_reason", text(200), nullable=False),
        sa.Column("flag_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["community_thread.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["reply_to_id"], ["community_post.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["official_department_id"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_key"),
    )
    _indexes("community_post", (["author_id"], False), (["official_department_id"], False),
             (["created_at"], False), (["hidden_at"], False), (["ix_post_thread_id", "thread_id", "id"], False))

    op.create_table(
        "post_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("body", text(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("reason", text(200), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["community_post.id"]),
        sa.ForeignKeyConstraint(["editor_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("post_revision", (["post_id"], False))

    op.create_table(
        "post_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", text(20), nullable=False),
        sa.Column("note", text(300), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("resolved_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["community_post.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "user_id"),
    )
    _indexes("post_flag", (["post_id"], False), (["resolved_at"], False))

    op.create_table(
        "thread_support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["community_thread.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("thread_id", "user_id"),
    )
    _indexes("thread_support", (["thread_id"], False))

    op.create_table(
        "thread_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("last_read_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["thread_id"], ["community_thread.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "thread_id"),
    )
    _indexes("thread_read", (["user_id"], False))

    op.create_table(
        "community_follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", text(10), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("level", text(10), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind", "target_id"),
    )
    _indexes("community_follow", (["ix_follow_target", "kind", "target_id"], False))

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event_key", text(80), nullable=False),
        sa.Column("kind", text(20), nullable=False),
        sa.Column("text", text(300), nullable=False),
        sa.Column("link", text(300), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("read_at", moment(), nullable=True),
        sa.Column("email_state", text(10), nullable=False),
        sa.Column("digest_batch", text(40), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_key"),
    )
    _indexes("notification", (["created_at"], False),
             (["ix_notification_user_read", "user_id", "read_at"], False),
             (["ix_notification_digest", "email_state", "user_id"], False))

    op.create_table(
        "community_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("title", text(160), nullable=False),
        sa.Column("starts_at", moment(), nullable=False),
        sa.Column("ends_at", moment(), nullable=True),
        sa.Column("place", text(200), nullable=False),
        sa.Column("description", text(2000), nullable=False),
        sa.Column("client_key", text(64), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_key"),
    )
    _indexes("community_event", (["organisation_id"], False),
             (["ix_event_area_start", "area_id", "starts_at"], False))

    op.create_table(
        "post_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", text(64), nullable=False),
        sa.Column("path", text(300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    _indexes("post_draft", (["created_at"], False))


def downgrade() -> None:
    for table in ("post_draft", "community_event", "notification", "community_follow", "thread_read",
                  "thread_support", "post_flag", "post_revision", "community_post", "thread_request_link",
                  "community_thread", "organisation_member", "organisation"):
        op.drop_table(table)
    with op.batch_alter_table("outbox_mail") as batch_op:
        batch_op.drop_column("unsubscribe_url")
    with op.batch_alter_table("request_follower") as batch_op:
        batch_op.drop_column("level")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("blocked_at")
