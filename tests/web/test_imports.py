"""The imports through the `stoop` command line: areas (the real Philadelphia layers), address
points and historic requests (the real Philly 311 graffiti sample), bad input, re-runs."""
import functools
import gzip
import json
import os
from collections import Counter
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point, shape
from sqlalchemy import func
from sqlmodel import select

from portal import db
from portal.models import AddressPoint, Area, RequestArea, RequestUpdate, ServiceRequest, ServiceType
from tests.pages import html

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
PHILLY = DATA / "philly"
SAMPLE = PHILLY / "311_graffiti_sample_phiti.csv"
LAYERS = {  # file, kind, name field, features
    "neighbourhoods": ("neighborhoods_azavea.geojson", "neighbourhood", "listname", 158),
    "council": ("council_districts_2024.geojson", "district", "phl_council_district", 10),
    "police": ("police_districts.geojson", "district", "phl_police_districts", 21),
    "zip": ("zipcodes.geojson", "zip", "CODE", 48),
}
CITY_HALL = (39.9526, -75.1635)
# Known places (lat, lon): City Hall, the Art Museum, Pennypack Park, Franklin Mills, the airport's edge.
PLACES = [CITY_HALL, (39.9656, -75.1810), (40.0570, -75.0440), (40.0885, -74.9610), (39.9750, -75.1350)]

def needs_data(test):
    """Tests of the real Philadelphia files: skipped when the shared data is absent, failed in CI."""
    if PHILLY.exists():
        return test
    if os.environ.get("CI"):
        @functools.wraps(test)
        def missing(*args, **kwargs):
            pytest.fail(f"the shared Philadelphia data is required in CI: {DATA.resolve()} is absent")
        return missing
    return pytest.mark.skip(reason=f"the shared Philadelphia data is not here ({DATA.resolve()})")(test)


def stoop(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def ok(result):
    assert result.exit_code == 0, result.output
    return result.output


def import_layer(app, name, *extra):
    file, kind, field, _count = LAYERS[name]
    return ok(stoop(app, "import-areas", PHILLY / file, "--kind", kind, "--name-field", field, *extra))


def count(app, model, *where):
    with app.app_context():
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return db.get_session().exec(query).one()


def truth(file: str, field: str, lat: float, lon: float) -> set[str]:
    """What the file itself says contains the point (boundaries included), by shapely alone."""
    features = json.loads((PHILLY / file).read_text())["features"]
    return {" ".join(str(f["properties"][field]).split()) for f in features
            if shape(f["geometry"]).buffer(0).intersects(Point(lon, lat))}


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def city_limits(app, tmp_path):
    """A box around Philadelphia as the city limits: coordinates far from it are refused."""
    ring = [[-75.28, 39.867], [-74.956, 39.867], [-74.956, 40.138], [-75.28, 40.138], [-75.28, 39.867]]
    path = write(tmp_path, "city.geojson", json.dumps({"type": "Polygon", "coordinates": [ring]}))
    ok(stoop(app, "import-areas", path, "--kind", "city", "--name", "City limits"))


AROUND = "the city's areas and 0.5° around them"


# ------------------------------------------------------------------ areas

@needs_data
def test_philly_layers_import_with_counts_and_containment(app):
    for name in LAYERS:
        output = import_layer(app, name)
        file, kind, _field, features = LAYERS[name]
        assert f"{features} new" in output, output
        assert count(app, Area, Area.layer == Path(file).stem) == features
    output = ok(stoop(app, "import-areas", PHILLY / "city_limits.geojson", "--kind", "city", "--name", "City limits"))
    assert "1 city area" in output and count(app, Area, Area.kind == "city") == 1

    from portal.areas.assign import AreaIndex
    from portal.areas.service import areas_containing, neighbourhood_at
    with app.app_context():
        session = db.get_session()
        index = AreaIndex(session)
        hoods, pairs = index.place([p[0] for p in PLACES], [p[1] for p in PLACES])
        names = {a.id: a.name for a in session.exec(select(Area))}
        layer_of = {a.id: a.layer for a in session.exec(select(Area))}
        for position, (lat, lon) in enumerate(PLACES):
            expected_hood = truth("neighborhoods_azavea.geojson", "listname", lat, lon)
            assert len(expected_hood) == 1, (lat, lon, expected_hood)
            assert neighbourhood_at(session, lat, lon).name in expected_hood
            assert names[int(hoods[position])] in expected_hood
            for layer in ("council", "police", "zip"):
                file, kind, field, _n = LAYERS[layer]
                expected = truth(file, field, lat, lon)
                found = {a.name for a in areas_containing(session, lat, lon, kind) if a.layer == Path(file).stem}
                assert found == expected, (layer, lat, lon)
                assert {names[a] for p, a in pairs if p == position and layer_of[a] == Path(file).stem} == expected


@needs_data
def test_reimport_is_idempotent_and_drawings_are_simplified(app):
    first = import_layer(app, "neighbourhoods")
    assert "158 new, 0 changed, 0 unchanged" in first
    with app.app_context():
        before = {a.slug: (a.id, a.geometry, a.drawing) for a in db.get_session().exec(select(Area))}
    second = import_layer(app, "neighbourhoods")
    assert "0 new, 0 changed, 158 unchanged" in second and "placed again" not in second
    with app.app_context():
        after = {a.slug: (a.id, a.geometry, a.drawing) for a in db.get_session().exec(select(Area))}
    assert after == before and len(after) == 158
    drawing = after["pennypack-park"][2]
    assert sorted(drawing, key=int) == [str(z) for z in range(7)]
    full = shapely.get_num_coordinates(shapely.from_geojson(after["pennypack-park"][1]))
    sizes = [sum(len(ring) for ring in drawing[str(z)]) for z in range(7)]
    assert sizes == sorted(sizes) and sizes[0] < full / 3 and sizes[-1] <= full
    assert all(len(str(x).split(".")[-1]) <= 6 for ring in drawing["6"] for x, _y in ring)


@needs_data
def test_requests_are_placed_again_after_an_area_import(app):
    ok(stoop(app, "import-requests", SAMPLE))
    assert count(app, ServiceRequest, ServiceRequest.area_id.is_not(None)) == 0
    output = import_layer(app, "neighbourhoods")
    assert "1056 changed neighbourhood" in output, output
    assert count(app, ServiceRequest, ServiceRequest.area_id.is_(None)) == 0
    output = import_layer(app, "council")
    assert "1056 district/ZIP links added" in output
    assert count(app, RequestArea) == 1056


def test_replace_removes_only_unused_areas(app, tmp_path):
    """A neighbourhood chosen by a reporter (no exact point) keeps its area; points are placed again."""
    def square(name, x, y):
        ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
        return {"type": "Feature", "properties": {"n": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}

    three = write(tmp_path, "t.geojson", json.dumps({"type": "FeatureCollection", "features": [
        square("Alpha", 0, 0), square("Beta", 2, 0), square("Gamma", 4, 0)]}))
    ok(stoop(app, "import-areas", three, "--kind", "neighbourhood", "--name-field", "n", "--layer", "test"))
    with app.app_context():
        from datetime import UTC, datetime

        from portal.models import Department, ServiceGroup
        session = db.get_session()
        beta = session.exec(select(Area).where(Area.slug == "beta")).one()
        department, group = Department(code="d", name="D"), ServiceGroup(code="g", name="G")
        session.add_all([department, group])
        session.flush()
        kind = ServiceType(code="t", name="T", group_id=group.id, department_id=department.id)
        session.add(kind)
        session.flush()
        now = datetime.now(UTC)
        chosen = ServiceRequest(number="12345678", service_type_id=kind.id, department_id=department.id, lat=0.5,
                                lon=2.5, area_id=beta.id, location_approximate=True, expected_at=now)
        pointed = ServiceRequest(number="12345679", service_type_id=kind.id, department_id=department.id, lat=0.5,
                                 lon=4.5, area_id=None, expected_at=now)
        session.add_all([chosen, pointed])
        session.commit()
    one = write(tmp_path, "t2.geojson", json.dumps({"type": "FeatureCollection", "features": [
        square("Alpha", 0, 0), square("Delta", 4, 0)]}))
    output = ok(stoop(app, "import-areas", one, "--kind", "neighbourhood", "--name-field", "n", "--layer", "test",
                      "--replace"))
    assert "1 new, 0 changed, 1 unchanged" in output and "1 changed neighbourhood" in output
    assert "removed 1 area not in the file: Gamma" in output and "Beta (1 request)" in output
    with app.app_context():
        session = db.get_session()
        assert {a.slug for a in session.exec(select(Area))} == {"alpha", "beta", "delta"}
        placed = session.exec(select(ServiceRequest).where(ServiceRequest.number == "12345679")).one()
        assert session.get(Area, placed.area_id).slug == "delta"


def test_bad_geojson_is_refused_with_where_and_nothing_imported(app, tmp_path):
    def refused(path, *args, expect):
        result = stoop(app, "import-areas", path, "--kind", "neighbourhood", *(args or ("--name-field", "name")))
        assert result.exit_code == 2, result.output
        assert expect in result.output, result.output
        assert count(app, Area) == 0

    refused(write(tmp_path, "a.geojson", '{"type": "FeatureCollection",\n "features": [\n  {"type": }\n]}'),
            expect="not JSON: line 3")
    refused(write(tmp_path, "b.geojson", '[1, 2, 3]'), expect="not GeoJSON")
    refused(write(tmp_path, "c.geojson", '{"type": "Topology", "objects": {}}'), expect="not GeoJSON")
    points = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "A"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}
    refused(write(tmp_path, "d.geojson", json.dumps(points)), expect="no polygons to import (found: 1 Point)")
    polygon = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    unnamed = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "A"}, "geometry": polygon},
        {"type": "Feature", "properties": {"label": "B"}, "geometry": polygon}]}
    refused(write(tmp_path, "e.geojson", json.dumps(unnamed)), expect="feature 2 has no property 'name'")
    projected = {"type": "Feature", "properties": {"name": "A"}, "geometry": {
        "type": "Polygon", "coordinates": [[[2690000, 230000], [2700000, 230000], [2700000, 240000], [2690000, 230000]]]}}
    refused(write(tmp_path, "f.geojson", json.dumps(projected)), expect="not longitude/latitude")
    refused(write(tmp_path, "g.geojson", json.dumps(unnamed)), "--name-field", "name", "--name", "x",
            expect="either --name-field")
    result = stoop(app, "import-areas", write(tmp_path, "h.geojson", "{}"), "--kind", "planet", "--name-field", "n")
    assert result.exit_code == 2 and "planet" in result.output


def test_invalid_polygons_are_repaired_and_other_features_skipped(app, tmp_path):
    bowtie = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
    square = [[[2, 0], [3, 0], [3, 1], [2, 1], [2, 0]]]
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Bow Tie"}, "geometry": {"type": "Polygon", "coordinates": bowtie}},
        {"type": "Feature", "properties": {"name": "Square"}, "geometry": {"type": "Polygon", "coordinates": square}},
        {"type": "Feature", "properties": {"name": "A line"}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
        {"type": "Feature", "properties": {"name": "Nowhere"}, "geometry": None},
        {"type": "Feature", "properties": {"name": "Square"}, "geometry": {"type": "Polygon", "coordinates": [
            [[3, 0], [4, 0], [4, 1], [3, 1], [3, 0]]]}}]}
    output = ok(stoop(app, "import-areas", write(tmp_path, "x.geojson", json.dumps(data)), "--kind", "zip",
                      "--name-field", "name"))
    assert "repaired 1:\n  feature 1 (Bow Tie): Self-intersection" in output
    assert "feature 3 (A line): a LineString, not a polygon" in output and "feature 4 (Nowhere): no geometry" in output
    assert "feature 5 (Square) joined to feature 2 (Square)" in output
    with app.app_context():
        areas = {a.slug: a for a in db.get_session().exec(select(Area))}
    assert set(areas) == {"bow-tie", "square"}
    assert shapely.from_geojson(areas["bow-tie"].geometry).is_valid
    assert shapely.from_geojson(areas["square"].geometry).area == pytest.approx(2)


# ------------------------------------------------------------------ addresses

ADDRESSES = """ADDR_TEXT,Y,X
1400 North Broad Street,39.9745,-75.1598
1401 N BROAD ST,39.9747,-75.1597
1400 John F Kennedy Blvd,39.9533,-75.1636
"Broad & Market, City Hall",39.9526,-75.1635
no point here,,
,39.95,-75.16
1500 Market St,-75.1650,39.9525
1600 Market St,39.9527,-75.1675
North Broad Street & West Girard Avenue,39.9712,-75.1594
"""


def test_import_addresses_and_suggest_endpoint(app, tmp_path, client):
    city_limits(app, tmp_path)
    path = write(tmp_path, "addresses.csv", ADDRESSES)
    missing = stoop(app, "import-addresses", path)
    assert missing.exit_code == 2 and "no column for address (the header has: ADDR_TEXT, Y, X)" in missing.output
    assert "--map" in missing.output
    output = ok(stoop(app, "import-addresses", path, "--map", "address=ADDR_TEXT", "--map", "lat=Y", "--map", "X=lon"))
    assert "9 rows: 6 added, 0 already there, 3 bad (skipped)" in output
    assert "line 6: lat '' is not a number" in output and "line 7: no address" in output
    assert f"line 8: lat -75.1650 is out of range (39.37 to 40.64, {AROUND}); are lat and lon swapped?" in output
    again = ok(stoop(app, "import-addresses", path, "--map", "address=ADDR_TEXT", "--map", "lat=Y", "--map", "lon=X"))
    assert "0 added, 6 already there" in again and count(app, AddressPoint) == 6

    response = client.get("/addresses/suggest?address=N+Broad+St", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in html(response)
    assert "North Broad Street &amp; West Girard Avenue" in html(response) and "1400 John" not in html(response)
    numbered = html(client.get("/addresses/suggest?address=1400+N+Broad+St", headers={"HX-Request": "true"}))
    assert 'name="pick_address"' in numbered and "1400 North Broad Street" in numbered and "1401" not in numbered
    many = client.get("/addresses/suggest?address=14", headers={"Accept-Encoding": "gzip", "HX-Request": "true"})
    body = gzip.decompress(many.data) if many.headers.get("Content-Encoding") == "gzip" else many.data
    assert len(many.data) <= 2048 and body.count(b"pick_address") == 3
    assert html(client.get("/addresses/suggest?address=zz")).strip() == ""


def test_report_form_offers_suggestions_only_with_address_data(city, client, tmp_path):
    page = html(client.get("/report/pothole"))
    assert "hx-get" not in page.split('id="f-address"')[1].split(">")[0]
    ok(stoop(city, "import-addresses", write(tmp_path, "a.csv", "address,lat,lon\n1400 North Broad Street,39.97,-75.16\n")))
    page = html(client.get("/report/pothole"))
    box = page.split('id="f-address"')[1].split(">")[0]
    assert 'hx-get="/addresses/suggest"' in box and 'hx-target="#address-suggestions"' in box
    assert 'id="address-suggestions"' in page
    # Without JavaScript: the form comes back with matches for an address typed without a point.
    back = client.post("/report/pothole", data={"address": "1400 N Broad", "description": "x", "q_size": "large"})
    assert back.status_code == 422 and 'name="pick_address"' in html(back) and "1400 North Broad Street" in html(back)


# ------------------------------------------------------------------ requests

@needs_data
def test_philly_sample_imports_placed_and_once(app):
    for name in ("neighbourhoods", "council", "zip"):
        import_layer(app, name)
    output = ok(stoop(app, "import-requests", SAMPLE))
    assert "format philly (detected): 1,056 rows: 1,056 imported, 0 already there" in output, output
    assert "1,056 in a neighbourhood" in output and "0 bad" in output
    with app.app_context():
        session = db.get_session()
        rows = session.exec(select(ServiceRequest)).all()
        assert len(rows) == 1056 and all(r.area_id for r in rows)
        assert len({r.area_id for r in rows}) == 108  # as SOURCES.md says
        assert Counter(r.status for r in rows) == {"closed": 969, "open": 87}
        assert all(r.closed_at and r.closure_reason for r in rows if r.status == "closed")
        assert all(len(r.number) == 8 and r.number.isdigit() for r in rows) and len({r.number for r in rows}) == 1056
        first = session.exec(select(ServiceRequest).where(ServiceRequest.external_id == "philly:8955646")).one()
        assert first.created_at.isoformat() == "2014-12-31T13:45:00+00:00"
        assert first.updated_at.isoformat() == "2022-03-12T11:19:00+00:00"  # 3/12/2022 6:19, New York (EST)
        assert first.expected_at.isoformat() == "2015-01-13T00:00:00+00:00"  # 1/12/2015 19:00 EST
        assert first.closed_at.isoformat() == "2015-01-06T12:52:00+00:00"
        assert first.media_url.startswith("https://") and first.address == "1415 E PASSYUNK AVE"
        assert session.get(Area, first.area_id).name == next(iter(truth(
            "neighborhoods_azavea.geojson", "listname", first.lat, first.lon)))
        update = session.exec(select(RequestUpdate).where(RequestUpdate.request_id == first.id)).one()
        assert (update.kind, update.status, update.text, update.public) == ("status", "closed", "Issue Resolved", True)
        not_found = session.exec(select(ServiceRequest).where(ServiceRequest.external_id == "philly:9045405")).one()
        assert not_found.closure_reason == "could_not_locate"
        kinds = Counter(session.get(Area, link.area_id).kind for link in session.exec(select(RequestArea)))
        assert kinds["district"] == 1056 and kinds["zip"] >= 1050
        graffiti = session.exec(select(ServiceType).where(ServiceType.name == "Graffiti Removal")).one()
        assert not graffiti.active and graffiti.code == "imported-graffiti-removal"
    again = ok(stoop(app, "import-requests", SAMPLE))
    assert "0 imported, 1,056 already there" in again
    assert count(app, ServiceRequest) == 1056 and count(app, ServiceType) == 1


@needs_data
def test_known_service_names_use_the_catalogue(city):
    ok(stoop(city, "import-requests", SAMPLE))
    with city.app_context():
        session = db.get_session()
        codes = {session.get(ServiceType, r.service_type_id).code for r in session.exec(select(ServiceRequest))}
    assert codes == {"graffiti"}


HEADER = ("service_request_id,status,service_name,service_code,description,requested_datetime,"
          "updated_datetime,address,lat,long,media_url\n")


def test_bad_rows_are_reported_by_line_and_skipped(app, tmp_path):
    rows = [
        "1,open,Pothole,,Deep,2024-11-21T18:42:03Z,,100 Main St,39.95,-75.16,",          # line 2: good
        "2,open,Pothole,,,yesterday,,,39.95,-75.16,",                                     # 3: bad date
        "3,open,Pothole,,,2024-11-21T18:42:03Z,,,-75.16,39.95,",                           # 4: swapped
        "4,open,Pothole,,,2024-11-21T18:42:03Z,,,39.95,-190,",                             # 5: out of range
        "5,pending,Pothole,,,2024-11-21T18:42:03Z,,,39.95,-75.16,",                        # 6: unknown status
        "6,closed,Pothole,,,3/12/2022 6:29,2024-11-21T18:42:03Z,200 Main St,,,https://x.example/p.jpg",  # 7: no point
        "7,open,Pothole,,,2024-11-21T18:42:03Z,13/45/2024 9:00,,39.95,-75.16,",            # 8: bad updated
        "8,open,Pothole,,,2024-11-21T18:42:03Z,,,39.95,",                                  # 9: too few values
        ",open,Pothole,,,2024-11-21T18:42:03Z,,,39.95,-75.16,",                            # 10: no id
        '9,open,Pothole,,"two\nlines",2024-11-21 13:42,,,39.95,-75.16,',                    # 11-12: good
        "10,open,Pothole,,,2024-11-21T18:42:03Z,,,39.95,,",                                # 13: lat only
    ]
    city_limits(app, tmp_path)
    path = write(tmp_path, "bad.csv", HEADER + "\n".join(rows) + "\n")
    output = ok(stoop(app, "import-requests", path))
    assert "11 rows: 3 imported, 0 already there, 0 repeated in the file, 8 bad (skipped)" in output, output
    for expected in ("line 3: requested_datetime 'yesterday' is not a date",
                     f"line 4: lat -75.16 is out of range (39.37 to 40.64, {AROUND}); are lat and lon swapped?",
                     f"line 5: lon -190 is out of range (-75.78 to -74.46, {AROUND})",
                     "line 6: status 'pending' is not open",
                     "line 8: updated_datetime '13/45/2024 9:00' is not a date",
                     "line 9: 10 values, the header has 11",
                     "line 10: no service_request_id",
                     "line 13: lat and lon must both be given or both be empty"):
        assert expected in output, (expected, output)
    with app.app_context():
        session = db.get_session()
        found = {r.external_id: r for r in session.exec(select(ServiceRequest))}
        assert set(found) == {"open311:1", "open311:6", "open311:9"}
        assert found["open311:6"].lat is None and found["open311:6"].address == "200 Main St"
        assert found["open311:6"].created_at.isoformat() == "2022-03-12T11:29:00+00:00"
        assert found["open311:6"].closed_at.isoformat() == "2024-11-21T18:42:03+00:00"
        assert found["open311:9"].created_at.isoformat() == "2024-11-21T18:42:00+00:00"  # zone-less: New York
        assert found["open311:9"].description == "two\nlines"
        assert session.exec(select(func.count()).select_from(RequestUpdate)).one() == 1


def test_unusable_files_and_arguments_exit_2_with_nothing_imported(app, tmp_path):
    wrong = write(tmp_path, "wrong.csv", "id,type,when\n1,Pothole,2024-01-01\n")
    result = stoop(app, "import-requests", wrong)
    assert result.exit_code == 2 and "line 1: missing columns service_request_id, status, requested_datetime" in result.output
    mapped = stoop(app, "import-requests", wrong, "--map", "id=service_request_id", "--map", "type=service_name",
                   "--map", "when=requested_datetime")
    assert mapped.exit_code == 2 and "missing column status" in mapped.output
    bad_map = stoop(app, "import-requests", wrong, "--map", "id")
    assert bad_map.exit_code == 2 and "COLUMN=FIELD" in bad_map.output
    unknown = stoop(app, "import-requests", wrong, "--map", "id=colour")
    assert unknown.exit_code == 2 and "'colour' is not a field" in unknown.output
    services = write(tmp_path, "services.csv", "source_name,service_code\nPothole,no-such-type\n")
    good = write(tmp_path, "good.csv", HEADER + "1,open,Pothole,,,2024-11-21T18:42:03Z,,,39.95,-75.16,\n")
    result = stoop(app, "import-requests", good, "--service-map", services)
    assert result.exit_code == 2 and "unknown service code no-such-type" in result.output
    assert stoop(app, "import-requests", wrong, "--format", "chicago").exit_code == 2
    assert count(app, ServiceRequest) == 0 and count(app, ServiceType) == 0


def test_other_cities_through_mapping_and_a_service_map(city, tmp_path):
    data = ("Case ID,State,Kind,Opened,Where,Latitude,Longitude\n"
            "A-1,Open,Hole in road,2024-03-10T06:30:00-05:00,100 Main St,39.9526,-75.1635\n"
            "A-2,Closed,Hole in road,03/10/2024 02:30 AM,101 Main St,39.9527,-75.1636\n"
            "A-3,Open,Loud party,2024-03-10T12:00:00Z,,,\n"
            "A-1,Open,Hole in road,2024-03-10T06:30:00-05:00,100 Main St,39.9526,-75.1635\n")
    services = write(tmp_path, "map.csv", "source_name,service_code\nhole in road,pothole\n")
    args = ("import-requests", write(tmp_path, "city.csv", data), "--map", "Case ID=service_request_id",
            "--map", "State=status", "--map", "service_name=Kind", "--map", "Opened=requested_datetime",
            "--map", "Where=address", "--service-map", services)
    output = ok(stoop(city, *args))
    assert "4 rows: 3 imported, 0 already there, 1 repeated in the file, 0 bad" in output, output
    assert "new inactive service types (group \"imported\"): Loud party" in output
    with city.app_context():
        session = db.get_session()
        rows = {r.external_id: r for r in session.exec(select(ServiceRequest))}
        types = {t.id: t for t in session.exec(select(ServiceType))}
        assert types[rows["open311:A-1"].service_type_id].code == "pothole"
        assert rows["open311:A-1"].created_at.isoformat() == "2024-03-10T11:30:00+00:00"
        assert rows["open311:A-2"].created_at.isoformat() == "2024-03-10T07:30:00+00:00"  # 2:30 AM EST
        loud = types[rows["open311:A-3"].service_type_id]
        assert not loud.active and loud.code == "imported-loud-party" and rows["open311:A-3"].lat is None
        assert rows["open311:A-1"].area_id is not None  # the demo city's neighbourhoods
        assert rows["open311:A-1"].expected_at == rows["open311:A-1"].created_at + __import__("datetime").timedelta(
            days=types[rows["open311:A-1"].service_type_id].service_level_days)
    assert "0 imported, 3 already there" in ok(stoop(city, *args))


@needs_data
def test_filing_a_request_links_its_districts_and_zip(app):
    from portal.demo import load_departments
    from portal.requests import catalogue_data
    from portal.requests.catalogue import load_catalogue, type_by_code
    from portal.requests.service import Location, NewRequest, submit_request
    for name in ("neighbourhoods", "council", "police", "zip"):
        import_layer(app, name)
    with app.app_context(), db.writing():
        session = db.get_session()
        load_departments(session)
        load_catalogue(session, catalogue_data, {})
        request = submit_request(session, NewRequest(service_type=type_by_code(session, "pothole"),
                                                     location=Location(*CITY_HALL), description="x",
                                                     answers={"size": "large"}))
        session.commit()
        linked = {(a.layer, a.name) for a in session.exec(select(Area).join(RequestArea).where(
            RequestArea.request_id == request.id))}
        hood = session.get(Area, request.area_id).name
    expected = {(Path(LAYERS[n][0]).stem, name) for n in ("council", "police", "zip")
                for name in truth(LAYERS[n][0], LAYERS[n][2], *CITY_HALL)}
    assert linked == expected and len(linked) >= 3
    assert hood in truth("neighborhoods_azavea.geojson", "listname", *CITY_HALL)


def _indexes(app) -> set[str]:
    with app.app_context():
        session = db.get_session()
        if session.get_bind().dialect.name == "sqlite":
            rows = session.connection().exec_driver_sql(
                "SELECT type || ':' || name FROM sqlite_master WHERE tbl_name = 'service_request'").all()
        else:
            rows = session.connection().exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'service_request' "
                "AND schemaname = current_schema()").all()
            rows += session.connection().exec_driver_sql(  # (bulk mode drops foreign keys too)
                "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid::regclass::text "
                "IN ('service_request', 'request_update', 'request_area')").all()
        return {r[0] for r in rows}


def test_bulk_mode_rebuilds_indexes_and_spatial_index(app, tmp_path):
    import random
    city_limits(app, tmp_path)
    rng = random.Random(7)
    lines = [HEADER.strip()]
    for i in range(1, 1201):
        point = f"{rng.uniform(39.9, 40.1):.6f},{rng.uniform(-75.25, -75.0):.6f}" if i % 10 else ","
        status = "closed" if i % 3 else "open"
        lines.append(f"{i},{status},Pothole,,,2024-0{1 + i % 9}-1{i % 10}T08:00:00Z,,{i} Main St,{point},")
    path = write(tmp_path, "many.csv", "\n".join(lines) + "\n")
    before = _indexes(app)
    output = ok(stoop(app, "import-requests", path, "--bulk"))
    assert "1,200 imported" in output and "(bulk, one transaction)" in output
    assert _indexes(app) == before
    with app.app_context():
        session = db.get_session()
        if session.get_bind().dialect.name == "sqlite":
            in_index = session.connection().exec_driver_sql(
                "SELECT count(*) FROM service_request INDEXED BY ix_request_band WHERE CAST(lat * 1000 AS INTEGER) "
                "BETWEEN -90000 AND 90000 AND lat IS NOT NULL AND lon IS NOT NULL").scalar()
            assert in_index == 1080
    again = ok(stoop(app, "import-requests", path, "--bulk"))
    assert "0 imported, 1,200 already there" in again and _indexes(app) == before
    assert count(app, ServiceRequest) == 1200 and count(app, RequestUpdate) == 800
