"""A day at the city, in real browsers with JavaScript on and off: an agent takes a phone call and
files a request; the wrong department transfers it with a note; the right department acknowledges
it, merges a duplicate into it and closes it as fixed with a Spanish template note; the resident
and the co-reporter each get one notification; the audit trail shows every step; the public page
tells the honest history without the internal note."""
import re

import pytest
from sqlmodel import select

from portal import db
from portal.accounts.service import create_user
from portal.models import OutboxMail
from tests.conftest import load_city
from tests.web.test_report import file_report

pytestmark = pytest.mark.browser
PASSWORD = "a sturdy passphrase"


@pytest.fixture
def city_day(live_app):
    from portal.staff.demo_templates import load_demo_templates

    def people(session):
        for email, role, department in [("agent@example.org", "agent", None), ("streets@example.org", "staff", "streets"),
                                        ("water@example.org", "staff", "water"), ("admin@example.org", "admin", None)]:
            create_user(session, email=email, password=PASSWORD, role=role, department_code=department,
                        display_name=email.split("@")[0].title())
    load_city(live_app, load_demo_templates, people)
    # Earlier that morning a neighbour reported a loose manhole cover at the same corner, on the web.
    _, url = file_report(live_app.test_client(), code="manhole-cover", email="co@example.org",
                         description="Manhole cover rattling, water coming up")
    live_app.duplicate_number = url.rsplit("/", 1)[1]
    return live_app


def signed_in_page(browser, app, js, email):
    page = browser.new_context(java_script_enabled=js, base_url=app.base_url,
                               viewport={"width": 1024, "height": 900}).new_page()
    page.goto("/signin")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button").click()
    page.locator('form[action="/signout"]').wait_for()
    return page


def mails_to(app, address):
    with app.app_context():
        return db.get_session().exec(select(OutboxMail).where(OutboxMail.to_addr == address)).all()


def test_a_day_at_the_city(page, browser, city_day):
    app, js = city_day, page.js_enabled
    duplicate = app.duplicate_number

    # 1. The call centre: Rosa phones about the road sinking at her corner.
    agent = signed_in_page(browser, app, js, "agent@example.org")
    agent.locator('header a[href="/agent"]').click()
    agent.wait_for_url(re.compile(r"/agent$"))
    agent.locator("#caller").fill("215-555-0142")
    agent.locator('form[role="search"] button').click()
    agent.locator("#history-h").wait_for()
    assert "No earlier requests" in agent.locator("main").inner_text()
    assert agent.locator("#f-phone").input_value() == "215-555-0142"
    agent.locator("#f-name").fill("Rosa Resident")
    agent.locator("#f-email").fill("rosa@example.org")
    agent.locator("#f-type").select_option("pothole")
    if js:  # htmx brings the type's questions as soon as the type is chosen
        agent.locator('input[name="q_size"]').first.wait_for()
    else:
        agent.locator('button[value="questions"]').click()
        agent.wait_for_url(re.compile(r"/agent/intake$"))
    agent.locator('input[name="q_size"][value="large"]').check()
    agent.locator("#f-address").fill("1200 Frankford Ave")
    agent.locator("#f-area").select_option("fishtown")
    agent.locator("#f-description").fill("The road is sinking and water bubbles up")
    agent.locator('#intake p button[value="check"]').click()
    agent.locator("#file").wait_for()
    assert "Expected by" in agent.locator("section.confirm").inner_text()
    agent.locator("#file").click()
    agent.wait_for_url(re.compile(r"/agent/intakes/\d{8}$"))
    heading = agent.locator("h1").inner_text()
    number = "".join(re.search(r"(\d{4})-(\d{4})", heading).groups())
    assert agent.locator("p.readback").is_visible()
    agent.locator('a[href="/agent"]', has_text="Next caller").click()
    agent.wait_for_url(re.compile(r"/agent$"))
    assert f"/agent/intakes/{number}" in agent.content()  # listed for correction
    agent.context.close()

    # 2. The streets department sees it is a water main, not a pothole: transfer with a note.
    streets = signed_in_page(browser, app, js, "streets@example.org")
    streets.locator('header a[href="/staff"]').click()
    streets.wait_for_url(re.compile(r"/staff$"))
    streets.locator(f'a[href="/staff/requests/{number}"]').click()
    streets.wait_for_url(re.compile(rf"/staff/requests/{number}$"))
    assert "rosa@example.org" in streets.locator(".summary").inner_text()
    streets.locator("#transfer-department").select_option(label="Water Department")
    streets.locator("#transfer-reason").fill("Water coming up through the asphalt: a broken main, not a pothole")
    streets.locator('form[action$="/transfer"] button').click()
    streets.locator(".flash.success").wait_for()
    streets.wait_for_url(re.compile(r"/staff$"))
    streets.context.close()

    # 3. The water department acknowledges, merges the neighbour's report, closes with a Spanish note.
    water = signed_in_page(browser, app, js, "water@example.org")
    water.goto("/staff")
    water.locator(f'a[href="/staff/requests/{number}"]').click()
    water.wait_for_url(re.compile(rf"/staff/requests/{number}$"))
    assert "broken main" in water.locator("ol.timeline").inner_text()  # the history came along
    water.locator('input[name="status"][value="acknowledged"]').check()
    water.locator('form[action$="/status"] button', has_text="Save status").click()
    water.locator(".flash.success", has_text="Acknowledged").wait_for()
    water.locator("#merge-duplicate").fill(duplicate)
    water.locator('form[action$="/merge"] button').click()
    water.locator(".flash.success", has_text="merged").wait_for()
    assert "co@example.org" in water.locator(".summary").inner_text()  # the neighbour is a co-reporter now
    template = water.locator("#template option", has_text="Arreglado").get_attribute("value")
    water.locator("#template").select_option(template)
    water.locator("#template ~ button, form[method=get] button", has_text="Use this template").first.click()
    water.wait_for_url(re.compile(r"template="))
    assert "resuelto" in water.locator("#close-note").input_value()
    water.locator("#close-reason").select_option("fixed")
    water.locator("#close button").click()
    water.locator(".flash.success", has_text="Closed").wait_for()
    water.context.close()

    # 4. One notification each, in the language of the note.
    for person in ("rosa@example.org", "co@example.org"):
        updates = [m for m in mails_to(app, person) if m.subject.startswith("Update on request")]
        assert len(updates) == 1, (person, [m.subject for m in mails_to(app, person)])
        assert "El problema ha sido resuelto" in updates[0].body_text and "broken main" not in updates[0].body_text

    # 5. The audit trail shows every step, with who and from where.
    admin = signed_in_page(browser, app, js, "admin@example.org")
    admin.goto(f"/admin/audit?target_id={number}")
    trail = admin.locator("table.audit tbody").inner_text()
    for step in ("agent.intake", "request.transfer", "request.status", "request.merge"):
        assert step in trail, step
    assert trail.count("request.status") == 2 and "agent@example.org" in trail and "water@example.org" in trail
    assert "127.0.0.1" in trail
    admin.context.close()

    # 6. The public page tells the honest history, without the internal note.
    page.goto(f"/requests/{number}")
    text = page.locator("main").inner_text()
    for fact in ("Passed to Water Department", "Acknowledged", "was merged into this one", "Closed", "Fixed",
                 "El problema ha sido resuelto"):
        assert fact in text, fact
    assert "broken main" not in text and "Rosa" not in text and "rosa@example.org" not in text
    page.goto(f"/requests/{duplicate}")
    assert "Merged into request" in page.locator("main").inner_text()
    assert page.csp_violations == []
