"""Declared extensions (OPEN311.md checklist 36-40): paging, updated_after/before, extensions=true,
and mySociety's servicerequestupdates, through which a department system's push reaches the resident."""
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from portal import db
from portal.models import AuditEntry, OutboxMail, RequestUpdate, ServiceRequest
from tests.api.conftest import backdate, bulk_requests, make_app_with_smtp, read, xml_items


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_pages_cover_the_unpaged_set_newest_first(api):
    """Checklist 36."""
    bulk_requests(api.app, 25)
    newest = api.file()
    everything = api.get("requests")
    pages = [api.get("requests", page=str(n), page_size="10") for n in (1, 2, 3)]
    assert pages[0][0]["service_request_id"] == newest
    assert [len(p) for p in pages] == [10, 10, 6]
    joined = [r["service_request_id"] for p in pages for r in p]
    assert joined == [r["service_request_id"] for r in everything] and len(set(joined)) == 26
    assert api.get("requests", page="4", page_size="10") == []
    assert len(xml_items(api.get("requests", "xml", page="2", page_size="10"))) == 10


def test_updated_after_and_before(api):
    """Checklist 37: on updated_datetime; only updated_after means "until now"."""
    recent, stale = api.file(), api.file()
    backdate(api.app, stale, days=5)
    now = datetime.now(UTC)
    assert {r["service_request_id"] for r in api.get("requests", updated_after=iso(now - timedelta(days=1)))} == {recent}
    window = api.get("requests", updated_after=iso(now - timedelta(days=6)), updated_before=iso(now - timedelta(days=4)))
    assert [r["service_request_id"] for r in window] == [stale]
    api.get("requests", expect=400, updated_after=iso(now - timedelta(days=100)))


def test_extensions_true_adds_extended_attributes_and_notes_only_when_asked(api):
    """Checklist 38."""
    number = api.file()
    plain = api.get(f"requests/{number}")[0]
    assert not {"extended_attributes", "notes", "attributes"} & set(plain)
    extended = api.get(f"requests/{number}", extensions="true")[0]
    assert {k: v for k, v in extended.items() if k not in ("extended_attributes", "notes", "attributes")} == plain
    attributes = extended["extended_attributes"]
    assert attributes["neighbourhood"] and attributes["coreporter_count"] == 0
    assert attributes["expected_datetime"] == plain["expected_datetime"] and attributes["closure_reason"] is None
    assert attributes["channel"] == "Streets app"
    assert extended["notes"][0]["type"] == "submitted" and extended["notes"][0]["datetime"]
    assert extended["attributes"] == [{"code": "size", "label": "How big is it?", "name": "size",
                                       "value": "Smaller than a dinner plate"}]
    listed = api.get("requests", extensions="true")[0]
    assert listed == extended
    root = api.get(f"requests/{number}", "xml", extensions="true")
    assert root.findtext("request/extended_attributes/neighbourhood") == attributes["neighbourhood"]
    assert root.find("request/notes/note/type").text == "submitted"


def push(api, number: str, status: str, description: str, update_id: str, fmt: str = "json", expect: int = 200,
         **extra):
    body = {"api_key": api.department_key(number), "service_request_id": number, "update_id": update_id, "status": status,
            "updated_datetime": iso(datetime.now(UTC)), "description": description, **extra}
    return api.post("servicerequestupdates", {k: v for k, v in body.items() if v is not None}, fmt=fmt, expect=expect)


def test_servicerequestupdates_get_lists_public_updates_by_updated_datetime(api):
    """Checklist 39."""
    number = api.file()
    push(api, number, "IN_PROGRESS", "Crew on the way", "dept-1")
    with api.app.app_context(), db.writing():
        session = db.get_session()
        found = session.exec(select(ServiceRequest).where(ServiceRequest.number == number)).one()
        session.add(RequestUpdate(request_id=found.id, kind="internal_note", public=False, text="internal only"))
        old = RequestUpdate(request_id=found.id, kind="public_note", public=True, text="Old news", status="open",
                            created_at=datetime.now(UTC) - timedelta(days=20))
        session.add(old)
        session.commit()
    updates = api.get("servicerequestupdates")
    assert [u["description"] for u in updates] == ["Old news", "Crew on the way"]
    for update in updates:
        assert set(update) >= {"update_id", "service_request_id", "status", "updated_datetime", "description",
                               "media_url"}
        assert update["service_request_id"] == number and update["status"] in ("open", "in_progress")
    now = datetime.now(UTC)
    recent = api.get("servicerequestupdates", start_date=iso(now - timedelta(days=1)), end_date=iso(now))
    assert [u["description"] for u in recent] == ["Crew on the way"] and recent[0]["status"] == "in_progress"
    root = api.get("servicerequestupdates", "xml")
    assert root.tag == "service_request_updates" and [i.tag for i in root] == ["request_update", "request_update"]
    assert xml_items(root)[1]["status"] == "in_progress"
    api.get("servicerequestupdates", expect=400, start_date="soon")
    api.get("servicerequestupdates", "xml", expect=400, start_date=iso(now - timedelta(days=100)), end_date=iso(now))


def test_servicerequestupdates_post_keys_unknown_requests_and_retries(api):
    """Checklist 40."""
    number = api.file()
    created = push(api, number, "OPEN", "We have logged this", "dept-7")
    assert created[0]["update_id"].isdigit()
    assert push(api, number, "OPEN", "We have logged this", "dept-7") == created  # a retried push: once
    root = push(api, number, "INVESTIGATING", "Inspector assigned", "dept-8", fmt="xml")
    assert root.findtext("request_update/update_id").isdigit()
    assert api.get(f"requests/{number}")[0]["status_notes"] == "Inspector assigned"
    for fmt in ("json", "xml"):
        push(api, number, "CLOSED", "x", "dept-9", fmt=fmt, expect=403, api_key=None)
        push(api, number, "CLOSED", "x", "dept-9", fmt=fmt, expect=403, api_key="stoop_nope")
        push(api, "87654321", "CLOSED", "x", "dept-9", fmt=fmt, expect=404, api_key=api.department_key(number))
        push(api, number, "SOLVED", "x", "dept-9", fmt=fmt, expect=400)
        push(api, number, "CLOSED", "x", None, fmt=fmt, expect=400)
        push(api, number, "CLOSED", "x", "dept-9", fmt=fmt, expect=400, updated_datetime="last tuesday")
        push(api, number, "UNCHANGED", "", "dept-9", fmt=fmt, expect=400)  # nothing to record
    assert api.get(f"requests/{number}")[0]["status"] == "open"
    with api.app.app_context():
        entries = db.get_session().exec(select(AuditEntry).where(AuditEntry.target_id == number)).all()
        assert {e.action for e in entries} == {"request.note", "request.status"}
        assert all(e.details["via"] == "open311" and e.details["api_key"] == "streets system" for e in entries)


def test_only_the_handling_departments_system_may_push(api):
    """A residents' app key files and reads but never changes a request; a department system's key
    changes only its own department's requests."""
    from portal.apikeys.service import create_key
    from portal.models import Department
    number = api.file()
    with api.app.app_context(), db.writing():
        session = db.get_session()
        water = session.exec(select(Department).where(Department.code != "streets")).first()
        _key, other = create_key(session, "another department", department_id=water.id)
        session.commit()
    for fmt in ("json", "xml"):
        push(api, number, "CLOSED", "x", "p-1", fmt=fmt, expect=403, api_key=api.key)
        push(api, number, "CLOSED", "x", "p-2", fmt=fmt, expect=403, api_key=other)
    assert api.get(f"requests/{number}")[0]["status"] == "open"
    with api.app.app_context():
        assert db.get_session().exec(select(AuditEntry).where(AuditEntry.target_id == number)).all() == []
    push(api, number, "CLOSED", "Fixed by the crew", "p-3")
    assert api.get(f"requests/{number}")[0]["status"] == "closed"


def test_department_push_closes_and_the_resident_is_mailed(database_url, tmp_path, smtp_server, make_user, signin):
    """Done means: a department system pushes an update and the resident who reported on the website hears."""
    app, api = make_app_with_smtp(database_url, tmp_path, smtp_server.url)
    resident, password = make_user("resident", email="resident@example.org")
    client = app.test_client()
    signin(client, resident.email, password)
    with app.app_context():
        from portal.requests.service import Location, NewRequest, Reporter, submit_request
        from portal.requests.catalogue import type_by_code
        from portal.models import User
        session = db.get_session()
        user = session.exec(select(User).where(User.email == "resident@example.org")).one()
        found = submit_request(session, NewRequest(
            service_type=type_by_code(session, "alley-light"), location=Location(api.lat, api.lon),
            description="Dark alley", reporter=Reporter(user.id, user.display_name, user.email)))
        session.commit()
        number = found.number
    push(api, number, "INVESTIGATING", "", "streets-0")  # a bare acknowledgement: no mail, as from staff
    push(api, number, "FIXED", "New lamp fitted.", "streets-1")
    record = api.get(f"requests/{number}")[0]
    assert record["status"] == "closed" and record["status_notes"] == "New lamp fitted."
    assert api.get("servicerequestupdates")[-1]["status"] == "fixed"
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message.rcpt_tos == ["resident@example.org"]
    assert "New lamp fitted." in message.content.decode("utf-8", "replace")
    with app.app_context():
        mail = db.get_session().exec(select(OutboxMail)).one()
        assert mail.to_addr == "resident@example.org" and mail.status == "sent"
    app.extensions["engine"].dispose()


def test_push_moves_through_the_request_rules(api):
    """Statuses a department sends are mapped onto ours; a step back while open is kept as a note."""
    number = api.file()
    push(api, number, "IN_PROGRESS", "", "a-1")
    push(api, number, "INVESTIGATING", "Still on it", "a-2")  # in progress cannot go back: a note
    assert api.get(f"requests/{number}", extensions="true")[0]["notes"][-1]["description"] == "Still on it"
    push(api, number, "NOT_COUNCILS_RESPONSIBILITY", "PennDOT road", "a-3")
    extended = api.get(f"requests/{number}", extensions="true")[0]
    assert extended["status"] == "closed" and extended["extended_attributes"]["closure_reason"] == "not_city"
    assert api.get("servicerequestupdates")[-1]["status"] == "not_councils_responsibility"
    push(api, number, "IN_PROGRESS", "Reopened: it is ours after all", "a-4")
    assert api.get(f"requests/{number}")[0]["status"] == "open"
    read(api.client.get("/open311/v2/servicerequestupdates.json"), "json")
