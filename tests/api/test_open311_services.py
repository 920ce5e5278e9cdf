"""Open311 discovery, transport, services and definitions (OPEN311.md checklist items 1-12)."""
from datetime import UTC, datetime

import pytest

from tests.api.conftest import W3C, parse_xml, read, validate, xml_items


def test_discovery_in_both_formats_points_at_a_working_endpoint(api):
    """Checklist 1, 2."""
    for prefix in ("/open311", "/open311/v2"):
        data = read(api.client.get(f"{prefix}/discovery.json"), "json")
        assert data["changeset"] and data["contact"] and data["key_service"]
        endpoint = next(e for e in data["endpoints"] if e["specification"] == "http://wiki.open311.org/GeoReport_v2")
        assert {"text/xml", "application/json"} <= set(endpoint["formats"])
        assert "servicerequestupdates" in endpoint["extensions"] and endpoint["type"] in ("production", "test")
        path = endpoint["url"].removeprefix(api.app.config["PUBLIC_URL"])
        assert api.client.get(f"{path}/services.xml").status_code == 200
        for changeset in (data["changeset"], endpoint["changeset"]):
            assert W3C.match(changeset)
            assert datetime.fromisoformat(changeset.replace("Z", "+00:00")) <= datetime.now(UTC)
        root = read(api.client.get(f"{prefix}/discovery.xml"), "xml")
        assert root.tag == "discovery" and root.findtext("changeset") == data["changeset"]
        formats = [f.text for f in root.find("endpoints/endpoint/formats")]
        assert formats == ["text/xml", "application/json"]
        assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"


def test_xml_is_declared_utf8_without_namespace_and_json_parses(api):
    """Checklist 3 (read() checks every response the same way)."""
    response = api.client.get("/open311/v2/services.xml")
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    parse_xml(response.get_data())
    response = api.client.get("/open311/v2/services.json")
    assert response.headers["Content-Type"] == "application/json; charset=utf-8" and response.json


@pytest.mark.parametrize("path", ["/open311/v2/services.csv", "/open311/v2/services", "/open311/v2/nothing.json",
                                  "/open311/v2/requests.html", "/open311/v3/services.json", "/open311/",
                                  "/open311/v2/services/pothole.yaml"])
def test_unknown_suffix_or_path_is_an_open311_404(api, path):
    """Checklist 5: 404 with an Open311 error body, never HTML, never 200 or 500."""
    response = api.client.get(path)
    assert response.status_code == 404
    fmt = "json" if path.endswith(".json") else "xml"
    read(response, fmt)


def test_wrong_method_is_an_open311_405(api):
    response = api.client.delete("/open311/v2/requests.json", csrf=False)
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert read(response, "json")[0]["code"] == 405
    response = api.client.put("/open311/v2/services.xml", csrf=False)
    assert response.status_code == 405 and read(response, "xml").findtext("error/code") == "405"


def test_service_list_in_both_formats(api):
    """Checklist 6, 7, 8: JSON array valid against services.json; XML lists the same codes and names."""
    services = api.get("services", "json")
    assert isinstance(services, list) and len(services) == 62
    codes = [s["service_code"] for s in services]
    assert len(set(codes)) == len(codes) and all(isinstance(c, str) and c for c in codes)
    for service in services:
        assert service["service_name"] and service["type"] in ("realtime", "batch", "blackbox")
        assert isinstance(service["metadata"], bool)
    pothole = next(s for s in services if s["service_code"] == "pothole")
    assert pothole["metadata"] is True and pothole["group"] == "Streets and sidewalks"
    assert "pothole" in pothole["keywords"].split(",")
    assert any(s["metadata"] is False for s in services)  # types without questions
    root = api.get("services", "xml")
    assert root.tag == "services" and all(child.tag == "service" for child in root)
    items = xml_items(root)
    assert [(i["service_code"], i["service_name"]) for i in items] == [(s["service_code"], s["service_name"]) for s in services]
    assert {i["metadata"] for i in items} == {"true", "false"}


def test_jurisdiction_missing_empty_ours_or_unknown(api):
    """Checklist 9: missing or empty = ours; unknown = 404 with errors (both formats)."""
    everything = api.get("services")
    assert api.get("services", jurisdiction_id="") == everything
    assert api.get("services", jurisdiction_id="localhost") == everything  # PUBLIC_URL's host
    for fmt in ("json", "xml"):
        api.get("services", fmt, expect=404, jurisdiction_id="sfgov.org")
        api.get("services/pothole", fmt, expect=404, jurisdiction_id="sfgov.org")
        api.get("requests", fmt, expect=404, jurisdiction_id="sfgov.org")


def test_definitions_of_every_metadata_service(api):
    """Checklist 10, 11: each metadata=true service's definition, both formats, valid and consistent."""
    datatypes = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
    for service in api.get("services"):
        if not service["metadata"]:
            continue
        code = service["service_code"]
        definition = api.get(f"services/{code}")
        validate(definition, "service-definition.json")
        assert definition["service_code"] == code and definition["attributes"]
        attributes = definition["attributes"]
        assert len({a["code"] for a in attributes}) == len(attributes)
        assert sorted(a["order"] for a in attributes) == list(range(1, len(attributes) + 1))
        for attribute in attributes:
            assert attribute["variable"] is True and isinstance(attribute["required"], bool)
            assert attribute["datatype"] in datatypes and attribute["description"]
            if attribute["datatype"].endswith("valuelist"):
                assert attribute["values"] and all(v["key"] and v["name"] for v in attribute["values"])
        root = api.get(f"services/{code}", "xml")
        assert root.tag == "service_definition" and root.findtext("service_code") == code
        xml_attributes = root.findall("attributes/attribute")
        assert [a.findtext("code") for a in xml_attributes] == [a["code"] for a in attributes]
        assert {a.findtext("required") for a in xml_attributes} <= {"true", "false"}


def test_definition_in_the_readers_language(api):
    english = api.get("services/pothole")
    response = api.client.get("/open311/v2/services/pothole.json", headers={"Accept-Language": "es"})
    spanish = read(response, "json", "services/pothole")
    assert spanish["attributes"][0]["description"] != english["attributes"][0]["description"]
    assert [v["key"] for v in spanish["attributes"][0]["values"]] == [v["key"] for v in english["attributes"][0]["values"]]


def test_unknown_service_code_is_404_in_both_formats(api):
    """Checklist 12."""
    assert api.get("services/NOPE", "json", expect=404)[0]["code"] == 404
    assert api.get("services/NOPE", "xml", expect=404).findtext("error/code") == "404"


def test_gets_allow_any_origin(api):
    response = api.client.get("/open311/v2/services.json", headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_openapi_document_describes_the_json_api(api):
    response = api.client.get("/open311/v2/openapi.json")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    document = response.json
    assert document["openapi"].startswith("3.") and document["servers"][0]["url"] == "http://localhost/open311/v2"
    assert {"/services.json", "/requests.json", "/servicerequestupdates.json", "/tokens/{token}.json"} <= set(document["paths"])
    assert set(document["paths"]["/requests.json"]) == {"get", "post"}
