"""The server-drawn map through HTTP: /map, /map.svg, neighbourhood pages, GeoJSON, the report
form's location picker (no JS), clamping of bad views, and the page-weight budgets."""
import gzip
import re
from datetime import timedelta
from html import unescape

import geojson
import pytest
from shapely.geometry import shape
from sqlmodel import func, select

from portal import db
from portal.models import ReportDraft, ServiceRequest, Status
from tests.pages import FIRST_VIEW_BUDGET, first_view_bytes, html
from tests.web.test_report import FISHTOWN, report

CANARY = {"name": "Canary Reporter", "email": "canary-7731@example.org", "phone": "215-555-7731"}
PLACES = {"Fishtown": (39.9714, -75.1300), "Center City": (39.9526, -75.1652), "Somerton": (40.1200, -75.0150)}


def add_request(app, place="Fishtown", code="pothole", status=None, reporter=None, age_days=0, closed_after=None):
    """File a request through the service (as the report flow does); returns its number."""
    from portal.requests.catalogue import type_by_code
    from portal.requests.service import Location, NewRequest, Reporter, change_status, submit_request
    lat, lon = PLACES[place]
    with app.app_context(), db.writing():
        session = db.get_session()
        filed = submit_request(session, NewRequest(
            service_type=type_by_code(session, code), location=Location(lat=lat, lon=lon), description="Seen today",
            reporter=Reporter(**(reporter or {}))))
        filed.created_at = filed.created_at - timedelta(days=age_days)
        session.flush()
        if status:
            change_status(session, filed, status=status, author_id=None,
                          reason="fixed" if status == Status.closed else None)
            if closed_after is not None:
                filed.closed_at = filed.created_at + timedelta(days=closed_after)
        session.commit()
        return filed.number


def add_demo_requests(app, count=200):
    from portal.requests.demo_requests import load_demo_requests
    with app.app_context(), db.writing():
        load_demo_requests(db.get_session(), count=count)


def svg_of(page: str) -> str:
    return re.search(r"<svg.*?</svg>", page, re.S).group(0)


def links(page: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


# ------------------------------------------------------------------ /map

def test_map_draws_and_lists_requests_and_neighbourhoods(city, client, app):
    numbers = [add_request(app), add_request(app, "Center City", status=Status.closed),
               add_request(app, "Somerton", code="graffiti")]
    response = client.get("/map")
    page = html(response)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    svg = svg_of(page)
    assert 'role="img"' in svg and 'aria-label="Map of requests: 3 in this view"' in svg and "<title>" in svg
    for number in numbers:  # on the map, and in the list under it
        assert svg.count(f'href="/requests/{number}"') == 1
        assert page.count(f'href="/requests/{number}"') == 2
    assert 'class="c"' in svg and 'class="o"' in svg  # colours by status, from the stylesheet
    assert 'href="/areas/fishtown"' in page and "Neighbourhoods in this view" in page
    assert "style=" not in page and "<style" not in page and "<script>" not in page  # the CSP allows none
    assert "Zoom in" in page and not re.search(r'<a [^>]*>Zoom out', page)  # already the whole city


def test_map_filters_are_the_lists(city, client, app):
    pothole, closed, graffiti = (add_request(app), add_request(app, "Center City", status=Status.closed),
                                 add_request(app, "Somerton", code="graffiti"))
    only_closed = html(client.get("/map?status=closed"))
    assert closed in only_closed and pothole not in only_closed and graffiti not in only_closed
    only_graffiti = html(client.get("/map?type=graffiti"))
    assert graffiti in only_graffiti and pothole not in only_graffiti
    # Zoom and pan links keep the filters.
    zoom_in = next(h for h in links(only_graffiti) if h.startswith("/map?") and "z=1" in h)
    assert "type=graffiti" in zoom_in
    assert graffiti in html(client.get("/map?area=somerton")) and pothole not in html(client.get("/map?area=somerton"))


def test_zoom_and_pan_are_links_that_move_the_view(city, client, app):
    number = add_request(app)
    page = html(client.get("/map"))
    zoomed = next(h for h in links(page) if h.startswith("/map?") and "z=1" in h)
    closer = html(client.get(zoomed))
    assert '<input type="hidden" name="z" value="1">' in closer
    north = re.search(r'<a href="([^"]+)">North</a>', closer)
    assert north and "z=1" in north.group(1)
    lat = float(re.search(r'name="lat" value="([^"]+)"', closer).group(1))
    moved = html(client.get(unescape(north.group(1))))
    assert float(re.search(r'name="lat" value="([^"]+)"', moved).group(1)) > lat
    fishtown = f"/map?lat={FISHTOWN['lat']}&lon={FISHTOWN['lon']}&z=10"
    assert number in html(client.get(fishtown))
    far = html(client.get("/map?lat=40.11&lon=-75.01&z=10"))
    assert number not in far and "No requests in this view" in far


@pytest.mark.parametrize("query", [
    "z=999", "z=-4", "z=abc", "z=1e400", "lat=nan&lon=inf", "lat=1e400&lon=-1e400", "lat=89&lon=179&z=5",
    "lat=-90&lon=-180&z=12", "lat=39.97&lon=x", "page=99999", "bbox=1,2", "lat=" + "9" * 5000,
])
def test_bad_views_are_clamped_never_an_error(city, client, query):
    for path in ("/map", "/map.svg", "/map.svg?size=pick", "/map.svg?size=s&pin=91,500"):
        response = client.get(f"{path}{'&' if '?' in path else '?'}{query}")
        assert response.status_code == 200, (path, query)
    page = html(client.get(f"/map?{query}"))
    zoom = int(re.search(r'name="z" value="(-?\d+)"', page).group(1))
    lat = float(re.search(r'name="lat" value="([^"]+)"', page).group(1))
    lon = float(re.search(r'name="lon" value="([^"]+)"', page).group(1))
    assert 0 <= zoom <= 12 and 39.8 < lat < 40.2 and -75.3 < lon < -74.9


def test_map_without_any_areas_still_draws(client):
    response = client.get("/map?z=3")
    assert response.status_code == 200 and "<svg" in html(response)
    assert client.get("/map.svg?size=pick").status_code == 200


def test_htmx_gets_the_page_and_caches_know_it(city, client):
    plain, htmx = client.get("/map"), client.get("/map", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in html(plain) and "<html" in html(htmx)  # boosted navigation swaps the whole body
    assert "HX-Request" in plain.headers["Vary"] and "HX-Request" in htmx.headers["Vary"]


def test_neighbourhood_filter_shows_that_neighbourhood(city, client, app):
    number = add_request(app, "Somerton")
    page = html(client.get("/map?area=somerton"))
    assert number in page and int(re.search(r'name="z" value="(\d+)"', page).group(1)) > 2
    assert '<input type="hidden" name="area" value="somerton">' in page


def test_map_pages_through_the_requests_in_view(city, client, app):
    add_demo_requests(app, 45)
    first = html(client.get("/map"))
    assert first.count('<li><a href="/requests/') == 20
    following = next(h for h in links(first) if "page=2" in h)
    second = html(client.get(following))
    assert 'start="21"' in second and second.count('<li><a href="/requests/') == 20


# ------------------------------------------------------------------ /map.svg and the request page

def test_map_svg_is_a_cacheable_image(city, client, app):
    add_request(app)
    response = client.get("/map.svg?lat=39.9714&lon=-75.13&z=8&pin=39.9714,-75.13")
    svg = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert svg.startswith("<svg") and "<style>" in svg and 'class="pin"' in svg and "Map of Fishtown" in svg
    assert "<a " not in svg  # an image: links would not work in it
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    etag = response.headers["ETag"]
    again = client.get("/map.svg?lat=39.9714&lon=-75.13&z=8&pin=39.9714,-75.13", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_request_page_shows_its_spot_on_a_small_map(city, client, app):
    number = add_request(app)
    page = html(client.get(f"/requests/{number}"))
    src = unescape(re.search(r'<img class="spot" src="([^"]+)"', page).group(1))
    assert "size=s" in src and "pin=39.971400,-75.130000" in src
    image = client.get(src, headers={"Accept-Encoding": "gzip"})
    assert image.status_code == 200 and len(image.data) <= 2 * 1024, len(image.data)
    assert 'class="pin"' in gzip.decompress(image.data).decode()


# ------------------------------------------------------------------ area pages

def test_area_page_map_requests_counts_and_median(city, client, app):
    open_number = add_request(app)
    add_request(app, code="graffiti")
    for days in (2, 4, 9):
        add_request(app, status=Status.closed, age_days=20, closed_after=days)
    elsewhere = add_request(app, "Center City")
    response = client.get("/areas/fishtown")
    page = html(response)
    assert response.status_code == 200 and "<h1>Fishtown</h1>" in page
    svg = svg_of(page)
    assert 'class="h"' in svg and '<text class="t"' in svg and ">5</text>" in svg  # one spot: one cluster of 5
    assert f'href="/requests/{open_number}"' in page.split("</svg>")[1]
    assert elsewhere not in page
    assert re.search(r"Pothole or Street Defect</a></th><td>1</td><td>4</td>", page)
    assert "within 4.0 days" in page and "median of 3 closed requests" in page
    assert "board" in page
    assert client.get("/areas/atlantis").status_code == 404


def test_area_page_of_a_quiet_neighbourhood(city, client):
    page = html(client.get("/areas/somerton"))
    assert "No open requests here." in page and "No request here was closed in the last year." in page


# ------------------------------------------------------------------ GeoJSON

def test_requests_geojson_has_public_fields_only(city, client, app):
    number = add_request(app, reporter=CANARY)
    closed = add_request(app, "Center City", status=Status.closed)
    with app.app_context():
        row = db.get_session().exec(select(ServiceRequest).where(ServiceRequest.number == number)).one()
        assert row.reporter_email == CANARY["email"]  # the canary really is in the database
    response = client.get("/requests.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    text = response.get_data(as_text=True)
    for value in CANARY.values():
        assert value not in text
    assert "reporter" not in text and "token" not in text and "email" not in text
    data = geojson.loads(text)
    assert data.is_valid and data["type"] == "FeatureCollection" and "crs" not in data
    by_number = {f["properties"]["number"]: f for f in data["features"]}
    feature = by_number[number]
    assert feature["geometry"]["coordinates"] == [-75.13, 39.9714]  # [lon, lat]
    assert set(feature["properties"]) == {"number", "type_code", "type_name", "status", "closure_reason",
                                          "created_at", "updated_at", "neighbourhood", "approximate", "url"}
    assert feature["properties"]["neighbourhood"] == "Fishtown" and feature["properties"]["type_code"] == "pothole"
    assert by_number[closed]["properties"]["closure_reason"] == "fixed"
    only_closed = client.get("/requests.geojson?status=closed").get_json()
    assert [f["id"] for f in only_closed["features"]] == [closed]
    boxed = client.get("/requests.geojson?bbox=-75.14,39.96,-75.12,39.98").get_json()
    assert [f["id"] for f in boxed["features"]] == [number]


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "-75.1,39.9,-75.2,40.0", "-75,39,-76,40", "nan,1,2,3",
                                  "-80,35,-70,45", "-75.3,39.8,-74.9,41.0"])
def test_requests_geojson_refuses_bad_or_huge_boxes(city, client, bbox):
    response = client.get(f"/requests.geojson?bbox={bbox}")
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert "bbox" in response.get_json()["error"]


def test_requests_geojson_is_capped(city, client, app, monkeypatch):
    from portal.areas import maps
    monkeypatch.setattr(maps, "GEOJSON_LIMIT", 5)
    for _ in range(7):
        add_request(app)
    assert len(client.get("/requests.geojson").get_json()["features"]) == 5
    assert len(client.get("/requests.geojson?bbox=-75.2,39.9,-75.1,40.0").get_json()["features"]) == 5


def test_areas_geojson_outlines(city, client):
    response = client.get("/areas.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    data = geojson.loads(response.get_data(as_text=True))
    assert data.is_valid and len(data["features"]) == 26
    fishtown = next(f for f in data["features"] if f["properties"]["slug"] == "fishtown")
    outline = shape(fishtown["geometry"])
    assert outline.is_valid and outline.contains(shape({"type": "Point", "coordinates": [-75.13, 39.9714]}))
    polygons = getattr(outline, "geoms", [outline])
    assert all(p.exterior.is_ccw for p in polygons)  # RFC 7946: exterior rings anticlockwise


# ------------------------------------------------------------------ the report form's picker (no JS)

def picker_fields(page: str) -> dict:
    fields = {name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
              for name in ("view_lat", "view_lon", "view_z")}
    south, west, north, east = map(float, re.search(r'data-bounds="([^"]+)"', page).group(1).split())
    fields["bounds"] = (south, west, north, east)
    return fields


def tap_at(fields, lat, lon, size=288):
    south, west, north, east = fields["bounds"]
    return {"map.x": str(round((lon - west) / (east - west) * size)),
            "map.y": str(round((north - lat) / (north - south) * size))}


def tap(client, page, lat, lon, **typed):
    fields = picker_fields(page)
    data = {"description": "Deep hole", "address": "", "lat": "", "lon": "", "q_size": "large",
            **{k: fields[k] for k in ("view_lat", "view_lon", "view_z")}, **tap_at(fields, lat, lon), **typed}
    return client.post("/report/pothole", data=data, content_type="multipart/form-data")


def count_drafts(app):
    with app.app_context():
        return db.get_session().exec(select(func.count()).select_from(ReportDraft)).one()


def test_report_form_has_the_picker_and_enter_still_continues(city, client):
    page = html(client.get("/report/pothole"))
    form = page[page.index('action="/report/pothole"'):]
    image = re.search(r'<input type="image" name="map"[^>]*>', form).group(0)
    assert 'src="/map.svg?' in image and 'width="288"' in image and 'alt="' in image
    first_submit = re.search(r"<button(?![^>]*type=\"button\")[^>]*>|<input type=\"image\"", form).group(0)
    assert first_submit.startswith("<button") and "name=" not in first_submit  # Enter continues
    src = unescape(re.search(r'src="(/map.svg[^"]+)"', image).group(1))
    assert client.get(src).status_code == 200


def test_tap_inside_the_city_sets_the_point_and_neighbourhood(city, client, app):
    page = html(client.get("/report/pothole"))
    response = tap(client, page, 39.9714, -75.1300, description="Hole by the <school>", email="me@example.org")
    answer = html(response)
    assert response.status_code == 200 and 'id="error-summary"' not in answer
    assert "Point chosen in Fishtown" in answer
    assert "Hole by the &lt;school&gt;" in answer and 'value="me@example.org"' in answer  # nothing typed is lost
    lat = float(re.search(r'id="f-lat" name="lat" type="text" value="([^"]+)"', answer).group(1))
    lon = float(re.search(r'id="f-lon" name="lon" type="text" value="([^"]+)"', answer).group(1))
    assert abs(lat - 39.9714) < 0.002 and abs(lon + 75.13) < 0.002  # within a pixel at the city's zoom
    assert '<option value="fishtown" selected>' in answer
    assert re.search(r'src="/map.svg\?[^"]*pin=', answer)
    assert int(picker_fields(answer)["view_z"]) == 2  # a tap also brings the map closer
    # A second tap, closer in, refines the point; then Continue files it there.
    again = html(tap(client, answer, 39.97150, -75.12990))
    lat = float(re.search(r'id="f-lat" name="lat" type="text" value="([^"]+)"', again).group(1))
    assert abs(lat - 39.9715) < 0.0005 and int(picker_fields(again)["view_z"]) == 4
    assert count_drafts(app) == 0
    done = report(client, lat=str(lat), lon="-75.1299", address="")
    assert done.status_code == 303 and count_drafts(app) == 1


def test_tap_outside_the_city_says_so(city, client, app):
    page = html(client.get("/report/pothole"))
    fields = picker_fields(page)
    south, west, north, east = fields["bounds"]
    response = tap(client, page, north - 0.001, west + 0.001, description="Still here")  # the corner: no city
    answer = html(response)
    assert response.status_code == 200 and "outside the city" in answer and "Still here" in answer
    assert 'id="f-lat" name="lat" type="text" value=""' in answer and count_drafts(app) == 0
    keyboard = client.post("/report/pothole", data={"map.x": "0", "map.y": "0", "view_z": "0", "description": "x"},
                           content_type="multipart/form-data")
    assert keyboard.status_code == 200 and "No point was chosen" in html(keyboard)
    for junk in ({"map.x": "abc", "map.y": "1"}, {"map.x": "99999", "map.y": "5"}, {"map.x": "-5", "map.y": "nan"}):
        response = client.post("/report/pothole", data={**junk, "view_z": "3", "view_lat": "x"},
                               content_type="multipart/form-data")
        assert response.status_code == 200 and "outside the city" in html(response)


def test_zoom_and_pan_buttons_keep_what_was_typed(city, client, app):
    typed = {"description": "Words I typed", "address": "1200 Frankford Ave", "name": "Pat", "q_size": "large",
             "view_lat": "39.971400", "view_lon": "-75.130000", "view_z": "3"}
    zoomed = client.post("/report/pothole", data={**typed, "zoom": "in"}, content_type="multipart/form-data")
    page = html(zoomed)
    assert zoomed.status_code == 200 and "Words I typed" in page and 'value="1200 Frankford Ave"' in page
    assert 'value="Pat"' in page and 'value="large" checked' in page
    assert picker_fields(page)["view_z"] == "4"
    out = html(client.post("/report/pothole", data={**typed, "view_z": "0", "zoom": "out"},
                           content_type="multipart/form-data"))
    assert picker_fields(out)["view_z"] == "0"  # clamped, no error
    north = picker_fields(html(client.post("/report/pothole", data={**typed, "pan": "n"},
                                           content_type="multipart/form-data")))
    assert float(north["view_lat"]) > 39.9714
    beyond = html(client.post("/report/pothole", data={**typed, "view_z": "40", "zoom": "in"},
                              content_type="multipart/form-data"))
    assert picker_fields(beyond)["view_z"] == "12" and "disabled" in beyond
    assert count_drafts(app) == 0


def test_zooming_keeps_the_chosen_point_in_view(city, client):
    response = client.post("/report/pothole", data={"lat": "39.9714", "lon": "-75.13", "view_z": "0", "zoom": "in",
                                                    "view_lat": "40.0", "view_lon": "-75.1"},
                           content_type="multipart/form-data")
    fields = picker_fields(html(response))
    assert fields["view_lat"] == "39.971400" and fields["view_z"] == "1"


def test_editing_a_draft_centres_the_picker_on_its_point(city, client):
    details = report(client)
    review = html(client.get(details.headers["Location"]))
    edit = unescape(re.search(r'href="(/report/pothole\?draft=[^"]+)"', review).group(1))
    page = html(client.get(edit))
    assert picker_fields(page)["view_lat"] == "39.971400" and "pin=39.971400,-75.130000" in unescape(page)


# ------------------------------------------------------------------ budgets

def test_map_first_view_fits_14kb_with_200_requests(city, client, app):
    add_demo_requests(app, 200)
    for path in ("/map", "/map?z=4&lat=39.97&lon=-75.15", "/areas/kensington"):
        size = first_view_bytes(client, path)
        assert size <= FIRST_VIEW_BUDGET, (path, size)
    report_page = first_view_bytes(client, "/report/pothole")
    assert report_page <= FIRST_VIEW_BUDGET, report_page


def test_neighbourhood_svg_with_200_markers_fits_5kb(city, client, app):
    from portal.areas import maps
    from portal.areas.service import area_by_slug
    from portal.areas.svgmap import Marker, render_svg
    with app.app_context():
        session = db.get_session()
        area = area_by_slug(session, "fishtown")
        view = maps.area_view(session, area)
        box = view.bounds
        markers = [Marker(box.south + (i % 20 + 0.5) / 20 * (box.north - box.south),
                          box.west + (i // 20 + 0.5) / 10 * (box.east - box.west), "open",
                          "Pothole or Street Defect · Open", f"/requests/{10_000_000 + i * 7919}") for i in range(200)]
        outlines = maps.outlines_in_view(session, view, href=lambda a: f"/areas/{a.slug}", highlight=area.id)
        svg = render_svg(view, title="Map of Fishtown", outlines=outlines, markers=markers,
                         cluster_href=lambda c: "/map?lat=39.971400&lon=-75.130000&z=9",
                         cluster_label=lambda c: f"{c.count} requests: show them closer")
    assert svg.count("<circle") >= 100
    assert len(gzip.compress(svg.encode(), 6)) <= 5 * 1024


def test_map_svg_with_many_requests_stays_small(city, client, app):
    add_demo_requests(app, 300)
    image = client.get("/map.svg", headers={"Accept-Encoding": "gzip"})
    assert image.status_code == 200 and len(image.data) <= 5 * 1024, len(image.data)
