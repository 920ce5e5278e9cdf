"""Issue 5's "done" scenario: import Philadelphia's neighbourhoods and the Philly sample requests
with two commands, open the map, see the requests in their neighbourhoods, tap a location with
JavaScript off and file a request there."""
import os
from pathlib import Path

import pytest

from portal import db

pytestmark = pytest.mark.browser
DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "philly"


@pytest.fixture
def philly_live(live_app):
    if not DATA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{DATA} is missing in CI")
        pytest.skip(f"the real Philadelphia data is not beside the checkout ({DATA})")
    from portal.demo import load_departments
    from portal.requests import catalogue_data, catalogue_es
    from portal.requests.catalogue import load_catalogue
    with live_app.app_context(), db.writing():
        load_departments(db.get_session())
        load_catalogue(db.get_session(), catalogue_data, {"es": catalogue_es})
    runner = live_app.test_cli_runner()
    areas = runner.invoke(args=["import-areas", str(DATA / "neighborhoods_azavea.geojson"),
                                "--kind", "neighbourhood", "--name-field", "listname"])
    assert areas.exit_code == 0, areas.output
    requests = runner.invoke(args=["import-requests", str(DATA / "311_graffiti_sample_phiti.csv"), "--format", "philly"])
    assert requests.exit_code == 0, requests.output
    return live_app


def test_map_shows_imported_requests_and_a_no_js_tap_files_a_request(browser, philly_live):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740},
                                  base_url=philly_live.base_url)
    page = context.new_page()
    page.goto("/map")
    assert page.locator("main svg").count() >= 1
    listed = page.locator("main a[href^='/requests/']")
    assert listed.count() > 0
    # An imported request's page names its neighbourhood.
    listed.first.click()
    assert page.locator("main a[href^='/requests?area=']").count() == 1

    page.goto("/report/pothole")
    page.locator("#map").click(position={"x": 144, "y": 144})  # the centre of the city view
    page.locator("#picked").wait_for()
    for _ in range(2):  # each tap brings the map closer
        page.locator("#map").click(position={"x": 144, "y": 144})
    chosen = page.locator("#picked").inner_text()
    assert "Point chosen in" in chosen, chosen
    assert page.locator("#f-lat").input_value() != ""
    page.locator('input[name="q_size"][value="small"]').check()
    page.locator("#f-description").fill("Tapped on the map without JavaScript")
    page.locator("main form button:not(.secondary):not(.vh)").last.click()
    page.locator('form[action^="/report/review/"] button').last.click()
    page.locator("section.confirm").wait_for()
    assert "Tapped on the map without JavaScript" in page.locator("main").inner_text()
    context.close()
