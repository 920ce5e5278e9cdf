"""`stoop import-areas` and `stoop import-addresses`: a city's boundaries and address points.

Areas come from any RFC 7946 GeoJSON of polygons and multipolygons. Each feature is checked with
the geojson package and read with shapely; invalid polygons are repaired (make_valid, polygonal
parts kept). The full shape is kept for containment, and simplified outlines for drawing, one per
zoom level of the city map, with coordinates rounded. Everything happens in one transaction:
a file that cannot be used leaves the database as it was.
"""
from __future__ import annotations

import json
import math
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import click
import geojson
import shapely
from flask.cli import with_appcontext
from shapely import make_valid, simplify
from shapely.geometry import shape as to_shape
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal import db
from portal.areas.service import save_area
from portal.models import Area, RequestArea, ServiceRequest

KINDS = ("neighbourhood", "district", "zip", "city")
DRAWING_ZOOMS = range(0, 7)  # the city map's zoom levels that get a stored outline (the rest simplify on the fly)
MAP_PX = 480  # the map's size (square) and margin, as in portal/areas/svgmap.py
MAP_MARGIN = 0.04
WGS84 = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
         "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG:6.6:4326"}
POLYGONAL = ("Polygon", "MultiPolygon")


class LayerError(Exception):
    """The file cannot be imported; the message says where and why. Nothing was stored."""


@dataclass
class Piece:
    number: int  # 1-based feature number in the file
    name: str
    slug: str
    shape: object  # shapely (Multi)Polygon


@dataclass
class LayerReport:
    features: int = 0
    areas: list[Piece] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    placed: dict = field(default_factory=dict)
    others: list[str] = field(default_factory=list)


def slugify(name: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKD", name.lower()) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:80].strip("-")


def _label(piece_number: int, name: str | None = None) -> str:
    return f"feature {piece_number}" + (f" ({name})" if name else "")


def _features(document, path: Path) -> list[dict]:
    """The features of any GeoJSON object (a bare geometry is one feature without properties)."""
    if not isinstance(document, dict):
        raise LayerError(f"{path.name}: not GeoJSON: the file is a JSON {type(document).__name__}, "
                         "not an object with a GeoJSON \"type\"")
    kind = document.get("type")
    crs = document.get("crs")
    if crs:
        crs_name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        if crs_name not in WGS84:
            raise LayerError(f"{path.name}: the file declares the coordinate system {crs_name or crs!r}; "
                             "RFC 7946 GeoJSON is WGS84 longitude/latitude: reproject it "
                             "(e.g. ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson)")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise LayerError(f"{path.name}: not GeoJSON: a FeatureCollection needs a \"features\" list")
        return features
    if kind == "Feature":
        return [document]
    if kind in ("Polygon", "MultiPolygon", "GeometryCollection", "Point", "MultiPoint", "LineString",
                "MultiLineString"):
        return [{"type": "Feature", "properties": {}, "geometry": document}]
    raise LayerError(f"{path.name}: not GeoJSON: the top-level \"type\" is {kind!r}, not FeatureCollection, "
                     "Feature or a geometry")


def _polygonal(geometry):
    """The polygons of a shapely geometry, as one (Multi)Polygon, or None."""
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in POLYGONAL and not p.is_empty]
    polygons = [q for p in parts for q in shapely.get_parts(p)]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def read_layer(path: Path, *, name_field: str | None = None, fixed_name: str | None = None) -> LayerReport:
    """Read and check a GeoJSON file: every usable polygon feature, repaired when needed.

    Raises LayerError (with the line or feature number) when the file cannot be used at all.
    """
    report = LayerReport()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as problem:
        raise LayerError(f"{path.name}: not JSON: the file is not UTF-8 text (byte {problem.start})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as problem:
        raise LayerError(f"{path.name}: not JSON: line {problem.lineno}, column {problem.colno}: {problem.msg}") from None
    features = _features(document, path)
    report.features = len(features)
    by_slug: dict[str, Piece] = {}
    found_types: dict[str, int] = {}
    for number, raw in enumerate(features, start=1):
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            raise LayerError(f"{path.name}: not GeoJSON: {_label(number)} is not a Feature object")
        properties = raw.get("properties") or {}
        geometry = raw.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        found_types[kind or "no geometry"] = found_types.get(kind or "no geometry", 0) + 1
        if fixed_name is not None:
            name = fixed_name
        else:
            name = _name_of(properties, name_field, number, path)
        if geometry is None:
            report.skipped.append(f"{_label(number, name)}: no geometry")
            continue
        try:
            checked = geojson.GeoJSON.to_instance(raw, strict=True)
            problems = checked.errors()
        except (ValueError, TypeError, AttributeError) as problem:
            problems = str(problem)
        if problems:
            report.skipped.append(f"{_label(number, name)}: {_flat(problems)}")
            continue
        if kind not in (*POLYGONAL, "GeometryCollection"):
            report.skipped.append(f"{_label(number, name)}: a {kind}, not a polygon")
            continue
        try:
            shape = shapely.force_2d(to_shape(geometry))
        except Exception as problem:  # noqa: BLE001 - shapely raises several kinds for bad input
            report.skipped.append(f"{_label(number, name)}: unreadable geometry ({problem})")
            continue
        west, south, east, north = shape.bounds if not shape.is_empty else (0, 0, 0, 0)
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90) or any(
                map(math.isnan, (west, south, east, north))):
            raise LayerError(f"{path.name}: {_label(number, name)}: coordinates are not longitude/latitude "
                             f"degrees (box {west:.6g}, {south:.6g}, {east:.6g}, {north:.6g}); "
                             "RFC 7946 GeoJSON is WGS84: reproject the file")
        polygons = _polygonal(shape)
        if polygons is None:
            report.skipped.append(f"{_label(number, name)}: no polygon in it")
            continue
        if not polygons.is_valid:
            reason = shapely.is_valid_reason(polygons)
            polygons = _polygonal(make_valid(polygons))
            if polygons is None or polygons.is_empty:
                report.skipped.append(f"{_label(number, name)}: invalid ({reason}) and nothing was left after repair")
                continue
            report.repaired.append(f"{_label(number, name)}: {reason}")
        slug = slugify(name) or f"feature-{number}"
        if slug in by_slug:
            first = by_slug[slug]
            first.shape = _polygonal(shapely.union_all([first.shape, polygons]))
            report.merged.append(f"{_label(number, name)} joined to {_label(first.number, first.name)} (same name)")
            continue
        by_slug[slug] = Piece(number, name, slug, polygons)
    report.areas = list(by_slug.values())
    if not report.areas:
        seen = ", ".join(f"{n} {t}" for t, n in found_types.items()) or "no features"
        raise LayerError(f"{path.name}: no polygons to import (found: {seen})"
                         + (f"; skipped: {report.skipped[0]}" if report.skipped else ""))
    return report


def _flat(problems) -> str:
    if isinstance(problems, (list, tuple)):
        return "; ".join(_flat(p) for p in problems if p)
    if isinstance(problems, dict):
        return "; ".join(_flat(p) for p in problems.values() if p)
    return str(problems)


def _name_of(properties: dict, name_field: str, number: int, path: Path) -> str:
    value = properties.get(name_field)
    if value is None:  # a forgiving second look: the same field in another case
        value = next((v for k, v in properties.items() if k.lower() == name_field.lower()), None)
    if value is None:
        has = ", ".join(sorted(properties)) or "none"
        raise LayerError(f"{path.name}: {_label(number)} has no property {name_field!r} "
                         f"(its properties: {has}); choose one with --name-field")
    name = " ".join(str(value).split())[:120]
    if not name:
        raise LayerError(f"{path.name}: {_label(number)} has an empty {name_field!r}")
    return name


# ------------------------------------------------------------------ storing a layer

def _map_scale(session: Session, pieces: list[Piece]) -> float:
    """Pixels per degree of latitude of the city map at zoom 0 (the city limits', else the
    neighbourhoods', else this layer's box), so stored outlines match what the map would draw."""
    box = None
    for kind in ("city", "neighbourhood"):
        row = session.execute(select(func.min(Area.min_lat), func.min(Area.min_lon), func.max(Area.max_lat),
                                     func.max(Area.max_lon)).where(Area.kind == kind)).one()
        if row[0] is not None:
            box = row
            break
    if box is None:
        west, south, east, north = shapely.union_all([p.shape.envelope for p in pieces]).bounds
        box = (south, west, north, east)
    south, west, north, east = box
    span_y = max(north - south, 1e-6)
    span_x = max((east - west) * math.cos(math.radians((south + north) / 2)), 1e-6)
    return (1 - 2 * MAP_MARGIN) * min(MAP_PX / span_x, MAP_PX / span_y)


def drawing_of(shape, scale: float) -> dict:
    """{"zoom": [ring, ...]}: outlines simplified to half a pixel at each zoom, coordinates rounded."""
    drawing = {}
    for zoom in DRAWING_ZOOMS:
        tolerance = 0.5 / (scale * 2 ** (zoom / 2))
        digits = max(4, math.ceil(-math.log10(tolerance)) + 1)
        simple = simplify(shape, tolerance, preserve_topology=True)
        rings = []
        for polygon in shapely.get_parts(simple):
            if polygon.geom_type != "Polygon" or polygon.is_empty:
                continue
            for ring in (polygon.exterior, *polygon.interiors):
                points = [[round(x, digits), round(y, digits)] for x, y in ring.coords]
                if len(points) >= 4:
                    rings.append(points)
        drawing[str(zoom)] = rings
    return drawing


def import_layer(session: Session, path: Path, *, kind: str, layer: str, name_field: str | None = None,
                 fixed_name: str | None = None, replace: bool = False) -> LayerReport:
    """Upsert the file's areas by (kind, layer, slug) and place requests again (not committed)."""
    from portal.areas.assign import ASSIGNED_KINDS, reassign_all
    report = read_layer(path, name_field=name_field, fixed_name=fixed_name)
    if fixed_name is not None and len(report.areas) > 1:
        merged = _polygonal(shapely.union_all([p.shape for p in report.areas]))
        report.areas = [Piece(report.areas[0].number, fixed_name, slugify(fixed_name) or "area", merged)]
    existing = {a.slug: a for a in session.execute(
        select(Area).where(Area.kind == kind, Area.layer == layer)).scalars()}
    scale = _map_scale(session, report.areas)
    for piece in report.areas:
        geometry = shapely.to_geojson(piece.shape)
        old = existing.get(piece.slug)
        if old is not None and old.name == piece.name and old.geometry == geometry:
            report.unchanged += 1
            continue
        if old is None:
            report.created += 1
        else:
            report.changed += 1
        save_area(session, kind=kind, slug=piece.slug, name=piece.name, geometry=geometry, layer=layer,
                  drawing=drawing_of(piece.shape, scale))
    session.flush()
    in_file = {p.slug for p in report.areas}
    stale = [a for slug, a in existing.items() if slug not in in_file] if replace else []
    if kind in ASSIGNED_KINDS and (report.created or report.changed or stale):
        report.placed = reassign_all(session, kinds=[kind], exclude={a.id for a in stale})
    for area in stale:
        used = session.execute(select(func.count()).select_from(ServiceRequest).where(
            ServiceRequest.area_id == area.id)).scalar_one()
        used += session.execute(select(func.count()).select_from(RequestArea).where(
            RequestArea.area_id == area.id)).scalar_one()
        if used:
            report.kept.append(f"{area.name} ({used} request{'s' if used != 1 else ''})")
            continue
        try:
            with session.begin_nested():
                session.execute(delete(Area).where(Area.id == area.id))
        except IntegrityError:
            report.kept.append(f"{area.name} (referred to elsewhere)")
            continue
        report.removed.append(area.name)
    others = session.execute(select(Area.layer, func.count()).where(Area.kind == kind, Area.layer != layer)
                             .group_by(Area.layer).order_by(Area.layer)).all()
    report.others = [f"{n} in layer {other!r}" for other, n in others]
    return report


def _echo_list(title: str, items: list[str], limit: int = 20, total: int | None = None) -> None:
    total = len(items) if total is None else total
    if not total:
        return
    click.echo(f"{title} {total}:")
    for item in items[:limit]:
        click.echo(f"  {item}")
    if total > min(limit, len(items)):
        click.echo(f"  … and {total - min(limit, len(items))} more")


@click.command("import-areas")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", required=True, type=click.Choice(KINDS), help="What the polygons are.")
@click.option("--name-field", help="The feature property that names each area (e.g. listname).")
@click.option("--name", "fixed_name", help="One area from all the file's polygons, with this name "
              "(e.g. --kind city --name \"City limits\").")
@click.option("--layer", help="Layer name (default: the file's name without extension).")
@click.option("--replace", is_flag=True, help="Remove the layer's areas that are not in the file "
              "(those still used by requests are kept, and listed).")
def import_areas(file: Path, kind: str, name_field: str | None, fixed_name: str | None, layer: str | None,
                 replace: bool):
    """Import areas (neighbourhoods, districts, ZIP codes, city limits) from a GeoJSON FILE."""
    if bool(name_field) == bool(fixed_name):
        raise click.UsageError("give either --name-field FIELD (one area per feature) or --name NAME (one area)")
    layer = (layer if layer is not None else file.stem).strip()[:60]
    started = time.perf_counter()
    with db.writing():
        session = db.get_session()
        try:
            report = import_layer(session, file, kind=kind, layer=layer, name_field=name_field,
                                  fixed_name=" ".join(fixed_name.split())[:120] if fixed_name else None,
                                  replace=replace)
        except LayerError as problem:
            session.rollback()
            click.echo(f"error: {problem}", err=True)
            click.echo("nothing was imported", err=True)
            raise SystemExit(2) from None
        except BaseException:
            session.rollback()
            raise
        session.commit()
    click.echo(f"{file.name}: {report.features} feature{'s' if report.features != 1 else ''} → "
               f"{len(report.areas)} {kind} area{'s' if len(report.areas) != 1 else ''} in layer {layer!r}: "
               f"{report.created} new, {report.changed} changed, {report.unchanged} unchanged")
    _echo_list("repaired", report.repaired)
    _echo_list("skipped", report.skipped)
    _echo_list("merged", report.merged)
    if replace:
        click.echo(f"removed {len(report.removed)} area{'s' if len(report.removed) != 1 else ''} not in the file"
                   + (f": {', '.join(report.removed[:20])}" if report.removed else ""))
        if report.kept:
            _echo_list("kept (not in the file, but still used):", report.kept)
    if report.placed:
        click.echo(f"requests placed again: {report.placed['neighbourhood']} changed neighbourhood, "
                   f"{report.placed['linked']} district/ZIP links added, {report.placed['unlinked']} removed")
    if report.others:
        click.echo(f"note: other {kind} layers are loaded too: {'; '.join(report.others)}")
    click.echo(f"done in {time.perf_counter() - started:.1f} s")


@click.command("import-addresses")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "mappings", multiple=True, metavar="FIELD=COLUMN",
              help="Which column holds address, lat or lon, e.g. --map address=FULL_ADDRESS.")
def import_addresses(file: Path, mappings: tuple[str, ...]):
    """Import address points (address text, lat, lon) from a CSV FILE, for suggestions in the report form."""
    from portal.areas.addresses import FIELDS, AddressFileError, import_address_file
    from portal.requests.importing import parse_mappings
    try:
        mapping = parse_mappings(mappings, FIELDS, default="field=column")
    except ValueError as problem:
        raise click.UsageError(str(problem)) from None
    started = time.perf_counter()
    with db.writing():
        session = db.get_session()
        try:
            report = import_address_file(session, file, mapping)
        except AddressFileError as problem:
            session.rollback()
            click.echo(f"error: {problem}", err=True)
            raise SystemExit(2) from None
        except BaseException:
            session.rollback()
            raise
    seconds = time.perf_counter() - started
    click.echo(f"{file.name}: {report.rows:,} rows: {report.added:,} added, {report.existing:,} already there, "
               f"{report.bad:,} bad (skipped) in {seconds:.1f} s")
    _echo_list("bad rows", report.problems, total=report.bad)
