"""join the community, staff and Open311 branches into one head, so later migrations have one parent

Revision ID: 0010
Revises: 0006, 0007, 0008
Create Date: 2026-11-22
"""
revision = "0010"
down_revision = ("0006", "0007", "0008")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
