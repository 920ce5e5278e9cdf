"""What is near here, and what is in this view: the request queries that use the spatial index.

Both databases keep an index on request points (migration 0003):

* SQLite: the R*Tree virtual table `request_rtree(id, min_lat, max_lat, min_lon, max_lon)`, kept in
  step with `service_request` by triggers. The query starts from the R*Tree (box search) and looks
  each hit up by primary key. The R*Tree stores 32-bit floats rounded outwards, so its box test is
  a superset by up to ~1 m; the exact test is made on the table's own columns.
* PostgreSQL: the GiST index `ix_request_point` on `point(lon, lat)`, used by
  `point(lon, lat) <@ box(...)` (exact for points, inclusive of the edges).

`near` then keeps what is within the radius by the haversine distance, computed in SQL so that
ordering and LIMIT are exact. Everything is bounded: a radius is at most 5 km and a box at most 1°
on a side, so no call can scan the whole table.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Join, Select, column, func, table, text
from sqlalchemy.ext.compiler import compiles
from sqlmodel import Session, select

from portal.models import ServiceRequest
from portal.requests.service import EARTH_RADIUS_M, OPEN_STATUSES

MAX_RADIUS_M = 5_000.0
MAX_BOX_DEG = 1.0
MAX_LIMIT = 1_000
ORDERS = ("newest", "nearest")

request_open_rtree = table("request_open_rtree", column("id"), column("min_lat"), column("max_lat"),
                           column("min_lon"), column("max_lon"))
request_rtree = table("request_rtree", column("id"), column("min_lat"), column("max_lat"),
                      column("min_lon"), column("max_lon"))

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
    query = _in_box(session, select(ServiceRequest, distance), *_box_around(lat, lon, radius), exact=False,
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
    query = _filtered(_in_box(session, select(ServiceRequest), south, west, north, east, exact=True,
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
            exact: bool, open_only: bool = False) -> Select:
    """Restrict `query` to request points in the box, through the database's spatial index.

    exact=False allows the R*Tree's rounding (about a metre) on SQLite, for callers that filter
    more tightly anyway (the radius of `near`).
    """
    if session.get_bind().dialect.name == "sqlite":
        # Overlap test: the stored (rounded outwards) box of each point contains the true point,
        # so this finds every point in the box, and a few within a metre outside it.
        tree = request_open_rtree if open_only else request_rtree
        query = query.select_from(_RtreeFirst(tree, ServiceRequest.__table__,
                                              ServiceRequest.id == tree.c.id)).where(
            tree.c.max_lat >= south, tree.c.min_lat <= north,
            tree.c.max_lon >= west, tree.c.min_lon <= east)
        if exact:  # checked on each row found, after the R*Tree (the join order is fixed)
            query = query.where(ServiceRequest.lat.between(south, north), ServiceRequest.lon.between(west, east))
        return query
    if open_only:  # states the partial index's predicate, so the planner can use ix_request_open_point
        query = query.where(ServiceRequest.status != "closed")
    return query.where(_PG_IN_BOX.bindparams(box_w=west, box_s=south, box_e=east, box_n=north))


class _RtreeFirst(Join):
    """`request_rtree CROSS JOIN service_request ON ...`: SQLite keeps the left table of a CROSS JOIN
    as the outer loop. Without it, and without ANALYZE statistics, SQLite prefers to walk the
    status or type index and probe the R*Tree by id: 230 ms instead of 6 ms on a million rows."""
    inherit_cache = True


@compiles(_RtreeFirst, "sqlite")
def _compile_rtree_first(join: _RtreeFirst, compiler, **kw) -> str:
    # "request_rtree JOIN service_request ON ..." -> the first " JOIN " is the keyword.
    return compiler.visit_join(join, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


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
