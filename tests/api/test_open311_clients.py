"""Done means: Open311 clients nobody here wrote work against a real Stoop server.

georeport (PyPI) lists services, reads definitions and requests in JSON and XML; it has no POST, so
civicbot (PyPI), another third-party GeoReport v2 client, files the request with attributes after
checking it against the live service list and definition. Staff then close the request on the
website, and georeport sees it closed with the staff reply.
"""
from georeport import GeoReport
from civicbot import Endpoint, HttpTransport, Open311Client
from civicbot.http import HttpError, RateLimiter
import pytest
from sqlmodel import select

from portal import db
from portal.models import ServiceRequest


def test_third_party_clients_list_post_read_and_see_it_closed(api, live_server, make_user, signin):
    with live_server(api.app) as base:
        root = f"{base}/open311/v2"
        reader = GeoReport(root, jurisdiction="localhost")
        services = reader.get_service_list()
        pothole = next(s for s in services if s["service_code"] == "pothole")
        assert pothole["metadata"] is True
        definition = reader.get_service_definition("pothole")
        assert definition["attributes"][0]["code"] == "size"
        xml_services = GeoReport(root, output_format="xml").get_service_list()
        assert [s["service_code"] for s in xml_services] == [s["service_code"] for s in services]

        endpoint = Endpoint(id="stoop", name="Stoop test", base_url=root, write=True)
        writer = Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0)),
                               jurisdiction_id="localhost")
        sent = writer.create_request("pothole", dry_run=False, confirm="SEND", api_key=api.key, validate_remote=True,
                                     lat=api.lat, lng=api.lon, description="Deep hole, Café corner",
                                     attributes={"size": "large"}, email="reporter@example.org")
        number = sent.response[0]["service_request_id"]
        with pytest.raises(HttpError) as refused:  # a wrong key is refused, with an Open311 error body
            writer.create_request("pothole", dry_run=False, confirm="SEND", api_key="stoop_wrong", lat=api.lat,
                                  lng=api.lon, attributes={"size": "large"})
        assert refused.value.status == 403 and '"code":403' in refused.value.body

        record = reader.get_service_request(number)
        assert record["status"] == "open" and record["service_code"] == "pothole"
        assert record["description"] == "Deep hole, Café corner" and "reporter@example.org" not in str(record)
        with api.app.app_context():
            found = db.get_session().exec(select(ServiceRequest).where(ServiceRequest.number == number)).one()
            assert found.answers == {"size": "large"} and found.channel == "Streets app"
            version = found.version

        staff, password = make_user("staff", department="streets")
        staff_client = api.app.test_client()
        signin(staff_client, staff.email, password)
        response = staff_client.post(f"/staff/requests/{number}/status", data={
            "status": "closed", "reason": "fixed", "note": "Patched this morning.", "version": str(version)})
        assert response.status_code == 303

        closed = reader.get_service_request(number)
        assert closed["status"] == "closed" and closed["status_notes"] == "Patched this morning."
        assert closed["updated_datetime"] >= closed["requested_datetime"]
        listed = reader.get_service_requests(service_request_id=number, status="open")  # ids override status
        assert [r["service_request_id"] for r in listed] == [number]
        assert [r["service_request_id"] for r in reader.get_service_requests(status="closed")] == [number]
        xml_record = GeoReport(root, output_format="xml").get_service_request(number)
        assert xml_record["status"] == "closed" and xml_record["service_request_id"] == number
