"""Organisations, verification, badges, events on neighbourhood pages, iCalendar and Atom feeds,
officials turning threads into requests, the department page, and page weight."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sqlmodel import select

from portal import db
from portal.models import Area, AuditEntry, Event, Organisation, ServiceRequest, ThreadRequestLink
from tests.pages import FIRST_VIEW_BUDGET, first_view_bytes, html
from tests.web.community_helpers import assert_inert, count, last_post, person, reply, rows, start_thread


def _area(app) -> Area:
    with app.app_context():
        return db.get_session().exec(select(Area).where(Area.kind == "neighbourhood").order_by(Area.name)).first()


def _register(client, area, **extra):
    data = {"name": "Elm Street Civic Association", "kind": "civic", "area": area.slug,
            "description": "Neighbours of Elm Street.", "contact": "elm@example.org", **extra}
    return client.post("/organisations/new", data=data)


def test_an_organisation_is_verified_then_posts_with_its_badge_and_lists_events(app, city, make_user, signin):
    area = _area(app)
    founder, founder_user = person(app, make_user, signin)
    member, member_user = person(app, make_user, signin)
    registered = _register(founder, area)
    assert registered.status_code == 303
    org_id = int(registered.headers["Location"].rsplit("/", 1)[1])
    assert app.test_client().get(f"/organisations/{org_id}").status_code == 404  # not public until verified
    early = founder.post(f"/organisations/{org_id}/events", data={"title": "Cleanup", "starts_at": "2030-05-01T10:00"})
    assert early.status_code == 409 and "Cleanup" in html(early)
    moderator, _ = person(app, make_user, signin, role="moderator")
    assert "Elm Street Civic Association" in html(moderator.get("/moderation"))
    assert moderator.post(f"/moderation/organisations/{org_id}/verify").status_code == 303
    assert [e.action for e in rows(app, AuditEntry)] == ["organisation.verify"]
    assert "Elm Street Civic Association" in html(app.test_client().get("/organisations"))
    assert founder.post(f"/organisations/{org_id}/members", data={"email": member_user.email}).status_code == 303
    assert member.post(f"/organisations/{org_id}/members", data={"email": "x@example.org"}).status_code == 403
    unknown = founder.post(f"/organisations/{org_id}/members", data={"email": "nobody@example.org"})
    assert unknown.status_code == 422
    # A member posts with the organisation's badge.
    thread_id = start_thread(member, board=area.slug, title="Spring cleanup", as_organisation=str(org_id))
    page = html(member.get(f"/threads/{thread_id}"))
    assert 'class="badge org"' in page and "Elm Street Civic Association" in page
    stranger, _ = person(app, make_user, signin)
    refused = stranger.post(f"/boards/{area.slug}/new", data={"title": "Fake", "body": "b", "tag": "general",
                                                             "as_organisation": str(org_id)})
    assert refused.status_code == 422
    # Events: on the board, the area page, the organisation page and the calendar feed.
    bad_time = founder.post(f"/organisations/{org_id}/events", data={"title": "Cleanup", "starts_at": "tomorrow"})
    assert bad_time.status_code == 422 and "Cleanup" in html(bad_time)
    backwards = founder.post(f"/organisations/{org_id}/events", data={
        "title": "Cleanup", "starts_at": "2030-05-01T10:00", "ends_at": "2030-05-01T09:00"})
    assert backwards.status_code == 422
    data = {"title": "Spring cleanup, Elm; bring gloves", "starts_at": "2030-05-01T10:00",
            "ends_at": "2030-05-01T12:00", "place": "Elm & 5th", "description": "Bags provided.\nCoffee after.",
            "idempotency_key": "e" * 20}
    assert founder.post(f"/organisations/{org_id}/events", data=data).status_code == 303
    assert founder.post(f"/organisations/{org_id}/events", data=data).status_code == 303  # retried: one event
    assert count(app, Event) == 1
    for path in (f"/boards/{area.slug}", f"/areas/{area.slug}", f"/organisations/{org_id}"):
        assert "Spring cleanup, Elm; bring gloves" in html(app.test_client().get(path)), path
    ics = app.test_client().get(f"/boards/{area.slug}/events.ics")
    assert ics.headers["Content-Type"].startswith("text/calendar")
    text = ics.get_data(as_text=True)
    assert "BEGIN:VEVENT" in text and "SUMMARY:Spring cleanup\\, Elm\\; bring gloves" in text
    assert "DTSTART:2030-05-01T" not in text and re.search(r"DTSTART:20300501T\d{6}Z", text)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_organisation_fields_and_xss_render_inert(app, city, make_user, signin):
    area = _area(app)
    founder, _ = person(app, make_user, signin)
    registered = _register(founder, area, name="<script>alert(1)</script>\u202eevil",
                           description='<img src=x onerror=alert(1)> [x](javascript:alert(1))',
                           contact='"><svg onload=alert(1)>')
    org_id = int(registered.headers["Location"].rsplit("/", 1)[1])
    moderator, _ = person(app, make_user, signin, role="moderator")
    moderator.post(f"/moderation/organisations/{org_id}/verify")
    for path in (f"/organisations/{org_id}", "/organisations", "/moderation"):
        page = html(moderator.get(path))
        assert_inert(page)
    assert "&lt;script&gt;" in html(moderator.get(f"/organisations/{org_id}"))
    empty = founder.post("/organisations/new", data={"name": "", "kind": "zzz", "area": "nowhere", "contact": ""})
    assert empty.status_code == 422 and count(app, Organisation) == 1


def test_the_board_feed_is_atom(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    start_thread(alice, title="Feed <title> & more", body="**bold** text")
    feed = app.test_client().get("/boards/city/feed.atom")
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = root.find("a:entry", ns)
    assert entry.find("a:title", ns).text == "Feed <title> & more"
    assert "<strong>bold</strong>" in entry.find("a:content", ns).text
    assert entry.find("a:link", ns).get("href").startswith("http://localhost/threads/")


def test_staff_turn_a_thread_into_a_request_in_one_step_or_link_one(app, city, make_user, signin):
    from tests.web.community_requests import file_request
    area = _area(app)
    resident, resident_user = person(app, make_user, signin)
    staff, _ = person(app, make_user, signin, role="staff")
    thread_id = start_thread(resident, board=area.slug, title="Huge pothole on Main", body="Cars swerve into the bike lane.")
    page = html(staff.get(f"/threads/{thread_id}"))
    assert "Turn into a request" in page and 'value="pothole"' in page
    assert "Turn into a request" not in html(resident.get(f"/threads/{thread_id}"))
    filed = staff.post(f"/threads/{thread_id}/request", data={"type": "pothole"})
    assert filed.status_code == 303 and "/requests/" in filed.headers["Location"]
    with app.app_context():
        found = db.get_session().exec(select(ServiceRequest)).one()
    assert found.reporter_user_id == resident_user.id and "Huge pothole on Main" in found.description
    assert found.area_id == area.id and found.location_approximate
    assert f"/requests/{found.number}" in html(resident.get(f"/threads/{thread_id}"))
    other = file_request(app)
    linked = staff.post(f"/threads/{thread_id}/request", data={"number": other})
    assert linked.status_code == 303 and count(app, ThreadRequestLink) == 2
    bad = staff.post(f"/threads/{thread_id}/request", data={"number": "0000-0000"})
    assert bad.status_code == 422
    assert [e.action for e in rows(app, AuditEntry)] == ["thread.to_request", "thread.link_request"]


def test_pin_only_official_answers_and_department_medians(app, city, make_user, signin):
    resident, _ = person(app, make_user, signin)
    staff, _ = person(app, make_user, signin, role="staff")
    thread_id = start_thread(resident)
    neighbour_post = last_post(app, thread_id)
    assert staff.post(f"/threads/{thread_id}/pin", data={"post_id": str(neighbour_post.id)}).status_code == 409
    reply(staff, thread_id, body="We are on it.")
    page = html(app.test_client().get("/departments/streets"))
    assert "over 1 thread" in page and "We are on it" not in page and "Streets Department" in page
    assert app.test_client().get("/departments/nope").status_code == 404


def test_a_thread_page_with_20_posts_fits_14kb(app, city, make_user, signin):
    writers = [person(app, make_user, signin)[0] for _ in range(3)]
    thread_id = start_thread(writers[0], title="A long conversation about the corner store's trash")
    text = ("The bins on the corner overflow every weekend and the wind spreads it down the block. "
            "Could the city add a pickup on Sunday, or a bigger bin?")
    for n in range(19):
        reply(writers[n % 3], thread_id, body=f"{text} ({n})")
    reader, _ = person(app, make_user, signin)
    size = first_view_bytes(reader, f"/threads/{thread_id}")
    assert size <= FIRST_VIEW_BUDGET, size
    anonymous = first_view_bytes(app.test_client(), f"/threads/{thread_id}")
    assert anonymous <= FIRST_VIEW_BUDGET, anonymous
    print(f"thread page, 20 posts, first view gzip: signed in {size} B, anonymous {anonymous} B")
    for path in ("/boards", "/boards/city", "/organisations"):
        assert first_view_bytes(app.test_client(), path) <= FIRST_VIEW_BUDGET, path
