"""the city side: response templates, saved filters, call-centre intakes, queue indexes

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "response_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["service_type_id"], ["service_type.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("response_template") as batch_op:
        batch_op.create_index(batch_op.f("ix_response_template_locale"), ["locale"])
        batch_op.create_index(batch_op.f("ix_response_template_service_type_id"), ["service_type_id"])

    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name"),
    )
    with op.batch_alter_table("saved_filter") as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_filter_user_id"), ["user_id"])

    op.create_table(
        "intake",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["service_request.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("intake") as batch_op:
        batch_op.create_index("ix_intake_agent_created", ["agent_id", "created_at"])
        batch_op.create_index(batch_op.f("ix_intake_request_id"), ["request_id"])

    with op.batch_alter_table("service_request") as batch_op:
        batch_op.create_index("ix_request_dept_status_created", ["department_id", "status", "created_at"])
        batch_op.create_index("ix_request_dept_status_expected", ["department_id", "status", "expected_at"])
        batch_op.create_index("ix_request_dept_closed", ["department_id", "closed_at"])
        batch_op.create_index("ix_request_assignee_status", ["assignee_id", "status"])
        batch_op.create_index("ix_request_reporter_email", ["reporter_email"])
        batch_op.create_index("ix_request_reporter_phone", ["reporter_phone"])
    with op.batch_alter_table("coreport") as batch_op:
        batch_op.create_index("ix_coreport_email", ["email"])
        batch_op.create_index("ix_coreport_phone", ["phone"])
    with op.batch_alter_table("user") as batch_op:
        batch_op.create_index("ix_user_phone", ["phone"])


def downgrade() -> None:
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_index("ix_user_phone")
    with op.batch_alter_table("coreport") as batch_op:
        batch_op.drop_index("ix_coreport_phone")
        batch_op.drop_index("ix_coreport_email")
    with op.batch_alter_table("service_request") as batch_op:
        for name in ("ix_request_reporter_phone", "ix_request_reporter_email", "ix_request_assignee_status",
                     "ix_request_dept_closed", "ix_request_dept_status_expected", "ix_request_dept_status_created"):
            batch_op.drop_index(name)
    op.drop_table("intake")
    op.drop_table("saved_filter")
    op.drop_table("response_template")
