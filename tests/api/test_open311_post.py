"""POST requests and tokens (OPEN311.md checklist 13-23), keys, idempotency, and bad input."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from portal import db
from portal.models import AddressPoint, IdempotencyKey, Open311Token, ServiceRequest
from tests.api.conftest import read


def count_requests(app) -> int:
    with app.app_context():
        return db.get_session().exec(select(func.count()).select_from(ServiceRequest)).one()


def stored(app, number: str) -> ServiceRequest:
    with app.app_context():
        return db.get_session().exec(select(ServiceRequest).where(ServiceRequest.number == number)).one()


def test_post_with_lat_long_files_a_realtime_request_readable_at_once(api):
    """Checklist 13 and 22, in both formats; the channel is the key's name, contact kept privately."""
    before = datetime.now(UTC)
    created = api.post("requests", api.report(description="Café – ñ\r\nsecond line",
                                              media_url="https://photos.example/p/1.jpg", email="Resident@Example.org",
                                              first_name="Ada", last_name="Lovelace", phone="215-555-0199"))
    assert len(created) == 1 and "token" not in created[0]
    number = created[0]["service_request_id"]
    assert isinstance(number, str) and len(number) == 8
    record = api.get(f"requests/{number}")[0]
    assert record["status"] == "open" and record["service_code"] == "pothole"
    assert record["service_name"] == "Pothole or Street Defect"
    assert record["description"] == "Café – ñ\nsecond line"  # CRLF accepted (checklist 20), UTF-8 intact (4)
    assert record["media_url"] == "https://photos.example/p/1.jpg"
    assert abs(record["lat"] - api.lat) < 1e-6 and abs(record["long"] - api.lon) < 1e-6
    requested = datetime.fromisoformat(record["requested_datetime"].replace("Z", "+00:00"))
    assert abs(requested - before) < timedelta(minutes=1)
    xml = api.get(f"requests/{number}", "xml")
    assert xml.tag == "service_requests" and xml.findtext("request/description") == "Café – ñ\nsecond line"
    xml_created = api.post("requests", api.report(), fmt="xml")
    assert xml_created.findtext("request/service_request_id").isdigit() and xml_created.find("request/token") is None
    row = stored(api.app, number)
    assert row.channel == "Streets app" and row.reporter_email == "resident@example.org"
    assert row.reporter_name == "Ada Lovelace" and row.reporter_phone == "215-555-0199"
    body = api.client.get(f"/open311/v2/requests/{number}.json?extensions=true").get_data(as_text=True)
    for private in ("resident@example.org", "Lovelace", "555-0199"):
        assert private not in body


def test_location_by_address_string_or_address_id(api):
    """Checklist 14."""
    with api.app.app_context(), db.writing():
        session = db.get_session()
        point = AddressPoint(address="1400 John F Kennedy Blvd", normalized="1400 john f kennedy blvd",
                             lat=api.lat, lon=api.lon)
        session.add(point)
        session.commit()
        point_id = point.id
    by_string = api.file(lat=None, long=None, address_string="1400 John F. Kennedy Boulevard")
    by_id = api.file(lat=None, long=None, address_id=str(point_id))
    for number in (by_string, by_id):
        record = api.get(f"requests/{number}")[0]
        assert abs(record["lat"] - api.lat) < 1e-6 and record["address"].startswith("1400 John F")
    api.post("requests", api.report(lat=None, long=None, address_string="99999 Nowhere Lane"), expect=400)
    api.post("requests", api.report(lat=None, long=None, address_id="123456789"), expect=400)
    api.post("requests", api.report(lat=None, long=None, address_id="²"), expect=400)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_location_or_lat_without_long_is_400(api, fmt):
    """Checklist 15; also NaN, out-of-range and outside-the-city points."""
    before = count_requests(api.app)
    for location in ({"lat": None, "long": None}, {"long": None}, {"lat": None}, {"lat": "nan", "long": "-75.1"},
                     {"lat": "91", "long": "-75.1"}, {"lat": "39.9", "long": "inf"}, {"lat": "", "long": ""},
                     {"lat": "48.85", "long": "2.35"}):
        errors = api.post("requests", api.report(**location), fmt=fmt, expect=400)
        if fmt == "xml":
            assert errors.findtext("error/code") == "400"
    assert count_requests(api.app) == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_invalid_or_revoked_key_is_403(api, fmt):
    """Checklist 16."""
    from portal.apikeys.service import create_key, revoke
    with api.app.app_context(), db.writing():
        session = db.get_session()
        key, plain = create_key(session, "old app")
        revoke(session, key.id)
        session.commit()
    for key_value in (None, "", "stoop_wrong", plain, "x" * 500):
        errors = api.post("requests", api.report(api_key=key_value), fmt=fmt, expect=403)
        if fmt == "json":
            assert errors[0]["code"] == 403 and errors[0]["description"]
        else:
            assert errors.findtext("error/code") == "403" and errors.findtext("error/description")
    assert count_requests(api.app) == 0


def test_api_key_in_the_query_string_works(api):
    body = api.report()
    key = body.pop("api_key")
    response = api.client.post(f"/open311/v2/requests.json?api_key={key}", data=body, csrf=False)
    assert response.status_code == 200 and response.json[0]["service_request_id"]


def test_missing_or_unknown_service_code(api):
    """Checklist 17."""
    api.post("requests", api.report(service_code=None), expect=400)
    api.post("requests", api.report(service_code=""), expect=400)
    api.post("requests", api.report(service_code="NOPE"), expect=404)
    api.post("requests", api.report(service_code="NOPE"), fmt="xml", expect=404)
    assert count_requests(api.app) == 0


def test_attributes_validated_as_the_web_form_does(api):
    """Checklist 18 and 19: the same validate_answers as the report form."""
    api.post("requests", api.report(**{"attribute[size]": None}), expect=400)  # required, missing
    api.post("requests", api.report(**{"attribute[size]": ""}), expect=400)  # required, empty
    api.post("requests", api.report(**{"attribute[size]": "enormous"}), expect=400)  # not a key
    heat = {"service_code": "no-heat", "attribute[size]": None, "attribute[unit]": "2B"}
    errors = api.post("requests", api.report(**heat, **{"attribute[occupants]": "three"}), expect=400)
    assert "occupants" in errors[0]["description"]
    assert count_requests(api.app) == 0
    number = api.file(**heat, **{"attribute[occupants]": "3"})
    assert stored(api.app, number).answers == {"unit": "2B", "occupants": 3}
    body = api.report(service_code="illegal-dumping", **{"attribute[size]": None})
    body["attribute[dumped_items][]"] = ["tyres", "furniture"]
    number = api.post("requests", body)[0]["service_request_id"]
    assert set(stored(api.app, number).answers["dumped_items"]) == {"tyres", "furniture"}
    body["attribute[dumped_items][]"] = ["tyres", "spaceship"]
    api.post("requests", body, expect=400)


def test_description_limit_and_bad_text(api):
    """Checklist 20: over 4,000 characters is 400 (no truncation); NUL bytes refused; nothing stored."""
    api.post("requests", api.report(description="x" * 4001), expect=400)
    api.post("requests", api.report(description="x" * 4001), fmt="xml", expect=400)
    api.post("requests", api.report(description="nul \x00 byte"), expect=400)
    api.post("requests", api.report(service_code="pothole\x00"), expect=400)
    api.post("requests", api.report(service_code="pothole", **{"attribute[size]": "small\x00"}), expect=400)
    api.get("services/pothole%00", expect=404)
    api.get("tokens/abc%00", "xml", expect=404)
    api.get("requests", expect=400, service_code="pothole\x00")
    assert count_requests(api.app) == 0
    assert api.file(description="x" * 4000)


def test_optional_fields_empty_and_unknown_parameters(api):
    """Checklist 21."""
    number = api.file(email="", first_name="", last_name="", phone="", device_id="", account_id="", media_url="",
                      description="", colour="blue", **{"attribute[nonexistent]": "x"})
    record = api.get(f"requests/{number}")[0]
    assert record["media_url"] is None and record["description"] == ""
    number = api.file(device_id="abc-123", account_id="42")
    assert api.get(f"requests/{number}")[0]["status"] == "open"
    api.post("requests", api.report(email="not an email"), expect=400)
    api.post("requests", api.report(media_url="javascript:alert(1)"), expect=400)


def test_repeated_parameters_and_bad_encoding(api):
    response = api.client.post("/open311/v2/requests.json", data={**api.report(), "service_code": ["pothole", "graffiti"]},
                               csrf=False)
    assert response.status_code == 400 and read(response, "json")[0]["code"] == 400
    response = api.client.post("/open311/v2/requests.json", data=b"api_key=x&service_code=%FF%FE",
                               content_type="application/x-www-form-urlencoded", csrf=False)
    assert response.status_code == 400
    assert count_requests(api.app) == 0


def test_a_13_mb_body_is_413_in_open311_form(api):
    body = b"api_key=" + api.key.encode() + b"&description=" + b"x" * (13 * 1024 * 1024)
    for fmt in ("json", "xml"):
        response = api.client.post(f"/open311/v2/requests.{fmt}", data=body,
                                   content_type="application/x-www-form-urlencoded", csrf=False)
        assert response.status_code == 413
        read(response, fmt)
    assert count_requests(api.app) == 0


def test_tokens_unknown_and_batch_types(api):
    """Checklist 23: unknown token 404 (both); a batch type answers with a token that resolves to an id."""
    api.get("tokens/UNKNOWN", "json", expect=404)
    api.get("tokens/UNKNOWN", "xml", expect=404)
    api.app.config["OPEN311_BATCH_TYPES"] = "alley-light"
    services = {s["service_code"]: s for s in api.get("services")}
    assert services["alley-light"]["type"] == "batch" and services["pothole"]["type"] == "realtime"
    created = api.post("requests", api.report(service_code="alley-light", **{"attribute[size]": None}))
    assert set(created[0]) == {"token"}
    token = created[0]["token"]
    resolved = api.get(f"tokens/{token}")  # filed right after the response
    assert resolved[0]["token"] == token and resolved[0]["service_request_id"]
    record = api.get(f"requests/{resolved[0]['service_request_id']}")[0]
    assert record["service_code"] == "alley-light"
    root = api.get(f"tokens/{token}", "xml")
    assert root.findtext("request/service_request_id") == resolved[0]["service_request_id"]


def test_idempotency_key_same_body_same_request_other_body_422(api):
    body = api.report()
    headers = {"Idempotency-Key": "c0ffee-1"}
    first = api.post("requests", body, headers=headers)
    again = api.post("requests", body, headers=headers)
    assert first == again and count_requests(api.app) == 1
    api.post("requests", {**body, "description": "something else"}, headers=headers, expect=422)
    api.post("requests", {**body, "description": "something else"}, fmt="xml", headers=headers, expect=422)
    assert count_requests(api.app) == 1
    other = api.post("requests", body, headers={"Idempotency-Key": "c0ffee-2"})
    assert other != first and count_requests(api.app) == 2
    with api.app.app_context():
        assert db.get_session().exec(select(func.count()).select_from(IdempotencyKey)).one() == 2


def test_idempotent_batch_post_gives_the_same_token(api):
    api.app.config["OPEN311_BATCH_TYPES"] = "alley-light"
    body = api.report(service_code="alley-light", **{"attribute[size]": None})
    first = api.post("requests", body, headers={"Idempotency-Key": "batch-1"})
    assert api.post("requests", body, headers={"Idempotency-Key": "batch-1"}) == first
    with api.app.app_context():
        assert db.get_session().exec(select(func.count()).select_from(Open311Token)).one() == 1


def test_posts_are_rate_limited_per_key(api):
    api.app.config["OPEN311_WRITE_LIMIT"] = "2 per minute"
    api.file()
    api.file()
    response = api.client.post("/open311/v2/requests.xml", data=api.report(), csrf=False)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert read(response, "xml").findtext("error/code") == "429"
    assert count_requests(api.app) == 2


def test_no_csrf_token_needed_but_web_forms_still_need_one(api):
    """The API is exempt (it authenticates by key); the rest of the site still refuses a missing token."""
    assert api.client.post("/open311/v2/requests.json", data=api.report(), csrf=False).status_code == 200
    assert api.client.post("/signin", data={"email": "a@example.org", "password": "x"}, csrf=False).status_code in (400, 422)


def test_request_filed_by_an_app_shows_on_its_public_page(api):
    number = api.file(email="quiet@example.org")
    page = api.client.get(f"/requests/{number}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Streets app" in text and "quiet@example.org" not in text


def test_simultaneous_retries_with_one_idempotency_key_file_once(api, live_server):
    """An app retrying on a slow network: the same post arrives several times at once."""
    import threading
    import urllib.parse
    import urllib.request
    body = urllib.parse.urlencode(api.report()).encode()
    answers, barrier = [], threading.Barrier(4)

    def send():
        request = urllib.request.Request(f"{base}/open311/v2/requests.json", data=body, method="POST",
                                         headers={"Idempotency-Key": "same-post-1",
                                                  "Content-Type": "application/x-www-form-urlencoded"})
        barrier.wait()
        with urllib.request.urlopen(request, timeout=30) as response:
            answers.append((response.status, response.read()))

    with live_server(api.app) as base:
        threads = [threading.Thread(target=send) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(answers) == 4 and {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1
    assert count_requests(api.app) == 1


def test_media_uploads_take_precedence_over_media_url(api):
    """v2.1 draft: multipart `media`; the photo is re-encoded like the web form's and its URL returned."""
    import io

    from tests.conftest import jpeg_bytes
    body = {**api.report(media_url="https://elsewhere.example/p.jpg"), "media": (io.BytesIO(jpeg_bytes()), "p.jpg")}
    number = api.post("requests", body, content_type="multipart/form-data")[0]["service_request_id"]
    record = api.get(f"requests/{number}", extensions="true")[0]
    assert record["media_url"].startswith("http://localhost/photos/") and record["media_url"].endswith(".jpg")
    assert record["extended_attributes"]["photos"] == [record["media_url"]]
    path = record["media_url"].removeprefix("http://localhost")
    assert api.client.get(path).status_code == 200
    bad = {**api.report(), "media": (io.BytesIO(b"not an image"), "p.jpg")}
    api.post("requests", bad, content_type="multipart/form-data", expect=400)
    assert count_requests(api.app) == 1
