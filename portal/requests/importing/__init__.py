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
are the later batches). Areas are assigned for the whole batch at once (`AreaIndex`); times stay
text from the file to the database (`rows.stored_when`). Batches are committed one by one, so the
portal keeps working.

A large import into a smaller table ("bulk" mode, see `BULK_MIN_ROWS`) runs as one transaction,
keeps the numbers in use in a bitmap, and drops the written tables' secondary indexes to rebuild
them once at the end, which locks the tables for the duration. Foreign keys, right by construction,
are not checked row by row: SQLite turns them off for its connection; PostgreSQL silences their
triggers for the transaction where the role may, else drops the foreign keys of the three tables
written and adds them back at the end, one join each. The rows are read and prepared by a forked
reader process while this one writes (`pipeline`). `bench/import_requests.py` measures it.
"""
from __future__ import annotations

import csv
import gc
import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal.csvrows import csv_rows, read_header
from portal.models import ServiceRequest
from portal.requests.importing.batch import AREA_ID, EXTERNAL_ID, LAT, NUMBER, Batch, Preparer, random_numbers
from portal.requests.importing.pipeline import ReadState, can_fork, read_in_child
from portal.requests.importing.report import MAX_PROBLEMS, ImportReport
from portal.requests.importing.rows import (
    ALIASES, FIELD_NAMES, FIELDS, FORMATS, REQUIRED, ImportFileError, Row, RowError, RowReader,
    closure_reason, detect_format, parse_mappings, parse_when,
)
from portal.requests.importing.types import IMPORTED, Types, TypeInfo, read_service_map
from portal.requests.importing.writer import LINK_COLUMNS, REQUEST_COLUMNS, UPDATE_COLUMNS, Writer

__all__ = [
    "ALIASES", "BATCH", "BULK_MIN_ROWS", "FIELD_NAMES", "FIELDS", "FORMATS", "IMPORTED", "MAX_PROBLEMS", "REQUIRED",
    "Batch", "ImportFileError", "ImportReport", "Preparer", "RequestImport", "Row", "RowError", "RowReader", "TypeInfo",
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
                 progress: Callable[[int, int, int], None] | None = None, batch: int = BATCH,
                 parallel: bool | None = None):
        self.session, self.path, self.mapping = session, Path(path), mapping or {}
        self.report = ImportReport()
        self.format, self.service_map, self.bulk_choice = fmt, service_map or {}, bulk
        self.progress, self.batch_size, self.parallel = progress, batch, parallel
        self.size = self.path.stat().st_size

    def run(self) -> ImportReport:
        """Read and check the rows, writing each batch as it fills; in bulk mode a forked reader
        process reads and prepares while this one writes (see `pipeline`)."""
        started = time.perf_counter()
        report = self.report
        thresholds = gc.get_threshold()
        # Each batch makes some hundred thousand tuples that live until it is written, and no
        # cycles to speak of: the collector's default (a pass every 700 new objects) cost about a
        # tenth of the time (measured).
        gc.set_threshold(50_000, 20, 100)
        self.raw = _Counting(open(self.path, "rb"))
        handle = io.TextIOWrapper(io.BufferedReader(self.raw, 1 << 16), encoding="utf-8-sig", errors="replace",
                                  newline="")
        try:
            self.reader = csv.reader(handle)
            header = read_header(self.reader, self.path.name, ImportFileError)
            report.detected = self.format is None
            report.format = self.format or detect_format(header)
            from portal.areas.assign import AreaIndex, PointCheck
            self.rows = RowReader(header, self.mapping, self.path.name, PointCheck(self.session))
            self.types = Types(self.session, self.service_map)
            self.areas = AreaIndex(self.session)
            self.writer = Writer(self.session.connection())
            self._decide_bulk()
            parallel = self.parallel if self.parallel is not None else (report.bulk and can_fork())
            for batch, state in (self._read_in_child() if parallel else self._read_here()):
                if state is not None:
                    report.rows, report.bad, report.problems, report.repeated, done = state
                    if self.progress:
                        self.progress(done, self.size, report.rows)
                if batch is not None:
                    self._write(batch)
            self._finish()
            if self.progress:
                self.progress(self.size, self.size, report.rows)
        except BaseException:
            if getattr(self, "writer", None) is not None:
                self.writer.abandon()
            self.session.rollback()
            raise
        finally:
            handle.close()
            gc.set_threshold(*thresholds)
        report.new_types = list(self.types.created)
        report.seconds = time.perf_counter() - started
        report.database_seconds = self.writer.seconds + self.commit_seconds
        return report

    # ------------------------------------------------------------------ reading

    def _batches(self, preparer: Preparer) -> Iterator[tuple[Batch, ReadState]]:
        """The file's batches, prepared, each with what reading has counted so far."""
        report, rows, size = self.report, self.rows, self.batch_size
        pending: list[Row] = []

        def ready() -> tuple[Batch, ReadState]:
            batch, repeated = preparer.prepare(pending)
            report.repeated += repeated
            return batch, (report.rows, report.bad, report.problems, report.repeated, self.raw.count)

        for start, values in csv_rows(self.reader, report, spaces_are_blank=True):
            try:
                pending.append(rows.read(values, start))
            except RowError as problem:
                report.problem(start, str(problem))
                continue
            if len(pending) >= size:
                yield ready()
                pending = []
        if pending:
            yield ready()

    def _read_here(self) -> Iterator[tuple[Batch | None, ReadState | None]]:
        """Reading in this process, between writes."""
        writer = self.writer

        def ids(count: int) -> list[int]:
            writer.connection = self.session.connection()  # (a new transaction after each commit)
            return writer.allocate_ids(count)

        preparer = Preparer(prefix=f"{self.report.format}:", areas=self.areas, ids=ids, numbers=self._numbers,
                            kind=self.types.resolve, time=writer.time)
        yield from self._batches(preparer)

    def _read_in_child(self) -> Iterator[tuple[Batch | None, ReadState]]:
        """Reading in a forked process (bulk mode: nobody else writes, so it can number the rows)."""
        following = [self.writer.allocate_ids(1)[0]]

        def ids(count: int) -> list[int]:
            first = following[0]
            following[0] += count
            return list(range(first, first + count))

        def produce(kind):
            return self._batches(Preparer(prefix=f"{self.report.format}:", areas=self.areas, ids=ids,
                                          numbers=self._numbers, kind=kind, time=self.writer.time))

        report = self.report
        return read_in_child(produce, self.types.resolve,
                             lambda: (report.rows, report.bad, report.problems, report.repeated, self.raw.count))

    def _numbers(self, count: int) -> list[str]:
        return random_numbers(count, self.used_numbers)

    # ------------------------------------------------------------------ writing

    def _finish(self) -> None:
        if self.report.bulk:
            self.writer.restore()
            self._commit()

    commit_seconds = 0.0

    def _commit(self) -> None:
        started = time.perf_counter()
        self.session.commit()
        self.commit_seconds += time.perf_counter() - started

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

    def _write(self, batch: Batch) -> None:
        """Write one batch: requests, their timeline updates and area links, then commit (unless bulk).

        Optimistic: the rows go in under a savepoint without looking their ids up first; if the
        unique external_id objects (rows already imported: a second run), the batch is rolled back
        to the savepoint and written again after checking, and so are the later batches of the file.
        """
        session, writer = self.session, self.writer
        writer.connection = session.connection()  # (a new transaction after each commit)
        if batch.requests:
            if self.used_numbers is None or self.checked:
                self._fresh_numbers(batch)
            if not self.checked:
                try:
                    with writer.connection.begin_nested():
                        self._insert(batch)
                except Exception as problem:  # noqa: BLE001 - only unique keys are expected here
                    if not _is_integrity_error(problem, writer.connection):
                        raise
                    self.checked = True
            if self.checked:
                self._check(batch)
                self._insert(batch)
        if not self.report.bulk:
            self._commit()

    checked = False
    used_numbers: np.ndarray | None = None  # bulk mode: every number in use, so none is looked up

    def _check(self, batch: Batch) -> None:
        """Drop the rows already imported."""
        known = self.writer.taken("external_id", [r[EXTERNAL_ID] for r in batch.requests])
        if known:
            self.report.existing += len(known)
            batch.keep(lambda r: r[EXTERNAL_ID] not in known)

    def _fresh_numbers(self, batch: Batch) -> None:
        """Replace the batch's numbers that the table already has (always checked, unless bulk mode
        knows them all: among millions of requests, a few random numbers of every batch are taken)."""
        writer = self.writer
        numbers = [r[NUMBER] for r in batch.requests]
        taken = writer.taken("number", numbers)
        if not taken and len(set(numbers)) == len(numbers):
            return
        keep = set(numbers) - taken
        while len(keep) < len(numbers):
            fresh = set(random_numbers(len(numbers) - len(keep))) - keep
            keep |= fresh - writer.taken("number", list(fresh))
        batch.requests = [r[:NUMBER] + (number,) + r[NUMBER + 1:] for r, number in zip(batch.requests, keep)]

    def _insert(self, batch: Batch) -> None:
        report, writer = self.report, self.writer
        requests = batch.requests
        if not requests:
            return
        writer.insert("service_request", REQUEST_COLUMNS, requests, fixed=(writer.extra_columns, writer.extra_values))
        writer.insert("request_update", UPDATE_COLUMNS, batch.updates)
        writer.insert("request_area", LINK_COLUMNS, batch.links, integers=True)
        report.imported += len(requests)
        without_point = sum(1 for r in requests if r[LAT] is None)
        report.without_point += without_point
        report.without_neighbourhood += sum(1 for r in requests if r[AREA_ID] is None) - without_point
        report.notes += len(batch.updates)
        report.links += len(batch.links)


def _is_integrity_error(problem: BaseException, connection: Connection) -> bool:
    dbapi = connection.dialect.dbapi
    return isinstance(problem, IntegrityError) or (dbapi is not None and isinstance(problem, dbapi.IntegrityError))


def import_requests(session: Session, path: Path, **options) -> ImportReport:
    """Import a CSV of historic requests (see the module's docstring). Commits as it goes."""
    return RequestImport(session, path, **options).run()
