"""Drawing maps as SVG on the server: projection, outlines, clustered markers, a chosen point.

Pure functions of their arguments (no Flask, no database), so they are tested without HTTP.
The projection is equirectangular, scaled by cos(latitude) at the view's centre: within a
city that is accurate to a pixel, and pixels map back to degrees linearly (a tap on an
`<input type="image">` or the script's click both invert it exactly).

Zoom levels are relative to the city: at zoom 0 the whole city box fits the picture, and each
level is √2 closer, up to MAX_ZOOM (≈1 m a pixel for a city of Philadelphia's size).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import Callable, NamedTuple

from shapely import clip_by_rect
from shapely.geometry import Polygon

MAX_ZOOM = 12
CELL = 36  # px: markers closer than a grid cell are counted in one cluster
MIN_CLUSTER = 3  # fewer markers than this in a cell are drawn one by one
MARGIN = 0.04  # of the picture, left around the city at zoom 0
STATUS_CLASS = {"open": "o", "acknowledged": "k", "in_progress": "p", "closed": "c"}

# Used when the SVG is an image (<img>, <input type=image>): the page's stylesheet does not
# reach inside it. Inline SVG uses the same classes from stoop.css (the page CSP forbids <style>).
STANDALONE_STYLE = (
    ".a{fill:#eef1f4;stroke:#7d8794;stroke-width:1}.h{fill:#dde8f6;stroke:#0b5cad;stroke-width:2}"
    ".n{font:12px system-ui,sans-serif;fill:#333;text-anchor:middle}"
    "circle{stroke:#fff;stroke-width:1.5}.o{fill:#c45100}.k,.p{fill:#1f6fd1}.c{fill:#1e8e3e}"
    ".g{fill:#555}.t{font:bold 11px system-ui,sans-serif;fill:#fff;text-anchor:middle}"
    ".pin{fill:#b00020;stroke:#fff;stroke-width:2}"
    "@media(prefers-color-scheme:dark){.a{fill:#1d2127;stroke:#6b7480}.h{fill:#22324a;stroke:#7db7ff}"
    ".n{fill:#ddd}circle{stroke:#121417}.o{fill:#ff9a4d}.k,.p{fill:#6cb4ff}.c{fill:#5fd37a}"
    ".g{fill:#b4b4b4}.t{fill:#121417}.pin{fill:#ff6b81;stroke:#121417}}"
)


class Box(NamedTuple):
    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east


@dataclass(frozen=True)
class View:
    """A picture of `width` × `height` px centred on (lat, lon), `scale` px per degree of latitude."""
    lat: float
    lon: float
    zoom: int
    scale: float
    width: int
    height: int

    @property
    def x_scale(self) -> float:
        return self.scale * math.cos(math.radians(self.lat))

    def to_pixel(self, lat: float, lon: float) -> tuple[float, float]:
        return (self.width / 2 + (lon - self.lon) * self.x_scale,
                self.height / 2 - (lat - self.lat) * self.scale)

    def to_latlon(self, x: float, y: float) -> tuple[float, float]:
        return (self.lat - (y - self.height / 2) / self.scale,
                self.lon + (x - self.width / 2) / self.x_scale)

    @property
    def bounds(self) -> Box:
        north, west = self.to_latlon(0, 0)
        south, east = self.to_latlon(self.width, self.height)
        return Box(south, west, north, east)

    def pan(self, dx: float, dy: float) -> tuple[float, float]:
        """The centre moved by a fraction of the picture (dx east, dy south)."""
        return self.to_latlon(self.width / 2 + dx * self.width, self.height / 2 + dy * self.height)


def fit_scale(box: Box, width: int, height: int) -> float:
    """Pixels per degree of latitude that fit `box` (with a margin) into the picture."""
    lat = (box.south + box.north) / 2
    span_y = max(box.north - box.south, 1e-6)
    span_x = max((box.east - box.west) * math.cos(math.radians(lat)), 1e-6)
    return (1 - 2 * MARGIN) * min(width / span_x, height / span_y)


def zoom_to_fit(city: Box, box: Box, width: int, height: int, max_zoom: int = MAX_ZOOM) -> int:
    """The closest zoom at which `box` (an area, say) still fits the picture."""
    ratio = fit_scale(box, width, height) / fit_scale(city, width, height)
    return max(0, min(max_zoom, math.floor(2 * math.log2(max(ratio, 1e-9)) + 1e-9)))


def make_view(city: Box, lat: float | None, lon: float | None, zoom: int | None, width: int, height: int,
              max_zoom: int = MAX_ZOOM) -> View:
    """A view of the city; zoom clamped to [0, max_zoom] and the centre kept inside the city box."""
    def usable(value):
        return value is not None and math.isfinite(value)
    lat = min(max(lat, city.south), city.north) if usable(lat) else (city.south + city.north) / 2
    lon = min(max(lon, city.west), city.east) if usable(lon) else (city.west + city.east) / 2
    zoom = min(max(int(zoom), 0), max_zoom) if zoom is not None else 0
    return View(lat, lon, zoom, fit_scale(city, width, height) * 2 ** (zoom / 2), width, height)


# ------------------------------------------------------------------ things to draw

@dataclass
class Outline:
    """An area: rings of (lon, lat) (outer and holes alike; drawn even-odd)."""
    name: str
    rings: list[list[tuple[float, float]]]
    href: str | None = None
    label_at: tuple[float, float] | None = None  # (lat, lon) of the name; None: no name
    highlight: bool = False


@dataclass
class Marker:
    lat: float
    lon: float
    status: str
    label: str = ""
    href: str | None = None


@dataclass
class Cluster:
    lat: float
    lon: float
    x: float
    y: float
    members: list[Marker] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.members)


def cluster_markers(view: View, markers: list[Marker], cell: int = CELL,
                    min_cluster: int = MIN_CLUSTER) -> tuple[list[tuple[float, float, Marker]], list[Cluster]]:
    """Grid clustering in screen space: ([(x, y, marker)], [clusters]), only what is in the picture.

    At the closest zoom nothing is clustered: there is no closer view to open.
    """
    cells: dict[tuple[int, int], list[tuple[float, float, Marker]]] = {}
    for marker in markers:
        x, y = view.to_pixel(marker.lat, marker.lon)
        if -2 <= x <= view.width + 2 and -2 <= y <= view.height + 2:
            cells.setdefault((int(x // cell), int(y // cell)), []).append((x, y, marker))
    singles, clusters = [], []
    for members in cells.values():
        if len(members) < min_cluster or view.zoom >= MAX_ZOOM:
            singles.extend(members)
            continue
        x = sum(m[0] for m in members) / len(members)
        y = sum(m[1] for m in members) / len(members)
        lat, lon = view.to_latlon(x, y)
        clusters.append(Cluster(lat, lon, x, y, [m[2] for m in members]))
    singles.sort(key=lambda item: (item[1], item[0]))  # draw from the top down: lower ones overlap
    clusters.sort(key=lambda c: (c.y, c.x))
    return singles, clusters


# ------------------------------------------------------------------ SVG

def _ring_points(view: View, ring) -> list[tuple[int, int]]:
    points: list[tuple[int, int]] = []
    for lon, lat in ring:
        x, y = view.to_pixel(lat, lon)
        point = (round(x), round(y))
        if not points or point != points[-1]:
            points.append(point)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    return points if len(points) >= 3 else []


def _clip(view: View, ring):
    """The ring cut to the picture (plus a margin), as zero or more rings."""
    box = view.bounds
    pad_lat, pad_lon = 8 / view.scale, 8 / view.x_scale
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    if (min(lons) >= box.west - pad_lon and max(lons) <= box.east + pad_lon
            and min(lats) >= box.south - pad_lat and max(lats) <= box.north + pad_lat):
        return [ring]
    if (max(lons) < box.west or min(lons) > box.east or max(lats) < box.south or min(lats) > box.north
            or len(ring) < 4):
        return []
    clipped = clip_by_rect(Polygon(ring).buffer(0), box.west - pad_lon, box.south - pad_lat,
                           box.east + pad_lon, box.north + pad_lat)
    parts = getattr(clipped, "geoms", [clipped])
    return [list(p.exterior.coords) for p in parts if p.geom_type == "Polygon" and not p.is_empty]


def path_data(view: View, rings) -> str:
    """Rings as compact path data: integer pixels, relative moves, no needless separators."""
    out = []
    for ring in rings:
        for part in _clip(view, ring):
            points = _ring_points(view, part)
            if not points:
                continue
            out.append(f"M{points[0][0]} {points[0][1]}l")
            previous, tokens = points[0], []
            for point in points[1:]:
                tokens += (point[0] - previous[0], point[1] - previous[1])
                previous = point
            out.append("".join((" " if i and t >= 0 else "") + str(t) for i, t in enumerate(tokens)) + "z")
    return "".join(out)


def _label(view: View, outline: Outline, links: bool, taken: list) -> str:
    """The area's name at its centre, when the area is wide enough on screen for it and the name
    does not run into one already written (the list under the map names every area anyway)."""
    if outline.label_at is None:
        return ""
    x, y = view.to_pixel(*outline.label_at)
    half = len(outline.name) * 3.4
    if not (half + 2 <= x <= view.width - half - 2 and 14 <= y <= view.height - 4):
        return ""
    xs = [view.to_pixel(lat, lon)[0] for ring in outline.rings for lon, lat in ring[:: max(1, len(ring) // 24)]]
    box = (x - half - 3, y - 12, x + half + 3, y + 3)
    if (xs and max(xs) - min(xs) < 2 * half) or any(
            box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3] for t in taken):
        return ""
    taken.append(box)
    text = f'<text class="n" x="{round(x)}" y="{round(y)}">{escape(outline.name)}</text>'
    if outline.href and links:
        return f'<a href="{escape(outline.href)}" tabindex="-1">{text}</a>'
    return text


def _marker(x: float, y: float, marker: Marker, links: bool) -> str:
    cls = STATUS_CLASS.get(marker.status, "o")
    circle = f'<circle class="{cls}" cx="{round(x)}" cy="{round(y)}" r="{4 if cls == "c" else 6}"'
    if not links:
        return circle + "/>"
    title = f"<title>{escape(marker.label)}</title>" if marker.label else ""
    circle = f"{circle}>{title}</circle>"
    return f'<a href="{escape(marker.href)}" tabindex="-1">{circle}</a>' if marker.href else circle


def _cluster(cluster: Cluster, href: str | None, label: str) -> str:
    r = round(10 + 2.5 * math.log2(cluster.count))
    x, y = round(cluster.x), round(cluster.y)
    body = (f'<circle class="g" cx="{x}" cy="{y}" r="{r}">{f"<title>{escape(label)}</title>" if label else ""}'
            f'</circle><text class="t" x="{x}" y="{y + 4}">{cluster.count}</text>')
    return f'<a href="{escape(href)}" tabindex="-1">{body}</a>' if href else body


def pin_path(x: float, y: float) -> str:
    """A drop-shaped pin whose tip is at (x, y)."""
    return f'M{round(x)} {round(y)}l-7-13a8 8 0 1 1 14 0z'


def render_svg(view: View, *, title: str, outlines: list[Outline] = (), markers: list[Marker] = (),
               pin: tuple[float, float] | None = None, pin_label: str = "", standalone: bool = False,
               links: bool = True, cluster_href: Callable[[Cluster], str] | None = None,
               cluster_label: Callable[[Cluster], str] | None = None, css_class: str = "map") -> str:
    """The whole picture as one <svg>; `standalone` for an image file (own style, no links)."""
    links = links and not standalone
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view.width} {view.height}" '
            f'width="{view.width}" height="{view.height}" role="img" aria-label="{escape(title)}"'
            f'{"" if standalone else f" class={chr(34)}{css_class}{chr(34)}"}>')
    parts = [head, f"<title>{escape(title)}</title>"]
    if standalone:
        parts.append(f"<style>{STANDALONE_STYLE}</style>")
    plain = [o for o in outlines if not o.highlight]
    if plain:
        d = "".join(path_data(view, o.rings) for o in plain)
        if d:
            parts.append(f'<path class="a" fill-rule="evenodd" d="{d}"/>')
    for outline in outlines:
        if outline.highlight and (d := path_data(view, outline.rings)):
            parts.append(f'<path class="h" fill-rule="evenodd" d="{d}"/>')
    taken: list = []
    if pin is not None:  # names keep clear of the pin
        x, y = view.to_pixel(*pin)
        taken.append((x - 9, y - 22, x + 9, y))
    parts += [_label(view, outline, links, taken) for outline in sorted(outlines, key=lambda o: not o.highlight)]
    singles, clusters = cluster_markers(view, list(markers))
    parts += [_marker(x, y, m, links) for x, y, m in singles]
    parts += [_cluster(c, cluster_href(c) if cluster_href and links else None,
                       cluster_label(c) if cluster_label and links else "") for c in clusters]
    if pin is not None:
        x, y = view.to_pixel(*pin)
        if 0 <= x <= view.width and 0 <= y <= view.height:
            label = f"<title>{escape(pin_label)}</title>" if pin_label and links else ""
            parts.append(f'<path class="pin" d="{pin_path(x, y)}">{label}</path>')
    parts.append("</svg>")
    return "".join(parts)
