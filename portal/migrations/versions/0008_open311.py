"""Open311: batch tokens, department-system update ids, an index for status-filtered lists

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open311_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("submission", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("filed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_key.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["service_request.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_open311_token_idempotency_key")),
    )
    with op.batch_alter_table("open311_token") as batch_op:
        batch_op.create_index(batch_op.f("ix_open311_token_token"), ["token"], unique=True)
        batch_op.create_index(batch_op.f("ix_open311_token_api_key_id"), ["api_key_id"])

    op.create_table(
        "open311_update_ref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_key.id"]),
        sa.ForeignKeyConstraint(["update_id"], ["request_update.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("api_key_id", "external_id", name=op.f("uq_open311_update_ref_api_key_id_external_id")),
    )
    # GET requests?status=open lists the newest open requests of 7 million: status first, then time.
    with op.batch_alter_table("service_request") as batch_op:
        batch_op.create_index("ix_request_status_created", ["status", "created_at"])
    # servicerequestupdates lists public updates by time.
    with op.batch_alter_table("request_update") as batch_op:
        batch_op.create_index("ix_request_update_created_at", ["created_at"])


def downgrade() -> None:
    with op.batch_alter_table("request_update") as batch_op:
        batch_op.drop_index("ix_request_update_created_at")
    with op.batch_alter_table("service_request") as batch_op:
        batch_op.drop_index("ix_request_status_created")
    op.drop_table("open311_update_ref")
    op.drop_table("open311_token")
