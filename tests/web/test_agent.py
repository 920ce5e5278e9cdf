"""The call-centre console (/agent): find a caller, take a request by phone with the type's
questions, duplicates and the promised date before filing, read the number back, join a caller
to an existing request, subscribe them, correct an intake; never twice for one form."""
import re

from sqlmodel import func, select

from portal import db
from portal.models import AuditEntry, CoReport, Intake, OutboxMail, RequestFollower, ServiceRequest
from tests.pages import html
from tests.web.test_report import FISHTOWN, file_report
from tests.web.test_staff_work import get, signed_in


def intake_data(**fields):
    return {"channel": "phone", "name": "Carla Caller", "phone": "215-555-0199", "email": "carla@example.org",
            "type": "pothole", "address": "1200 Frankford Ave", **FISHTOWN, "description": "Hole by the bus stop",
            "q_size": "large", "idempotency_key": "intake-key-1", **fields}


def count(app, model, *where):
    with app.app_context():
        return db.get_session().exec(select(func.count()).select_from(model).where(*where)).one()


def test_agent_takes_a_phone_call_end_to_end(city, app, make_user, signin):
    agent = signed_in(app, make_user, signin, role="agent")
    page = html(agent.get("/agent"))
    assert 'id="caller"' in page and "autofocus" in page and 'value="walk_in"' in page and 'value="social"' in page
    questions = agent.post("/agent/intake", data=intake_data(action="questions", q_size=""))
    assert questions.status_code == 200 and 'name="q_size"' in html(questions)
    checked = agent.post("/agent/intake", data=intake_data(action="check"))
    body = html(checked)
    assert checked.status_code == 200 and "Expected by" in body and 'value="file"' in body
    assert count(app, ServiceRequest) == 0
    filed = agent.post("/agent/intake", data=intake_data(action="file"))
    assert filed.status_code == 303 and "/agent/intakes/" in filed.headers["Location"]
    number = filed.headers["Location"].rsplit("/", 1)[1]
    again = agent.post("/agent/intake", data=intake_data(action="file"))  # a retried post
    assert again.headers["Location"] == filed.headers["Location"] and count(app, ServiceRequest) == 1
    readback = html(agent.get(filed.headers["Location"]))
    assert f"{number[:4]}-{number[4:]}" in readback and "Read this number" in readback
    found = get(app, number)
    assert found.channel == "phone" and found.reporter_phone == "215-555-0199" and found.answers == {"size": "large"}
    assert count(app, Intake) == 1 and count(app, OutboxMail, OutboxMail.to_addr == "carla@example.org") == 1
    with app.app_context():
        entry = db.get_session().exec(select(AuditEntry).where(AuditEntry.action == "agent.intake")).one()
        assert entry.target_id == number and "agent" in entry.actor_label
    # The caller phones again: found by their number however it is written, with the request listed.
    history = html(agent.post("/agent/caller", data={"caller": "(215) 555 0199"}))
    assert f"{number[:4]}-{number[4:]}" in history and 'value="(215) 555 0199"' in history
    assert f"{number[:4]}-{number[4:]}" in html(agent.post("/agent/caller", data={"caller": "CARLA@example.org"}))
    assert "No earlier requests" in html(agent.post("/agent/caller", data={"caller": "215-555-0000"}))
    console = html(agent.get("/agent"))
    assert "Your recent intakes" in console and f"/agent/intakes/{number}" in console


def test_duplicates_are_shown_and_caller_joins_instead(city, app, make_user, signin):
    _, url = file_report(app.test_client(), email="first@example.org")
    existing = url.rsplit("/", 1)[1]
    agent = signed_in(app, make_user, signin, role="agent")
    checked = html(agent.post("/agent/intake", data=intake_data(action="check")))
    assert f"/agent/requests/{existing}/coreport" in checked and "Already reported nearby" in checked
    joined = agent.post(f"/agent/requests/{existing}/coreport", data=intake_data(idempotency_key="join-1"))
    assert joined.status_code == 303
    assert agent.post(f"/agent/requests/{existing}/coreport", data=intake_data(idempotency_key="join-1")).status_code == 303
    with app.app_context():
        coreports = db.get_session().exec(select(CoReport)).all()
    assert len(coreports) == 1 and coreports[0].channel == "phone" and coreports[0].phone == "215-555-0199"
    assert count(app, ServiceRequest) == 1 and get(app, existing).coreporter_count == 1
    sub = agent.post(f"/agent/requests/{existing}/subscribe", data={"email": "neighbour@example.org"})
    assert sub.status_code == 303
    assert count(app, RequestFollower, RequestFollower.email == "neighbour@example.org") == 1
    assert agent.post(f"/agent/requests/{existing}/subscribe", data={"email": "not-an-email"}).status_code == 422


def test_bad_intake_keeps_what_was_typed(city, app, make_user, signin):
    agent = signed_in(app, make_user, signin, role="agent")
    for fields, message in [({"type": "no-such-type"}, "Choose the type"), ({"channel": "web"}, "Choose one"),
                            ({"lat": "", "lon": "", "area": ""}, "Say where"), ({"lat": "10", "lon": "10"}, "outside the city"),
                            ({"email": "nope"}, "email address")]:
        response = agent.post("/agent/intake", data=intake_data(action="file", **fields))
        assert response.status_code == 422 and message in html(response), fields
        assert "Hole by the bus stop" in html(response)
    assert count(app, ServiceRequest) == 0
    no_csrf = agent.post("/agent/intake", data=intake_data(action="file"), csrf=False)
    assert no_csrf.status_code == 422 and count(app, ServiceRequest) == 0


def test_agent_corrects_own_intake_but_cannot_close_or_act(city, app, make_user, signin):
    agent = signed_in(app, make_user, signin, role="agent")
    number = agent.post("/agent/intake", data=intake_data(action="file")).headers["Location"].rsplit("/", 1)[1]
    page = html(agent.get(f"/agent/intakes/{number}"))
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    fixed = agent.post(f"/agent/intakes/{number}/correct", data={"description": "Hole by the bus shelter",
                       "address": "1201 Frankford Ave", "name": "Carla Caller", "email": "carla@example.org",
                       "phone": "215-555-0199", "version": version})
    assert fixed.status_code == 303 and get(app, number).description == "Hole by the bus shelter"
    other = signed_in(app, make_user, signin, role="agent")
    assert other.post(f"/agent/intakes/{number}/correct", data={"description": "x", "version": "9"}).status_code == 403
    # Agents see the staff view (contact details) and may add internal notes, never change status.
    staff_view = html(agent.get(f"/staff/requests/{number}"))
    assert "215-555-0199" in staff_view and "Close the request" not in staff_view
    assert agent.post(f"/staff/requests/{number}/status", data={"status": "closed", "reason": "fixed", "version": "1"}).status_code == 403
    assert agent.post(f"/staff/requests/{number}/transfer", data={"department": "1", "reason": "x", "version": "1"}).status_code == 403
    assert agent.post(f"/staff/requests/{number}/notes", data={"public": "1", "text": "x", "version": "1"}).status_code == 403
    v = re.search(r'name="version" value="(\d+)"', html(agent.get(f"/staff/requests/{number}"))).group(1)
    assert agent.post(f"/staff/requests/{number}/notes", data={"public": "0", "text": "Caller rang again", "version": v}).status_code == 303
    assert get(app, number).status == "open"
    assert agent.get("/staff").status_code == 403


def test_console_and_staff_pages_within_budget(city, app, make_user, signin):
    from tests.pages import FIRST_VIEW_BUDGET, first_view_bytes
    agent = signed_in(app, make_user, signin, role="agent")
    number = agent.post("/agent/intake", data=intake_data(action="file")).headers["Location"].rsplit("/", 1)[1]
    for path in ("/agent", f"/agent/intakes/{number}", f"/staff/requests/{number}"):
        weight = first_view_bytes(agent, path)
        print(path, weight)
        assert weight <= FIRST_VIEW_BUDGET, (path, weight)
