"""The schema's leaner parts (migration 0013): partial indexes are what the models say (Alembic's
comparison does not look at an index's WHERE) and the lookups they serve use them, on both
databases; SQLite's request_area is a WITHOUT ROWID table."""
import re

from sqlmodel import SQLModel

import portal.models  # noqa: F401  (registers every table)


def _live_where(connection, name: str) -> str | None:
    """The WHERE of a live index, lower-cased, without parentheses and casts; None for a full index."""
    if connection.dialect.name == "sqlite":
        sql = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                                         (name,)).scalar()
    else:
        sql = connection.exec_driver_sql("SELECT indexdef FROM pg_indexes WHERE indexname = %s "
                                         "AND schemaname = current_schema()", (name,)).scalar()
    assert sql is not None, f"index {name} is missing"
    where = sql.partition(" WHERE ")[2]
    return re.sub(r"[()]|::\w+", "", where).lower().strip() or None


def test_partial_indexes_match_the_models(app):
    with app.app_context(), app.extensions["engine"].connect() as connection:
        dialect = connection.dialect.name
        checked = 0
        for table in SQLModel.metadata.sorted_tables:
            for index in table.indexes:
                declared = index.dialect_options[dialect]._non_defaults.get("where")
                expected = str(declared).lower() if declared is not None else None
                assert _live_where(connection, index.name) == expected, index.name
                checked += declared is not None
        assert checked >= 3


def test_lookups_use_the_partial_indexes(app):
    queries = {
        "ix_service_request_private_token_hash": "SELECT id FROM service_request WHERE private_token_hash = 'x'",
        "ix_service_request_reporter_user_id": "SELECT id FROM service_request WHERE reporter_user_id = 7",
        "ix_request_assignee_status": "SELECT id FROM service_request WHERE assignee_id = 7",
    }
    with app.app_context(), app.extensions["engine"].connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if not sqlite:
            connection.exec_driver_sql("SET enable_seqscan = off")  # (an empty table: else a scan is cheaper)
        for index, sql in queries.items():
            plan = connection.exec_driver_sql(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql).all()
            assert index in " ".join(str(row) for row in plan), (index, plan)


def test_request_area_is_its_primary_key_on_sqlite(app):
    with app.app_context(), app.extensions["engine"].connect() as connection:
        if connection.dialect.name != "sqlite":
            return  # (PostgreSQL tables are heaps: nothing to choose)
        sql = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'request_area'").scalar()
        assert "WITHOUT ROWID" in sql and "PRIMARY KEY (request_id, area_id)" in sql, sql
        assert "FOREIGN KEY(request_id) REFERENCES service_request (id)" in sql, sql
        indexes = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index' "
                                             "AND tbl_name = 'request_area' AND sql IS NOT NULL").scalars().all()
        assert indexes == ["ix_request_area_area_id"]
