"""Which areas a request lies in: its neighbourhood (on the request) and its districts and ZIP
codes (request_area rows), by point-in-polygon.

One rule everywhere (filing, imports, re-assignment after a layer import): a point on a boundary
belongs to both sides, and when neighbourhoods overlap (two neighbourhood layers loaded) the
smallest one that contains the point wins. A request whose location is a chosen neighbourhood
(approximate, no exact point) keeps that neighbourhood.

`AreaIndex` does the geometry for many points at once (shapely's STRtree over the points, queried
with each prepared polygon), so a batch of 5,000 points costs a few milliseconds per layer.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely import STRtree, from_geojson
from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlmodel import Session

from portal.areas.service import NEIGHBOURHOOD, _prepared, areas_containing
from portal.models import Area, RequestArea, ServiceRequest

LINKED_KINDS = ("district", "zip")  # kept in request_area; the neighbourhood is request.area_id
ASSIGNED_KINDS = (NEIGHBOURHOOD, *LINKED_KINDS)
CHUNK = 20_000

_requests = ServiceRequest.__table__
_links = RequestArea.__table__


class AreaIndex:
    """The areas of some kinds, ready to place many points at once."""

    def __init__(self, session: Session, kinds: Iterable[str] = ASSIGNED_KINDS, exclude: Iterable[int] = ()):
        kinds, exclude = tuple(kinds), set(exclude)
        rows = [row for row in session.execute(select(Area.id, Area.kind, Area.geometry).where(Area.kind.in_(kinds)))
                if row[0] not in exclude]
        shapes = [from_geojson(geometry) for _id, _kind, geometry in rows]
        hoods = sorted(((shape.area, area_id, shape) for (area_id, kind, _g), shape in zip(rows, shapes)
                        if kind == NEIGHBOURHOOD), key=lambda item: (item[0], item[1]))
        # Neighbourhoods smallest first: the lowest position that contains a point wins.
        self.hood_ids = np.array([area_id for _a, area_id, _s in hoods], dtype=np.int64)
        self.hood_shapes = np.array([shape for *_r, shape in hoods], dtype=object)
        linked = [(area_id, shape) for (area_id, kind, _g), shape in zip(rows, shapes) if kind in LINKED_KINDS]
        self.linked_ids = np.array([area_id for area_id, _s in linked], dtype=np.int64)
        self.linked_shapes = np.array([shape for _i, shape in linked], dtype=object)
        shapely.prepare(self.hood_shapes)
        shapely.prepare(self.linked_shapes)
        self.kinds = kinds

    @property
    def empty(self) -> bool:
        return not len(self.hood_ids) and not len(self.linked_ids)

    def place(self, lats: Sequence[float], lons: Sequence[float]) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """For each point: its neighbourhood id (0 for none, and for a missing point: NaN) and the
        (point position, area id) pairs of the districts and ZIP codes that contain it."""
        lat = np.asarray(lats, dtype=float)
        lon = np.asarray(lons, dtype=float)
        hood = np.zeros(len(lat), dtype=np.int64)
        known = np.flatnonzero(~(np.isnan(lat) | np.isnan(lon)))
        if not len(known):
            return hood, []
        tree = STRtree(shapely.points(lon[known], lat[known]))
        if len(self.hood_shapes):
            shape_pos, point_pos = tree.query(self.hood_shapes, predicate="intersects")
            best = np.full(len(known), len(self.hood_ids), dtype=np.int64)
            np.minimum.at(best, point_pos, shape_pos)
            found = best < len(self.hood_ids)
            hood[known[found]] = self.hood_ids[best[found]]
        pairs: list[tuple[int, int]] = []
        if len(self.linked_shapes):
            shape_pos, point_pos = tree.query(self.linked_shapes, predicate="intersects")
            pairs = list(zip(known[point_pos].tolist(), self.linked_ids[shape_pos].tolist()))
        return hood, pairs


def _smallest(areas: list[Area]) -> Area | None:
    if len(areas) < 2:
        return areas[0] if areas else None
    return min(areas, key=lambda a: (_prepared(a.id, a.geometry).context.area, a.id))


def assign_areas(session: Session, request: ServiceRequest) -> None:
    """Set the request's neighbourhood and link its districts and ZIP codes (not committed).

    The request must have an id (flushed). Its earlier district/ZIP links are replaced.
    """
    if request.lat is None or request.lon is None:
        return
    if not (request.location_approximate and request.area_id):
        hood = _smallest(areas_containing(session, request.lat, request.lon, NEIGHBOURHOOD))
        request.area_id = hood.id if hood else None
        session.add(request)
    wanted = {a.id for kind in LINKED_KINDS for a in areas_containing(session, request.lat, request.lon, kind)}
    if request.id is None:
        session.flush()
    have = set(session.execute(select(_links.c.area_id).join(Area, Area.id == _links.c.area_id).where(
        _links.c.request_id == request.id, Area.kind.in_(LINKED_KINDS))).scalars())
    if have - wanted:
        session.execute(delete(_links).where(_links.c.request_id == request.id,
                                             _links.c.area_id.in_(have - wanted)))
    if wanted - have:
        session.execute(insert(_links), [{"request_id": request.id, "area_id": a} for a in sorted(wanted - have)])


def reassign_all(session: Session, *, kinds: Iterable[str] | None = None, exclude: Iterable[int] = (),
                 chunk: int = CHUNK) -> dict[str, int]:
    """Place every request with a point again, after areas of `kinds` changed (not committed).

    `exclude`: areas about to be removed, so that no request is placed in them.

    Reads the requests once, in id order, `chunk` at a time: each chunk's points go into an STRtree
    queried with every prepared polygon, then only what changed is written (executemany).
    Returns how many requests changed neighbourhood and how many links were added and removed.
    """
    kinds = tuple(k for k in (kinds or ASSIGNED_KINDS) if k in ASSIGNED_KINDS)
    counts = {"neighbourhood": 0, "linked": 0, "unlinked": 0}
    if not kinds:
        return counts
    index = AreaIndex(session, kinds, exclude)
    do_hoods = NEIGHBOURHOOD in kinds
    linked_kinds = [k for k in kinds if k in LINKED_KINDS]
    set_area = update(_requests).where(_requests.c.id == bindparam("rid")).values(area_id=bindparam("aid"))
    unlink = delete(_links).where(and_(_links.c.request_id == bindparam("rid"), _links.c.area_id == bindparam("aid")))
    last = 0
    while True:
        rows = session.execute(
            select(_requests.c.id, _requests.c.lat, _requests.c.lon, _requests.c.area_id,
                   _requests.c.location_approximate)
            .where(_requests.c.id > last, _requests.c.lat.is_not(None), _requests.c.lon.is_not(None))
            .order_by(_requests.c.id).limit(chunk)).all()
        if not rows:
            break
        first, last = rows[0][0], rows[-1][0]
        hood, pairs = index.place([r[1] for r in rows], [r[2] for r in rows])
        if do_hoods:
            changes = [{"rid": r[0], "aid": int(h) or None} for r, h in zip(rows, hood.tolist())
                       if not (r[4] and r[3]) and (int(h) or None) != r[3]]
            if changes:
                session.execute(set_area, changes)
                counts["neighbourhood"] += len(changes)
        if linked_kinds:
            wanted = {(rows[pos][0], area_id) for pos, area_id in pairs}
            have = {(r, a) for r, a in session.execute(
                select(_links.c.request_id, _links.c.area_id).join(Area, Area.id == _links.c.area_id)
                .where(_links.c.request_id.between(first, last), Area.kind.in_(linked_kinds)))}
            if have - wanted:
                session.execute(unlink, [{"rid": r, "aid": a} for r, a in sorted(have - wanted)])
                counts["unlinked"] += len(have - wanted)
            if wanted - have:
                session.execute(insert(_links), [{"request_id": r, "area_id": a} for r, a in sorted(wanted - have)])
                counts["linked"] += len(wanted - have)
        if len(rows) < chunk:
            break
    return counts


class PointCheck:
    """Whether a (lat, lon) read from a file is plausible: on Earth, and once the city's areas are
    loaded, within `margin` degrees of them (so that swapped or mistyped coordinates are caught)."""

    def __init__(self, session: Session | None = None, margin: float = 0.5):
        self.lat, self.lon, self.where = (-90.0, 90.0), (-180.0, 180.0), ""
        if session is None:
            return
        from sqlalchemy import func
        for kind in ("city", NEIGHBOURHOOD, None):
            query = select(func.min(Area.min_lat), func.max(Area.max_lat), func.min(Area.min_lon), func.max(Area.max_lon))
            row = session.execute(query.where(Area.kind == kind) if kind else query).one()
            if row[0] is not None:
                self.lat = (max(-90.0, round(row[0] - margin, 2)), min(90.0, round(row[1] + margin, 2)))
                self.lon = (max(-180.0, round(row[2] - margin, 2)), min(180.0, round(row[3] + margin, 2)))
                self.where = f", the city's areas and {margin:g}° around them"
                break

    def __call__(self, raw_lat: str, raw_lon: str) -> tuple[float, float]:
        """The point, or ValueError with a message naming the bad coordinate."""
        values = []
        for name, raw in (("lat", raw_lat), ("lon", raw_lon)):
            try:
                values.append(float(raw))
            except ValueError:
                raise ValueError(f"{name} {raw.strip()[:30]!r} is not a number") from None
        lat, lon = values
        (lat_low, lat_high), (lon_low, lon_high) = self.lat, self.lon
        if lat_low <= lat <= lat_high and lon_low <= lon <= lon_high:
            return lat, lon
        swapped = lat_low <= lon <= lat_high and lon_low <= lat <= lon_high
        name, raw, low, high = (("lat", raw_lat, lat_low, lat_high) if not lat_low <= lat <= lat_high
                                else ("lon", raw_lon, lon_low, lon_high))
        raise ValueError(f"{name} {raw.strip()[:30]} is out of range ({low:g} to {high:g}{self.where})"
                         + ("; are lat and lon swapped?" if swapped else ""))
