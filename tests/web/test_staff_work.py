"""Working a request (/staff/requests/<number>): notes, assign, priority, transfer, merge, reopen,
with object-level access, stale versions and bad input — on SQLite and PostgreSQL."""
import re

from sqlmodel import select

from portal import db
from portal.models import (
    AuditEntry, CoReport, Department, OutboxMail, RequestFollower, RequestPhoto, RequestUpdate, ServiceRequest,
)
from tests.conftest import jpeg_bytes
from tests.pages import html
from tests.web.test_report import file_report


def signed_in(app, make_user, signin, role="staff", department="streets", **kw):
    user, password = make_user(role=role, department=department if role == "staff" else None, **kw)
    client = app.test_client()
    signin(client, user.email, password)
    client.user = user
    return client


def file_one(app, **fields):
    _, url = file_report(app.test_client(), **fields)
    return url.rsplit("/", 1)[1]


def version_of(client, number):
    return re.search(r'name="version" value="(\d+)"', html(client.get(f"/staff/requests/{number}"))).group(1)


def get(app, number):
    with app.app_context():
        return db.get_session().exec(select(ServiceRequest).where(ServiceRequest.number == number)).one()


def dept_id(app, code):
    with app.app_context():
        return db.get_session().exec(select(Department).where(Department.code == code)).one().id


def audit_actions(app, number):
    with app.app_context():
        return [e.action for e in db.get_session().exec(
            select(AuditEntry).where(AuditEntry.target_id == number).order_by(AuditEntry.id))]


def test_staff_page_shows_contacts_and_internal_notes_public_page_never(city, app, make_user, signin):
    number = file_one(app, name="Pat Private", email="pat@example.org", phone="215-555-0100")
    staff = signed_in(app, make_user, signin)
    page = html(staff.get(f"/staff/requests/{number}"))
    assert "Pat Private" in page and "pat@example.org" in page and "215-555-0100" in page
    added = staff.post(f"/staff/requests/{number}/notes",
                       data={"public": "0", "text": "Caller is the landlord SECRET-NOTE", "version": version_of(staff, number)})
    assert added.status_code == 303
    assert "SECRET-NOTE" in html(staff.get(f"/staff/requests/{number}"))
    public = app.test_client()
    assert "SECRET-NOTE" not in html(public.get(f"/requests/{number}"))
    assert "SECRET-NOTE" not in html(public.get("/requests"))
    assert "SECRET-NOTE" not in html(public.get("/requests.geojson"))
    resident = signed_in(app, make_user, signin, role="resident")
    assert "SECRET-NOTE" not in html(resident.get(f"/requests/{number}"))
    assert resident.get(f"/staff/requests/{number}").status_code == 403
    assert audit_actions(app, number) == ["request.internal_note"]
    with app.app_context():
        assert all("SECRET-NOTE" not in m.body_text for m in db.get_session().exec(select(OutboxMail)))


def test_other_department_cannot_see_or_act_until_transferred(city, app, make_user, signin):
    number = file_one(app, email="pat@example.org")
    before = get(app, number)
    other = signed_in(app, make_user, signin, department="water")
    assert other.get(f"/staff/requests/{number}").status_code == 403
    for action, data in [("status", {"status": "acknowledged"}), ("notes", {"public": "0", "text": "x"}),
                         ("assign", {"assignee": ""}), ("priority", {"priority": "1"}),
                         ("transfer", {"department": "1", "reason": "x"}), ("merge", {"duplicate": number})]:
        assert other.post(f"/staff/requests/{number}/{action}", data={**data, "version": "1"}).status_code == 403, action
    streets = signed_in(app, make_user, signin)
    moved = streets.post(f"/staff/requests/{number}/transfer", data={
        "department": str(dept_id(app, "water")), "reason": "Broken main under the road", "version": version_of(streets, number)})
    assert moved.status_code == 303 and moved.headers["Location"].endswith("/staff")
    assert streets.get(f"/staff/requests/{number}").status_code == 403
    page = html(other.get(f"/staff/requests/{number}"))
    assert "pat@example.org" in page and "Broken main under the road" in page and "Passed to Water Department" in page
    public = html(app.test_client().get(f"/requests/{number}"))
    assert "Water Department" in public and "Broken main" not in public
    with app.app_context():
        mail = db.get_session().exec(select(OutboxMail).where(OutboxMail.to_addr.like("water@%"))).one()
    assert "Broken main under the road" in mail.body_text and f"/staff/requests/{number}" in mail.body_text
    found = get(app, number)
    assert found.department_id == dept_id(app, "water") and found.expected_at == before.expected_at  # same clock
    assert audit_actions(app, number) == ["request.transfer"]


def test_transfer_bad_input_keeps_typed_text_and_stores_nothing(city, app, make_user, signin):
    number = file_one(app)
    staff = signed_in(app, make_user, signin)
    version = version_of(staff, number)
    streets = str(dept_id(app, "streets"))
    for department, reason, message in [(streets, "typed reason", "already with this department"),
                                        ("99999", "typed reason", "Choose a department"),
                                        ("abc", "typed reason", "Choose a department"),
                                        (str(dept_id(app, "water")), "", "Say why")]:
        response = staff.post(f"/staff/requests/{number}/transfer",
                              data={"department": department, "reason": reason, "version": version})
        assert response.status_code == 422 and message in html(response), (department, response.status_code)
        if reason:
            assert reason in html(response)
    assert get(app, number).department_id == int(streets) and audit_actions(app, number) == []
    assert staff.post(f"/staff/requests/{number}/priority", data={"priority": "1", "version": version}).status_code == 303
    stale = staff.post(f"/staff/requests/{number}/transfer", data={
        "department": str(dept_id(app, "water")), "reason": "typed before the change", "version": version})
    assert stale.status_code == 409 and "Someone else changed" in html(stale) and "typed before the change" in html(stale)
    assert get(app, number).department_id == int(streets) and audit_actions(app, number) == ["request.priority"]


def test_close_needs_reason_and_stale_version_is_409(city, app, make_user, signin):
    number = file_one(app, email="res@example.org")
    staff = signed_in(app, make_user, signin)
    version = version_of(staff, number)
    no_reason = staff.post(f"/staff/requests/{number}/status", data={"status": "closed", "note": "My typed note", "version": version})
    assert no_reason.status_code == 422 and "Say why" in html(no_reason) and "My typed note" in html(no_reason)
    assert staff.post(f"/staff/requests/{number}/notes", data={"public": "1", "text": "We are on it", "version": version}).status_code == 303
    stale = staff.post(f"/staff/requests/{number}/status", data={"status": "closed", "reason": "fixed", "note": "Second writer", "version": version})
    assert stale.status_code == 409 and "Someone else changed" in html(stale) and "Second writer" in html(stale)
    assert get(app, number).status == "open"
    missing = staff.post(f"/staff/requests/{number}/status", data={"status": "closed", "reason": "fixed"})
    assert missing.status_code == 422 and get(app, number).status == "open"


def test_acknowledge_quietly_then_close_notifies_once_each(city, app, make_user, signin):
    number = file_one(app, email="res@example.org")
    promised = get(app, number).expected_at
    staff = signed_in(app, make_user, signin)
    assert staff.post(f"/staff/requests/{number}/status", data={"status": "acknowledged", "version": version_of(staff, number)}).status_code == 303
    assert staff.post(f"/staff/requests/{number}/status", data={
        "status": "closed", "reason": "fixed", "note": "Patched", "version": version_of(staff, number)}).status_code == 303
    with app.app_context():
        mails = db.get_session().exec(select(OutboxMail).where(OutboxMail.to_addr == "res@example.org")).all()
    assert [("Patched" in m.body_text) for m in mails] == [False, True]  # confirmation, then the close
    reopened = staff.post(f"/staff/requests/{number}/status", data={"status": "open", "note": "Not done", "version": version_of(staff, number)})
    assert reopened.status_code == 303
    found = get(app, number)
    assert found.status == "open" and found.closed_at is None
    assert found.expected_at == promised  # reopening does not reset the clock
    assert audit_actions(app, number) == ["request.status"] * 3


def test_template_prefills_public_notes(city, app, make_user, signin):
    from portal.staff.demo_templates import load_demo_templates
    with app.app_context(), db.writing():
        load_demo_templates(db.get_session())
    number = file_one(app)
    staff = signed_in(app, make_user, signin)
    page = html(staff.get(f"/staff/requests/{number}"))
    chosen = re.search(r'<option value="(\d+)"[^>]*>Español · Bache reparado', page).group(1)
    filled = html(staff.get(f"/staff/requests/{number}?template={chosen}"))
    assert filled.count("El bache ha sido reparado.") == 2  # the closing note and the public note
    assert staff.get(f"/staff/requests/{number}?template=99999").status_code == 200


def test_assign_and_priority_are_internal_and_checked(city, app, make_user, signin):
    number = file_one(app)
    staff = signed_in(app, make_user, signin)
    colleague, _ = make_user(role="staff", department="streets", email="col@example.org")
    outsider, _ = make_user(role="staff", department="water", email="out@example.org")
    wrong = staff.post(f"/staff/requests/{number}/assign", data={"assignee": str(outsider.id), "version": version_of(staff, number)})
    assert wrong.status_code == 422 and get(app, number).assignee_id is None
    assert staff.post(f"/staff/requests/{number}/assign", data={"assignee": str(colleague.id), "version": version_of(staff, number)}).status_code == 303
    assert staff.post(f"/staff/requests/{number}/priority", data={"priority": "7", "version": version_of(staff, number)}).status_code == 422
    assert staff.post(f"/staff/requests/{number}/priority", data={"priority": "2", "version": version_of(staff, number)}).status_code == 303
    found = get(app, number)
    assert found.assignee_id == colleague.id and found.priority == 2
    public = html(app.test_client().get(f"/requests/{number}"))
    assert "Assigned" not in public and "Priority" not in public
    assert audit_actions(app, number) == ["request.assign", "request.priority"]


def test_merge_moves_people_photos_notes_and_both_pages_say_so(city, app, make_user, signin):
    original = file_one(app, email="first@example.org")
    duplicate = file_one(app, email="second@example.org", files=[(__import__("io").BytesIO(jpeg_bytes()), "a.jpg")])
    joiner = app.test_client()
    assert joiner.post(f"/requests/{duplicate}/coreport", data={"note": "me too", "email": "third@example.org",
                                                               "idempotency_key": "k1"}).status_code == 303
    assert joiner.post(f"/requests/{original}/coreport", data={"note": "me too", "email": "third@example.org",
                                                              "idempotency_key": "k2"}).status_code == 303
    staff = signed_in(app, make_user, signin)
    assert staff.post(f"/staff/requests/{duplicate}/notes", data={"public": "0", "text": "Note on dup", "version": version_of(staff, duplicate)}).status_code == 303
    for typed, message in [(original, "into itself"), ("12345678", "No request has this number"), ("", "required")]:
        refused = staff.post(f"/staff/requests/{original}/merge", data={"duplicate": typed, "note": "kept text", "version": version_of(staff, original)})
        assert refused.status_code == 422 and message in html(refused) and "kept text" in html(refused)
    merged = staff.post(f"/staff/requests/{original}/merge", data={"duplicate": duplicate, "version": version_of(staff, original)})
    assert merged.status_code == 303
    again = staff.post(f"/staff/requests/{original}/merge", data={"duplicate": duplicate, "version": version_of(staff, original)})
    assert again.status_code == 422 and "already merged" in html(again)
    into_merged = staff.post(f"/staff/requests/{duplicate}/merge", data={"duplicate": original, "version": version_of(staff, duplicate)})
    assert into_merged.status_code in (409, 422)
    with app.app_context():
        session = db.get_session()
        o, d = get(app, original), get(app, duplicate)
        assert d.duplicate_of_id == o.id and d.status == "closed" and d.closure_reason == "duplicate"
        coreports = session.exec(select(CoReport).where(CoReport.request_id == o.id)).all()
        assert sorted(c.email for c in coreports) == ["second@example.org", "third@example.org", "third@example.org"]
        assert o.coreporter_count == 3 and d.coreporter_count == 0
        followers = session.exec(select(RequestFollower).where(RequestFollower.request_id == o.id)).all()
        assert sorted(f.email for f in followers) == ["first@example.org", "second@example.org", "third@example.org"]
        assert session.exec(select(RequestFollower).where(RequestFollower.request_id == d.id)).all() == []
        assert len(session.exec(select(RequestPhoto).where(RequestPhoto.request_id == o.id)).all()) == 1
        assert session.exec(select(RequestUpdate).where(RequestUpdate.request_id == o.id,
                                                        RequestUpdate.text == "Note on dup")).one()
    dup_page = html(app.test_client().get(f"/requests/{duplicate}"))
    assert f"{original[:4]}-{original[4:]}" in dup_page and "Merged into" in dup_page
    orig_page = html(app.test_client().get(f"/requests/{original}"))
    assert f"{duplicate[:4]}-{duplicate[4:]}" in orig_page and "merged into this one" in orig_page
    assert "Note on dup" not in orig_page
    assert "request.merge" in audit_actions(app, original)


def test_missing_csrf_changes_nothing(city, app, make_user, signin):
    number = file_one(app)
    staff = signed_in(app, make_user, signin)
    response = staff.post(f"/staff/requests/{number}/notes", data={"public": "0", "text": "typed", "version": version_of(staff, number)}, csrf=False)
    assert response.status_code in (400, 422) and "typed" in html(response)
    response = staff.post(f"/staff/requests/{number}/transfer", data={"department": str(dept_id(app, "water")), "reason": "x",
                                                                     "version": version_of(staff, number)}, csrf=False)
    assert response.status_code in (400, 422)
    assert get(app, number).department_id == dept_id(app, "streets") and audit_actions(app, number) == []
