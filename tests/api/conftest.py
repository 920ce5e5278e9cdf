"""Open311 test helpers: every response is checked on the way in.

`api.get` / `api.post` assert the content type of the format asked for, parse every XML body
(declaration, well-formed, no namespace) and validate every JSON body against the Open311 JSON
Schemas (open311/schema-validation), read from ../shared/data/open311-schemas (never copied here).
"""
from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4
from sqlalchemy import insert
from sqlmodel import select

from portal import db

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "open311-schemas"


def pytest_collection_modifyitems(config, items):
    """The schemas are the shared data's, not ours: without them the API tests cannot check
    conformance, so they are skipped with the reason (and fail in CI, where the data must be)."""
    if SCHEMAS.is_dir():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"the Open311 JSON Schemas are required in CI: {SCHEMAS} is absent")
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason=f"the Open311 JSON Schemas are not here ({SCHEMAS})")
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
DATETIME_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime", "changeset", "datetime")


def _registry() -> Registry:
    if not SCHEMAS.is_dir():
        return Registry()
    resources = [(p.name, DRAFT4.create_resource(json.loads(p.read_text()))) for p in SCHEMAS.glob("*.json")
                 if p.name != "swagger.json"]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(data, schema_name: str) -> None:
    schema = json.loads((SCHEMAS / schema_name).read_text())
    Draft4Validator(schema, registry=REGISTRY, format_checker=Draft4Validator.FORMAT_CHECKER).validate(data)


def schema_for(path: str) -> str | None:
    if re.fullmatch(r"services", path):
        return "services.json"
    if re.fullmatch(r"services/[^/]+", path):
        return "service-definition.json"
    if re.fullmatch(r"requests(/\d+)?", path):
        return "requests.json"
    return None


def all_datetimes(data):
    """Every datetime-valued leaf of a parsed JSON body."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in DATETIME_FIELDS and value is not None:
                yield value
            else:
                yield from all_datetimes(value)
    elif isinstance(data, list):
        for item in data:
            yield from all_datetimes(item)


def parse_xml(body: bytes) -> ET.Element:
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:80]
    root = ET.fromstring(body)
    assert all("{" not in element.tag for element in root.iter()), "no namespace"
    return root


def xml_items(root: ET.Element) -> list[dict]:
    """<container><item><field>text</field>...</item>...</container> as a list of {field: text}."""
    return [{child.tag: (child.text or "") for child in item} for item in root]


def read(response, fmt: str, path: str = ""):
    """The parsed body, after checking content type, well-formedness and (JSON, 200) the schema."""
    if fmt == "json":
        assert response.headers["Content-Type"] == "application/json; charset=utf-8", response.headers["Content-Type"]
        data = json.loads(response.get_data().decode("utf-8"))
        if response.status_code == 200 and (schema := schema_for(path)):
            validate(data, schema)
        if response.status_code >= 400:
            assert isinstance(data, list) and data and all({"code", "description"} <= set(e) for e in data), data
            assert all(isinstance(e["code"], int) and e["description"] for e in data)
        for value in all_datetimes(data):
            assert W3C.match(value), value
        return data
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8", response.headers["Content-Type"]
    root = parse_xml(response.get_data())
    if response.status_code >= 400:
        assert root.tag == "errors" and len(root) >= 1
        assert all(e.tag == "error" and e.findtext("code") and e.findtext("description") for e in root)
    return root


class Api:
    def __init__(self, app, client, key: str, lat: float, lon: float):
        self.app, self.client, self.key, self.lat, self.lon = app, client, key, lat, lon
        self._department_keys: dict[int, str] = {}

    def department_key(self, number: str) -> str:
        """The key of the system of the department that handles request `number` (made once)."""
        from portal.apikeys.service import create_key
        from portal.models import Department, ServiceRequest
        with self.app.app_context(), db.writing():
            session = db.get_session()
            found = session.exec(select(ServiceRequest).where(ServiceRequest.number == number)).first()
            if found is None:
                return self.key
            if found.department_id not in self._department_keys:
                department = session.get(Department, found.department_id)
                _key, plain = create_key(session, f"{department.code} system", department_id=department.id)
                session.commit()
                self._department_keys[found.department_id] = plain
            return self._department_keys[found.department_id]

    def get(self, path: str, fmt: str = "json", expect: int = 200, **params):
        response = self.client.get(f"/open311/v2/{path}.{fmt}", query_string=params)
        assert response.status_code == expect, (response.status_code, response.get_data(as_text=True)[:500])
        return read(response, fmt, path)

    def post(self, path: str, data, fmt: str = "json", expect: int = 200, headers=None, **kwargs):
        response = self.client.post(f"/open311/v2/{path}.{fmt}", data=data, headers=headers or {}, csrf=False,
                                    **kwargs)
        assert response.status_code == expect, (response.status_code, response.get_data(as_text=True)[:500])
        response.close()  # what follows the response (mail, batch filing) runs now, as behind a real server
        return read(response, fmt)  # POST answers are not request records: no schema in the set for them

    def report(self, service_code: str = "pothole", **fields) -> dict:
        """A valid POST body for a pothole in the middle of a neighbourhood."""
        body = {"api_key": self.key, "service_code": service_code, "lat": str(self.lat), "long": str(self.lon),
                "attribute[size]": "small", "description": "A deep hole by the kerb"}
        body.update(fields)
        return {k: v for k, v in body.items() if v is not None}

    def file(self, **fields) -> str:
        return self.post("requests", self.report(**fields))[0]["service_request_id"]

    def session(self):
        return db.get_session()


@pytest.fixture
def api(city, client):
    from portal.apikeys.service import create_key
    from portal.models import Area
    with city.app_context(), db.writing():
        session = db.get_session()
        _key, plain = create_key(session, "Streets app")
        session.commit()
        area = session.exec(select(Area).where(Area.kind == "neighbourhood").order_by(Area.id)).first()
        lat, lon = area.centre_lat, area.centre_lon
    return Api(city, client, plain, lat, lon)


def backdate(app, number: str, *, days: float = 0, hours: float = 0, closed: bool = False) -> None:
    """Move a request's times into the past, as if it had been filed then."""
    from portal.models import ServiceRequest, Status, utcnow
    with app.app_context(), db.writing():
        session = db.get_session()
        found = session.exec(select(ServiceRequest).where(ServiceRequest.number == number)).one()
        moment = utcnow() - timedelta(days=days, hours=hours)
        found.created_at = found.updated_at = moment
        if closed:
            found.status, found.closure_reason, found.closed_at = Status.closed, "fixed", moment
        session.add(found)
        session.commit()


def bulk_requests(app, count: int, *, days_ago: float = 1) -> None:
    """Many requests at once, straight into the table (as the importer does)."""
    from portal.models import ServiceRequest, ServiceType, utcnow
    with app.app_context(), db.writing():
        session = db.get_session()
        service_type = session.exec(select(ServiceType).where(ServiceType.code == "pothole")).one()
        base = utcnow() - timedelta(days=days_ago)
        rows = [dict(number=f"9{i:07d}", service_type_id=service_type.id, department_id=service_type.department_id,
                     status="open", description=f"bulk {i}", answers={}, lat=39.95, lon=-75.16, address="",
                     channel="web", media_url="", location_approximate=False, coreporter_count=0, priority=0,
                     version=1, reporter_name="Secret Name", reporter_email="secret@example.org",
                     reporter_phone="215-555-0100", created_at=base - timedelta(seconds=i),
                     updated_at=base - timedelta(seconds=i), expected_at=base + timedelta(days=5))
                for i in range(count)]
        session.execute(insert(ServiceRequest), rows)
        session.commit()


def make_app_with_smtp(database_url, tmp_path, smtp_url: str):
    """An app whose mail really leaves through SMTP, with the city loaded and an API key."""
    from portal.apikeys.service import create_key
    from portal.models import Area
    from tests.conftest import load_city, make_app
    app = make_app(database_url, tmp_path, SMTP_URL=smtp_url)
    load_city(app)
    with app.app_context(), db.writing():
        session = db.get_session()
        _key, plain = create_key(session, "Streets app")
        session.commit()
        area = session.exec(select(Area).where(Area.kind == "neighbourhood").order_by(Area.id)).first()
        lat, lon = area.centre_lat, area.centre_lon
    return app, Api(app, app.test_client(), plain, lat, lon)
