"""Spatial request queries (portal.areas.spatial) on N synthetic requests, SQLite and PostgreSQL.

What is measured
----------------
N requests spread uniformly over the Philadelphia box (lat 39.867..40.138, lon -75.280..-74.956,
about 28 km x 30 km), 60 service types, 10 % in an open status (open / acknowledged / in
progress), created over 18 years in id order (as a real table fills). The schema is the project's
own, made by its Alembic migrations (`portal.db.upgrade`):

* SQLite: a scratch file under /tmp, loaded with `executemany` in 200,000-row transactions with
  `journal_mode=OFF` and `synchronous=OFF` (a scratch file: a crash would only lose the bench).
* PostgreSQL: the scratch schema `bench_near` in the `test` database (dropped at the end), loaded
  with `COPY ... FROM STDIN` (psycopg 3 `cursor.copy`) with `session_replication_role = replica`
  (foreign-key triggers off; the rows are valid by construction).

On both, the secondary indexes are dropped before the load and recreated from their own
definitions after it, as a bulk import would; that is the "index build" time, the spatial ones
(SQLite's latitude-band B-trees, PostgreSQL's GiST) timed apart. PostgreSQL then gets ANALYZE
(autovacuum would run it too); SQLite gets none: the app never runs ANALYZE, so the plans are the
ones a real SQLite deployment gets.

Then, over --queries random centres in the city (the same centres on both databases, after 20
warm-up calls; server and connection settings as shipped), wall time of the real service
functions on a SQLAlchemy session, ORM objects included. Before each set of series the table and
its indexes are read once into the OS page cache (pg_prewarm 'read' on PostgreSQL), a running
server's steady state. The "disk MB/call" column is what the reading process (this one for SQLite,
the PostgreSQL backend) really read from storage per call, from /proc/<pid>/io: on a VM that
pages out idle memory it shows when a series was I/O-bound anyway.

  near      spatial.near(200 m, open statuses, one random type, newest first, limit 50)
  map       spatial.within_box(1.5 km x 1.5 km, open statuses, newest first, limit 500)
  map-any   the same box in any order (order=None), limit 500
  list      spatial.within_box(2 km x 2 km "neighbourhood", open statuses, newest first, limit 20)

The table also shows how many generation-2 (full) garbage collections of Python ran during
each series and their total time: a full collection walks every object in the process and takes
tens of milliseconds, so it shows up in p99/max whenever a series allocates many ORM objects.

Baseline: the same near query WITHOUT the spatial index -- the query the portal used before
(a box on the plain (lat, lon) B-tree columns, same filters and SQL haversine; the bench makes
that B-tree, which the portal no longer has), on the PostgreSQL schema with `ix_request_point` dropped -- at --baseline-rows (default 1,000,000, a fresh load when
smaller than --rows), next to spatial.near on the same data, and their ratio.

Run:    .venv/bin/python bench/near.py [--rows 1000000] [--db sqlite|postgresql|both]
                                       [--queries 300] [--baseline-rows 1000000]
Output: tables on stdout and bench/results/near-<UTC timestamp>.json.
Bounded: every query is bounded (radius <= 5 km, box <= 1 degree), each series stops after
--queries calls or --series-seconds, whichever first; scratch file and schema are removed.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from portal import db  # noqa: E402
from portal.areas import spatial  # noqa: E402
from portal.models import ServiceRequest  # noqa: E402
from portal.requests.service import OPEN_STATUSES  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
PG_BASE = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_SCHEMA = "bench_near"
SQLITE_SPATIAL = ("ix_request_band", "ix_request_open_band")  # migration 0012
SOUTH, NORTH, WEST, EAST = 39.867, 40.138, -75.280, -74.956
TYPES = 60
DEPARTMENTS = 6
YEARS = 18
END = datetime(2026, 11, 1, tzinfo=UTC)
CHUNK = 200_000
WARMUP = 20
M_PER_DEG = 111_320  # metres per degree of latitude, for sizing boxes
STATUS_CODES = ("open", "acknowledged", "in_progress", "closed")
DESCRIPTIONS = [
    "Pothole in the right lane, deep enough to damage a tyre.",
    "Street light out on the corner since last week.",
    "Trash not collected on the scheduled day.",
    "Graffiti on the side wall of the corner store.",
    "Abandoned car, no plates, parked for over a month, windows broken.",
    "Fire hydrant leaking onto the sidewalk.",
    "Illegal dumping: mattresses and tyres in the alley behind the houses.",
    "Tree branch hanging over the sidewalk after the storm.",
    "Missing stop sign at the intersection.",
    "Broken sidewalk, a trip hazard near the bus stop.",
]
STREETS = ["Market St", "Broad St", "Girard Ave", "Spruce St", "Frankford Ave", "Germantown Ave",
           "Baltimore Ave", "Passyunk Ave", "Lancaster Ave", "Ridge Ave", "Walnut St", "Oregon Ave"]


# ------------------------------------------------------------------ synthetic data

def chunk_columns(start: int, count: int, total: int, seed: int) -> dict[str, np.ndarray]:
    """Rows start..start+count-1 of a table of `total`; identical for every database."""
    rng = np.random.default_rng([seed, start])
    ids = np.arange(start + 1, start + count + 1, dtype=np.int64)
    span = YEARS * 365.25 * 86400
    t0 = END.timestamp() - span
    created = t0 + (np.arange(start, start + count) + rng.random(count)) * (span / total)
    created = created.astype(np.int64)
    type_id = rng.integers(1, TYPES + 1, count)
    r = rng.random(count)  # 10 % open: 6 % open, 2 % acknowledged, 2 % in progress
    status = np.where(r < 0.06, 0, np.where(r < 0.08, 1, np.where(r < 0.10, 2, 3)))
    return {
        "id": ids,
        "number": 10_000_000 + (ids * 48_271) % 90_000_000,  # unique: 48271 is coprime with 9e7
        "type": type_id,
        "department": (type_id - 1) % DEPARTMENTS + 1,
        "status": status,
        "lat": SOUTH + rng.random(count) * (NORTH - SOUTH),
        "lon": WEST + rng.random(count) * (EAST - WEST),
        "created": created,
        "expected": created + 10 * 86400,
        "closed": created + rng.integers(3600, 30 * 86400, count),
        "description": rng.integers(0, len(DESCRIPTIONS), count),
        "house": rng.integers(1, 9000, count),
        "street": rng.integers(0, len(STREETS), count),
    }


def timestamps(seconds: np.ndarray, sqlite: bool) -> list[str]:
    text_ = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    # SQLAlchemy's SQLite DATETIME text format, or a PostgreSQL timestamptz literal in UTC
    suffix = ".000000" if sqlite else "+00"
    return [f"{t[:10]} {t[11:]}{suffix}" for t in text_.tolist()]


SQLITE_COLUMNS = ("id, number, media_url, service_type_id, department_id, status, closure_reason, description, "
                  "answers, lat, lon, location_approximate, address, channel, reporter_name, reporter_email, "
                  "reporter_phone, coreporter_count, priority, version, created_at, updated_at, expected_at, closed_at")


def rows(c: dict[str, np.ndarray], sqlite: bool):
    created = timestamps(c["created"], sqlite)
    expected = timestamps(c["expected"], sqlite)
    closed = timestamps(c["closed"], sqlite)
    for i, (rid, number, type_id, dept, status, lat, lon, desc, house, street) in enumerate(zip(
            c["id"].tolist(), c["number"].tolist(), c["type"].tolist(), c["department"].tolist(),
            c["status"].tolist(), c["lat"].tolist(), c["lon"].tolist(), c["description"].tolist(),
            c["house"].tolist(), c["street"].tolist())):
        is_closed = status == 3
        yield (rid, str(number), "", type_id, dept, STATUS_CODES[status], "fixed" if is_closed else None,
               DESCRIPTIONS[desc], "{}", lat, lon, False, f"{house} {STREETS[street]}", "web", "", "", "",
               0, 0, 1, created[i], closed[i] if is_closed else created[i], expected[i],
               closed[i] if is_closed else None)


def catalogue_rows():
    departments = [(d, f"dept{d}", f"Department {d}") for d in range(1, DEPARTMENTS + 1)]
    types = [(t, f"type{t}", f"Type {t}", 1, (t - 1) % DEPARTMENTS + 1) for t in range(1, TYPES + 1)]
    return departments, types


# ------------------------------------------------------------------ SQLite

def load_sqlite(path: Path, n: int, seed: int, say) -> dict:
    url = f"sqlite:///{path}"
    db.upgrade(url)
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY"):
        con.execute(f"PRAGMA {pragma}")
    departments, types = catalogue_rows()
    con.execute("BEGIN")
    con.executemany("INSERT INTO department (id, code, name, description) VALUES (?, ?, ?, '')", departments)
    con.execute("INSERT INTO service_group (id, code, name, position) VALUES (1, 'all', 'All', 0)")
    con.executemany("INSERT INTO service_type (id, code, name, group_id, department_id, description, keywords, "
                    "service_level_days, duplicate_radius_m, active, position) "
                    "VALUES (?, ?, ?, ?, ?, '', '', 10, 50, 1, 0)", types)
    con.execute("COMMIT")
    # Drop what a bulk load should build afterwards: the secondary indexes (triggers too, if any).
    saved = con.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'service_request' "
                        "AND type IN ('index', 'trigger') AND sql IS NOT NULL").fetchall()
    for kind, name, _sql in saved:
        con.execute(f"DROP {kind.upper()} {name}")
    placeholders = ", ".join("?" * len(SQLITE_COLUMNS.split(",")))
    started = time.perf_counter()
    for start in range(0, n, CHUNK):
        count = min(CHUNK, n - start)
        con.execute("BEGIN")
        con.executemany(f"INSERT INTO service_request ({SQLITE_COLUMNS}) VALUES ({placeholders})",
                        rows(chunk_columns(start, count, n, seed), sqlite=True))
        con.execute("COMMIT")
        say(f"  sqlite: {start + count:,} rows", end="\r")
    load_s = time.perf_counter() - started
    say("")
    build = {}
    for part, banded in (("btree_indexes_s", False), ("band_indexes_s", True)):
        started = time.perf_counter()
        con.execute("BEGIN")
        for kind, name, sql in saved:
            if kind == "index" and (name in SQLITE_SPATIAL) == banded:
                con.execute(sql)
        con.execute("COMMIT")
        build[part] = time.perf_counter() - started
    con.execute("BEGIN")
    for kind, _name, sql in saved:
        if kind == "trigger":
            con.execute(sql)
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode=WAL")  # back to what the app uses
    con.close()
    return {"url": url, "rows": n, "load_s": load_s, "rows_per_s": n / load_s,
            "index_build": build,
            "file_bytes": path.stat().st_size}


# ------------------------------------------------------------------ PostgreSQL

def pg_urls() -> tuple[str, str]:
    base = PG_BASE.replace("postgresql://", "postgresql+psycopg://", 1)
    return base, f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{PG_SCHEMA}"


def pg_connect():
    import psycopg
    return psycopg.connect(PG_BASE, options=f"-csearch_path={PG_SCHEMA}", autocommit=True)


def pg_recreate_schema() -> None:
    base, url = pg_urls()
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    engine.dispose()
    db.upgrade(url)


def pg_drop_schema() -> None:
    base, _ = pg_urls()
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
    engine.dispose()


def copy_text(value) -> str:
    if value is None:
        return r"\N"
    if value is False:
        return "f"
    return str(value)  # no tabs, newlines or backslashes in the synthetic values


def load_postgres(n: int, seed: int, say) -> dict:
    pg_recreate_schema()
    departments, types = catalogue_rows()
    with pg_connect() as con:
        cur = con.cursor()
        cur.executemany("INSERT INTO department (id, code, name, description) VALUES (%s, %s, %s, '')", departments)
        cur.execute("INSERT INTO service_group (id, code, name, position) VALUES (1, 'all', 'All', 0)")
        cur.executemany("INSERT INTO service_type (id, code, name, group_id, department_id, description, keywords, "
                        "service_level_days, duplicate_radius_m, active, position) "
                        "VALUES (%s, %s, %s, %s, %s, '', '', 10, 50, true, 0)", types)
        # Secondary indexes are rebuilt after the load (constraint indexes stay).
        saved = cur.execute("""SELECT i.indexname, i.indexdef FROM pg_indexes i
                               WHERE i.schemaname = current_schema() AND i.tablename = 'service_request'
                                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                                 WHERE c.conname = i.indexname
                                                   AND c.connamespace = current_schema()::regnamespace)""").fetchall()
        for name, _sql in saved:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SET session_replication_role = replica")
        started = time.perf_counter()
        for start in range(0, n, CHUNK):
            count = min(CHUNK, n - start)
            with cur.copy(f"COPY service_request ({SQLITE_COLUMNS}) FROM STDIN") as copy:
                copy.write("".join("\t".join(map(copy_text, row)) + "\n"
                                   for row in rows(chunk_columns(start, count, n, seed), sqlite=False)))
            say(f"  postgresql: {start + count:,} rows", end="\r")
        load_s = time.perf_counter() - started
        say("")
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("SELECT setval(pg_get_serial_sequence('service_request', 'id'), %s)", (n,))
        build = {}
        started = time.perf_counter()
        for name, sql in saved:
            if name != "ix_request_point":
                cur.execute(sql)
        build["btree_indexes_s"] = time.perf_counter() - started
        started = time.perf_counter()
        for name, sql in saved:
            if name == "ix_request_point":
                cur.execute(sql)
        build["gist_s"] = time.perf_counter() - started
        started = time.perf_counter()
        cur.execute("VACUUM ANALYZE service_request")
        build["vacuum_analyze_s"] = time.perf_counter() - started
        size = cur.execute("SELECT pg_total_relation_size('service_request'), "
                           "pg_relation_size('ix_request_point')").fetchone()
    return {"url": pg_urls()[1], "rows": n, "load_s": load_s, "rows_per_s": n / load_s, "index_build": build,
            "total_bytes": size[0], "gist_bytes": size[1]}


# ------------------------------------------------------------------ the queries

def box_m(lat: float, lon: float, side_m: float) -> tuple[float, float, float, float]:
    dlat = side_m / 2 / M_PER_DEG
    dlon = side_m / 2 / (M_PER_DEG * math.cos(math.radians(lat)))
    return lat - dlat, lon - dlon, lat + dlat, lon + dlon


def q_near(session, p):
    return spatial.near(session, p["lat"], p["lon"], 200, type_ids=[p["type"]])


def q_map(session, p):
    return spatial.within_box(session, *box_m(p["lat"], p["lon"], 1500), limit=500)


def q_map_any(session, p):
    return spatial.within_box(session, *box_m(p["lat"], p["lon"], 1500), order=None, limit=500)


def q_list(session, p):
    return spatial.within_box(session, *box_m(p["lat"], p["lon"], 2000), order="newest", limit=20)


def q_near_btree(session, p):
    """The near query as the portal ran it before the spatial index: a box on the (lat, lon)
    B-tree columns, then the same filters, SQL haversine, order and limit."""
    lat, lon, radius = p["lat"], p["lon"], 200
    south, west, north, east = spatial._box_around(lat, lon, radius)
    distance = spatial._haversine_sql(lat, lon).label("distance_m")
    query = select(ServiceRequest, distance).where(
        ServiceRequest.lat.between(south, north), ServiceRequest.lon.between(west, east), distance <= radius,
        ServiceRequest.service_type_id.in_([p["type"]]), ServiceRequest.status.in_([str(s) for s in OPEN_STATUSES]))
    query = query.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc()).limit(50)
    return [(r, float(d)) for r, d in session.exec(query)]


QUERIES = {
    "near": ("spatial.near 200 m, open, 1 type, newest, limit 50", q_near),
    "map": ("within_box 1.5x1.5 km, open, newest, limit 500", q_map),
    "map-any": ("within_box 1.5x1.5 km, open, any order, limit 500", q_map_any),
    "list": ("within_box 2x2 km, open, newest, limit 20", q_list),
}


def centres(count: int, seed: int) -> list[dict]:
    rng = np.random.default_rng([seed, 999])
    margin_lat, margin_lon = 0.01, 0.013  # ~1.1 km: every box stays inside the data
    return [{"lat": float(SOUTH + margin_lat + rng.random() * (NORTH - SOUTH - 2 * margin_lat)),
             "lon": float(WEST + margin_lon + rng.random() * (EAST - WEST - 2 * margin_lon)),
             "type": int(rng.integers(1, TYPES + 1))} for _ in range(count)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class FullCollections:
    """Counts Python's generation-2 garbage collections (and their time) while active: with
    hundreds of ORM objects per call they come often and each walks every object in the process."""

    def __enter__(self):
        self.count, self.ms, self._started = 0, 0.0, None
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self._callback)

    def _callback(self, phase, info):
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.count += 1
            self.ms += (time.perf_counter() - self._started) * 1000


def read_bytes(pid: int) -> int | None:
    """Bytes the process has read from storage (not from the page cache), or None if unknown."""
    try:
        with open(f"/proc/{pid}/io") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("read_bytes"))
    except (OSError, StopIteration, ValueError):
        return None


def reader_pid(session) -> int:
    """The process that reads the database files: this one, or the PostgreSQL backend."""
    if session.get_bind().dialect.name == "sqlite":
        return os.getpid()
    return session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()


def measure(session, fn, points: list[dict], budget_s: float) -> dict:
    for p in points[:WARMUP]:
        fn(session, p)
        session.expunge_all()
    gc.collect()
    times, found = [], []
    pid = reader_pid(session)  # the session keeps its connection: the series is one transaction
    disk_before = read_bytes(pid)
    deadline = time.monotonic() + budget_s
    with FullCollections() as full_gc:
        for p in points[WARMUP:]:
            started = time.perf_counter()
            result = fn(session, p)
            times.append((time.perf_counter() - started) * 1000)
            found.append(len(result))
            del result
            session.expunge_all()
            if time.monotonic() > deadline:
                break
    disk_after = read_bytes(pid)
    disk = None if disk_before is None or disk_after is None else (disk_after - disk_before) / len(times)
    return {"n": len(times), "p50_ms": percentile(times, 0.50), "p99_ms": percentile(times, 0.99),
            "mean_ms": statistics.fmean(times), "max_ms": max(times), "mean_results": statistics.fmean(found),
            "gc2_count": full_gc.count, "gc2_ms": full_gc.ms, "disk_bytes_per_call": disk}


def prewarm(url: str) -> float:
    """Read the data once into the OS page cache (a running server's steady state); seconds taken."""
    started = time.perf_counter()
    if url.startswith("sqlite"):
        with open(url.removeprefix("sqlite:///"), "rb", buffering=0) as f:
            while f.read(8 << 20):
                pass
    else:
        with pg_connect() as con:
            relations = [r[0] for r in con.execute(
                "SELECT c.oid::regclass::text FROM pg_class c WHERE c.oid = 'service_request'::regclass "
                "OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'service_request'::regclass)")]
            try:
                con.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")  # into the scratch schema
                for relation in relations:
                    con.execute("SELECT pg_prewarm(%s, 'read')", (relation,))
            except Exception:  # noqa: BLE001 -- no contrib: a sequential scan reads the table at least
                con.execute("SELECT count(*) FROM service_request")
    return time.perf_counter() - started


def plan_of(session, fn, p) -> list[str]:
    """The database's plan for the statement `fn` sends (captured, then EXPLAINed)."""
    from sqlalchemy import event
    captured = []
    engine = session.get_bind()

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "service_request" in statement and not statement.startswith("EXPLAIN"):
            captured.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", grab)
    try:
        fn(session, p)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    statement, parameters = captured[-1]
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    result = session.connection().exec_driver_sql(prefix + statement, parameters).all()
    session.rollback()
    if engine.dialect.name == "sqlite":
        return [row[-1] for row in result]
    return [row[0] for row in result]


def run_queries(url: str, names: list[str], points: list[dict], budget_s: float, extra=None,
                warm: bool = True) -> dict:
    out = {"prewarm_s": prewarm(url)} if warm else {}
    engine = db.make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            if extra:
                extra(session)
            for name in names:
                fn = QUERIES[name][1] if name in QUERIES else q_near_btree
                out[name] = measure(session, fn, points, budget_s)
                out[name]["plan"] = plan_of(session, fn, points[0])
    finally:
        engine.dispose()
    return out


# ------------------------------------------------------------------ report

def machine() -> dict:
    info = {"cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform()}
    try:
        with open("/proc/meminfo") as f:
            info["mem_gb"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return info


def pg_info() -> dict:
    try:
        with pg_connect() as con:
            return {"postgresql": con.execute("SHOW server_version").fetchone()[0],
                    "shared_buffers": con.execute("SHOW shared_buffers").fetchone()[0],
                    "work_mem": con.execute("SHOW work_mem").fetchone()[0]}
    except Exception as problem:  # noqa: BLE001
        return {"postgresql": f"unreachable: {problem}"}


def mb(value: float | None) -> str:
    return "?" if value is None else f"{value / 1e6:.2f}"


def compact(plan: list[str]) -> str:
    """The plan's access paths on one line (the JSON keeps the whole plan)."""
    nodes = [re.sub(r"\s+\(cost=.*", "", line).strip().lstrip("-> ") for line in plan
             if "cost=" in line or not line.startswith(" ")]
    return " | ".join(nodes)


def table(title: str, header: list[str], body: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([title, line(header), line(["-" * w for w in widths]), *map(line, body)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--queries", type=int, default=300, help="timed calls per query kind (after 20 warm-up)")
    parser.add_argument("--baseline-rows", type=int, default=1_000_000)
    parser.add_argument("--series-seconds", type=float, default=120, help="time limit of one series")
    parser.add_argument("--seed", type=int, default=311)
    args = parser.parse_args(argv)
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    say = lambda *a, **k: print(*a, **k, flush=True)  # noqa: E731
    info = machine()
    if "postgresql" in databases:
        info.update(pg_info())
    say(f"Machine: {info['cpus']} cores, {info.get('mem_gb', '?')} GB RAM, {info['platform']}; "
        f"SQLite {info['sqlite']}" + (f"; PostgreSQL {info.get('postgresql')} (shared_buffers "
                                      f"{info.get('shared_buffers')})" if "postgresql" in databases else ""))
    say(f"Note: {info['cpus']} cores shared by the database server, the loader and the client; "
        "latencies are single-client wall times in Python, ORM objects included.")
    points = centres(WARMUP + args.queries, args.seed)
    baseline_n = min(args.baseline_rows, args.rows)
    results = {"machine": info, "args": vars(args), "databases": {}, "baseline": {}}
    scratch = Path(tempfile.mkdtemp(prefix="bench-near-", dir="/tmp"))
    try:
        for name in databases:
            say(f"{name}: loading {args.rows:,} rows")
            loaded = (load_sqlite(scratch / "near.sqlite3", args.rows, args.seed, say) if name == "sqlite"
                      else load_postgres(args.rows, args.seed, say))
            say(f"{name}: loaded in {loaded['load_s']:.1f} s ({loaded['rows_per_s']:,.0f} rows/s); index build "
                + ", ".join(f"{k} {v:.1f}" for k, v in loaded["index_build"].items()))
            timed = run_queries(loaded["url"], list(QUERIES), points, args.series_seconds)
            results["databases"][name] = {"load": loaded, "queries": timed}
            if baseline_n != args.rows:
                (scratch / "near.sqlite3").unlink(missing_ok=True)
                say(f"{name}: baseline, loading {baseline_n:,} rows")
                loaded_b = (load_sqlite(scratch / "baseline.sqlite3", baseline_n, args.seed, say) if name == "sqlite"
                            else load_postgres(baseline_n, args.seed, say))
            else:
                loaded_b = loaded
            base = run_queries(loaded_b["url"], ["near"], points, args.series_seconds)
            def drop(s, postgres=name == "postgresql"):
                """The baseline's own plain B-tree on (lat, lon) (the portal has none since migration 0013),
                and on PostgreSQL no GiST index, so that the planner cannot use it."""
                if postgres:
                    s.execute(text("DROP INDEX ix_request_point"))
                s.execute(text("CREATE INDEX IF NOT EXISTS bench_request_lat_lon ON service_request (lat, lon)"))
                s.commit()
            base["near-btree"] = run_queries(loaded_b["url"], ["near-btree"], points, args.series_seconds,
                                             extra=drop)["near-btree"]
            results["baseline"][name] = {"rows": baseline_n, **base}
            if name == "postgresql":
                pg_drop_schema()
            for f in scratch.iterdir():
                f.unlink()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if "postgresql" in databases:
            try:
                pg_drop_schema()
            except Exception:  # noqa: BLE001
                pass

    say("")
    body = []
    for name, r in results["databases"].items():
        build = r["load"]["index_build"]
        body.append([name, f"{r['load']['rows']:,}", f"{r['load']['load_s']:.1f}", f"{r['load']['rows_per_s']:,.0f}",
                     " + ".join(f"{v:.1f}" for v in build.values()), ", ".join(build)])
    say(table(f"Load ({args.rows:,} rows)", ["db", "rows", "load s", "rows/s", "index build s", "(parts)"], body))
    say("")
    body = []
    for name, r in results["databases"].items():
        for q, (label, _fn) in QUERIES.items():
            m = r["queries"][q]
            body.append([name, q, label, m["n"], f"{m['p50_ms']:.2f}", f"{m['p99_ms']:.2f}", f"{m['max_ms']:.2f}",
                         f"{m['mean_results']:.1f}", mb(m["disk_bytes_per_call"]), f"{m['gc2_count']} / {m['gc2_ms']:.0f}"])
    say(table(f"Queries on {args.rows:,} rows", ["db", "query", "what", "n", "p50 ms", "p99 ms", "max ms", "rows/call",
                                                 "disk MB/call", "full GCs / ms"], body))
    say("")
    body = []
    for name, r in results["baseline"].items():
        idx, bt = r["near"], r["near-btree"]
        body.append([name, f"{r['rows']:,}", f"{idx['p50_ms']:.2f}", f"{idx['p99_ms']:.2f}", f"{bt['p50_ms']:.2f}",
                     f"{bt['p99_ms']:.2f}", f"{bt['p50_ms'] / idx['p50_ms']:.1f}x", f"{bt['p99_ms'] / idx['p99_ms']:.1f}x",
                     f"{mb(idx['disk_bytes_per_call'])} / {mb(bt['disk_bytes_per_call'])}"])
    say(table("Baseline: near query with the spatial index vs the (lat, lon) B-tree only",
              ["db", "rows", "index p50", "index p99", "btree p50", "btree p99", "ratio p50", "ratio p99",
               "disk MB/call idx / btree"], body))
    say("")
    for name, r in results["databases"].items():
        for q in QUERIES:
            say(f"plan {name} {q}: {compact(r['queries'][q]['plan'])}")
    for name, r in results["baseline"].items():
        say(f"plan {name} near-btree ({r['rows']:,}): {compact(r['near-btree']['plan'])}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"near-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    say(f"\nWritten {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
