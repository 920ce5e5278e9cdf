"""What is near here, and what is in this view (portal.areas.spatial), on SQLite and PostgreSQL:
results and distances, ordering, filters, edges, bad input, the index kept in step, the index used."""
import itertools
import math
import random
import sqlite3
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import delete, event, text
from sqlmodel import select

from portal.areas import spatial
from portal.models import Department, RequestUpdate, ServiceGroup, ServiceRequest, ServiceType, Status, utcnow
from portal.requests.service import (EARTH_RADIUS_M, OPEN_STATUSES, Location, NewRequest, nearby_open_requests,
                                     submit_request)

CENTRE = (39.9526, -75.1652)  # City Hall, Philadelphia


def offset(north_m: float = 0.0, east_m: float = 0.0, origin=CENTRE) -> tuple[float, float]:
    """The point north_m metres north and east_m metres east of origin (on the haversine sphere)."""
    lat, lon = origin
    return (lat + math.degrees(north_m / EARTH_RADIUS_M),
            lon + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat)))))


@pytest.fixture
def kinds(session):
    department = Department(code="streets", name="Streets")
    group = ServiceGroup(code="roads", name="Roads")
    session.add_all([department, group])
    session.flush()
    pothole = ServiceType(code="pothole", name="Pothole", group_id=group.id, department_id=department.id)
    graffiti = ServiceType(code="graffiti", name="Graffiti", group_id=group.id, department_id=department.id)
    session.add_all([pothole, graffiti])
    session.commit()
    return pothole, graffiti


def put(session, kind, point, *, status=Status.open, days_ago=0, label=""):
    request = submit_request(session, NewRequest(service_type=kind, location=Location(*point), description=label))
    request.status = status
    request.created_at = utcnow() - timedelta(days=days_ago)
    session.add(request)
    session.flush()
    return request


@pytest.fixture
def street(session, kinds):
    """Requests at known offsets from the centre: label -> request."""
    pothole, graffiti = kinds
    placed = {
        "10m N": put(session, pothole, offset(north_m=10), days_ago=5),
        "90m E": put(session, pothole, offset(east_m=90), days_ago=1),
        "150m N": put(session, graffiti, offset(north_m=150), days_ago=3),
        "400m E": put(session, pothole, offset(east_m=400), days_ago=0),
        "60m S closed": put(session, pothole, offset(north_m=-60), status=Status.closed, days_ago=2),
        "120m W old": put(session, pothole, offset(east_m=-120), status=Status.in_progress, days_ago=200),
    }
    session.commit()
    return placed


def labels(found, street):
    names = {request.id: name for name, request in street.items()}
    return [names[item[0].id if isinstance(item, tuple) else item.id] for item in found]


# ------------------------------------------------------------------ near

def test_near_finds_what_is_within_the_radius_with_exact_distances(session, street):
    found = spatial.near(session, *CENTRE, 200, order="nearest")
    assert labels(found, street) == ["10m N", "90m E", "120m W old", "150m N"]
    for (request, distance), expected in zip(found, (10, 90, 120, 150)):
        assert distance == pytest.approx(expected, abs=0.01)
        assert isinstance(request, ServiceRequest)
    assert labels(spatial.near(session, *CENTRE, 500, order="nearest"), street)[-1] == "400m E"


def test_near_orders_newest_first_by_default(session, street):
    assert labels(spatial.near(session, *CENTRE, 500), street) == ["400m E", "90m E", "150m N", "10m N", "120m W old"]


def test_near_filters_by_type_status_and_date(session, street, kinds):
    pothole, graffiti = kinds
    assert labels(spatial.near(session, *CENTRE, 500, type_ids=[graffiti.id]), street) == ["150m N"]
    assert labels(spatial.near(session, *CENTRE, 500, type_ids=pothole.id, order="nearest"), street) == [
        "10m N", "90m E", "120m W old", "400m E"]
    assert labels(spatial.near(session, *CENTRE, 500, statuses=[Status.closed]), street) == ["60m S closed"]
    assert labels(spatial.near(session, *CENTRE, 500, statuses=Status.in_progress), street) == ["120m W old"]
    assert len(spatial.near(session, *CENTRE, 500, statuses=None)) == 6
    assert labels(spatial.near(session, *CENTRE, 500, since=utcnow() - timedelta(days=2, hours=1)), street) == [
        "400m E", "90m E"]
    assert spatial.near(session, *CENTRE, 500, type_ids=[]) == []


def test_near_radius_edges_clamp_and_limit(session, street, kinds):
    assert labels(spatial.near(session, *CENTRE, 149.9, order="nearest"), street)[-1] == "120m W old"
    assert labels(spatial.near(session, *CENTRE, 150.1, order="nearest"), street)[-1] == "150m N"
    assert labels(spatial.near(session, *CENTRE, 10.01), street) == ["10m N"]
    assert spatial.near(session, *CENTRE, 9.99) == []
    assert spatial.near(session, *CENTRE, 0) == [] and spatial.near(session, *CENTRE, -5) == []
    pothole, _ = kinds
    put(session, pothole, offset(north_m=4_900), label="4.9 km")
    put(session, pothole, offset(north_m=5_100), label="5.1 km")
    far = [request.description for request, _ in spatial.near(session, *CENTRE, 1_000_000)]
    assert "4.9 km" in far and "5.1 km" not in far  # clamped to 5 km
    assert labels(spatial.near(session, *CENTRE, 500, order="nearest", limit=2), street) == ["10m N", "90m E"]
    assert spatial.near(session, *CENTRE, 500, limit=0) == []


def test_near_across_the_antimeridian_and_at_the_pole(session, kinds):
    pothole, _ = kinds
    east = put(session, pothole, (10.0, 179.9995))
    west = put(session, pothole, (10.0, -179.9995))
    found = spatial.near(session, 10.0, 179.9995, 500, order="nearest")
    assert [r.id for r, _ in found] == [east.id, west.id]
    assert found[1][1] == pytest.approx(109.5, abs=1)
    polar = put(session, pothole, (89.9999, 45.0))
    assert [r.id for r, _ in spatial.near(session, 89.9999, -135.0, 100)] == [polar.id]


@pytest.mark.parametrize("lat, lon, radius", [
    (float("nan"), -75.1, 100), (39.9, float("nan"), 100), (91, -75.1, 100), (-90.5, 0, 100),
    (39.9, 180.5, 100), (39.9, -181, 100), (float("inf"), 0, 100), (39.9, -75.1, float("nan")),
    ("north", -75.1, 100), (None, -75.1, 100),
])
def test_near_refuses_bad_points(session, lat, lon, radius):
    with pytest.raises(ValueError):
        spatial.near(session, lat, lon, radius)


def test_near_refuses_an_unknown_order(session):
    with pytest.raises(ValueError):
        spatial.near(session, *CENTRE, 100, order="random")


# ------------------------------------------------------------------ within_box

def test_within_box_is_exact_at_the_edges_and_orders_newest_first(session, street, kinds):
    pothole, _ = kinds
    ten_north = street["10m N"]
    north, east = offset(north_m=200, east_m=200)
    south, west = offset(north_m=-150, east_m=-150)
    assert labels(spatial.within_box(session, south, west, north, east), street) == [
        "90m E", "150m N", "10m N", "120m W old"]  # newest first; closed excluded by default
    # A box whose north edge is the point itself holds it; a few centimetres past the edge does not.
    assert ten_north.id in [r.id for r in spatial.within_box(session, south, west, ten_north.lat, east)]
    assert ten_north.id not in [r.id for r in spatial.within_box(session, south, west, ten_north.lat - 2e-7, east)]
    assert ten_north.id not in [r.id for r in spatial.within_box(session, ten_north.lat + 2e-7, west, north, east)]
    assert labels(spatial.within_box(session, south, west, north, east, statuses=None, type_ids=[pothole.id],
                                     limit=2), street) == ["90m E", "60m S closed"]
    assert labels(spatial.within_box(session, south, west, north, east,
                                      since=utcnow() - timedelta(days=4)), street) == ["90m E", "150m N"]
    assert sorted(labels(spatial.within_box(session, south, west, north, east, order=None), street)) == [
        "10m N", "120m W old", "150m N", "90m E"]


@pytest.mark.parametrize("box", [
    (-90, -180, 90, 180),  # the whole world
    (39.5, -75.5, 40.6, -75.0),  # 1.1° tall
    (39.9, -75.8, 40.0, -74.7),  # 1.1° wide
    (40.0, -75.2, 39.9, -75.1),  # south above north
    (39.9, -75.1, 40.0, -75.2),  # west east of east
    (float("nan"), -75.2, 40.0, -75.1),
    (39.9, -75.2, 91, -75.1),
])
def test_within_box_refuses_bad_and_huge_boxes(session, box):
    with pytest.raises(ValueError):
        spatial.within_box(session, *box)


# ------------------------------------------------------------------ the index follows every write

def test_moves_and_deletes_are_reflected(session, street):
    moved, gone = street["10m N"], street["90m E"]
    far_away = offset(north_m=3_000)
    moved.lat, moved.lon = far_away
    session.add(moved)
    session.execute(delete(RequestUpdate).where(RequestUpdate.request_id == gone.id))  # its "created" line
    session.delete(gone)
    session.commit()
    assert labels(spatial.near(session, *CENTRE, 200, order="nearest"), street) == ["120m W old", "150m N"]
    assert [r.id for r, _ in spatial.near(session, *far_away, 5)] == [moved.id]
    session.execute(text("UPDATE service_request SET lat = NULL, lon = NULL WHERE id = :id"), {"id": moved.id})
    session.commit()
    assert spatial.near(session, *far_away, 50) == []
    assert spatial.within_box(session, *offset(-1_000, -1_000), *offset(4_000, 1_000), statuses=None) != []
    assert moved.id not in [r.id for r in spatial.within_box(session, *offset(-1_000, -1_000), *offset(4_000, 1_000))]


def test_closing_and_reopening_moves_a_request_between_the_indexes(session, street):
    """The index of open requests follows status changes made through the service."""
    from portal.requests.service import change_status
    target = street["10m N"]
    assert target.id in [r.id for r, _ in spatial.near(session, *CENTRE, 20)]
    change_status(session, target, status=Status.closed, reason="fixed", author_id=None)
    session.commit()
    assert target.id not in [r.id for r, _ in spatial.near(session, *CENTRE, 20)]
    assert target.id in [r.id for r, _ in spatial.near(session, *CENTRE, 20, statuses=None)]
    change_status(session, target, status=Status.open, author_id=None)
    session.commit()
    assert target.id in [r.id for r, _ in spatial.near(session, *CENTRE, 20)]


# ------------------------------------------------------------------ the duplicate suggestions

def test_nearby_open_requests_keeps_its_behaviour(session, street, kinds):
    pothole, graffiti = kinds
    found = nearby_open_requests(session, *CENTRE, 200)
    assert labels(found, street) == ["10m N", "90m E", "120m W old", "150m N"]  # open statuses, nearest first
    assert labels(nearby_open_requests(session, *CENTRE, 200, type_ids=[graffiti.id]), street) == ["150m N"]
    assert len(nearby_open_requests(session, *CENTRE, 200, type_ids=[])) == 4  # empty: any type
    assert labels(nearby_open_requests(session, *CENTRE, 200, since=utcnow() - timedelta(days=30), limit=2),
                  street) == ["10m N", "90m E"]
    assert nearby_open_requests(session, *CENTRE, 0) == []  # a type with radius 0 never suggests


# ------------------------------------------------------------------ the index is used

@contextmanager
def statements_sent(session):
    sent = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))
    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def plan(session, call) -> str:
    with statements_sent(session) as sent:
        call()
    statement, parameters = next((s, p) for s, p in reversed(sent) if "FROM" in s and "service_request" in s)
    dialect = session.get_bind().dialect.name
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    rows = session.connection().exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_queries_use_the_spatial_index(session, kinds):
    pothole, graffiti = kinds
    rng = random.Random(311)
    now = utcnow()
    session.add_all([ServiceRequest(
        number=f"{10_000_000 + i}", service_type_id=rng.choice(kinds).id, department_id=pothole.department_id,
        status=Status.open if rng.random() < 0.1 else Status.closed,
        lat=rng.uniform(39.867, 40.138), lon=rng.uniform(-75.280, -74.956),
        created_at=now - timedelta(minutes=i), updated_at=now, expected_at=now) for i in range(5_000)])
    session.commit()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("ANALYZE service_request"))
        session.commit()
    calls = {
        "near": lambda: spatial.near(session, *CENTRE, 200, type_ids=[pothole.id]),
        "nearest": lambda: spatial.near(session, *CENTRE, 1_000, order="nearest", statuses=None),
        "view": lambda: spatial.within_box(session, *offset(-750, -750), *offset(750, 750), limit=500),
        "list": lambda: spatial.within_box(session, *offset(-1_000, -1_000), *offset(1_000, 1_000), limit=20),
    }
    # Questions about open requests use the smaller index of open requests; "any status" the full one.
    open_only = {"near": True, "nearest": False, "view": True, "list": True}
    for name, call in calls.items():
        shown = plan(session, call)
        if dialect == "sqlite":
            # One seek per latitude band, each reading its longitude range; nothing else is scanned.
            first, *rest = shown.splitlines()
            index = "ix_request_open_band" if open_only[name] else "ix_request_band"
            assert first == f"SEARCH service_request USING INDEX {index} (<expr>=? AND lon>? AND lon<?)", (name, shown)
            assert all("TEMP B-TREE" in line for line in rest), (name, shown)
        else:
            assert ("ix_request_open_point" if open_only[name] else "ix_request_point") in shown, (name, shown)
            assert "Index Scan" in shown and "Seq Scan" not in shown, (name, shown)
    assert spatial.near(session, *CENTRE, 200, statuses=None)  # and it finds things
    assert session.exec(select(ServiceRequest.id).limit(1)).first()


# ------------------------------------------------------------------ exact at band and box edges

# Latitudes on and beside SQLite's band boundaries (1/1000°), on both sides of the equator, where
# truncation toward zero makes band 0 twice as tall; and far south.
EDGE_LATS = (-0.002, -0.0010001, -0.001, -0.0009999, -0.0005, -1e-12, 0.0, 1e-12, 0.0005, 0.0009999, 0.001,
             0.0010001, 0.002, -33.869, -33.8680001, -33.868, 39.999, 40.0, 40.0009999, 40.001)
EDGE_LONS = (-0.0005, 0.0, 0.0005)
NUMBERS = itertools.count(20_000_000)


def add_points(session, kind, points, *, status=Status.open):
    now = utcnow()
    requests = [ServiceRequest(number=str(next(NUMBERS)), service_type_id=kind.id, department_id=kind.department_id,
                               status=status, lat=lat, lon=lon, created_at=now - timedelta(seconds=i),
                               updated_at=now, expected_at=now) for i, (lat, lon) in enumerate(points)]
    session.add_all(requests)
    session.commit()
    return requests


def test_within_box_is_exact_at_band_edges_and_across_the_equator(session, kinds):
    pothole, _ = kinds
    placed = add_points(session, pothole, [(lat, lon) for lat in EDGE_LATS for lon in EDGE_LONS])
    points = {r.id: (r.lat, r.lon) for r in placed}
    edges = sorted(EDGE_LATS)
    checked = 0
    for i, south in enumerate(edges):
        for north in edges[i:]:
            if north - south > spatial.MAX_BOX_DEG:
                continue
            for west, east in ((-0.0005, 0.0005), (0.0, 0.0), (-0.0005, 0.0), (1e-9, 0.0005)):
                found = {r.id for r in spatial.within_box(session, south, west, north, east, order=None, limit=1000)}
                expected = {i for i, (lat, lon) in points.items() if south <= lat <= north and west <= lon <= east}
                assert found == expected, (south, west, north, east)
                checked += 1
    assert checked > 100


def test_near_is_exact_across_the_equator_and_at_negative_latitudes(session, kinds):
    """Random points around the equator and Sydney, against the haversine computed here."""
    pothole, _ = kinds
    rng = random.Random(7)
    centres = [(0.0, 0.0), (0.0004, 0.0), (-0.0004, 10.0), (-33.868, 151.209)]
    points = [(lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.01, 0.01)) for lat, lon in centres
              for _ in range(150)]
    placed = add_points(session, pothole, points[::2])
    placed += add_points(session, pothole, points[1::2], status=Status.closed)
    for lat, lon in centres:
        for radius, statuses in ((300, None), (700, OPEN_STATUSES), (1_000, None)):
            found = spatial.near(session, lat, lon, radius, statuses=statuses, order="nearest", limit=1000)
            expected = [r.id for r in placed if haversine(lat, lon, r.lat, r.lon) <= radius
                        and (statuses is None or r.status != Status.closed)]
            assert sorted(r.id for r, _ in found) == sorted(expected), (lat, lon, radius)
            assert [d for _, d in found] == sorted(d for _, d in found)
            assert expected  # each case finds something


def haversine(lat1, lon1, lat2, lon2) -> float:
    a = (math.sin(math.radians(lat2 - lat1) / 2) ** 2
         + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def test_a_box_one_degree_tall_is_answered(session, kinds):
    """The largest box allowed: 1,001 latitude bands on SQLite, each an index seek."""
    pothole, _ = kinds
    inside = add_points(session, pothole, [(39.5, -75.0), (40.0, -75.2), (40.5, -74.5), (-0.5, 0.5)])
    add_points(session, pothole, [(39.4999999, -75.0), (40.5000001, -75.0)])
    found = spatial.within_box(session, 39.5, -75.5, 40.5, -74.5)
    assert sorted(r.id for r in found) == sorted(r.id for r in inside[:3])
    assert [r.id for r in spatial.within_box(session, -1.0, 0.0, 0.0, 1.0, statuses=None)] == [inside[3].id]


# ------------------------------------------------------------------ migration 0012 (SQLite)

def test_band_indexes_replace_the_rtrees_and_back(tmp_path):
    """0012 drops the R*Trees and their triggers for the band indexes; its downgrade refills them."""
    from portal import db
    from alembic import command
    path = tmp_path / "bands.sqlite3"
    db.upgrade(f"sqlite:///{path}", "0011")
    with sqlite3.connect(path) as con:
        con.execute("INSERT INTO department (id, code, name, description) VALUES (1, 'd', 'D', '')")
        con.execute("INSERT INTO service_group (id, code, name, position) VALUES (1, 'g', 'G', 0)")
        con.execute("INSERT INTO service_type (id, code, name, group_id, department_id, description, keywords, "
                    "service_level_days, duplicate_radius_m, active, position) "
                    "VALUES (1, 't', 'T', 1, 1, '', '', 10, 50, 1, 0)")
        con.executemany(
            "INSERT INTO service_request (id, number, media_url, service_type_id, department_id, status, description, "
            "answers, lat, lon, location_approximate, address, channel, reporter_name, reporter_email, "
            "reporter_phone, coreporter_count, priority, version, created_at, updated_at, expected_at) "
            "VALUES (?, ?, '', 1, 1, ?, '', '{}', ?, ?, 0, '', 'web', '', '', '', 0, 0, 1, "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-02 00:00:00')",
            [(1, "1", "open", 40.0, -75.0), (2, "2", "closed", -0.0005, 0.5), (3, "3", "open", None, None)])

    def schema():
        with sqlite3.connect(path) as con:
            return {name for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE '%rtree%' OR name LIKE 'ix_request_%band'")}

    trees = ("request_rtree", "request_open_rtree")
    rtrees = set(trees) | {f"{tree}_{trigger}" for tree in trees for trigger in ("insert", "update", "delete")}
    assert rtrees <= schema()
    db.upgrade(f"sqlite:///{path}")
    assert schema() == {"ix_request_band", "ix_request_open_band"}  # the R*Trees' shadow tables gone too
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM service_request INDEXED BY ix_request_band "
                           "WHERE CAST(lat * 1000 AS INTEGER) IN (0, 40000) AND lat IS NOT NULL AND lon IS NOT NULL"
                           ).fetchone() == (2,)
    command.downgrade(db.alembic_config(f"sqlite:///{path}"), "0011")
    assert rtrees <= schema() and not schema() & {"ix_request_band", "ix_request_open_band"}
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT id FROM request_rtree ORDER BY id").fetchall() == [(1,), (2,)]
        assert con.execute("SELECT id FROM request_open_rtree").fetchall() == [(1,)]
        con.execute("UPDATE service_request SET status = 'closed' WHERE id = 1")  # the triggers are back
        assert con.execute("SELECT count(*) FROM request_open_rtree").fetchone() == (0,)
