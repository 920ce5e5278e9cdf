"""The bulk import's reader process and what a failed bulk import leaves behind (both databases)."""
import os
import random

import pytest
from sqlalchemy import func
from sqlmodel import select

from portal import db
from portal.models import RequestArea, RequestUpdate, ServiceRequest, ServiceType
from portal.requests.importing import ImportFileError, TypeInfo, import_requests
from portal.requests.importing.pipeline import read_in_child
from portal.requests.importing.rows import RowError, parse_when, plus_days, stored_when

HEADER = "service_request_id,status,service_name,description,requested_datetime,updated_datetime,lat,long\n"


def _file(tmp_path, rows: int, *, seed: int = 3, name: str = "many.csv"):
    rng = random.Random(seed)
    lines = [HEADER.strip()]
    for i in range(1, rows + 1):
        point = f"{rng.uniform(39.9, 40.1):.6f},{rng.uniform(-75.25, -75.0):.6f}" if i % 10 else ","
        updated = "" if i % 4 else f"{1 + i % 12}/{1 + i % 28}/2024 {i % 24}:{i % 60:02d}"
        lines.append(f"{i},{'closed' if i % 3 else 'open'},{('Pothole', 'Graffiti', 'Dumping')[i % 3]},"
                     f"row {i},2023-0{1 + i % 9}-1{i % 10}T08:00:00Z,{updated},{point}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _snapshot(app):
    """Every imported request's public fields, its updates and links, by external id."""
    with app.app_context():
        session = db.get_session()
        requests = {r.external_id: (r.status, r.closure_reason, r.description, r.lat, r.lon, r.area_id,
                                    r.created_at, r.updated_at, r.expected_at, r.closed_at,
                                    session.get(ServiceType, r.service_type_id).name)
                    for r in session.exec(select(ServiceRequest))}
        updates = sorted((session.get(ServiceRequest, u.request_id).external_id, u.kind, u.status, u.created_at)
                         for u in session.exec(select(RequestUpdate)))
        numbers = [r.number for r in session.exec(select(ServiceRequest))]
    return requests, updates, numbers


@pytest.mark.parametrize("parallel", [True, False])
def test_bulk_import_in_a_reader_process_equals_reading_here(app, tmp_path, parallel):
    """The forked reader and the in-process one write exactly the same rows (numbers aside: random)."""
    path = _file(tmp_path, 2_300)
    with app.app_context(), db.writing():
        report = import_requests(db.get_session(), path, bulk=True, parallel=parallel, batch=500)
    assert (report.rows, report.imported, report.bad, report.bulk) == (2_300, 2_300, 0, True)
    requests, updates, numbers = _snapshot(app)
    assert len(requests) == 2_300 and len(set(numbers)) == 2_300
    assert requests["open311:3"][0] == "open" and requests["open311:3"][9] is None
    assert requests["open311:4"][0] == "closed" and requests["open311:4"][9] == requests["open311:4"][7]
    assert requests["open311:4"][7].isoformat() == "2024-05-05T08:04:00+00:00"  # 5/5/2024 4:04 in New York (EDT)
    assert len(updates) == sum(1 for i in range(1, 2_301) if i % 3)  # one "closed" update per closed row
    with app.app_context():
        kinds = {t.name for t in db.get_session().exec(select(ServiceType))}
    assert kinds == {"Pothole", "Graffiti", "Dumping"}  # created once each, asked for by the reader
    # The same file again, read elsewhere: nothing new (the unique external ids are checked).
    with app.app_context(), db.writing():
        again = import_requests(db.get_session(), path, bulk=True, parallel=not parallel, batch=500)
    assert (again.imported, again.existing) == (0, 2_300)
    assert _snapshot(app)[0] == requests


def test_bulk_import_the_slower_way_for_foreign_keys(app, tmp_path, monkeypatch):
    """Where the role may not set session_replication_role (PostgreSQL), the foreign keys are dropped
    during a bulk import and added back (checked) at its end: same rows, every constraint there.
    (SQLite has no such right to lack: it turns foreign keys off on its connection, and back on.)"""
    from portal.requests.importing.writer import Writer
    monkeypatch.setattr(Writer, "may_skip_triggers", False)
    path = _file(tmp_path, 1_200)

    def foreign_keys():
        with app.app_context():
            connection = db.get_session().connection()
            if connection.dialect.name == "sqlite":
                return connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            return sorted(r[0] for r in connection.exec_driver_sql(
                "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text "
                "IN ('service_request', 'request_update', 'request_area')"))

    before = foreign_keys()
    assert before == 1 or len(before) >= 8
    with app.app_context(), db.writing():
        report = import_requests(db.get_session(), path, bulk=True, batch=500)
    assert report.imported == 1_200 and foreign_keys() == before


class Interrupted(Exception):
    pass


def test_an_interrupted_bulk_import_leaves_nothing_and_a_normal_connection(app, tmp_path):
    """Ctrl-C (here: the progress callback raising) mid-import: no request, update or link stays,
    every index is back, and on SQLite the pooled connection checks foreign keys again."""
    path = _file(tmp_path, 3_000)
    calls = []

    def progress(done, total, rows):
        calls.append(rows)
        if len(calls) == 3:
            raise Interrupted

    with app.app_context(), db.writing():
        with pytest.raises(Interrupted):
            import_requests(db.get_session(), path, bulk=True, batch=500, progress=progress)
    with app.app_context():
        session = db.get_session()
        for model in (ServiceRequest, RequestUpdate, RequestArea):
            assert session.exec(select(func.count()).select_from(model)).one() == 0
        if session.get_bind().dialect.name == "sqlite":
            assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert session.connection().exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE name = 'ix_request_status_created'").scalar() == 1
        else:
            assert session.connection().exec_driver_sql(
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_request_status_created' "
                "AND schemaname = current_schema()").scalar() == 1
    with app.app_context(), db.writing():  # and the next import works
        report = import_requests(db.get_session(), path, bulk=True, batch=500)
    assert report.imported == 3_000
    with app.app_context():
        session = db.get_session()
        if session.get_bind().dialect.name == "sqlite":
            assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_reader_process_reports_its_failure_and_its_death():
    def failing(kind):
        yield from ()
        raise ImportFileError("the disk went away")

    with pytest.raises(RuntimeError, match="the disk went away"):
        list(read_in_child(failing, lambda name, code: TypeInfo(1, 1, 7), lambda: (0, 0, [], 0, 0)))

    def dying(kind):
        kind("Pothole", "")  # a question answered here first
        os._exit(3)
        yield

    with pytest.raises(RuntimeError, match="ended unexpectedly"):
        list(read_in_child(dying, lambda name, code: TypeInfo(1, 1, 7), lambda: (0, 0, [], 0, 0)))


def test_stored_times_sort_as_times_and_refuse_nonsense():
    assert stored_when("2024-11-21T18:42:03Z") == "2024-11-21 18:42:03.000000"
    assert stored_when("2024-11-21T13:42:03-05:00") == "2024-11-21 18:42:03.000000"
    assert stored_when("3/12/2022 6:19") == "2022-03-12 11:19:00.000000"  # EST
    assert stored_when("7/12/2022 6:19 PM") == "2022-07-12 22:19:00.000000"  # EDT
    assert stored_when("") is None
    for bad in ("2024-13-21T18:42:03Z", "1969-12-31T23:59:59Z", "2024-02-30T00:00:00Z"):
        with pytest.raises(RowError):
            stored_when(bad)
    # Local times around both daylight-saving changes: the same as a full time-zone conversion.
    for day in ("3/12/2022", "3/13/2022", "3/14/2022", "11/5/2022", "11/6/2022", "11/7/2022"):
        for hour in range(24):
            text = f"{day} {hour}:15"
            assert stored_when(text) == parse_when(text).isoformat(" ", "microseconds")[:26], text
    assert plus_days("2024-02-28 23:00:00.000000", 2) == "2024-03-01 23:00:00.000000"
    assert plus_days("2024-12-31 05:00:00.000000", 1) == "2025-01-01 05:00:00.000000"
