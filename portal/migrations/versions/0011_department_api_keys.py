"""API keys of department systems: a key may carry a department, whose requests it may update

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_key") as batch_op:
        batch_op.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_api_key_department_id_department", "department", ["department_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("api_key") as batch_op:
        batch_op.drop_constraint("fk_api_key_department_id_department", type_="foreignkey")
        batch_op.drop_column("department_id")
