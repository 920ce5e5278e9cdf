"""The community issue's "done" scenario on a 360 px phone, with JavaScript on and off: a resident
opens a thread in their neighbourhood, a neighbour replies and supports it, an official answers with
a badge and pins the answer, the resident gets one notification (inbox and a real SMTP mail), and a
troll flagged by three people disappears until a moderator decides."""
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from portal import db
from portal.accounts.service import create_user
from portal.models import Area, User, utcnow

pytestmark = pytest.mark.browser
PASSWORD = "a sturdy passphrase"
PEOPLE = [("resident", "Rosa Resident", "resident", None), ("neighbour", "Nia Neighbour", "resident", None),
          ("official", "Sam Streets", "staff", "streets"), ("troll", "Tr Oll", "resident", None),
          ("flagger1", "Fay One", "resident", None), ("flagger2", "Fin Two", "resident", None),
          ("moderator", "Mo Moderator", "moderator", None)]


@pytest.fixture
def community_live(live_app, smtp_server):
    from portal.areas.demo_city import demo_areas
    from portal.areas.service import save_area
    from portal.demo import load_departments
    live_app.config["SMTP_URL"] = smtp_server.url
    with live_app.app_context(), db.writing():
        session = db.get_session()
        load_departments(session)
        for area in demo_areas():
            save_area(session, **area)
        session.commit()
        for local, name, role, department in PEOPLE:
            create_user(session, email=f"{local}@example.org", password=PASSWORD, role=role,
                        department_code=department, display_name=name,
                        title="Highway supervisor" if role == "staff" else "")
        session.execute(update(User).values(created_at=utcnow() - timedelta(days=30)))
        session.commit()
        live_app.area = session.exec(select(Area).where(Area.kind == "neighbourhood").order_by(Area.name)).first()
    live_app.smtp = smtp_server
    return live_app


def _signed_in(browser, app, js, who):
    page = browser.new_context(java_script_enabled=js, viewport={"width": 360, "height": 740},
                               base_url=app.base_url).new_page()
    page.goto("/signin")
    page.locator("#f-email").fill(f"{who}@example.org")
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button").click()
    page.locator('form[action="/signout"]').wait_for()
    return page


def _reply(page, text):
    page.locator("#f-body").fill(text)
    page.locator('#reply button[value="post"]').click()
    page.locator("article.post", has_text=text).wait_for()


def test_thread_answer_pin_notification_and_moderation(page, browser, community_live):
    js, app = page.js_enabled, community_live
    area = app.area

    # The resident opens a thread on their neighbourhood's board.
    page.goto("/signin")
    page.locator("#f-email").fill("resident@example.org")
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button").click()
    page.locator('form[action="/signout"]').wait_for()
    page.locator("header nav a", has_text="Boards").click()
    page.wait_for_url("**/boards")
    page.locator(f'main a[href="/boards/{area.slug}"]').click()
    page.locator("main a.button", has_text="Start a thread").click()
    page.locator("#f-title").fill("Streetlight out at the corner")
    page.locator("#f-body").fill("Dark for **two weeks** now.")
    page.locator('button[value="preview"]').click()
    assert page.locator(".preview strong").inner_text() == "two weeks"  # the preview works without JS too
    page.locator('button[value="post"]').click()
    page.wait_for_url("**/threads/*")
    thread_url = page.url
    assert page.locator("h1").inner_text() == "Streetlight out at the corner"

    # A neighbour replies (in place with htmx) and supports it.
    neighbour = _signed_in(browser, app, js, "neighbour")
    neighbour.goto(thread_url)
    _reply(neighbour, "Same on my block, it is scary at night.")
    if js:
        assert neighbour.url == thread_url  # no reload: the reply arrived in place
        assert neighbour.locator("#f-body").input_value() == ""
    neighbour.locator("button", has_text="Me too").click()
    neighbour.locator("text=You support this.").wait_for()

    # An official answers under their badge and pins the answer.
    official = _signed_in(browser, app, js, "official")
    official.goto(thread_url)
    _reply(official, "A crew will replace the lamp on Monday.")
    answer = official.locator("article.post.official", has_text="A crew will replace")
    assert "Sam Streets" in answer.inner_text() and "Highway supervisor" in answer.inner_text()
    official.goto(thread_url)
    official.locator("button", has_text="Pin this answer").click()
    official.locator("section.pinned").wait_for()
    official.context.close()

    # The resident hears once: in the inbox and by mail.
    page.goto(thread_url)
    assert "A crew will replace" in page.locator("section.pinned").inner_text()
    assert page.locator("#unread").inner_text().startswith("1")
    page.locator("header nav a", has_text="Inbox").click()
    page.wait_for_url("**/notifications")
    page.locator("ol.notes").wait_for()
    assert page.locator("ol.notes li").count() == 1
    assert "Official answer" in page.locator("ol.notes").inner_text()
    mails = app.smtp.sent_to("resident@example.org")
    assert len(mails) == 1 and b"A crew will replace" in mails[0].content

    # A troll posts; three neighbours flag it; it disappears until a moderator decides.
    troll = _signed_in(browser, app, js, "troll")
    troll.goto(thread_url)
    _reply(troll, "TROLL: nobody cares about your street")
    troll.context.close()
    for who, flagger in (("neighbour", neighbour), ("flagger1", None), ("flagger2", None)):
        flagger = flagger or _signed_in(browser, app, js, who)
        flagger.goto(thread_url)
        flagger.locator("article.post", has_text="TROLL").locator("a", has_text="Flag").click()
        flagger.locator('input[name="reason"][value="abuse"]').check()
        flagger.locator("main form button").click()
        flagger.locator(".flash.success").wait_for()
        flagger.context.close()
    page.goto(thread_url)
    assert "TROLL" not in page.locator("main").inner_text()
    assert "hidden while a moderator looks at it" in page.locator("main").inner_text()

    moderator = _signed_in(browser, app, js, "moderator")
    moderator.goto("/moderation")
    assert "TROLL" in moderator.locator("main").inner_text()
    moderator.locator("section.mod", has_text="TROLL").locator("button", has_text="Block the author").wait_for()
    moderator.locator("section.mod", has_text="TROLL").locator('input[name="reason"]').fill("Harassment")
    moderator.locator("section.mod", has_text="TROLL").locator("button", has_text="Block the author").click()
    moderator.locator(".flash.success").wait_for()
    moderator.context.close()
    page.goto(thread_url)
    assert "TROLL" not in page.locator("main").inner_text()
    assert page.csp_violations == []
