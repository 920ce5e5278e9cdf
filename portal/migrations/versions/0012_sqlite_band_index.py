"""SQLite: the spatial index becomes a B-tree on (latitude band, lon) instead of R*Trees kept by triggers

An R*Tree costs about 8 µs per point to fill (3 s per 300,000 imported rows, the bulk importer's
largest cost); an expression index is rebuilt by one sort at the end of a bulk import. A band is
1/1000° of latitude (about 111 m): `CAST(lat * 1000 AS INTEGER)` truncates toward zero, which is
monotonic, so the bands trunc(south * 1000)..trunc(north * 1000) hold every point of a box.
PostgreSQL keeps its GiST indexes (0003, 0004): nothing to do there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BAND = "CAST(lat * 1000 AS INTEGER)"  # portal/areas/spatial.py writes the same expression
HAS_POINT = "lat IS NOT NULL AND lon IS NOT NULL"
OPEN = "new.status <> 'closed' AND new.lat IS NOT NULL AND new.lon IS NOT NULL"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for tree in ("request_rtree", "request_open_rtree"):
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {tree}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {tree}")
    op.execute(f"CREATE INDEX ix_request_band ON service_request ({BAND}, lon) WHERE {HAS_POINT}")
    op.execute(f"CREATE INDEX ix_request_open_band ON service_request ({BAND}, lon) "
               f"WHERE status <> 'closed' AND {HAS_POINT}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_request_open_band")
    op.execute("DROP INDEX IF EXISTS ix_request_band")
    # As 0003 and 0004 made them, filled from the table.
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
    op.execute(f"INSERT INTO request_rtree SELECT id, lat, lat, lon, lon FROM service_request WHERE {HAS_POINT}")
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
               f"WHERE status <> 'closed' AND {HAS_POINT}")
