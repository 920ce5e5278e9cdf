"""The demo city's neighbourhoods, made from facts (Philadelphia neighbourhood names and their
approximate centres) as Voronoi cells inside a rough outline of the city. Real boundaries are
loaded with the areas import; this keeps the one-command demo free of any data file."""
from __future__ import annotations

import json
import re

from shapely import voronoi_polygons
from shapely.geometry import MultiPoint, Polygon, mapping

# A coarse outline of the city (lon, lat), clockwise from the south-west.
OUTLINE = [
    (-75.2460, 39.8750), (-75.1400, 39.8880), (-75.1330, 39.9200), (-75.1370, 39.9620),
    (-75.0800, 39.9750), (-75.0100, 40.0150), (-74.9650, 40.0550), (-74.9580, 40.1150),
    (-75.0150, 40.1370), (-75.1060, 40.0800), (-75.1650, 40.0850), (-75.2250, 40.0700),
    (-75.2640, 40.0540), (-75.2200, 40.0080), (-75.2060, 39.9800), (-75.2800, 39.9760),
    (-75.2500, 39.9200),
]

# name, latitude, longitude (approximate centres)
NEIGHBOURHOODS = [
    ("Center City", 39.9526, -75.1652), ("Old City", 39.9510, -75.1450),
    ("South Philadelphia", 39.9230, -75.1700), ("Point Breeze", 39.9330, -75.1850),
    ("Grays Ferry", 39.9400, -75.1980), ("University City", 39.9522, -75.1932),
    ("West Philadelphia", 39.9620, -75.2250), ("Eastwick", 39.9000, -75.2400),
    ("Fairmount", 39.9670, -75.1750), ("Northern Liberties", 39.9650, -75.1420),
    ("Fishtown", 39.9714, -75.1300), ("Kensington", 39.9900, -75.1300),
    ("Port Richmond", 39.9850, -75.1000), ("North Philadelphia", 39.9900, -75.1600),
    ("Nicetown", 40.0100, -75.1600), ("Germantown", 40.0380, -75.1730),
    ("Manayunk", 40.0260, -75.2240), ("Roxborough", 40.0410, -75.2200),
    ("Chestnut Hill", 40.0730, -75.2080), ("Olney", 40.0370, -75.1240),
    ("Frankford", 40.0230, -75.0800), ("Mayfair", 40.0320, -75.0500),
    ("Bustleton", 40.0850, -75.0300), ("Somerton", 40.1200, -75.0150),
    ("Oxford Circle", 40.0500, -75.0850), ("Tacony", 40.0270, -75.0420),
]


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def demo_areas() -> list[dict]:
    """[{name, slug, geometry (GeoJSON text)}] for the demo neighbourhoods, and the city limits."""
    outline = Polygon(OUTLINE)
    centres = MultiPoint([(lon, lat) for _name, lat, lon in NEIGHBOURHOODS])
    cells = voronoi_polygons(centres, extend_to=outline.buffer(0.05))
    areas = []
    for name, lat, lon in NEIGHBOURHOODS:
        cell = next(c for c in cells.geoms if c.covers(MultiPoint([(lon, lat)]).geoms[0]))
        shape = cell.intersection(outline)
        areas.append({"name": name, "slug": slugify(name), "kind": "neighbourhood",
                      "geometry": json.dumps(mapping(shape))})
    areas.append({"name": "City limits", "slug": "city", "kind": "city", "geometry": json.dumps(mapping(outline))})
    return areas
