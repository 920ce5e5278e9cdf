"""spatial index on request points: SQLite R*Tree kept by triggers, PostgreSQL GiST

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # An R*Tree of points (a box of zero size); triggers keep it in step with every write path.
        op.execute("CREATE VIRTUAL TABLE request_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)")
        op.execute("""CREATE TRIGGER request_rtree_insert AFTER INSERT ON service_request
                      WHEN new.lat IS NOT NULL AND new.lon IS NOT NULL
                      BEGIN INSERT INTO request_rtree VALUES (new.id, new.lat, new.lat, new.lon, new.lon); END""")
        op.execute("""CREATE TRIGGER request_rtree_update AFTER UPDATE OF lat, lon ON service_request
                      BEGIN
                        DELETE FROM request_rtree WHERE id = old.id;
                        INSERT INTO request_rtree SELECT new.id, new.lat, new.lat, new.lon, new.lon
                          WHERE new.lat IS NOT NULL AND new.lon IS NOT NULL;
                      END""")
        op.execute("""CREATE TRIGGER request_rtree_delete AFTER DELETE ON service_request
                      BEGIN DELETE FROM request_rtree WHERE id = old.id; END""")
        op.execute("INSERT INTO request_rtree SELECT id, lat, lat, lon, lon FROM service_request WHERE lat IS NOT NULL")
    else:
        op.execute("CREATE INDEX ix_request_point ON service_request USING gist (point(lon, lat))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS request_rtree_{trigger}")
        op.execute("DROP TABLE IF EXISTS request_rtree")
    else:
        op.execute("DROP INDEX IF EXISTS ix_request_point")
