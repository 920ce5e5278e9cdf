"""Historic requests from a city's open-data CSV: `stoop import-requests`.

Two layouts work out of the box, any other through column mapping:

* **philly**: Philadelphia's `public_cases_fc` (service_request_id, service_name, status "Open" /
  "Closed", status_notes, requested/updated/expected/closed_datetime, address, media_url, lat, lon …);
* **open311**: GeoReport v2 fields (service_request_id, status, service_name, service_code,
  description, requested_datetime, updated_datetime, address, lat, long or lon, media_url …).

How rows become requests (the choices the issue left open):

* `external_id` is "<format>:<service_request_id>"; a row whose id is already there (or repeated in
  the file) is skipped, so running the same file again adds nothing.
* Times: ISO 8601 (with Z or an offset), `M/D/YYYY H:MM[:SS] [AM|PM]`, or epoch seconds/ms.
  A time without a zone is local time in America/New_York; everything is stored in UTC.
* Status: open / acknowledged / in progress / closed, in any case ("Open", "Closed" for Philly).
  A closed row gets closed_at from closed_datetime, else updated_datetime, else its filing time, and
  the closure reason "fixed" unless its status notes say otherwise (duplicate, referred, could not
  locate, not the city's, no action: see `closure_reason`).
* Timeline: a closed row gets a public "closed" update (with its status notes as text, at closed_at);
  an open row with status notes gets a public note. No "reported" update is added: the request's
  own filing time says it.
* Service type: `--service-map` (source name → service code) first, then an existing type with the
  row's service_code or the same name (any case); else an inactive type is created in the
  "imported" group and department. expected_at is expected_datetime, else filing + the type's days.
* Rows without coordinates are kept with their address; 0,0 counts as no coordinates. A point
  outside every neighbourhood is kept without one. Channel: "api" (arrived from another system).
* A bad row (with its line number) is reported and skipped: each row is checked completely before
  anything of it is written, so no row is ever half there.

Speed: the file is streamed (csv reader, 5,000 rows a batch, memory flat). A batch costs one query
for the public numbers already taken and one bulk insert per table: executemany of plain tuples on
SQLite, COPY on PostgreSQL. Ids are not looked up first: the batch goes in under a savepoint, and
only if the unique external_id objects (a second run) is it written again after checking (and so
are the later batches). Areas are assigned for the whole batch at once (`AreaIndex`). Batches are
committed one by one, so the portal keeps working. A large import into a smaller table ("bulk"
mode, see `BULK_MIN_ROWS`) runs as one transaction, keeps the numbers in use in a bitmap, and drops
the table's secondary indexes (and SQLite's R*Tree trigger, whose rows it writes itself) to
rebuild them once at the end; on PostgreSQL that locks the table for the duration.
`bench/import_requests.py` measures it.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal.models import (
    Channel, ClosureReason, Department, ServiceGroup, ServiceRequest, ServiceType,
    Status, UpdateKind,
)
from portal.requests.service import MAX_DESCRIPTION

FORMATS = ("philly", "open311")
FIELDS = ("service_request_id", "service_name", "service_code", "status", "status_notes", "description",
          "requested_datetime", "updated_datetime", "expected_datetime", "closed_datetime", "address",
          "lat", "lon", "media_url")
ALIASES = {"lon": ("lon", "long", "lng", "longitude"), "lat": ("lat", "latitude")}
FIELD_NAMES = {alias: name for name, aliases in ALIASES.items() for alias in aliases} | {f: f for f in FIELDS}
REQUIRED = ("service_request_id", "status", "requested_datetime")
PHILLY_MARKS = {"cartodb_id", "objectid", "closed_datetime", "the_geom"}
BATCH = 5_000
BULK_MIN_ROWS = 50_000  # "bulk" when the file has at least this many rows and more than the table
NUMBER_LOW, NUMBER_SPAN = 10_000_000, 90_000_000  # public numbers: eight digits, as portal.requests.service
BULK_CACHE_KB = 131_072  # SQLite's page cache during a bulk import (then back to what it was)
MAX_PROBLEMS = 50  # bad rows listed one by one; the rest are counted
LOCAL = ZoneInfo("America/New_York")
IMPORTED = "imported"
STATUSES = {"open": Status.open.value, "new": Status.open.value, "acknowledged": Status.acknowledged.value,
            "in progress": Status.in_progress.value, "inprogress": Status.in_progress.value,
            "closed": Status.closed.value, "Open": Status.open.value, "Closed": Status.closed.value}
# Words in a closed request's status notes that mean something else than "fixed", first match wins.
REASON_WORDS = (
    ("duplicate", ClosureReason.duplicate),
    ("referred", ClosureReason.referred), ("another agency", ClosureReason.referred),
    ("another organization", ClosureReason.referred), ("other agency", ClosureReason.referred),
    ("unable to find", ClosureReason.could_not_locate), ("could not find", ClosureReason.could_not_locate),
    ("could not locate", ClosureReason.could_not_locate), ("unable to locate", ClosureReason.could_not_locate),
    ("not found", ClosureReason.could_not_locate),
    ("private property", ClosureReason.not_city), ("not city", ClosureReason.not_city),
    ("not the city", ClosureReason.not_city), ("not a city", ClosureReason.not_city),
    ("not needed", ClosureReason.no_action), ("no action", ClosureReason.no_action),
    ("not resolved", ClosureReason.no_action), ("cancel", ClosureReason.no_action),
    ("information provided", ClosureReason.no_action), ("question answered", ClosureReason.no_action),
    ("no violation", ClosureReason.no_action),
)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MIN_YEAR = 1970


class ImportFileError(Exception):
    """The file (or an argument) cannot be used at all; nothing was imported."""


class RowError(ValueError):
    """One row cannot be used; the message says why."""


# ------------------------------------------------------------------ arguments

def parse_mappings(items: Iterable[str], fields: Iterable[str], *, default: str = "column=field",
                   aliases: dict[str, str] | None = None) -> dict[str, str]:
    """`--map` values as {field: column}. Either side may be the field: the documented order
    (`default`) is tried first, then the other."""
    fields = set(fields)
    aliases = aliases or {}
    mapping = {}
    for item in items:
        left, sep, right = item.partition("=")
        left, right = left.strip(), right.strip()
        if not sep or not left or not right:
            raise ValueError(f"--map {item!r}: write {default.upper()}, e.g. "
                             + ("\"Case ID=service_request_id\"" if default == "column=field" else "address=FULL_ADDRESS"))
        as_field = {side: aliases.get(side.lower(), side.lower()) for side in (left, right)}
        column, name = (left, right) if default == "column=field" else (right, left)
        if as_field[name] not in fields and as_field[column] in fields:
            column, name = name, column
        if as_field[name] not in fields:
            raise ValueError(f"--map {item!r}: {name!r} is not a field; fields: {', '.join(sorted(fields))}")
        mapping[as_field[name]] = column
    return mapping


def read_service_map(path: Path) -> dict[str, str]:
    """`source_name,service_code` lines (a header line is allowed) as {folded name: code}."""
    found = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not "".join(row).strip():
                continue
            if len(row) != 2:
                raise ImportFileError(f"{path.name}: line {number}: expected source_name,service_code")
            name, code = row[0].strip(), row[1].strip()
            if number == 1 and (name.lower(), code.lower()) == ("source_name", "service_code"):
                continue
            if not name or not code:
                raise ImportFileError(f"{path.name}: line {number}: empty name or code")
            found[_fold(name)] = code
    return found


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


# ------------------------------------------------------------------ one row

def parse_when(value: str) -> datetime | None:
    """A time as written in city data, as an aware UTC datetime (None when empty)."""
    s = value.strip()
    if not s:
        return None
    try:
        if s[4:5] == "-":
            moment = datetime.fromisoformat(s)
        elif "/" in s:
            moment = _us_datetime(s)
        elif s.isdigit() and len(s) in (10, 13):
            moment = datetime.fromtimestamp(int(s) / (1000 if len(s) == 13 else 1), UTC)
        else:
            raise ValueError
    except (ValueError, OverflowError):
        raise RowError(f"{s[:40]!r} is not a date and time (ISO 8601 or M/D/YYYY H:MM)") from None
    zone = moment.tzinfo
    if zone is None:
        moment = moment.replace(tzinfo=LOCAL).astimezone(UTC)
    elif zone is not UTC:
        moment = moment.astimezone(UTC)
    if moment.year < MIN_YEAR:
        raise RowError(f"{s[:40]!r} is before {MIN_YEAR}")
    return moment


def _us_datetime(s: str) -> datetime:
    date, _, clock = s.partition(" ")
    month, day, year = date.split("/")
    hour = minute = second = 0
    clock = clock.strip()
    if clock:
        meridiem = clock[-2:].upper()
        if meridiem in ("AM", "PM"):
            clock = clock[:-2].strip()
        parts = clock.split(":")
        if not 2 <= len(parts) <= 3:
            raise ValueError
        hour, minute = int(parts[0]), int(parts[1])
        second = int(float(parts[2])) if len(parts) == 3 else 0
        if meridiem in ("AM", "PM"):
            if not 1 <= hour <= 12:
                raise ValueError
            hour = hour % 12 + (12 if meridiem == "PM" else 0)
    year = int(year)
    if year < 100:
        year += 2000
    return datetime(year, int(month), int(day), hour, minute, second)


def closure_reason(notes: str) -> str:
    lowered = notes.lower()
    for words, reason in REASON_WORDS:
        if words in lowered:
            return reason.value
    return ClosureReason.fixed.value


def _text(value: str, limit: int, *, multiline: bool = False) -> str:
    if CONTROL.search(value):
        value = CONTROL.sub(" ", value)
    value = value.strip() if multiline else " ".join(value.split())
    return value if len(value) <= limit else value[:limit - 1] + "…"


@dataclass(slots=True)
class Row:
    line: int
    source_id: str
    service_name: str
    service_code: str
    status: str
    notes: str
    description: str
    created: datetime
    updated: datetime | None
    expected: datetime | None
    closed: datetime | None
    address: str
    lat: float | None
    lon: float | None
    media_url: str


class RowReader:
    """Turns the CSV's value lists into checked `Row`s, by column position."""

    def __init__(self, header: list[str], mapping: dict[str, str], name: str, check_point=None):
        from portal.areas.assign import PointCheck
        self.check_point = check_point or PointCheck()
        positions = {h.strip(): i for i, h in enumerate(header)}
        lowered = {h.strip().lower(): i for i, h in enumerate(header)}
        self.columns: dict[str, int] = {}
        for field_name, column in mapping.items():
            position = positions.get(column, lowered.get(column.lower()))
            if position is None:
                raise ImportFileError(f"{name}: line 1: no column {column!r} (mapped to {field_name}); "
                                      f"the header has: {', '.join(header)}")
            self.columns[field_name] = position
        for field_name in FIELDS:
            if field_name not in self.columns:
                for alias in ALIASES.get(field_name, (field_name,)):
                    if alias in lowered and lowered[alias] not in self.columns.values():
                        self.columns[field_name] = lowered[alias]
                        break
        missing = [f for f in REQUIRED if f not in self.columns]
        if "service_name" not in self.columns and "service_code" not in self.columns:
            missing.append("service_name or service_code")
        if missing:
            raise ImportFileError(f"{name}: line 1: missing column{'s' if len(missing) > 1 else ''} "
                                  f"{', '.join(missing)} (the header has: {', '.join(h for h in header) or 'nothing'}); "
                                  "name them with --map COLUMN=FIELD")
        self.width = len(header)
        self.positions = tuple(self.columns.get(f, self.width) for f in FIELDS)
        self.now = datetime.now(UTC) + timedelta(days=1)

    def when(self, text: str, name: str) -> datetime | None:
        if not text:
            return None
        try:
            return parse_when(text)
        except RowError as problem:
            raise RowError(f"{name} {problem}") from None

    def read(self, values: list[str], line: int) -> Row:
        if len(values) != self.width:
            raise RowError(f"{len(values)} values, the header has {self.width}")
        values.append("")  # what every column the file does not have reads as
        (i_id, i_name, i_code, i_status, i_notes, i_description, i_requested, i_updated, i_expected, i_closed,
         i_address, i_lat, i_lon, i_media) = self.positions
        source_id = values[i_id].strip()
        if not source_id:
            raise RowError("no service_request_id")
        if len(source_id) > 60:
            raise RowError("service_request_id is longer than 60 characters")
        name, code = values[i_name], values[i_code]
        if "  " in name or name[:1] == " " or name[-1:] == " ":
            name = " ".join(name.split())
        code = code.strip()
        if not name and not code:
            raise RowError("no service_name or service_code")
        raw_status = values[i_status]
        status = STATUSES.get(raw_status)
        if status is None:
            folded = " ".join(raw_status.replace("-", " ").replace("_", " ").split()).lower()
            status = STATUSES.get(folded)
            if status is None:
                raise RowError(f"status {raw_status.strip()[:30]!r} is not open, acknowledged, in progress or closed")
        when = self.when
        created = when(values[i_requested], "requested_datetime")
        if created is None:
            raise RowError("no requested_datetime")
        if created > self.now:
            raise RowError(f"requested_datetime {values[i_requested].strip()!r} is in the future")
        updated = when(values[i_updated], "updated_datetime")
        expected = when(values[i_expected], "expected_datetime")
        closed = when(values[i_closed], "closed_datetime")
        raw_lat, raw_lon = values[i_lat], values[i_lon]
        lat = lon = None
        if raw_lat or raw_lon:
            raw_lat, raw_lon = raw_lat.strip(), raw_lon.strip()
            if not (raw_lat and raw_lon):
                if raw_lat or raw_lon:
                    raise RowError("lat and lon must both be given or both be empty")
            elif raw_lat in ("0", "0.0") and raw_lon in ("0", "0.0"):
                pass  # 0,0: a common way of saying "no point"
            else:
                try:
                    lat, lon = self.check_point(raw_lat, raw_lon)
                except ValueError as problem:
                    raise RowError(str(problem)) from None
        media = values[i_media]
        if media:
            media = media.strip()
            if len(media) > 500 or not media.startswith(("https://", "http://")):
                media = ""
        notes, description, address = values[i_notes], values[i_description], values[i_address]
        return Row(line, source_id, name[:200], code[:40], status,
                   _text(notes, 4000, multiline=True) if notes else "",
                   _text(description, MAX_DESCRIPTION, multiline=True) if description else "",
                   created, updated, expected, closed, _text(address, 200) if address else "", lat, lon, media)


# ------------------------------------------------------------------ service types

@dataclass(slots=True)
class TypeInfo:
    id: int
    department_id: int
    days: int


class Types:
    """Service names and codes → types, created (inactive, in "imported") when unknown."""

    def __init__(self, session: Session, service_map: dict[str, str]):
        self.session = session
        types = session.execute(select(ServiceType)).scalars().all()
        self.by_code = {t.code: TypeInfo(t.id, t.department_id, t.service_level_days) for t in types}
        self.by_name: dict[str, TypeInfo] = {}
        for t in sorted(types, key=lambda t: (not t.active, t.id)):
            self.by_name.setdefault(_fold(t.name), self.by_code[t.code])
        unknown = sorted({code for code in service_map.values() if code not in self.by_code})
        if unknown:
            raise ImportFileError(f"--service-map: unknown service code{'s' if len(unknown) > 1 else ''} "
                                  f"{', '.join(unknown)} (see /admin/types)")
        self.mapped = {name: self.by_code[code] for name, code in service_map.items()}
        self.cache: dict[tuple[str, str], TypeInfo] = {}
        self.created: list[str] = []
        self._group_id = self._department_id = None

    def resolve(self, name: str, code: str) -> TypeInfo:
        key = (name, code)
        found = self.cache.get(key)
        if found is None:
            folded = _fold(name)
            found = (self.mapped.get(folded) or self.mapped.get(code.casefold()) or self.by_code.get(code)
                     or self.by_name.get(folded) or self._create(name or code, code))
            self.cache[key] = found
        return found

    def _imported_home(self) -> tuple[int, int]:
        if self._group_id is None:
            session = self.session
            group = session.execute(select(ServiceGroup).where(ServiceGroup.code == IMPORTED)).scalar_one_or_none()
            if group is None:
                group = ServiceGroup(code=IMPORTED, name="Imported", position=1000)
                session.add(group)
            department = session.execute(select(Department).where(Department.code == IMPORTED)).scalar_one_or_none()
            if department is None:
                department = Department(code=IMPORTED, name="Imported requests",
                                        description="Requests loaded from another system, of types not in the catalogue.")
                session.add(department)
            session.flush()
            self._group_id, self._department_id = group.id, department.id
        return self._group_id, self._department_id

    def _create(self, name: str, code: str) -> TypeInfo:
        group_id, department_id = self._imported_home()
        from portal.areas.cli import slugify
        base = f"{IMPORTED}-{slugify(code or name) or 'type'}"[:40].strip("-")
        unique, n = base, 1
        while unique in self.by_code:
            n += 1
            unique = f"{base[:36]}-{n}"
        service_type = ServiceType(code=unique, name=name[:80], group_id=group_id, department_id=department_id,
                                   description="Created by an import of historic requests.", active=False,
                                   position=10_000)
        self.session.add(service_type)
        self.session.flush()
        info = TypeInfo(service_type.id, department_id, service_type.service_level_days)
        self.by_code[unique] = info
        self.by_name.setdefault(_fold(name), info)
        self.created.append(name)
        return info


# ------------------------------------------------------------------ writing batches

def _sqlite_time(moment: datetime | None) -> str | None:
    """As SQLAlchemy stores a UTC datetime in SQLite (so comparisons with bound values work)."""
    return None if moment is None else moment.isoformat(" ", "microseconds")[:26]


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


class Writer:
    """Bulk inserts on one connection: executemany of tuples (SQLite) or COPY (PostgreSQL)."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.time = _sqlite_time if self.sqlite else (lambda moment: moment)
        self.extra_columns, self.extra_values = _request_defaults()
        self.dropped: list[tuple[str, str]] = []  # (kind, SQL to make it again)

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

    def all_numbers(self) -> np.ndarray:
        """A bitmap of the public numbers in use (90 million bits, 11 MB)."""
        bits = np.zeros(NUMBER_SPAN // 8 + 1, dtype=np.uint8)
        result = self.connection.exec_driver_sql("SELECT number FROM service_request")
        while chunk := result.fetchmany(100_000):
            values = np.array([int(n) for (n,) in chunk if n.isdigit() and len(n) == 8], dtype=np.int64) - NUMBER_LOW
            np.bitwise_or.at(bits, values >> 3, (1 << (values & 7)).astype(np.uint8))
        return bits

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

    def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.sqlite:
            marks = ", ".join("?" * len(columns))
            self.connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            return
        raw = self.connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    # -------------------------------------------------------------- bulk mode

    def drop_indexes(self) -> None:
        """Drop service_request's secondary indexes (unique ones stay: they are checked against);
        on SQLite also the R*Tree insert trigger, whose work `insert_points` does batch by batch."""
        if self.sqlite:
            self.cache_size = self.connection.exec_driver_sql("PRAGMA cache_size").scalar()
            self.connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KB}")
            rows = self.connection.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'service_request' "
                "AND type IN ('index', 'trigger') AND sql IS NOT NULL").all()
            for kind, name, sql in rows:
                if (kind == "index" and "UNIQUE" not in sql.upper()) or (kind == "trigger" and name == "request_rtree_insert"):
                    self.connection.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
                    self.dropped.append((kind, sql))
        else:
            rows = self.connection.execute(text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename = 'service_request' AND i.indexdef NOT LIKE 'CREATE UNIQUE%' "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")).all()
            for name, sql in rows:
                self.connection.exec_driver_sql(f'DROP INDEX "{name}"')
                self.dropped.append(("index", sql))

    @property
    def rtree_by_hand(self) -> bool:
        return any(kind == "trigger" for kind, _sql in self.dropped)

    def insert_points(self, points: list[tuple]) -> None:
        """What the dropped R*Tree trigger would have done: (id, lat, lat, lon, lon) rows."""
        if points:
            self.connection.exec_driver_sql("INSERT INTO request_rtree VALUES (?, ?, ?, ?, ?)", points)

    def restore(self) -> None:
        if not self.sqlite:
            self.connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            self.connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('service_request', 'id'), "
                "greatest((SELECT max(id) FROM service_request), 1))")
        for _kind, sql in self.dropped:
            self.connection.exec_driver_sql(sql)
        self.dropped = []
        self.reset()

    def reset(self) -> None:
        """SQLite's page cache back to what it was (the connection goes back to the pool)."""
        if self.sqlite and getattr(self, "cache_size", None) is not None:
            self.connection.exec_driver_sql(f"PRAGMA cache_size = {int(self.cache_size)}")
            self.cache_size = None


@dataclass
class ImportReport:
    format: str = ""
    detected: bool = False
    rows: int = 0
    imported: int = 0
    existing: int = 0
    repeated: int = 0
    bad: int = 0
    problems: list[str] = field(default_factory=list)
    new_types: list[str] = field(default_factory=list)
    without_point: int = 0
    without_neighbourhood: int = 0
    links: int = 0
    notes: int = 0
    bulk: bool = False
    seconds: float = 0.0

    def problem(self, line: int, message: str) -> None:
        self.bad += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"line {line}: {message}")

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class _Counting(io.RawIOBase):
    """Counts the bytes read, for the progress bar."""

    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n

    def close(self):
        self.raw.close()
        super().close()


def detect_format(header: list[str]) -> str:
    names = {h.strip().lower() for h in header}
    return "philly" if names & PHILLY_MARKS else "open311"


class RequestImport:
    """One run of an import: read, check, and write `BATCH` rows at a time."""

    def __init__(self, session: Session, path: Path, *, fmt: str | None = None, mapping: dict[str, str] | None = None,
                 service_map: dict[str, str] | None = None, bulk: bool | None = None,
                 progress: Callable[[int, int, int], None] | None = None, batch: int = BATCH):
        self.session, self.path, self.mapping = session, Path(path), mapping or {}
        self.report = ImportReport()
        self.format, self.service_map, self.bulk_choice = fmt, service_map or {}, bulk
        self.progress, self.batch_size = progress, batch
        self.size = self.path.stat().st_size

    def run(self) -> ImportReport:
        """Read and check the rows, writing each batch as it fills.

        (One thread on purpose: a second one writing while this one parses was measured slower on
        both databases, as every row's bind or COPY line then waits for Python's lock.)
        """
        started = time.perf_counter()
        report = self.report
        raw = _Counting(open(self.path, "rb"))
        handle = io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding="utf-8-sig", errors="replace", newline="")
        try:
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration:
                raise ImportFileError(f"{self.path.name}: the file is empty") from None
            except csv.Error as problem:
                raise ImportFileError(f"{self.path.name}: line 1: not CSV ({problem})") from None
            report.detected = self.format is None
            report.format = self.format or detect_format(header)
            from portal.areas.assign import AreaIndex, PointCheck
            rows = RowReader(header, self.mapping, self.path.name, PointCheck(self.session))
            self.types = Types(self.session, self.service_map)
            self.areas = AreaIndex(self.session)
            self.prefix = f"{report.format}:"
            self.writer = Writer(self.session.connection())
            self._decide_bulk()
            batch: list[Row] = []
            line = reader.line_num
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except csv.Error as problem:
                    report.rows += 1
                    report.problem(line + 1, f"not CSV ({problem})")
                    line = reader.line_num
                    continue
                start, line = line + 1, reader.line_num
                if not values or (len(values) == 1 and not values[0].strip()):
                    continue
                report.rows += 1
                try:
                    batch.append(rows.read(values, start))
                except RowError as problem:
                    report.problem(start, str(problem))
                    continue
                if len(batch) >= self.batch_size:
                    self._write(self._prepare(batch))
                    batch = []
                    if self.progress:
                        self.progress(raw.count, self.size, report.rows)
            self._write(self._prepare(batch))
            self._finish()
            if self.progress:
                self.progress(self.size, self.size, report.rows)
        except BaseException:
            self.session.rollback()
            if getattr(self, "writer", None) is not None and getattr(self.writer, "cache_size", None) is not None:
                try:  # the page cache back to normal on the pooled connection; never hide the error
                    self.writer.connection = self.session.connection()
                    self.writer.reset()
                    self.session.rollback()
                except Exception:  # noqa: BLE001
                    pass
            raise
        finally:
            handle.close()
        report.new_types = list(self.types.created)
        report.seconds = time.perf_counter() - started
        return report

    def _finish(self) -> None:
        if self.report.bulk:
            self.writer.restore()
            self.session.commit()

    def _decide_bulk(self) -> None:
        """Bulk mode when asked, or when the file (its size over the length of its first lines)
        holds more rows than BULK_MIN_ROWS and than the table."""
        if self.bulk_choice is not None:
            bulk = self.bulk_choice
        else:
            with open(self.path, "rb") as handle:
                sample = handle.read(1 << 20)
            estimate = self.size / max(len(sample), 1) * sample.count(b"\n")
            bulk = estimate >= BULK_MIN_ROWS and estimate > self.session.execute(
                select(func.count()).select_from(ServiceRequest)).scalar_one()
        self.report.bulk = bulk
        if bulk:
            self.writer.drop_indexes()
            self.used_numbers = self.writer.all_numbers()

    def _prepare(self, batch: list[Row]) -> Prepared:
        """Everything about a batch that needs no database: times as
        stored, closure, timeline notes, areas (one vectorised query per layer), candidate numbers."""
        report, prefix, as_time = self.report, self.prefix, self.writer.time
        unique: dict[str, Row] = {}
        for row in batch:
            if row.source_id in unique:
                report.repeated += 1
            else:
                unique[row.source_id] = row
        rows = list(unique.values())
        nan = math.nan
        hoods, pairs = self.areas.place([nan if r.lat is None else r.lat for r in rows],
                                        [nan if r.lon is None else r.lon for r in rows])
        closed_status, api = Status.closed.value, Channel.api.value
        status_kind, note_kind = UpdateKind.status.value, UpdateKind.public_note.value
        prepared = Prepared(rows=rows, pairs=pairs)
        for row, hood in zip(rows, hoods.tolist()):
            created = row.created
            if row.status == closed_status:
                closed = row.closed or row.updated or created
                reason = closure_reason(row.notes) if row.notes else "fixed"
            else:
                closed = reason = None
            updated = row.updated or closed or created
            if updated < created:
                updated = created
            prepared.external_ids.append(prefix + row.source_id)
            prepared.types.append((row.service_name, row.service_code))
            prepared.expected.append(as_time(row.expected) if row.expected else None)
            prepared.middle.append((row.media_url,))
            prepared.tail.append((row.status, reason, row.description, row.lat, row.lon, row.address, hood or None,
                                  api, as_time(created), as_time(updated)))
            prepared.closed.append(as_time(closed))
            if closed is not None:
                prepared.updates.append((status_kind, True, closed_status, reason, row.notes, as_time(closed)))
            elif row.notes:
                prepared.updates.append((note_kind, True, None, None, row.notes, as_time(updated)))
            else:
                prepared.updates.append(None)
        prepared.numbers = _random_numbers(len(rows), self.used_numbers)
        return prepared

    def _write(self, prepared: Prepared) -> None:
        """Write one batch: requests, their timeline updates and area links, then commit (unless bulk).

        Optimistic: the rows go in under a savepoint without looking their ids up first; if the
        unique external_id objects (rows already imported: a second run), the batch is rolled back
        to the savepoint and written again after checking, and so are the later batches of the file.
        """
        session, writer = self.session, self.writer
        writer.connection = session.connection()  # (a new transaction after each commit)
        if prepared.rows:
            resolve = self.types.resolve  # (outside the savepoint: a type it creates must stay)
            prepared.kinds = [resolve(name, code) for name, code in prepared.types]
            if self.used_numbers is None or self.checked:
                self._fresh_numbers(prepared)
            if not self.checked:
                try:
                    with writer.connection.begin_nested():
                        self._insert(prepared)
                except Exception as problem:  # noqa: BLE001 - only unique keys are expected here
                    if not _is_integrity_error(problem, writer.connection):
                        raise
                    self.checked = True
            if self.checked:
                self._check(prepared)
                self._insert(prepared)
        if not self.report.bulk:
            session.commit()

    checked = False
    used_numbers: np.ndarray | None = None  # bulk mode: every number in use, so none is looked up

    def _check(self, prepared: Prepared) -> None:
        """Drop the rows already imported."""
        known = self.writer.taken("external_id", prepared.external_ids)
        if known:
            self.report.existing += len(known)
            prepared.keep([i for i, e in enumerate(prepared.external_ids) if e not in known])

    def _fresh_numbers(self, prepared: Prepared) -> None:
        """Replace the batch's numbers that the table already has (always checked: among millions
        of requests, a few random numbers of every batch are taken)."""
        writer = self.writer
        numbers = set(prepared.numbers)
        taken = writer.taken("number", list(numbers)) if numbers else set()
        while taken or len(numbers) < len(prepared.numbers):
            numbers -= taken
            fresh = set(_random_numbers(len(prepared.numbers) - len(numbers))) - numbers
            taken = writer.taken("number", list(fresh))
            numbers |= fresh
        prepared.numbers = list(numbers)

    def _insert(self, prepared: Prepared) -> None:
        report, writer = self.report, self.writer
        count = len(prepared.rows)
        if not count:
            return
        kinds = prepared.kinds
        ids = writer.allocate_ids(count)
        as_time, extra = writer.time, writer.extra_values
        requests = []
        for new_id, number, external_id, kind, middle, expected, tail, closed, row in zip(
                ids, prepared.numbers, prepared.external_ids, kinds, prepared.middle, prepared.expected,
                prepared.tail, prepared.closed, prepared.rows):
            if expected is None:
                expected = as_time(row.created + timedelta(days=kind.days))
            requests.append((new_id, number, external_id) + middle + (kind.id, kind.department_id) + tail
                            + (expected, closed) + extra)
        updates = [(new_id,) + update for new_id, update in zip(ids, prepared.updates) if update is not None]
        positions = prepared.positions
        links = [(ids[positions[pos]], area_id) for pos, area_id in prepared.pairs if positions[pos] is not None]
        writer.insert("service_request", REQUEST_COLUMNS + writer.extra_columns, requests)
        if writer.rtree_by_hand:
            writer.insert_points([(i, r.lat, r.lat, r.lon, r.lon) for i, r in zip(ids, prepared.rows)
                                  if r.lat is not None])
        writer.insert("request_update", UPDATE_COLUMNS, updates)
        writer.insert("request_area", LINK_COLUMNS, links)
        report.imported += len(requests)
        report.without_point += sum(1 for row in prepared.rows if row.lat is None)
        report.without_neighbourhood += sum(1 for tail in prepared.tail if tail[3] is not None and tail[6] is None)
        report.notes += len(updates)
        report.links += len(links)


def _is_integrity_error(problem: BaseException, connection: Connection) -> bool:
    dbapi = connection.dialect.dbapi
    return isinstance(problem, IntegrityError) or (dbapi is not None and isinstance(problem, dbapi.IntegrityError))


def _random_numbers(count: int, used: np.ndarray | None = None) -> list[str]:
    """Eight random digits each, from the OS's secure source, in random order, none twice; with a
    bitmap of the numbers in use, none of those either (and the new ones are marked in it)."""
    chosen: dict[int, None] = {}
    while len(chosen) < count:
        need = count - len(chosen) + 8
        draws = (np.frombuffer(secrets.token_bytes(8 * need), dtype=np.uint64) % NUMBER_SPAN).astype(np.int64)
        if used is not None:
            draws = draws[((used[draws >> 3] >> (draws & 7).astype(np.uint8)) & 1) == 0]
        for value in draws.tolist():
            chosen.setdefault(value)
    picked = np.fromiter(chosen, dtype=np.int64, count=len(chosen))[:count]
    if used is not None:
        np.bitwise_or.at(used, picked >> 3, (1 << (picked & 7)).astype(np.uint8))
    return (picked + NUMBER_LOW).astype(str).tolist()


@dataclass
class Prepared:
    """A batch ready for the database, in parallel lists (one entry per row)."""
    rows: list[Row]
    pairs: list[tuple[int, int]]  # (row position in the original batch, district/ZIP area id)
    external_ids: list[str] = field(default_factory=list)
    types: list[tuple[str, str]] = field(default_factory=list)
    kinds: list[TypeInfo] = field(default_factory=list)
    expected: list[str | None] = field(default_factory=list)
    middle: list[tuple] = field(default_factory=list)
    tail: list[tuple] = field(default_factory=list)
    closed: list = field(default_factory=list)
    updates: list[tuple | None] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    positions: list[int | None] = field(default_factory=list)  # original position -> position now

    def __post_init__(self):
        self.positions = list(range(len(self.rows)))

    def keep(self, indexes: list[int]) -> None:
        """Keep only these rows (positions in the current lists)."""
        for name in ("rows", "external_ids", "types", "kinds", "expected", "middle", "tail", "closed", "updates", "numbers"):
            values = getattr(self, name)
            setattr(self, name, [values[i] for i in indexes])
        now = {old: new for new, old in enumerate(indexes)}
        self.positions = [now.get(p) if p is not None else None for p in self.positions]


def import_requests(session: Session, path: Path, **options) -> ImportReport:
    """Import a CSV of historic requests (see the module's docstring). Commits as it goes."""
    return RequestImport(session, path, **options).run()
