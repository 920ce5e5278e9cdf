"""Which area contains a point. The next issue replaces the bounding-box prefilter with a
spatial index; callers only ever use these functions."""
from __future__ import annotations

from functools import lru_cache

from shapely import from_geojson
from shapely.geometry import Point
from shapely.prepared import prep
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from portal.models import Area

NEIGHBOURHOOD = "neighbourhood"
CITY = "city"


@lru_cache(maxsize=4096)
def _prepared(area_id: int, geometry: str):
    # Geometry never changes for an id+text pair; parsing is the costly part.
    return prep(from_geojson(geometry))


def areas_containing(session: Session, lat: float, lon: float, kind: str) -> list[Area]:
    candidates = session.exec(select(Area).where(
        Area.kind == kind, Area.min_lat <= lat, Area.max_lat >= lat,
        Area.min_lon <= lon, Area.max_lon >= lon)).all()
    point = Point(lon, lat)
    return [a for a in candidates if _prepared(a.id, a.geometry).covers(point)]


def neighbourhood_at(session: Session, lat: float, lon: float) -> Area | None:
    found = areas_containing(session, lat, lon, NEIGHBOURHOOD)
    return found[0] if found else None


def inside_city(session: Session, lat: float, lon: float) -> bool:
    """Inside the city limits if they are loaded, else inside any neighbourhood, else anywhere."""
    for kind in (CITY, NEIGHBOURHOOD):
        if session.exec(select(Area.id).where(Area.kind == kind).limit(1)).first() is not None:
            return bool(areas_containing(session, lat, lon, kind))
    return True


def neighbourhoods(session: Session) -> list[Area]:
    """Names and places only: the shapes are large and not needed for a list."""
    return list(session.exec(select(Area).options(defer(Area.geometry), defer(Area.drawing))
                             .where(Area.kind == NEIGHBOURHOOD).order_by(Area.name)))


def area_by_slug(session: Session, slug: str, kind: str = NEIGHBOURHOOD) -> Area | None:
    return session.exec(select(Area).where(Area.kind == kind, Area.slug == slug)).first()


def save_area(session: Session, *, kind: str, slug: str, name: str, geometry: str, layer: str = "",
              drawing: dict | None = None) -> Area:
    """Create or replace an area; its box and a centre inside it are derived from the shape."""
    shape = from_geojson(geometry)
    min_lon, min_lat, max_lon, max_lat = shape.bounds
    centre = shape.representative_point()
    area = session.exec(select(Area).where(Area.kind == kind, Area.layer == layer, Area.slug == slug)).first() or Area(
        kind=kind, layer=layer, slug=slug, name=name, geometry=geometry, min_lat=min_lat, max_lat=max_lat,
        min_lon=min_lon, max_lon=max_lon, centre_lat=centre.y, centre_lon=centre.x)
    area.name, area.geometry = name, geometry
    area.min_lat, area.max_lat, area.min_lon, area.max_lon = min_lat, max_lat, min_lon, max_lon
    area.centre_lat, area.centre_lon = centre.y, centre.x
    if drawing is not None:
        area.drawing = drawing
    session.add(area)
    return area
