"""Who may do what on one request: every staff and agent route with every role, object-level
(staff of another department are refused until the request is transferred to them), and no
public surface ever shows an internal note or a transfer reason."""
import re

from sqlmodel import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from portal import db
from portal.models import OutboxMail
from tests.pages import html
from tests.web.test_report import file_report
from tests.web.test_staff_work import dept_id, file_one, get, signed_in, version_of

OK = (200, 303, 409, 422)  # allowed: the route ran (bad data on purpose, so nothing changes)
# route, method, data, the roles allowed
ROUTES = [
    ("/staff/requests/{n}", "GET", None, {"agent", "staff-own", "admin"}),
    ("/staff/requests/{n}/status", "POST", {"status": "bogus"}, {"staff-own", "admin"}),
    ("/staff/requests/{n}/notes", "POST", {"public": "1", "text": ""}, {"staff-own", "admin"}),
    ("/staff/requests/{n}/notes", "POST", {"public": "0", "text": ""}, {"agent", "staff-own", "admin"}),
    ("/staff/requests/{n}/assign", "POST", {"assignee": "x"}, {"staff-own", "admin"}),
    ("/staff/requests/{n}/priority", "POST", {"priority": "9"}, {"staff-own", "admin"}),
    ("/staff/requests/{n}/transfer", "POST", {"department": "", "reason": ""}, {"staff-own", "admin"}),
    ("/staff/requests/{n}/merge", "POST", {"duplicate": ""}, {"staff-own", "admin"}),
    ("/agent/intakes/{n}", "GET", None, {"agent", "admin"}),
    ("/agent/requests/{n}/coreport", "POST", {"channel": "web"}, {"agent", "admin"}),
    ("/agent/requests/{n}/subscribe", "POST", {"email": "bad"}, {"agent", "admin"}),
    ("/staff", "GET", None, {"staff-own", "staff-other", "admin"}),
    ("/staff/dashboard", "GET", None, {"staff-own", "staff-other", "admin"}),
    ("/agent", "GET", None, {"agent", "admin"}),
    ("/agent/caller", "POST", {"caller": "215-555-0100"}, {"agent", "admin"}),
]
ROLES = ["resident", "agent", "staff-own", "staff-other", "moderator", "admin"]


def client_for(app, make_user, signin, role):
    if role == "staff-own":
        return signed_in(app, make_user, signin, role="staff", department="streets")
    if role == "staff-other":
        return signed_in(app, make_user, signin, role="staff", department="water")
    return signed_in(app, make_user, signin, role=role)


def test_every_route_with_every_role(city, app, make_user, signin):
    number = file_one(app, email="pat@example.org", phone="215-555-0100")
    anonymous = app.test_client()
    for path, method, data, _allowed in ROUTES:
        response = anonymous.open(path.format(n=number), method=method, data=data or {})
        assert response.status_code == 302 and "/signin" in response.headers["Location"], (path, method)
    for role in ROLES:
        client = client_for(app, make_user, signin, role)
        for path, method, data, allowed in ROUTES:
            response = client.open(path.format(n=number), method=method, data={**(data or {}), "version": "1"}
                                   if method == "POST" else None)
            if role in allowed:
                assert response.status_code in OK, (role, path, data, response.status_code)
            else:
                assert response.status_code == 403, (role, path, data, response.status_code)
                assert "pat@example.org" not in html(response)
    found = get(app, number)  # nothing above changed the request
    assert found.status == "open" and found.department_id == dept_id(app, "streets") and found.version == 1


def test_contact_details_only_for_those_who_may_see_them(city, app, make_user, signin):
    number = file_one(app, name="Pat Private", email="pat@example.org", phone="215-555-0100")
    for role in ROLES:
        client = client_for(app, make_user, signin, role)
        for path in (f"/requests/{number}", "/requests", "/requests.geojson", f"/staff/requests/{number}"):
            body = html(client.get(path))
            visible = path.startswith("/staff") and role in ("agent", "staff-own", "admin")
            assert ("pat@example.org" in body) == visible, (role, path)
            assert ("215-555-0100" in body) == visible, (role, path)


def _public_paths(app, number, token):
    """Every public surface that exists in this build (features land independently)."""
    paths = [f"/requests/{number}", "/requests", "/requests?status=closed", "/requests.geojson", f"/track/{token}",
             "/map", "/open311/v2/requests.json", "/open311/v2/requests.xml", f"/open311/v2/requests/{number}.json",
             f"/open311/v2/requests/{number}.xml", "/open311/v2/servicerequestupdates.json",
             "/open311/v2/servicerequestupdates.xml", "/notifications", "/me/requests", "/areas/fishtown",
             "/boards/fishtown", "/boards/fishtown/feed.atom", "/departments/water", "/departments/streets"]
    adapter = app.url_map.bind("localhost")
    found = []
    for path in paths:
        try:
            adapter.match(path.split("?")[0], method="GET")
        except (NotFound, MethodNotAllowed):
            continue
        found.append(path)
    return found


def test_internal_notes_never_reach_residents(city, app, make_user, signin):
    resident_user, password = make_user(email="rosa@example.org")
    resident = app.test_client()
    signin(resident, "rosa@example.org", password)
    _, url = file_report(resident)
    number = url.rsplit("/", 1)[1]
    neighbour = app.test_client()
    _, other_url = file_report(neighbour, email="anon@example.org")  # anonymous, gets a private link
    other = other_url.rsplit("/", 1)[1]
    streets = client_for(app, make_user, signin, "staff-own")
    for n in (number, other):
        assert streets.post(f"/staff/requests/{n}/notes", data={"public": "0", "text": "INTERNAL-MARKER-ONE",
                                                                "version": version_of(streets, n)}).status_code == 303
    assert streets.post(f"/staff/requests/{other}/merge", data={"duplicate": "", "version": "1"}).status_code == 422
    assert streets.post(f"/staff/requests/{number}/merge", data={"duplicate": other,
                                                                 "version": version_of(streets, number)}).status_code == 303
    assert streets.post(f"/staff/requests/{number}/transfer", data={
        "department": str(dept_id(app, "water")), "reason": "TRANSFER-MARKER-TWO",
        "version": version_of(streets, number)}).status_code == 303
    water = client_for(app, make_user, signin, "staff-other")
    assert water.post(f"/staff/requests/{number}/status", data={
        "status": "closed", "reason": "fixed", "note": "Fixed for you", "version": version_of(water, number)}).status_code == 303
    staff_page = html(water.get(f"/staff/requests/{number}"))
    assert "INTERNAL-MARKER-ONE" in staff_page and "TRANSFER-MARKER-TWO" in staff_page  # they are there
    with app.app_context():
        mails = db.get_session().exec(select(OutboxMail)).all()
        token_mail = next(m for m in mails if m.to_addr == "anon@example.org" and "/track/" in m.body_text)
    token = re.search(r"/track/(\S+)", token_mail.body_text).group(1)
    resident_mails = [m for m in mails if not m.to_addr.endswith("departments.demo.stoop.localhost")
                      and not m.to_addr.startswith(("water@", "streets@"))]
    assert any("Fixed for you" in m.body_text for m in resident_mails)
    for mail in resident_mails:
        assert "INTERNAL-MARKER" not in mail.body_text and "TRANSFER-MARKER" not in mail.body_text, mail.to_addr
    paths = _public_paths(app, number, token)
    assert f"/track/{token}" in paths and "/requests.geojson" in paths
    for client in (app.test_client(), resident, neighbour, client_for(app, make_user, signin, "moderator")):
        for path in paths:
            for headers in ({"Accept": "*/*"}, {"HX-Request": "true"}):  # pages and htmx fragments
                response = client.get(path, headers=headers)
                body = response.get_data(as_text=True)
                assert "INTERNAL-MARKER" not in body and "TRANSFER-MARKER" not in body, (path, response.status_code)
    public = html(app.test_client().get(f"/requests/{number}"))
    assert "Passed to Water Department" in public and "Fixed for you" in public
