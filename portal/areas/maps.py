"""What a map shows: the city box, the view asked for, areas and requests in it, the report form's
location picker, a neighbourhood's numbers, and the GeoJSON feeds. Plain functions taking a
session and values (no Flask); views pass in how to link (url_for) and how to label (gettext).
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Callable

from shapely import from_geojson, simplify
from shapely.geometry import LinearRing, mapping
from shapely.geometry.polygon import orient
from sqlalchemy import case, func
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from portal.areas import spatial, svgmap
from portal.areas.service import CITY, NEIGHBOURHOOD, inside_city, neighbourhood_at
from portal.areas.svgmap import Box, View
from portal.models import Area, ServiceRequest, ServiceType, Status, utcnow
from portal.requests import browse
from portal.requests.service import is_overdue

SIZES = {"map": (480, 480), "pick": (288, 288), "s": (288, 144)}
OUTLINE_PX = 1.0  # outlines are simplified to this many pixels: thinner than the line drawing them
STREET_ZOOM = 8  # a tap on the picker below this zoom also zooms in, to refine with the next tap
MAP_LIMIT = spatial.MAX_LIMIT  # requests drawn on one map (newest first)
LIST_LIMIT = 20  # listed under the map, a page at a time
GEOJSON_LIMIT = 1000
PANS = {"n": (0, -0.5), "s": (0, 0.5), "w": (-0.5, 0), "e": (0.5, 0)}
_outline_cache: dict[tuple, list] = {}


def coord(value: float) -> str:
    """Degrees as written in URLs and form fields: 6 decimals (≈0.1 m), so a view survives the trip."""
    return f"{value:.6f}"


def _number(text, *, integer: bool = False):
    try:
        value = float(str(text)[:32])
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value):
        return None
    return int(max(-1e6, min(value, 1e6))) if integer else value


# ------------------------------------------------------------------ views

def city_box(session: Session) -> Box:
    """The city limits' box, else the neighbourhoods', else the demo city's outline."""
    for kind in (CITY, NEIGHBOURHOOD):
        row = session.exec(select(func.min(Area.min_lat), func.min(Area.min_lon), func.max(Area.max_lat),
                                  func.max(Area.max_lon)).where(Area.kind == kind)).one()
        if row[0] is not None:
            return Box(*row)
    from portal.areas.demo_city import OUTLINE
    return Box(min(p[1] for p in OUTLINE), min(p[0] for p in OUTLINE), max(p[1] for p in OUTLINE),
               max(p[0] for p in OUTLINE))


def view_from(box: Box, lat, lon, zoom, size: str = "map") -> View:
    """A view from untrusted text: bad numbers fall back to the city, zoom and centre are clamped."""
    width, height = SIZES.get(size, SIZES["map"])
    return svgmap.make_view(box, _number(lat), _number(lon), _number(zoom, integer=True), width, height)


def view_from_args(session: Session, args, size: str = "map") -> View:
    return view_from(city_box(session), args.get("lat"), args.get("lon"), args.get("z"), size)


def map_view(session: Session, args, area_id: int | None = None) -> View:
    """The city map's view from its URL; a neighbourhood filter without a view shows that area."""
    if area_id and not args.get("z") and (area := session.get(Area, area_id)):
        return area_view(session, area)
    return view_from_args(session, args)


def page_of(items: list, page: int, here: dict) -> tuple[list, dict]:
    """One page of the list under a map, and the URL arguments of the pages around it."""
    listed = items[(page - 1) * LIST_LIMIT:page * LIST_LIMIT]
    return listed, {"start": (page - 1) * LIST_LIMIT + 1,
                    "prev": {**here, "page": page - 1} if page > 1 else None,
                    "next": {**here, "page": page + 1} if len(items) > page * LIST_LIMIT else None}


def size_of(view: View) -> str:
    return next((name for name, dims in SIZES.items() if dims == (view.width, view.height)), "map")


def view_args(view: View, **changes) -> dict:
    """The view as URL arguments."""
    return {"lat": coord(view.lat), "lon": coord(view.lon), "z": view.zoom, **changes}


def nav_links(box: Box, view: View, keep: dict | None = None) -> dict[str, dict | None]:
    """Zoom and pan targets as URL arguments (plus `keep`, the filters); None at a limit."""
    links = {"in": view_args(view, z=view.zoom + 1) if view.zoom < svgmap.MAX_ZOOM else None,
             "out": view_args(view, z=view.zoom - 1) if view.zoom > 0 else None}
    for name, (dx, dy) in PANS.items():
        lat, lon = view.pan(dx, dy)
        moved = svgmap.make_view(box, lat, lon, view.zoom, view.width, view.height)
        links[name] = view_args(moved) if (moved.lat, moved.lon) != (view.lat, view.lon) else None
    return {name: {**(keep or {}), **args} if args else None for name, args in links.items()}


def area_view(session: Session, area: Area, size: str = "map") -> View:
    box, (width, height) = city_box(session), SIZES[size]
    zoom = svgmap.zoom_to_fit(box, Box(area.min_lat, area.min_lon, area.max_lat, area.max_lon), width, height)
    return svgmap.make_view(box, (area.min_lat + area.max_lat) / 2, (area.min_lon + area.max_lon) / 2,
                            zoom, width, height)


# ------------------------------------------------------------------ what is in a view

def areas_in_view(session: Session, view: View) -> list[Area]:
    """Neighbourhoods whose box meets the view (their shapes are loaded only when not cached)."""
    box = view.bounds
    return list(session.exec(select(Area).options(defer(Area.geometry), defer(Area.drawing)).where(
        Area.kind == NEIGHBOURHOOD, Area.max_lat >= box.south, Area.min_lat <= box.north,
        Area.max_lon >= box.west, Area.min_lon <= box.east).order_by(Area.name)))


def outlines_in_view(session: Session, view: View, *, href: Callable[[Area], str] | None = None,
                     highlight: int | None = None, areas: list[Area] | None = None) -> list[svgmap.Outline]:
    areas = areas_in_view(session, view) if areas is None else areas
    return [svgmap.Outline(a.name, area_rings(a, view), href(a) if href else None,
                           (a.centre_lat, a.centre_lon), a.id == highlight) for a in areas]


def area_rings(area: Area, view: View) -> list:
    """The area's outline simplified for the view's scale (from its stored drawing for that zoom,
    else from the full shape), kept per process: areas rarely change."""
    tolerance = float(f"{OUTLINE_PX / view.scale:.2g}")
    # The box and centre change whenever the shape does: a key that needs neither column loaded.
    key = (area.id, area.min_lat, area.max_lat, area.min_lon, area.max_lon, area.centre_lat, tolerance,
           size_of(view) == "map" and view.zoom)
    if key not in _outline_cache:
        if len(_outline_cache) > 20_000:
            _outline_cache.clear()
        drawn = (area.drawing or {}).get(str(view.zoom)) if size_of(view) == "map" else None
        if drawn:  # stored at half a pixel: a little coarser still is invisible and smaller
            rings = [list(simplify(LinearRing(ring), tolerance).coords) for ring in drawn if len(ring) >= 4]
        else:
            shape = simplify(from_geojson(area.geometry), tolerance, preserve_topology=True)
            rings = [list(ring.coords) for p in getattr(shape, "geoms", [shape])
                     if p.geom_type == "Polygon" for ring in (p.exterior, *p.interiors)]
        _outline_cache[key] = [ring for ring in rings if len(ring) >= 4]
    return _outline_cache[key]


@dataclass
class Found:
    items: list[ServiceRequest] = field(default_factory=list)
    truncated: bool = False  # more matched than could be drawn: zoom in to see them all


def _type_ids(session: Session, filters: browse.Filters) -> list[int] | None:
    ids = None
    if filters.type_id:
        ids = {filters.type_id}
    if filters.group_id:
        in_group = set(session.exec(select(ServiceType.id).where(ServiceType.group_id == filters.group_id)))
        ids = in_group if ids is None else ids & in_group
    return None if ids is None else sorted(ids)


def _keeps(request: ServiceRequest, filters: browse.Filters) -> bool:
    """The list's filters that the spatial query does not take itself."""
    if filters.area_id and request.area_id != filters.area_id:
        return False
    if filters.until and request.created_at >= datetime.combine(filters.until + timedelta(days=1), time.min, UTC):
        return False
    return not filters.overdue or is_overdue(request)


def _tiles(box: Box):
    """The box cut into pieces the spatial index accepts (at most 1° on a side)."""
    step = spatial.MAX_BOX_DEG
    rows, cols = math.ceil((box.north - box.south) / step) or 1, math.ceil((box.east - box.west) / step) or 1
    dy, dx = (box.north - box.south) / rows, (box.east - box.west) / cols
    for i in range(rows):
        for j in range(cols):
            yield (box.south + i * dy, box.west + j * dx, min(box.south + (i + 1) * dy, box.north),
                   min(box.west + (j + 1) * dx, box.east))


def requests_in_box(session: Session, box: Box, filters: browse.Filters | None = None,
                    limit: int = MAP_LIMIT) -> Found:
    """The newest requests in a box that match the list's filters."""
    filters = filters or browse.Filters()
    box = Box(max(box.south, -90), max(box.west, -180), min(box.north, 90), min(box.east, 180))
    if box.south > box.north or box.west > box.east:
        return Found()
    since = datetime.combine(filters.since, time.min, UTC) if filters.since else None
    statuses = browse.STATUS_FILTERS[filters.status] if filters.status else None
    rows, full, type_ids = [], False, _type_ids(session, filters)
    for tile in _tiles(box):
        got = spatial.within_box(session, *tile, type_ids=type_ids, statuses=statuses, since=since, limit=limit)
        full = full or len(got) >= limit
        rows += [r for r in got if _keeps(r, filters)]
    unique = {r.id: r for r in rows}.values()
    rows = sorted(unique, key=lambda r: (r.created_at, r.id), reverse=True)
    return Found(rows[:limit], full or len(rows) > limit)


def draw(session: Session, view: View, *, title: str, requests=(), marker_label: Callable = str,
         request_href: Callable | None = None, area_href: Callable | None = None,
         cluster_href: Callable | None = None, cluster_label: Callable | None = None,
         pin: tuple[float, float] | None = None, pin_label: str = "", highlight: int | None = None,
         standalone: bool = False, areas: list[Area] | None = None) -> str:
    """The SVG of a view: neighbourhood outlines and names, requests (clustered), a pin."""
    markers = [svgmap.Marker(r.lat, r.lon, r.status, marker_label(r), request_href(r) if request_href else None)
               for r in requests if r.lat is not None]
    outlines = outlines_in_view(session, view, href=area_href, highlight=highlight, areas=areas)
    return svgmap.render_svg(view, title=title, outlines=outlines,
                             markers=markers, pin=pin, pin_label=pin_label, standalone=standalone,
                             cluster_href=cluster_href, cluster_label=cluster_label)


# ------------------------------------------------------------------ the report form's picker

@dataclass
class Picker:
    """The map inside the report form: the view it shows, the chosen point, what to tell the user."""
    view: View
    pin: tuple[float, float] | None = None
    area_name: str = ""
    problem: str = ""  # "outside": the tap was outside the city; "nopoint": a keyboard press (0, 0)
    photos_dropped: bool = False  # files sent with a tap are not kept: say so
    max_zoom: int = svgmap.MAX_ZOOM

    @property
    def src_args(self) -> dict:
        pin = {"pin": f"{coord(self.pin[0])},{coord(self.pin[1])}"} if self.pin else {}
        return view_args(self.view, size=size_of(self.view), **pin)

    @property
    def bounds(self) -> str:
        """south west north east, for the script that places the pin without a reload."""
        return " ".join(coord(v) for v in self.view.bounds)


def is_picker_action(form) -> bool:
    """A tap on the map or a zoom/pan button: update the picker instead of continuing."""
    return "map.x" in form or form.get("zoom") in ("in", "out") or form.get("pan") in PANS


def parse_pin(text: str) -> tuple[float, float] | None:
    """ "lat,lon" from a URL; None when it is not a real point."""
    parts = (text or "").split(",")
    return _typed_point({"lat": parts[0], "lon": parts[1]}) if len(parts) == 2 else None


def _typed_point(data) -> tuple[float, float] | None:
    lat, lon = _number(data.get("lat", "")), _number(data.get("lon", ""))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def picker_for(session: Session, data) -> Picker:
    """The picker as the form stands: the view it was showing (hidden fields), else around the
    typed point, else around the chosen neighbourhood, else the whole city."""
    box, width_height = city_box(session), SIZES["pick"]
    point = _typed_point(data)
    if data.get("view_z", "") != "":
        view = view_from(box, data.get("view_lat"), data.get("view_lon"), data.get("view_z"), "pick")
    elif point:
        view = svgmap.make_view(box, *point, STREET_ZOOM, *width_height)
    elif data.get("area") and (area := session.exec(select(Area).options(defer(Area.geometry), defer(Area.drawing)).where(
            Area.kind == NEIGHBOURHOOD, Area.slug == data.get("area"))).first()):
        view = area_view(session, area, "pick")
    else:
        view = view_from(box, None, None, 0, "pick")
    area = neighbourhood_at(session, *point) if point else None
    return Picker(view, pin=point, area_name=area.name if area else "")


def update_picker(session: Session, data) -> tuple[dict, Picker]:
    """Apply a tap (map.x, map.y in the view of the hidden fields), a zoom or a pan button.
    Returns the form's data with the point filled in, and the picker to show."""
    data = data.copy()
    picker = picker_for(session, data)
    view, box = picker.view, city_box(session)
    lat, lon, zoom = view.lat, view.lon, view.zoom
    if "map.x" in data:
        x, y = _number(data.get("map.x")), _number(data.get("map.y"))
        inside = x is not None and y is not None and 0 <= x <= view.width and 0 <= y <= view.height
        tapped = view.to_latlon(x, y) if inside else None
        if x == 0 and y == 0:  # what an image button sends when pressed from the keyboard
            picker.problem = "nopoint"
        elif tapped is None or not box.contains(*tapped) or not inside_city(session, *tapped):
            picker.problem = "outside"
        else:
            data["lat"], data["lon"] = coord(tapped[0]), coord(tapped[1])
            area = neighbourhood_at(session, *tapped)
            data["area"] = area.slug if area else data.get("area", "")
            picker.pin, picker.area_name = tapped, area.name if area else ""
            lat, lon, zoom = *tapped, zoom + 2 if zoom < STREET_ZOOM else zoom
    elif data.get("zoom") in ("in", "out"):
        lat, lon = picker.pin if picker.pin and box.contains(*picker.pin) else (lat, lon)
        zoom += 1 if data["zoom"] == "in" else -1
    else:
        lat, lon = view.pan(*PANS[data["pan"]])
    picker.view = svgmap.make_view(box, lat, lon, zoom, view.width, view.height)
    for name in ("map.x", "map.y", "zoom", "pan"):
        data.pop(name, None)
    return data, picker


# ------------------------------------------------------------------ a neighbourhood's numbers

@dataclass
class AreaSummary:
    open: list[ServiceRequest]
    recent: list[ServiceRequest]
    counts: list[tuple[int, int, int]]  # (service type id, open, all)
    median_days: float | None
    closed_sample: int


def area_summary(session: Session, area: Area, *, listed: int = 10, year: timedelta = timedelta(days=365)) -> AreaSummary:
    in_area = ServiceRequest.area_id == area.id
    newest = (ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
    open_rows = session.exec(select(ServiceRequest).where(
        in_area, ServiceRequest.status != Status.closed).order_by(*newest).limit(listed)).all()
    recent = session.exec(select(ServiceRequest).where(in_area).order_by(*newest).limit(listed)).all()
    total = func.count(ServiceRequest.id)
    counts = session.exec(select(ServiceRequest.service_type_id,
                                 func.sum(case((ServiceRequest.status != Status.closed, 1), else_=0)), total)
                          .where(in_area).group_by(ServiceRequest.service_type_id)
                          .order_by(total.desc(), ServiceRequest.service_type_id).limit(12)).all()
    closed = session.exec(select(ServiceRequest.created_at, ServiceRequest.closed_at).where(
        in_area, ServiceRequest.status == Status.closed, ServiceRequest.closed_at >= utcnow() - year)
        .order_by(ServiceRequest.closed_at.desc()).limit(5000)).all()
    days = [(c - o).total_seconds() / 86400 for o, c in closed if c and o]
    return AreaSummary(list(open_rows), list(recent), [(t, int(o or 0), int(n)) for t, o, n in counts],
                       round(statistics.median(days), 1) if days else None, len(days))


# ------------------------------------------------------------------ GeoJSON (RFC 7946)

class BadBox(ValueError):
    """The bbox parameter cannot be used; the message says why."""


def parse_bbox(text: str, city: Box) -> Box:
    """`w,s,e,n` in degrees; refused when malformed, inverted, or more than twice the city's size."""
    parts = (text or "").split(",")
    values = [_number(p) for p in parts] if len(parts) == 4 else []
    if len(values) != 4 or None in values:
        raise BadBox("bbox must be four numbers: west,south,east,north")
    west, south, east, north = values
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise BadBox("bbox must have west <= east and south <= north, within [-180, 180] and [-90, 90]")
    if north - south > 2 * (city.north - city.south) or east - west > 2 * (city.east - city.west):
        raise BadBox("bbox is larger than twice the city; ask for a smaller box")
    return Box(south, west, north, east)


def requests_geojson(session: Session, filters: browse.Filters, box: Box | None, *,
                     url: Callable[[ServiceRequest], str], limit: int | None = None) -> dict:
    """Public fields only, by name: never the reporter's name, email, phone or private link.
    Type names are the city's English ones, stable for data users whatever the reader's language."""
    limit = limit or GEOJSON_LIMIT
    if box is not None:
        rows = requests_in_box(session, box, filters, limit=limit).items
    else:
        rows = browse.list_requests(session, browse.Filters(**{**filters.__dict__, "page": 1}), page_size=limit).items
    rows = [r for r in rows if r.lat is not None]
    types = {t.id: t for t in session.exec(select(ServiceType).where(
        ServiceType.id.in_({r.service_type_id for r in rows})))} if rows else {}
    area_ids = {r.area_id for r in rows if r.area_id}
    areas = {i: name for i, name in session.exec(select(Area.id, Area.name).where(Area.id.in_(area_ids))).all()}
    features = [{
        "type": "Feature", "id": r.number,
        "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
        "properties": {
            "number": r.number, "type_code": types[r.service_type_id].code,
            "type_name": types[r.service_type_id].name, "status": r.status,
            "closure_reason": r.closure_reason, "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(), "neighbourhood": areas.get(r.area_id),
            "approximate": r.location_approximate, "url": url(r)}} for r in rows]
    return {"type": "FeatureCollection", "features": features}


def areas_geojson(session: Session, *, url: Callable[[Area], str], tolerance: float = 0.0001) -> dict:
    """Neighbourhood outlines simplified to about 10 m, exterior rings anticlockwise."""
    features = []
    for area in session.exec(select(Area).options(defer(Area.geometry), defer(Area.drawing)).where(
            Area.kind == NEIGHBOURHOOD).order_by(Area.name)):
        key = ("geojson", area.id, area.min_lat, area.max_lat, area.min_lon, area.max_lon, tolerance)
        if key not in _outline_cache:
            shape = simplify(from_geojson(area.geometry), tolerance, preserve_topology=True)
            shape = type(shape)([orient(p, 1.0) for p in shape.geoms]) if hasattr(shape, "geoms") else orient(shape, 1.0)
            _outline_cache[key] = _rounded(mapping(shape))
        features.append({"type": "Feature", "id": area.slug, "geometry": _outline_cache[key],
                         "properties": {"name": area.name, "slug": area.slug, "url": url(area)}})
    return {"type": "FeatureCollection", "features": features}


def _rounded(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value
