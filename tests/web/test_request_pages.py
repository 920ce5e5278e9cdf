"""Tracking and honest status: request pages, staff status changes, "still there", browsing."""
import gzip
import re
from datetime import timedelta

from sqlmodel import func, select

from portal import db
from portal.models import OutboxMail, RequestUpdate, ServiceRequest, Status, utcnow
from tests.pages import FIRST_VIEW_BUDGET, first_view_bytes, html
from tests.web.test_report import file_report


def get_request(app, number):
    with app.app_context():
        return db.get_session().exec(select(ServiceRequest).where(ServiceRequest.number == number)).one()


def set_fields(app, number, **values):
    with app.app_context(), db.writing():
        session = db.get_session()
        found = session.exec(select(ServiceRequest).where(ServiceRequest.number == number)).one()
        for key, value in values.items():
            setattr(found, key, value)
        session.add(found)
        session.commit()


def staff_client(app, make_user, signin, department="streets"):
    user, password = make_user(role="staff", department=department)
    client = app.test_client()
    signin(client, user.email, password)
    return client


def test_staff_close_as_fixed_notifies_reporter_and_page_is_honest(city, app, make_user, signin):
    resident = app.test_client()
    _, page_url = file_report(resident, email="res@example.org")
    number = page_url.rsplit("/", 1)[1]
    staff = staff_client(app, make_user, signin)
    work = html(staff.get(f"/staff/requests/{number}"))
    version = re.search(r'name="version" value="([^"]+)"', work).group(1)
    no_reason = staff.post(f"/staff/requests/{number}/status", data={"status": "closed", "note": "Done", "version": version})
    assert no_reason.status_code == 422 and "Say why" in html(no_reason) and "Done" in html(no_reason)
    closed = staff.post(f"/staff/requests/{number}/status",
                        data={"status": "closed", "reason": "fixed", "note": "Crew patched it today.", "version": version})
    assert closed.status_code == 303
    page = html(resident.get(page_url))
    assert "Closed" in page and "Fixed" in page and "Crew patched it today." in page
    with app.app_context():
        mails = db.get_session().exec(select(OutboxMail).where(OutboxMail.to_addr == "res@example.org")).all()
    assert len(mails) == 2 and "Crew patched it today." in mails[-1].body_text  # confirmation + status


def test_second_writer_is_told_and_nothing_overwritten(city, app, make_user, signin):
    _, page_url = file_report(app.test_client())
    number = page_url.rsplit("/", 1)[1]
    staff = staff_client(app, make_user, signin)
    version = re.search(r'name="version" value="([^"]+)"', html(staff.get(f"/staff/requests/{number}"))).group(1)
    assert staff.post(f"/staff/requests/{number}/status", data={"status": "acknowledged", "version": version}).status_code == 303
    stale = staff.post(f"/staff/requests/{number}/status", data={"status": "in_progress", "note": "my note", "version": version})
    assert stale.status_code == 409 and "Someone else changed" in html(stale) and "my note" in html(stale)
    assert get_request(app, number).status == "acknowledged"


def test_other_department_and_residents_cannot_change_status(city, app, make_user, signin):
    _, page_url = file_report(app.test_client())
    number = page_url.rsplit("/", 1)[1]
    other = staff_client(app, make_user, signin, department="sanitation")
    assert other.get(f"/staff/requests/{number}").status_code == 403
    assert other.post(f"/staff/requests/{number}/status", data={"status": "closed", "reason": "fixed"}).status_code == 403
    user, password = make_user()
    resident = app.test_client()
    signin(resident, user.email, password)
    assert resident.post(f"/staff/requests/{number}/status", data={"status": "closed", "reason": "fixed"}).status_code == 403
    assert "Work on this request" not in html(resident.get(page_url))
    assert get_request(app, number).status == "open"


def test_still_there_reopens_within_30_days_else_files_linked(city, app):
    client = app.test_client()
    _, page_url = file_report(client)
    number = page_url.rsplit("/", 1)[1]
    set_fields(app, number, status=Status.closed, closure_reason="fixed", closed_at=utcnow() - timedelta(days=3))
    reopened = client.post(f"{page_url}/still-there", data={"note": "Hole is back", "idempotency_key": "k1"})
    assert reopened.status_code == 303 and reopened.headers["Location"] == page_url
    assert get_request(app, number).status == "open"
    with app.app_context():
        mail = db.get_session().exec(select(OutboxMail).where(OutboxMail.to_addr.like("streets@%"))).one()
    assert "Reopened" in mail.subject and f"/staff/requests/{number}" in mail.body_text
    assert client.post(f"{page_url}/still-there", data={"note": "again", "idempotency_key": "k1"}).status_code in (303, 422)
    set_fields(app, number, status=Status.closed, closure_reason="fixed", closed_at=utcnow() - timedelta(days=45))
    linked = client.post(f"{page_url}/still-there", data={"note": "Back again", "idempotency_key": "k2"})
    new_number = linked.headers["Location"].rsplit("/", 1)[1]
    assert new_number != number and get_request(app, new_number).related_to_id == get_request(app, number).id
    assert get_request(app, number).status == "closed"


def test_coreport_from_request_page_once_per_key(city, app):
    _, page_url = file_report(app.test_client())
    neighbour = app.test_client()
    first = neighbour.post(f"{page_url}/coreport", data={"note": "Me too", "email": "n@example.org", "idempotency_key": "abc123"})
    again = neighbour.post(f"{page_url}/coreport", data={"note": "Me too", "email": "n@example.org", "idempotency_key": "abc123"})
    assert first.status_code == again.status_code == 303
    assert get_request(app, page_url.rsplit("/", 1)[1]).coreporter_count == 1
    bad = neighbour.post(f"{page_url}/coreport", data={"note": "x" * 5000, "email": "nope"})
    assert bad.status_code == 422 and 'value="nope"' in html(bad)


def test_overdue_is_shown_publicly(city, app):
    client = app.test_client()
    _, page_url = file_report(client)
    number = page_url.rsplit("/", 1)[1]
    set_fields(app, number, expected_at=utcnow() - timedelta(days=1))
    assert "Overdue" in html(client.get(page_url))
    assert "overdue" in html(client.get("/requests?overdue=1"))


def test_browse_filters_sort_and_htmx_fragment_budget(city, app):
    client = app.test_client()
    for _ in range(22):
        file_report(client, lat="39.9526", lon="-75.1652", description="Hole " * 5)
    _, graffiti = file_report(client, code="graffiti", q_size="", q_surface="painted_wall", q_offensive="no")
    listing = html(client.get("/requests"))
    assert listing.count('<li><a href="/requests/') == 20 and 'rel="next"' in listing
    only = html(client.get("/requests?type=graffiti"))
    assert graffiti in only and only.count('<li><a href="/requests/') == 1
    assert html(client.get("/requests?status=closed")).count('<li><a href="/requests/') == 0
    assert html(client.get("/requests?area=center-city")).count('<li><a href="/requests/') == 20
    fragment = client.get("/requests?page=1", headers={"HX-Request": "true", "Accept-Encoding": "gzip"})
    body = gzip.decompress(fragment.data).decode()
    assert "<html" not in body and body.count('<li><a href="/requests/') == 20
    assert len(fragment.data) <= 2048, len(fragment.data)
    assert "HX-Request" in fragment.headers["Vary"]
    assert client.get("/requests?since=junk&page=-3&sort=evil").status_code == 200


def test_pages_fit_the_14kb_first_view(city, app, make_user, signin):
    client = app.test_client()
    review, page_url = file_report(client)
    for _ in range(20):
        file_report(client, description="Another one " * 10)
    for path in ["/", "/report", "/report?q=trash", "/report/pothole", "/report/no-heat", "/requests",
                 page_url, "/requests?status=open"]:
        assert first_view_bytes(client, path) <= FIRST_VIEW_BUDGET, path
    details = client.post("/report/pothole", data={"lat": "39.97", "lon": "-75.13", "q_size": "small"},
                          content_type="multipart/form-data")
    assert first_view_bytes(client, details.headers["Location"]) <= FIRST_VIEW_BUDGET
    user, password = make_user()
    signin(client, user.email, password)
    assert first_view_bytes(client, "/me/requests") <= FIRST_VIEW_BUDGET


def test_timeline_shows_only_public_updates(city, app):
    client = app.test_client()
    _, page_url = file_report(client)
    number = page_url.rsplit("/", 1)[1]
    with app.app_context(), db.writing():
        session = db.get_session()
        found = session.exec(select(ServiceRequest).where(ServiceRequest.number == number)).one()
        session.add(RequestUpdate(request_id=found.id, kind="internal_note", public=False, text="CANARY-internal"))
        session.commit()
    assert "CANARY-internal" not in html(client.get(page_url))
    with app.app_context():
        assert db.get_session().exec(select(func.count()).select_from(RequestUpdate)).one() == 2
