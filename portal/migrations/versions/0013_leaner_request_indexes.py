"""Fewer, smaller indexes on service_request, and a leaner request_area: every index costs each filing, each status change and
each imported row, and its share of a bulk import's rebuild

* dropped: `status` alone and `department_id` alone, which the (status, created_at) and
  (department_id, status, …) indexes already answer as their first column, and (lat, lon), which
  no query uses since the spatial indexes answer every box (0003, 0004, 0012);
* partial: the columns that most rows leave empty (the private link's hash, the signed-in reporter,
  the assignee) are indexed only where they are set. A lookup `column = value` implies that the
  column is not null, so both databases still use these indexes for it;
* SQLite: request_area becomes a WITHOUT ROWID table, its primary key (request_id, area_id) being
  the table itself rather than a second B-tree beside it: half the size, and an imported link costs
  half as much (a request has two or three: council and police district, ZIP code).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23
"""
import warnings

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PARTIAL = (("ix_service_request_private_token_hash", ["private_token_hash"], "private_token_hash"),
           ("ix_service_request_reporter_user_id", ["reporter_user_id"], "reporter_user_id"),
           ("ix_request_assignee_status", ["assignee_id", "status"], "assignee_id"))


def upgrade() -> None:
    op.drop_index("ix_service_request_status", table_name="service_request")
    op.drop_index("ix_service_request_department_id", table_name="service_request")
    op.drop_index("ix_request_lat_lon", table_name="service_request")
    for name, columns, column in PARTIAL:
        op.drop_index(name, table_name="service_request")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "service_request", columns, sqlite_where=where, postgresql_where=where)
    if op.get_bind().dialect.name == "sqlite":
        _recreate_request_area({"sqlite_with_rowid": False})


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate_request_area({"sqlite_with_rowid": True})
    for name, columns, _column in PARTIAL:
        op.drop_index(name, table_name="service_request")
        op.create_index(name, "service_request", columns)
    op.create_index("ix_request_lat_lon", "service_request", ["lat", "lon"])
    op.create_index("ix_service_request_department_id", "service_request", ["department_id"])
    op.create_index("ix_service_request_status", "service_request", ["status"])


def _recreate_request_area(table_kwargs: dict) -> None:
    with warnings.catch_warnings():  # (reflecting service_request: its band indexes are expressions)
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
        with op.batch_alter_table("request_area", recreate="always", table_kwargs=table_kwargs):
            pass
