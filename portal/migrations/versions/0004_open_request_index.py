"""spatial index of open requests only: most "near here" and map questions ask about open
requests, which are about a tenth of a city's history

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPEN = "new.status <> 'closed' AND new.lat IS NOT NULL AND new.lon IS NOT NULL"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE request_open_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)")
        op.execute(f"""CREATE TRIGGER request_open_rtree_insert AFTER INSERT ON service_request WHEN {OPEN}
                       BEGIN INSERT INTO request_open_rtree VALUES (new.id, new.lat, new.lat, new.lon, new.lon); END""")
        op.execute(f"""CREATE TRIGGER request_open_rtree_update AFTER UPDATE OF lat, lon, status ON service_request
                       BEGIN
                         DELETE FROM request_open_rtree WHERE id = old.id;
                         INSERT INTO request_open_rtree SELECT new.id, new.lat, new.lat, new.lon, new.lon WHERE {OPEN};
                       END""")
        op.execute("""CREATE TRIGGER request_open_rtree_delete AFTER DELETE ON service_request
                      BEGIN DELETE FROM request_open_rtree WHERE id = old.id; END""")
        op.execute("INSERT INTO request_open_rtree SELECT id, lat, lat, lon, lon FROM service_request "
                   "WHERE status <> 'closed' AND lat IS NOT NULL AND lon IS NOT NULL")
    else:
        op.execute("CREATE INDEX ix_request_open_point ON service_request USING gist (point(lon, lat)) "
                   "WHERE status <> 'closed'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS request_open_rtree_{trigger}")
        op.execute("DROP TABLE IF EXISTS request_open_rtree")
    else:
        op.execute("DROP INDEX IF EXISTS ix_request_open_point")
