"""The map drawing without HTTP: projection, clamping, clustering, paths, sizes."""
import gzip
import math
import random
import re

import pytest

from portal.areas import svgmap
from portal.areas.svgmap import Box, Marker, Outline

CITY = Box(39.875, -75.28, 40.137, -74.958)


def test_pixel_and_degrees_round_trip():
    view = svgmap.make_view(CITY, 39.97, -75.13, 5, 480, 480)
    for lat, lon in [(39.97, -75.13), (39.99, -75.16), (39.951, -75.101)]:
        x, y = view.to_pixel(lat, lon)
        back = view.to_latlon(x, y)
        assert back == pytest.approx((lat, lon), abs=1e-12)
    assert view.to_pixel(39.97, -75.13) == (240, 240)
    x, y = view.to_pixel(40.0, -75.13)
    assert y < 240 and x == pytest.approx(240)  # north is up


def test_projection_keeps_distances_true_at_the_centre():
    view = svgmap.make_view(CITY, 40.0, -75.1, 6, 480, 480)
    # 0.01° of latitude and 0.01°/cos(lat) of longitude are the same distance on the ground.
    north = view.to_pixel(40.01, -75.1)[1] - view.to_pixel(40.0, -75.1)[1]
    east = view.to_pixel(40.0, -75.1 + 0.01 / math.cos(math.radians(40)))[0] - view.to_pixel(40.0, -75.1)[0]
    assert abs(north) == pytest.approx(abs(east))


def test_bounds_are_the_corners():
    view = svgmap.make_view(CITY, 39.97, -75.13, 3, 288, 288)
    box = view.bounds
    assert view.to_pixel(box.north, box.west) == pytest.approx((0, 0), abs=1e-6)
    assert view.to_pixel(box.south, box.east) == pytest.approx((288, 288), abs=1e-6)


def test_zoom_zero_fits_the_city_and_each_level_is_root_two():
    view = svgmap.make_view(CITY, None, None, 0, 480, 480)
    for lat, lon in [(CITY.south, CITY.west), (CITY.north, CITY.east)]:
        x, y = view.to_pixel(lat, lon)
        assert 0 <= x <= 480 and 0 <= y <= 480
    closer = svgmap.make_view(CITY, None, None, 2, 480, 480)
    assert closer.scale == pytest.approx(2 * view.scale)


@pytest.mark.parametrize("lat, lon, zoom, expected_zoom", [
    (0.0, 0.0, 99, svgmap.MAX_ZOOM), (90.0, 180.0, -5, 0), (float("nan"), float("inf"), None, 0),
    (None, None, 3, 3),
])
def test_views_are_clamped(lat, lon, zoom, expected_zoom):
    view = svgmap.make_view(CITY, lat, lon, zoom, 480, 480)
    assert view.zoom == expected_zoom
    assert CITY.contains(view.lat, view.lon)


def test_zoom_to_fit_an_area():
    small = Box(39.96, -75.14, 39.98, -75.12)
    zoom = svgmap.zoom_to_fit(CITY, small, 480, 480)
    view = svgmap.make_view(CITY, 39.97, -75.13, zoom, 480, 480)
    assert view.bounds.south <= small.south and view.bounds.north >= small.north
    tighter = svgmap.make_view(CITY, 39.97, -75.13, zoom + 1, 480, 480)
    assert tighter.bounds.north - tighter.bounds.south < small.north - small.south or \
        tighter.bounds.east - tighter.bounds.west < small.east - small.west
    assert svgmap.zoom_to_fit(CITY, CITY, 480, 480) == 0


def test_dense_markers_become_counted_clusters_sparse_ones_stay():
    view = svgmap.make_view(CITY, 39.97, -75.13, 4, 480, 480)
    dense = [Marker(39.97 + i * 1e-5, -75.13, "open") for i in range(7)]
    lone = [Marker(39.98, -75.145, "closed")]
    far_away = [Marker(41.5, -75.13, "open")]
    singles, clusters = svgmap.cluster_markers(view, dense + lone + far_away)
    assert [c.count for c in clusters] == [7]
    assert [m for _x, _y, m in singles] == lone
    assert clusters[0].lat == pytest.approx(39.97003, abs=1e-4)
    # At the closest zoom nothing is clustered: there is no closer view to open.
    closest = svgmap.make_view(CITY, 39.97, -75.13, svgmap.MAX_ZOOM, 480, 480)
    singles, clusters = svgmap.cluster_markers(closest, dense)
    assert not clusters and len(singles) == 7


def test_path_data_is_integer_relative_and_clipped():
    view = svgmap.make_view(CITY, 39.97, -75.13, 2, 200, 200)
    square = [(-75.14, 39.96), (-75.12, 39.96), (-75.12, 39.98), (-75.14, 39.98), (-75.14, 39.96)]
    d = svgmap.path_data(view, [square])
    assert re.fullmatch(r"M\d+ \d+l(-?\d+[ -]?)+z", d.replace(" -", "-")), d
    assert "." not in d
    # Far outside the picture: nothing; much larger than it: cut to it.
    assert svgmap.path_data(view, [[(x + 2, y) for x, y in square]]) == ""
    huge = [(-76, 39), (-74, 39), (-74, 41), (-76, 41), (-76, 39)]
    numbers = [int(n) for n in re.findall(r"-?\d+", svgmap.path_data(view, [huge]))]
    assert max(abs(n) for n in numbers) <= 200 + 20


def test_svg_is_accessible_and_escapes_text():
    view = svgmap.make_view(CITY, 39.97, -75.13, 6, 480, 480)
    outline = Outline("Fish <town>", [[(-75.14, 39.96), (-75.12, 39.96), (-75.12, 39.98), (-75.14, 39.98)]],
                      href="/areas/fishtown", label_at=(39.97, -75.13))
    svg = svgmap.render_svg(view, title='Map "here"', outlines=[outline],
                            markers=[Marker(39.97, -75.131, "open", "Pothole <b>", "/requests/1")],
                            pin=(39.971, -75.13), pin_label="Chosen")
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-label="Map &quot;here&quot;"' in svg
    assert "<title>Map &quot;here&quot;</title>" in svg
    assert "Fish &lt;town&gt;" in svg and "Pothole &lt;b&gt;" in svg and "<b>" not in svg
    assert '<a href="/requests/1"' in svg and '<a href="/areas/fishtown"' in svg and 'class="pin"' in svg
    assert "style=" not in svg and "<style" not in svg  # the page's CSP allows neither
    image = svgmap.render_svg(view, title="Map", outlines=[outline], markers=[Marker(39.97, -75.131, "open", "x", "/r")],
                              standalone=True)
    assert "<style>" in image and "<a " not in image and "prefers-color-scheme:dark" in image


def _city_markers(view, n, seed=1):
    rng = random.Random(seed)
    box = view.bounds
    statuses = ["open", "acknowledged", "in_progress", "closed"]
    return [Marker(rng.uniform(box.south, box.north), rng.uniform(box.west, box.east), rng.choice(statuses),
                   "Pothole or Street Defect · Open", f"/requests/{rng.randrange(10**7, 10**8)}") for _ in range(n)]


def _neighbourhood(view):
    box = view.bounds
    rng = random.Random(2)
    ring = [(box.west + (box.east - box.west) * (0.5 + 0.45 * math.cos(a)) + rng.uniform(-1e-4, 1e-4),
             box.south + (box.north - box.south) * (0.5 + 0.45 * math.sin(a))) for a in
            (i * 2 * math.pi / 120 for i in range(120))]
    return Outline("Fishtown", [ring], "/areas/fishtown", ((box.south + box.north) / 2, (box.west + box.east) / 2), True)


@pytest.mark.parametrize("zoom", [7, svgmap.MAX_ZOOM])
def test_neighbourhood_with_200_markers_fits_5kb_gzip(zoom):
    view = svgmap.make_view(CITY, 39.97, -75.13, zoom, 480, 480)
    svg = svgmap.render_svg(view, title="Map of Fishtown", outlines=[_neighbourhood(view)],
                            markers=_city_markers(view, 200), cluster_href=lambda c: "/map?lat=39.97&lon=-75.13&z=9",
                            cluster_label=lambda c: f"{c.count} requests: show them closer")
    size = len(gzip.compress(svg.encode(), 6))
    assert size <= 5 * 1024, size
    if zoom == svgmap.MAX_ZOOM:
        assert svg.count("<circle") == 200  # unclustered: every marker drawn, still small


def test_city_with_thousands_of_requests_stays_bounded_by_clustering():
    view = svgmap.make_view(CITY, None, None, 0, 480, 480)
    svg = svgmap.render_svg(view, title="Map", markers=_city_markers(view, 5000),
                            cluster_href=lambda c: "/map", cluster_label=lambda c: "n")
    assert svg.count("<circle") < (480 // svgmap.CELL + 1) ** 2 * svgmap.MIN_CLUSTER
    assert len(gzip.compress(svg.encode(), 6)) <= 8 * 1024
