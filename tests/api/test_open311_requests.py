"""GET requests (OPEN311.md checklist 24-35): shape, filters, default window, privacy, staff closing."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from portal import db
from portal.models import RequestUpdate, ServiceRequest
from tests.api.conftest import W3C, backdate, bulk_requests, xml_items

CORE_KEYS = ("description", "address", "address_id", "zipcode", "lat", "long", "media_url")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def numbers(records) -> set[str]:
    return {r["service_request_id"] for r in records}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_empty_result_is_200_and_empty(api, fmt):
    """Checklist 24."""
    found = api.get("requests", fmt)
    if fmt == "json":
        assert found == []
    else:
        assert found.tag == "service_requests" and len(found) == 0
    assert api.get("requests", fmt, service_request_id="12345678") == [] if fmt == "json" else True


def test_records_have_the_core_fields_in_both_formats(api):
    """Checklist 24, 25, 26 (every datetime is checked by read() as well)."""
    filed = {api.file(), api.file(service_code="alley-light", **{"attribute[size]": None})}
    records = api.get("requests")
    assert numbers(records) == filed
    for record in records:
        assert record["status"] in ("open", "closed") and record["service_code"] and record["service_name"]
        assert W3C.match(record["requested_datetime"]) and W3C.match(record["updated_datetime"])
        assert all(key in record for key in CORE_KEYS)
    root = api.get("requests", "xml")
    assert root.tag == "service_requests" and all(item.tag == "request" for item in root)
    items = xml_items(root)
    assert {i["service_request_id"] for i in items} == filed
    for item in items:
        assert all(key in item for key in CORE_KEYS + ("status", "requested_datetime", "updated_datetime"))
        assert W3C.match(item["requested_datetime"])


def test_status_filter(api):
    """Checklist 27; an invalid status is 400 (33)."""
    still_open, closed = api.file(), api.file()
    backdate(api.app, closed, hours=1, closed=True)
    assert numbers(api.get("requests", status="open")) == {still_open}
    assert numbers(api.get("requests", status="closed")) == {closed}
    assert numbers(api.get("requests", status="open,closed")) == {still_open, closed}
    assert numbers(api.get("requests", status="")) == {still_open, closed}  # empty = absent
    for bad in ("opened", "OPEN", "open,fixed", "acknowledged"):
        api.get("requests", expect=400, **{"status": bad})
        api.get("requests", "xml", expect=400, **{"status": bad})


def test_service_code_filter(api):
    """Checklist 28."""
    pothole = api.file()
    light = api.file(service_code="alley-light", **{"attribute[size]": None})
    api.file(service_code="no-heat", **{"attribute[size]": None, "attribute[unit]": "1", "attribute[occupants]": "2"})
    assert numbers(api.get("requests", service_code="pothole,alley-light")) == {pothole, light}
    assert numbers(api.get("requests", service_code="pothole")) == {pothole}
    assert api.get("requests", service_code="NOPE") == []


def test_service_request_id_overrides_other_filters(api):
    """Checklist 29."""
    first, second, _third = api.file(), api.file(), api.file()
    backdate(api.app, first, days=200, closed=True)
    found = api.get("requests", service_request_id=f"{first},{second}", status="open", service_code="alley-light",
                    start_date=iso(datetime.now(UTC) - timedelta(days=2)), end_date=iso(datetime.now(UTC)))
    assert [r["service_request_id"] for r in found] == [first, second]
    root = api.get("requests", "xml", service_request_id=f"{second},{first}", status="closed")
    assert [i["service_request_id"] for i in xml_items(root)] == [second, first]


def test_date_bounds_are_inclusive(api):
    """Checklist 30."""
    now_number = api.file()
    old_number = api.file()
    backdate(api.app, old_number, days=10)
    record = api.get(f"requests/{old_number}")[0]
    at = record["requested_datetime"]
    assert numbers(api.get("requests", start_date=at, end_date=at)) == {old_number}  # both bounds inclusive
    hour_ago = iso(datetime.now(UTC) - timedelta(hours=1))
    assert now_number not in numbers(api.get("requests", start_date=iso(datetime.now(UTC) - timedelta(days=30)),
                                             end_date=hour_ago))
    assert numbers(api.get("requests", end_date=hour_ago)) == {old_number}  # start defaults to end - 90 days
    assert now_number in numbers(api.get("requests", start_date=hour_ago))
    offset = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(
        __import__("datetime").timezone(timedelta(hours=-5))).isoformat()
    assert numbers(api.get("requests", start_date=offset, end_date=offset)) == {old_number}  # -05:00 zones


def test_default_window_is_90_days_and_1000_records(api):
    """Checklist 31."""
    old = api.file()
    backdate(api.app, old, days=91)
    bulk_requests(api.app, 1001, days_ago=1)
    found = api.get("requests")
    assert len(found) == 1000 and old not in numbers(found)
    newest = sorted(found, key=lambda r: r["requested_datetime"], reverse=True)
    assert [r["requested_datetime"] for r in found] == [r["requested_datetime"] for r in newest]
    assert old in numbers(api.get("requests", service_request_id=old))


def test_span_over_90_days_malformed_dates_and_other_bad_arguments(api):
    """Checklist 32 (documented: 400, never clamped) and 33."""
    now = datetime.now(UTC)
    for fmt in ("json", "xml"):
        api.get("requests", fmt, expect=400, start_date=iso(now - timedelta(days=91)), end_date=iso(now))
        api.get("requests", fmt, expect=400, start_date="yesterday")
        api.get("requests", fmt, expect=400, end_date="2026-13-01T00:00:00Z")
        api.get("requests", fmt, expect=400, start_date=iso(now), end_date=iso(now - timedelta(days=1)))
        api.get("requests", fmt, expect=400, updated_after="2026-01-01T00:00:00+99:00")
        api.get("requests", fmt, expect=400, page="0")
        api.get("requests", fmt, expect=400, page_size="1001")
        api.get("requests", fmt, expect=400, page_size="²")  # a digit to str.isdigit, not to int()
        api.get("requests", fmt, expect=400, page="9" * 40)
        api.get("requests", fmt, expect=400, extensions="maybe")
    assert api.get("requests", start_date=iso(now - timedelta(days=90)), end_date=iso(now)) == []
    response = api.client.get("/open311/v2/requests.json?status=open&status=closed")
    assert response.status_code == 400 and response.json[0]["code"] == 400  # repeated parameter


def test_single_request_equals_its_list_record(api):
    """Checklist 34."""
    number = api.file()
    listed = next(r for r in api.get("requests") if r["service_request_id"] == number)
    assert api.get(f"requests/{number}") == [listed]
    for fmt in ("json", "xml"):
        api.get("requests/87654321", fmt, expect=404)
        api.get("requests/not-a-number", fmt, expect=404)


def test_after_staff_close_it_on_the_website(api, make_user, signin):
    """Checklist 35: closed, updated_datetime = close time >= requested, the staff reply in status_notes."""
    number = api.file()
    backdate(api.app, number, hours=2)
    staff, password = make_user("staff", department="streets")
    signin(api.client, staff.email, password)
    with api.app.app_context():
        version = db.get_session().exec(select(ServiceRequest.version).where(ServiceRequest.number == number)).one()
    response = api.client.post(f"/staff/requests/{number}/status",
                               data={"status": "closed", "reason": "fixed", "note": "Filled and sealed today.",
                                     "version": str(version)})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    record = api.get(f"requests/{number}")[0]
    assert record["status"] == "closed" and record["status_notes"] == "Filled and sealed today."
    with api.app.app_context():
        closed_at = db.get_session().exec(select(ServiceRequest.closed_at).where(ServiceRequest.number == number)).one()
    assert record["updated_datetime"] == iso(closed_at) >= record["requested_datetime"]
    assert numbers(api.get("requests", status="closed")) == {number}


def test_internal_notes_and_reporters_never_appear(api):
    """Privacy: no reporter names, emails or phones; no internal notes, even with extensions=true."""
    number = api.file(email="hidden@example.org", first_name="Hidden", last_name="Person", phone="215-555-0111")
    bulk_requests(api.app, 3)
    with api.app.app_context(), db.writing():
        session = db.get_session()
        found = session.exec(select(ServiceRequest).where(ServiceRequest.number == number)).one()
        session.add(RequestUpdate(request_id=found.id, kind="internal_note", public=False, text="Caller is rude"))
        session.add(RequestUpdate(request_id=found.id, kind="public_note", public=True, text="Crew booked"))
        session.commit()
    for path in ("requests.json?extensions=true", "requests.xml?extensions=true", f"requests/{number}.json?extensions=true",
                 f"requests/{number}.xml", "servicerequestupdates.json", "servicerequestupdates.xml"):
        body = api.client.get(f"/open311/v2/{path}").get_data(as_text=True)
        for secret in ("hidden@example.org", "Hidden", "555-0111", "Caller is rude", "Secret Name", "secret@example.org",
                       "555-0100"):
            assert secret not in body, (path, secret)
    assert api.get(f"requests/{number}")[0]["status_notes"] == "Crew booked"
