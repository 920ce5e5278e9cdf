"""What is near here, and what is in this view: the request queries that use the spatial index.

Both databases keep an index on request points, and a smaller one of open requests only, since
most questions are about open requests (a tenth of a city's history):

* SQLite (migration 0012): B-tree expression indexes `ix_request_band` / `ix_request_open_band` on
  `(CAST(lat * 1000 AS INTEGER), lon)`, a latitude band of 1/1000° (about 111 m) then the longitude.
  A box is one index seek per band, trunc(south * 1000)..trunc(north * 1000) (truncation toward zero
  is monotonic, so these bands hold every point of the box), each reading its longitude range only;
  lat and lon are then tested exactly on each row. Unlike R*Trees, they cost a bulk import one sort.
* PostgreSQL: the GiST indexes `ix_request_point` / `ix_request_open_point` on `point(lon, lat)`,
  used by `point(lon, lat) <@ box(...)` (exact for points, inclusive of the edges).

`near` then keeps what is within the radius by the haversine distance, computed in SQL so that
ordering and LIMIT are exact. Everything is bounded: a radius is at most 5 km and a box at most 1°
on a side, so no call can scan the whole table.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Integer, Select, Table, cast, func, literal_column, text
from sqlalchemy.ext.compiler import compiles
from sqlmodel import Session, select

from portal.models import ServiceRequest
from portal.requests.service import EARTH_RADIUS_M, OPEN_STATUSES

MAX_RADIUS_M = 5_000.0
MAX_BOX_DEG = 1.0
MAX_LIMIT = 1_000
ORDERS = ("newest", "nearest")

BANDS_PER_DEGREE = 1000

# SQLite matches an expression index only to the same expression: as written in migration 0012,
# with 1000 and 'closed' as literals (a bound parameter would not match).
_BAND = cast(ServiceRequest.lat * literal_column(str(BANDS_PER_DEGREE)), Integer)
_OPEN = ServiceRequest.status != literal_column("'closed'")

# The expression must be written exactly as in the index definition for PostgreSQL to use it.
_PG_IN_BOX = text("point(service_request.lon, service_request.lat) <@ box(point(:box_w, :box_s), point(:box_e, :box_n))")


def near(session: Session, lat: float, lon: float, radius_m: float, *,
         type_ids: Iterable[int] | None = None, statuses: Iterable[str] | None = OPEN_STATUSES,
         since: datetime | None = None, order: str = "newest",
         limit: int = 50) -> list[tuple[ServiceRequest, float]]:
    """Requests within `radius_m` metres of a point, with their distance in metres.

    `order`: "newest" (created_at, latest first) or "nearest". `statuses=None`: any status.
    The radius is clamped to 5,000 m; a radius <= 0 (or a limit <= 0) finds nothing.
    Raises ValueError for a point that is not a real latitude/longitude, a NaN radius or an
    unknown order.
    """
    lat, lon = _check_point(lat, lon)
    radius = _check_number(radius_m, "radius_m")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    limit = _check_limit(limit)
    if radius <= 0 or limit == 0:
        return []
    radius = min(radius, MAX_RADIUS_M)
    distance = _haversine_sql(lat, lon).label("distance_m")
    query = _in_box(session, select(ServiceRequest, distance), *_box_around(lat, lon, radius),
                    open_only=_only_open(statuses))
    query = _filtered(query, type_ids, statuses, since).where(distance <= radius)  # cheap tests first
    if order == "nearest":
        query = query.order_by(distance, ServiceRequest.id)
    else:
        query = query.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
    return [(request, float(metres)) for request, metres in session.exec(query.limit(limit))]


def within_box(session: Session, south: float, west: float, north: float, east: float, *,
               type_ids: Iterable[int] | None = None, statuses: Iterable[str] | None = OPEN_STATUSES,
               since: datetime | None = None, order: str | None = "newest",
               limit: int = 500) -> list[ServiceRequest]:
    """Requests whose point lies in the box (edges included): "what is in this map view".

    `order`: "newest" (created_at, latest first) or None (any order: the cheapest way to get
    `limit` pins). Raises ValueError for an inverted or out-of-range box and for a box larger
    than 1° on a side (a view of the whole world must not scan the whole table).
    """
    south, west = _check_point(south, west)
    north, east = _check_point(north, east)
    if south > north or west > east:
        raise ValueError("the box must have south <= north and west <= east")
    if north - south > MAX_BOX_DEG or east - west > MAX_BOX_DEG:
        raise ValueError(f"the box is larger than {MAX_BOX_DEG}° on a side; zoom in")
    if order not in (None, "newest"):
        raise ValueError(f"order must be 'newest' or None, not {order!r}")
    limit = _check_limit(limit)
    if limit == 0:
        return []
    query = _filtered(_in_box(session, select(ServiceRequest), south, west, north, east,
                              open_only=_only_open(statuses)), type_ids, statuses, since)
    if order == "newest":
        query = query.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
    return list(session.exec(query.limit(limit)))


# ------------------------------------------------------------------ building blocks

def _only_open(statuses) -> bool:
    """True when only open statuses are asked for: the smaller index of open requests answers."""
    if statuses is None:
        return False
    wanted = {statuses} if isinstance(statuses, str) else {str(s) for s in statuses}
    return bool(wanted) and wanted <= {str(s) for s in OPEN_STATUSES}


def _in_box(session: Session, query: Select, south: float, west: float, north: float, east: float, *,
            open_only: bool = False) -> Select:
    """Restrict `query` to request points in the box (edges included), through the database's spatial index."""
    if session.get_bind().dialect.name == "sqlite":
        # One seek per band, reading its longitude range (int() truncates toward zero, as CAST does).
        # INDEXED BY: without ANALYZE statistics SQLite prefers the type/status or created_at
        # index, and reads every open request of a type in the city.
        bands = list(range(int(south * BANDS_PER_DEGREE), int(north * BANDS_PER_DEGREE) + 1))
        index = "ix_request_open_band" if open_only else "ix_request_band"
        query = query.with_hint(ServiceRequest, f"INDEXED BY {index}", "sqlite").where(
            _BAND.in_(bands), ServiceRequest.lon.between(west, east), ServiceRequest.lat.between(south, north))
        return query.where(_OPEN) if open_only else query  # the partial index's own predicate
    if open_only:  # states the partial index's predicate, so the planner can use ix_request_open_point
        query = query.where(ServiceRequest.status != "closed")
    return query.where(_PG_IN_BOX.bindparams(box_w=west, box_s=south, box_e=east, box_n=north))


@compiles(Table, "sqlite")
def _table_with_hint(table_: Table, compiler, **kw) -> str:
    """SQLAlchemy's SQLite compiler drops `with_hint` text; written after the table's name, it is
    SQLite's `INDEXED BY`. Tables without a hint compile as usual."""
    sql = compiler.visit_table(table_, **kw)
    hint = (kw.get("fromhints") or {}).get(table_)
    return f"{sql} {hint}" if hint else sql


def _filtered(query: Select, type_ids, statuses, since) -> Select:
    if type_ids is not None:
        query = query.where(ServiceRequest.service_type_id.in_([type_ids] if isinstance(type_ids, int) else list(type_ids)))
    if statuses is not None:
        query = query.where(ServiceRequest.status.in_([statuses] if isinstance(statuses, str) else [str(s) for s in statuses]))
    if since is not None:
        query = query.where(ServiceRequest.created_at >= since)
    return query


def _haversine_sql(lat: float, lon: float):
    """Great-circle distance in metres from (lat, lon) to each request's point, as SQL
    (SQLite's built-in math functions, PostgreSQL's own)."""
    half_dlat = func.radians(ServiceRequest.lat - lat) / 2
    half_dlon = func.radians(ServiceRequest.lon - lon) / 2
    a = (func.power(func.sin(half_dlat), 2)
         + math.cos(math.radians(lat)) * func.cos(func.radians(ServiceRequest.lat)) * func.power(func.sin(half_dlon), 2))
    return 2 * EARTH_RADIUS_M * func.asin(func.sqrt(a))


def _box_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(south, west, north, east): the extent of the circle on the haversine sphere.

    Exact rather than radius/111,320 m per degree: the sphere of the haversine has 111,195 m
    per degree, so the usual shortcut would miss points at the very edge of the radius. Around
    a pole or across the antimeridian the box takes every longitude rather than wrap.
    """
    angle = radius_m / EARTH_RADIUS_M
    dlat = math.degrees(angle) + 1e-9  # a hair more for rounding
    south, north = lat - dlat, lat + dlat
    if south <= -90 or north >= 90:  # the circle holds a pole
        return max(south, -90.0), -180.0, min(north, 90.0), 180.0
    dlon = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat))))) + 1e-9
    if lon - dlon < -180 or lon + dlon > 180:
        return south, -180.0, north, 180.0
    return south, lon - dlon, north, lon + dlon


def _check_number(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, not {value!r}")
    return number


def _check_point(lat, lon) -> tuple[float, float]:
    lat, lon = _check_number(lat, "latitude"), _check_number(lon, "longitude")
    if not -90 <= lat <= 90:
        raise ValueError(f"latitude must be within [-90, 90], not {lat}")
    if not -180 <= lon <= 180:
        raise ValueError(f"longitude must be within [-180, 180], not {lon}")
    return lat, lon


def _check_limit(limit) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise ValueError(f"limit must be an integer, not {limit!r}")
    return max(0, min(limit, MAX_LIMIT))
