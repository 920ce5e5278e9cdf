"""Writing imported batches: executemany of plain tuples on SQLite, COPY on PostgreSQL, and the
bulk mode's dropping (and rebuilding) of the secondary indexes of the tables written."""
from __future__ import annotations

import functools
import json
import time
from datetime import UTC, datetime
from enum import Enum

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from portal.models import ServiceRequest

NUMBER_LOW, NUMBER_SPAN = 10_000_000, 90_000_000  # public numbers: eight digits, as portal.requests.service
BULK_CACHE_KB = 131_072  # SQLite's page cache during a bulk import (then back to what it was)


def _postgres_time(stored: str) -> str:
    """A stored time (UTC text, as SQLAlchemy stores one in SQLite) as COPY reads a timestamptz."""
    return stored + "+00"


def _sqlite_literal(value) -> str:
    if isinstance(value, bool) or isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def _column_default(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


REQUEST_COLUMNS = ("id", "number", "external_id", "media_url", "service_type_id", "department_id", "status",
                   "closure_reason", "description", "lat", "lon", "address", "area_id", "channel",
                   "created_at", "updated_at", "expected_at", "closed_at")
UPDATE_COLUMNS = ("request_id", "kind", "public", "status", "closure_reason", "text", "created_at")
LINK_COLUMNS = ("request_id", "area_id")


def _request_defaults() -> tuple[tuple[str, ...], tuple]:
    """The other columns of service_request that have a default, with it (new columns included)."""
    sample = ServiceRequest(number="0", service_type_id=0, department_id=0, expected_at=datetime.now(UTC))
    names, values = [], []
    for column in ServiceRequest.__table__.columns:
        if column.name in REQUEST_COLUMNS:
            continue
        value = getattr(sample, column.name, None)
        if value is not None and not isinstance(value, datetime):
            names.append(column.name)
            values.append(_column_default(value))
    return tuple(names), tuple(values)


WRITTEN_TABLES = ("service_request", "request_update", "request_area")
FK_PARENTS = ("service_request", "area", "department", "service_type")  # bulk mode on PostgreSQL


def _timed(method):
    """Adds the method's wall time to `Writer.seconds`: the database's share of an import."""
    @functools.wraps(method)
    def timed(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
    return timed


class Writer:
    """Bulk inserts on one connection: executemany of tuples (SQLite) or COPY (PostgreSQL)."""

    seconds = 0.0  # spent in the methods marked @_timed (the database's work, and waiting for it)

    def __init__(self, connection: Connection):
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.time = None if self.sqlite else _postgres_time  # what a stored time becomes (None: itself)
        self.extra_columns, self.extra_values = _request_defaults()
        self.dropped: list[tuple[str, str]] = []  # (kind, SQL to make it again)
        self.sqlite_bulk: tuple | None = None  # (DBAPI connection, page cache size before)

    @_timed
    def allocate_ids(self, count: int) -> list[int]:
        # SQLite: the write lock is held (BEGIN IMMEDIATE); PostgreSQL in bulk mode: the table is
        # locked (its indexes were dropped). Nobody else takes ids meanwhile; else the sequence.
        if self.sqlite or self.dropped:
            top = self.connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM service_request").scalar()
            ids = list(range(top + 1, top + 1 + count))
        else:
            ids = list(self.connection.execute(text(
                "SELECT nextval(pg_get_serial_sequence('service_request', 'id')) FROM generate_series(1, :n)"),
                {"n": count}).scalars())
        return ids

    @_timed
    def all_numbers(self) -> np.ndarray:
        """A bitmap of the public numbers in use (90 million bits, 11 MB)."""
        bits = np.zeros(NUMBER_SPAN // 8 + 1, dtype=np.uint8)
        result = self.connection.exec_driver_sql("SELECT number FROM service_request")
        while chunk := result.fetchmany(100_000):
            values = np.array([int(n) for (n,) in chunk if n.isdigit() and len(n) == 8], dtype=np.int64) - NUMBER_LOW
            np.bitwise_or.at(bits, values >> 3, (1 << (values & 7)).astype(np.uint8))
        return bits

    @_timed
    def taken(self, column: str, values: list[str]) -> set[str]:
        """Which of `values` service_request already has in `column` (an indexed unique column)."""
        found: set[str] = set()
        for start in range(0, len(values), 5_000):
            part = values[start:start + 5_000]
            if self.sqlite:
                sql = f"SELECT {column} FROM service_request WHERE {column} IN ({', '.join('?' * len(part))})"
                found.update(r[0] for r in self.connection.exec_driver_sql(sql, tuple(part)))
            else:
                sql = f"SELECT {column} FROM service_request WHERE {column} = ANY(%s)"
                found.update(r[0] for r in self.connection.exec_driver_sql(sql, (part,)))
        return found

    @_timed
    def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple], *, integers: bool = False,
               fixed: tuple[tuple[str, ...], tuple] = ((), ())) -> None:
        """`integers`: every value is an int (COPY's text is then made here, in one string).
        `fixed`: more columns and the one value each has in every row (SQL literals on SQLite, so
        that they are not bound row by row)."""
        if not rows:
            return
        if self.sqlite:
            names, values = fixed
            marks = ", ".join(["?"] * len(columns) + [_sqlite_literal(v) for v in values])
            self.connection.exec_driver_sql(
                f"INSERT INTO {table} ({', '.join(columns + names)}) VALUES ({marks})", rows)
            return
        if fixed[0]:
            columns, rows = columns + fixed[0], [row + fixed[1] for row in rows]
        raw = self.connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            if integers:
                line = "\t".join(["%d"] * len(columns)) + "\n"
                copy.write("".join([line % row for row in rows]))
                return
            for row in rows:
                copy.write_row(row)

    # -------------------------------------------------------------- bulk mode

    @_timed
    def drop_indexes(self) -> None:
        """Drop the secondary indexes of the tables written (unique ones stay: they are checked
        against). On SQLite also turn foreign keys off for the import (they are right by
        construction: ids made here, types and areas read from the database) and enlarge the page
        cache; on PostgreSQL silence the foreign keys' triggers where allowed, else drop the foreign
        keys, to add them back (checked in one join) at the end."""
        tables = ", ".join(f"'{t}'" for t in WRITTEN_TABLES)
        if self.sqlite:
            raw = self.connection.connection.dbapi_connection
            cache = raw.execute("PRAGMA cache_size").fetchone()[0]
            # A pragma that a transaction ignores: the (still empty) transaction starts again after it.
            raw.execute("COMMIT")
            raw.execute("PRAGMA foreign_keys = OFF")
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(f"PRAGMA cache_size = -{BULK_CACHE_KB}")
            self.sqlite_bulk = (raw, cache)
            rows = self.connection.exec_driver_sql(
                f"SELECT name, sql FROM sqlite_master WHERE tbl_name IN ({tables}) AND type = 'index' "
                "AND sql IS NOT NULL").all()
            for name, sql in rows:
                if "UNIQUE" not in sql.upper():
                    self.connection.exec_driver_sql(f'DROP INDEX "{name}"')
                    self.dropped.append(("index", sql))
            return
        rows = self.connection.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            f"AND i.tablename IN ({tables}) AND i.indexdef NOT LIKE 'CREATE UNIQUE%' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")).all()
        for name, sql in rows:
            self.connection.exec_driver_sql(f'DROP INDEX "{name}"')
            self.dropped.append(("index", sql))
        # The foreign keys of the rows written are checked row by row by triggers (most of the
        # server's time). With the right to (a superuser, or GRANT SET ON PARAMETER), this
        # transaction simply does not fire them, as SQLite's foreign_keys = OFF: the rows are right
        # by construction. Else they are dropped, and added again at the end, which checks them all
        # in one join. (Not those to "user": its rows would stay locked for the whole import;
        # imported rows leave those columns empty anyway.)
        if self._skip_triggers():
            return
        keys = self.connection.execute(text(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(:tables) "
            "AND c.confrelid::regclass::text = ANY(:parents) ORDER BY 1, 2"),
            {"tables": list(WRITTEN_TABLES), "parents": list(FK_PARENTS)}).all()
        for table, name, definition in keys:
            self.connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            self.dropped.append(("foreign key", f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))

    may_skip_triggers = True  # (False: always the drop-and-add-back way, as for a role without the right)

    def _skip_triggers(self) -> bool:
        """PostgreSQL: `SET LOCAL session_replication_role = replica` (until the end of the
        transaction) when allowed and when the written tables have no triggers of their own (which
        it would silence too), and whether it was done."""
        own = self.connection.execute(text(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text = ANY(:tables)"),
            {"tables": list(WRITTEN_TABLES)}).scalar()
        if own or not self.may_skip_triggers:
            return False
        try:
            with self.connection.begin_nested():
                self.connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        except DBAPIError:
            return False
        return True

    @_timed
    def restore(self) -> None:
        """The end of a bulk import: indexes (and foreign keys) back. On SQLite this commits."""
        if not self.sqlite:
            self.connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            self.connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('service_request', 'id'), "
                "greatest((SELECT max(id) FROM service_request), 1))")
        for _kind, sql in self.dropped:
            self.connection.exec_driver_sql(sql)
        self.dropped = []
        if self.sqlite_bulk:
            # Committed here so that the connection's settings can be put back before it returns to
            # the pool: the session's own commit then ends an empty transaction.
            raw, cache = self.sqlite_bulk
            raw.execute("COMMIT")
            self._normal_sqlite(raw, cache)

    def abandon(self) -> None:
        """A failed import, before the session's rollback: on SQLite the import's transaction is
        rolled back here and the connection's settings put back (or the connection thrown away)."""
        if not self.sqlite_bulk:
            return
        raw, cache = self.sqlite_bulk
        try:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            self._normal_sqlite(raw, cache)
        except Exception:  # noqa: BLE001 - a connection in an unknown state is not reused
            self.sqlite_bulk = None
            self.connection.invalidate()

    def _normal_sqlite(self, raw, cache: int) -> None:
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute(f"PRAGMA cache_size = {int(cache)}")
        raw.execute("BEGIN")
        self.sqlite_bulk = None
