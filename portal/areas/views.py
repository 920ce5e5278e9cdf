"""Places: the city map, neighbourhood pages, GeoJSON."""
from __future__ import annotations

import json

from flask import Blueprint, abort, request, url_for
from flask_babel import _, get_locale, ngettext
from markupsafe import Markup
from sqlmodel import select

from portal.areas import maps
from portal.areas.service import area_by_slug, neighbourhood_at
from portal.content import localise, tr
from portal.db import get_session
from portal.models import ServiceType
from portal.requests import browse, catalogue
from portal.requests.labels import STATUS_LABELS
from portal.requests.views import list_context
from portal.web import render_page

bp = Blueprint("areas", __name__)


def _types(session, type_ids) -> dict[int, ServiceType]:
    types = {t.id: t for t in session.exec(select(ServiceType).where(ServiceType.id.in_(set(type_ids))))} \
        if type_ids else {}
    localise(session, "service_type", types.values(), str(get_locale()))
    return types


def _svg(session, view, requests, *, filters=None, highlight=None, title="", areas=None):
    """The inline map: markers link to requests, names to areas, clusters to a closer view."""
    types = _types(session, {r.service_type_id for r in requests})
    keep = filters.query_args(page="") if filters else {}
    return Markup(maps.draw(
        session, view, title=title, requests=requests, highlight=highlight, areas=areas,
        marker_label=lambda r: f"{tr(types[r.service_type_id], 'name')} · {STATUS_LABELS[r.status]}",
        request_href=lambda r: url_for("requests.show", number=r.number),
        area_href=lambda a: url_for("areas.show", slug=a.slug),
        cluster_href=lambda c: url_for("areas.map_page", **{**keep, **maps.view_args(
            view, lat=maps.coord(c.lat), lon=maps.coord(c.lon), z=view.zoom + 2)}),
        cluster_label=lambda c: ngettext("%(num)s request: show them closer", "%(num)s requests: show them closer",
                                         c.count)))


@bp.get("/map")
def map_page():
    """The city map with the list's filters; zoom and pan are links; all it shows is also listed."""
    session = get_session()
    filters = browse.parse_filters(request.args, session)
    box, view = maps.city_box(session), maps.map_view(session, request.args, filters.area_id)
    found, in_view = maps.requests_in_box(session, view.bounds, filters), maps.areas_in_view(session, view)
    listed, pages = maps.page_of(found.items, filters.page, {**filters.query_args(page=""), **maps.view_args(view)})
    title = ngettext("Map of requests: %(num)s in this view", "Map of requests: %(num)s in this view",
                     len(found.items))
    return render_page("areas/map.html", view=view, nav=maps.nav_links(box, view, filters.query_args(page="")),
                       filters=filters, found=found, listed=listed, pages=pages,
                       svg=_svg(session, view, found.items, filters=filters, title=title, areas=in_view),
                       in_view=in_view,
                       groups=catalogue.groups_with_types(session, str(get_locale())), **list_context(listed))


@bp.get("/map.svg")
def map_svg():
    """The drawing as an image (the report form's picker, a request's spot), revalidated by ETag."""
    session = get_session()
    size = request.args.get("size") if request.args.get("size") in maps.SIZES else "map"
    view = maps.view_from_args(session, request.args, size)
    pin = maps.parse_pin(request.args.get("pin", ""))
    requests = []
    if size == "map":
        requests = maps.requests_in_box(session, view.bounds, browse.parse_filters(request.args, session)).items
    area = neighbourhood_at(session, *pin) if pin else None
    title = _("Map of %(place)s", place=area.name) if area else _("Map")
    svg = maps.draw(session, view, title=title, requests=requests, pin=pin, standalone=True)
    headers = {"Content-Type": "image/svg+xml; charset=utf-8", "Cache-Control": "private, max-age=300",
               "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    return svg, 200, headers


@bp.get("/areas/<slug>")
def show(slug: str):
    """A neighbourhood: its map, open and recent requests, numbers, and (later) its board."""
    session = get_session()
    area = area_by_slug(session, slug)
    if area is None:
        abort(404)
    view = maps.area_view(session, area)
    found = maps.requests_in_box(session, view.bounds, browse.Filters(area=area.slug, area_id=area.id))
    summary = maps.area_summary(session, area)
    title = _("Map of %(place)s", place=area.name)
    listed = summary.open + summary.recent
    return render_page("areas/show.html", area=area, view=view, summary=summary,
                       svg=_svg(session, view, found.items, highlight=area.id, title=title),
                       count_types=_types(session, [t for t, _o, _n in summary.counts]),
                       events=_events(session, area), **list_context(listed))


def _events(session, area) -> list:
    from portal.community.organisations import upcoming_events  # the community feature owns events
    return upcoming_events(session, area_id=area.id, limit=5)


def _geojson(data: dict, status: int = 200):
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return body, status, {"Content-Type": "application/geo+json" if status == 200 else "application/json",
                          "Access-Control-Allow-Origin": "*"}


@bp.get("/requests.geojson")
def requests_geojson():
    """Requests as RFC 7946 GeoJSON (public fields only), with the list's filters and `bbox=w,s,e,n`."""
    session = get_session()
    filters = browse.parse_filters(request.args, session)
    box = None
    if "bbox" in request.args:
        try:
            box = maps.parse_bbox(request.args["bbox"], maps.city_box(session))
        except maps.BadBox as problem:
            return _geojson({"error": str(problem)}, 400)
    return _geojson(maps.requests_geojson(
        session, filters, box, url=lambda r: url_for("requests.show", number=r.number, _external=True)))


@bp.get("/areas.geojson")
def areas_geojson():
    """Neighbourhood outlines as RFC 7946 GeoJSON, simplified to about 10 m."""
    return _geojson(maps.areas_geojson(get_session(), url=lambda a: url_for("areas.show", slug=a.slug, _external=True)))
