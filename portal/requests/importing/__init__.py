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
the table's secondary indexes (and SQLite's R*Tree triggers: each batch fills both R*Trees with one
INSERT … SELECT instead) to rebuild them once at the end; on PostgreSQL it also drops the foreign
keys of the three tables written (to requests, areas, departments and types) and adds them back at
the end, one join each instead of a trigger per row; that locks the table for the duration.
`bench/import_requests.py` measures it.
"""
from __future__ import annotations

import csv
import gc
import io
import math
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal.csvrows import csv_rows, read_header
from portal.models import Channel, ServiceRequest, Status, UpdateKind
from portal.requests.importing.batch import Prepared, random_numbers
from portal.requests.importing.report import MAX_PROBLEMS, ImportReport
from portal.requests.importing.rows import (
    ALIASES, FIELD_NAMES, FIELDS, FORMATS, REQUIRED, ImportFileError, Row, RowError, RowReader,
    closure_reason, detect_format, parse_mappings, parse_when,
)
from portal.requests.importing.types import IMPORTED, Types, TypeInfo, read_service_map
from portal.requests.importing.writer import LINK_COLUMNS, REQUEST_COLUMNS, UPDATE_COLUMNS, Writer

__all__ = [
    "ALIASES", "BATCH", "BULK_MIN_ROWS", "FIELD_NAMES", "FIELDS", "FORMATS", "IMPORTED", "MAX_PROBLEMS", "REQUIRED",
    "ImportFileError", "ImportReport", "Prepared", "RequestImport", "Row", "RowError", "RowReader", "TypeInfo",
    "Types", "Writer", "closure_reason", "detect_format", "import_requests", "parse_mappings", "parse_when",
    "read_service_map",
]

BATCH = 5_000
BULK_MIN_ROWS = 50_000  # "bulk" when the file has at least this many rows and more than the table


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
        thresholds = gc.get_threshold()
        # Each batch makes some hundred thousand tuples that live until it is written, and no
        # cycles to speak of: the collector's default (a pass every 700 new objects) cost about a
        # tenth of the time (measured).
        gc.set_threshold(50_000, 20, 100)
        raw = _Counting(open(self.path, "rb"))
        handle = io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding="utf-8-sig", errors="replace", newline="")
        try:
            reader = csv.reader(handle)
            header = read_header(reader, self.path.name, ImportFileError)
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
            for start, values in csv_rows(reader, report, spaces_are_blank=True):
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
            gc.set_threshold(*thresholds)
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
            stored_updated = as_time(updated)
            prepared.tail.append((row.status, reason, row.description, row.lat, row.lon, row.address, hood or None,
                                  api, as_time(created), stored_updated))
            stored_closed = as_time(closed)
            prepared.closed.append(stored_closed)
            if closed is not None:
                prepared.updates.append((status_kind, True, closed_status, reason, row.notes, stored_closed))
            elif row.notes:
                prepared.updates.append((note_kind, True, None, None, row.notes, stored_updated))
            else:
                prepared.updates.append(None)
        prepared.numbers = random_numbers(len(rows), self.used_numbers)
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
            fresh = set(random_numbers(len(prepared.numbers) - len(numbers))) - numbers
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
        as_time = writer.time
        requests = []
        for new_id, number, external_id, kind, middle, expected, tail, closed, row in zip(
                ids, prepared.numbers, prepared.external_ids, kinds, prepared.middle, prepared.expected,
                prepared.tail, prepared.closed, prepared.rows):
            if expected is None:
                expected = as_time(row.created + timedelta(days=kind.days))
            requests.append((new_id, number, external_id) + middle + (kind.id, kind.department_id) + tail
                            + (expected, closed))
        updates = [(new_id,) + update for new_id, update in zip(ids, prepared.updates) if update is not None]
        positions = prepared.positions
        links = [(ids[positions[pos]], area_id) for pos, area_id in prepared.pairs if positions[pos] is not None]
        writer.insert("service_request", REQUEST_COLUMNS, requests, fixed=(writer.extra_columns, writer.extra_values))
        if writer.rtree_by_hand:  # (SQLite: the ids are consecutive)
            writer.insert_points(ids[0], ids[-1])
        writer.insert("request_update", UPDATE_COLUMNS, updates)
        writer.insert("request_area", LINK_COLUMNS, links, integers=True)
        report.imported += len(requests)
        report.without_point += sum(1 for row in prepared.rows if row.lat is None)
        report.without_neighbourhood += sum(1 for tail in prepared.tail if tail[3] is not None and tail[6] is None)
        report.notes += len(updates)
        report.links += len(links)


def _is_integrity_error(problem: BaseException, connection: Connection) -> bool:
    dbapi = connection.dialect.dbapi
    return isinstance(problem, IntegrityError) or (dbapi is not None and isinstance(problem, dbapi.IntegrityError))


def import_requests(session: Session, path: Path, **options) -> ImportReport:
    """Import a CSV of historic requests (see the module's docstring). Commits as it goes."""
    return RequestImport(session, path, **options).run()
