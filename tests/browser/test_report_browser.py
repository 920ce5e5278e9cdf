"""The issue's "done" scenario on a 360 px phone, with JavaScript on and off, in English and
Spanish: report a pothole with a photo, get a number, find it again, a neighbour joins, and
the street department closes it as fixed with a note."""
import re
import time

import pytest

from portal.accounts.service import create_user
from tests.conftest import jpeg_bytes, load_city

pytestmark = pytest.mark.browser


@pytest.fixture
def city_live(live_app):
    load_city(live_app, lambda session: create_user(
        session, email="crew@example.org", password="a sturdy passphrase", role="staff",
        department_code="streets", display_name="Crew Chief"))
    return live_app


@pytest.mark.parametrize("lang", ["en", "es"])
def test_report_a_pothole_end_to_end(page, browser, city_live, tmp_path, lang):
    js = page.js_enabled
    photo = tmp_path / "pothole.jpg"
    photo.write_bytes(jpeg_bytes((1600, 1200)))
    page.context.add_cookies([{"name": "lang", "value": lang, "url": city_live.base_url}])
    started = time.monotonic()

    page.goto("/")
    page.locator("main a.button").first.click()  # Report a problem
    page.locator("#q").press_sequentially("bache" if lang == "es" else "pothole", delay=60)
    if js:
        page.locator('#type-results a[href="/report/pothole"]').wait_for()  # htmx search as you type
    else:
        page.locator('form[role="search"] button').click()
    page.locator('#type-results a[href="/report/pothole"]').click()
    page.locator("#f-address").fill("1200 Frankford Ave")
    if js:
        page.locator("#locate").click()  # the browser's location (granted in the context)
        page.wait_for_function("document.getElementById('f-lat').value !== ''")
    else:
        page.locator("#coords summary").click()
        page.locator("#f-lat").fill("39.9714")
        page.locator("#f-lon").fill("-75.1300")
    page.locator("#f-description").fill("Deep hole in the bike lane")
    page.locator('input[name="q_size"][value="large"]').check()
    page.locator("#f-photos").set_input_files(str(photo))
    page.locator("#f-email").fill("walker@example.org")
    page.locator("main form button:not(.secondary)").last.click()
    page.locator('form[action^="/report/review/"] button').last.click()
    number_text = page.locator("section.confirm h2").inner_text()
    number = re.search(r"(\d{4})-(\d{4})", number_text).group(0)
    assert time.monotonic() - started < 60
    assert page.locator(".summary img, main img").count() >= 1

    # Find it again by its number, from the home page.
    page.goto("/")
    page.locator("#number").fill(number)
    page.locator("form.lookup button").click()
    page.wait_for_url(re.compile(r"/requests/\d{8}$"))
    request_url = page.url

    # A neighbour, in another browser, says "I have this too".
    neighbour = browser.new_context(java_script_enabled=js, viewport={"width": 360, "height": 740},
                                    base_url=city_live.base_url).new_page()
    neighbour.goto(request_url)
    neighbour.locator("details.act summary").first.click()
    neighbour.locator('form[action$="/coreport"] textarea').fill("Same here, nearly lost a wheel")
    neighbour.locator('form[action$="/coreport"] button').click()
    neighbour.locator(".flash.success").wait_for()
    neighbour.context.close()
    page.reload()
    assert "1" in page.locator(".summary").inner_text()

    # The streets crew closes it as fixed with a note.
    crew = browser.new_context(java_script_enabled=js, base_url=city_live.base_url).new_page()
    crew.goto("/signin")
    crew.locator("#f-email").fill("crew@example.org")
    crew.locator("#f-password").fill("a sturdy passphrase")
    crew.locator("main form button").click()
    crew.locator('form[action="/signout"]').wait_for()  # signed in before going on
    crew.goto(request_url.replace("/requests/", "/staff/requests/"))
    crew.locator("#close-reason").select_option("fixed")
    crew.locator("#close-note").fill("Patched by the night crew.")
    crew.locator("#close button").click()
    crew.locator(".flash.success").wait_for()
    crew.context.close()

    page.reload()
    text = page.locator("main").inner_text()
    assert "Patched by the night crew." in text
    assert ("Fixed" in text) if lang == "en" else ("Arreglado" in text or "Reparado" in text or "Resuelto" in text)
    assert page.csp_violations == []
