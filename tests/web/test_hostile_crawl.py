"""Every route, every role, hostile input: wrong, oversized, control characters, markup, SQL and
template injection, out-of-range numbers, forged ids, with and without a CSRF token. Whatever
the answer, it is never a 5xx. (Each feature's own tests check the exact 4xx and the kept input.)"""
import random
import re

import pytest
from sqlmodel import select

from portal import db
from portal.models import ServiceRequest

HOSTILE = ["", "x" * 5000, "<script>alert(1)</script>", "' OR 1=1--", "\x00", "%FF", "\u202e evil", "-1",
           "99999999999999999999", "NaN", "1e309", "javascript:alert(1)", "../../etc/passwd", "{{7*7}}",
           "2026-13-45", "\U0001f4a5" * 50]
FIELDS = ["title", "body", "name", "email", "password", "description", "status", "reason", "note", "text",
          "department", "assignee", "priority", "ids", "version", "lat", "lon", "address", "type", "service_code",
          "q", "phone", "kind", "level", "contact", "starts_at", "ends_at", "place", "tag", "reply_to", "requests",
          "action", "locale", "role", "closure_reason", "target", "number", "channel", "idempotency_key",
          "as_organisation", "code", "datatype", "values", "page", "sort", "bbox", "zoom"]
ROLES = [None, "resident", "agent", "staff", "moderator", "admin"]


@pytest.fixture
def demo_city(app, tmp_path, monkeypatch):
    import portal.demo
    monkeypatch.setattr(portal.demo, "ACCOUNTS_FILE", tmp_path / "accounts.txt")
    app.config["LOGIN_LIMIT"] = "1000 per minute"
    output = app.test_cli_runner().invoke(args=["demo"]).output
    accounts = {}
    for role, email, password in re.findall(r"^(\w+)\s+(\S+@\S+)\s+password: (\S+)", output, re.M):
        accounts.setdefault(role, (email, password))
    with app.app_context():
        numbers = list(db.get_session().exec(select(ServiceRequest.number).limit(3)))
    return app, accounts, numbers


def _arguments(rule, rng: random.Random, numbers: list[str]) -> dict:
    values = {}
    for name in rule.arguments:
        converter = type(rule._converters.get(name)).__name__
        if converter == "IntegerConverter":
            values[name] = rng.choice([1, 2, 999_999])
        elif name == "number":
            values[name] = rng.choice(numbers + ["00000000", "abc"])
        elif name == "slug":
            values[name] = rng.choice(["city", "fishtown", "nowhere"])
        elif name == "fmt":
            values[name] = rng.choice(["json", "xml", "html"])
        else:
            values[name] = rng.choice(["1", "x", "city", "streets", "pothole"])
    return values


def test_no_route_answers_5xx_to_hostile_input(demo_city):
    app, accounts, numbers = demo_city
    rng = random.Random(311)
    failures, sent = [], 0
    for role in ROLES:
        client = app.test_client()
        if role:
            email, password = accounts[role]
            assert client.post("/signin", data={"email": email, "password": password}).status_code == 303
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or rule.rule.endswith("/signout"):
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for _attempt in range(2):
                    path = rule.build(_arguments(rule, rng, numbers), append_unknown=False)[1]
                    data = {field: rng.choice(HOSTILE) for field in rng.sample(FIELDS, 8)}
                    if method == "GET":
                        response = client.get(path, query_string=dict(list(data.items())[:3]))
                    else:
                        response = client.open(path, method=method, data=data, csrf=rng.random() < 0.85)
                    sent += 1
                    if response.status_code >= 500:
                        failures.append((role, method, path, response.status_code, data))
                    response.close()
    assert sent > 1000
    assert failures == []


HUGE = "99999999999999999999"


@pytest.mark.parametrize("role, method, path, data", [
    (None, "get", f"/boards/city?page={HUGE}", None),
    (None, "get", f"/threads/1?reply_to={HUGE}", None),
    (None, "get", f"/threads/1/posts?after={HUGE}", None),
    (None, "get", f"/requests?page={HUGE}", None),
    ("staff", "get", f"/staff?assignee={HUGE[:12]}&page={HUGE}", None),
    ("staff", "post", "/staff/filters", {"name": "mine", "assignee": HUGE[:12]}),
    ("staff", "post", "/staff/bulk", {"action": "assign", "ids": HUGE, "assignee": HUGE, "priority": HUGE}),
    ("admin", "post", "/admin/keys", {"name": "x", "department": HUGE}),
    ("admin", "get", f"/admin/audit?page={HUGE}", None),
    ("resident", "get", f"/notifications?page={HUGE}", None),
])
def test_numbers_too_big_for_the_database_are_never_a_5xx(demo_city, role, method, path, data):
    """Ids and page numbers longer than any integer column: a 4xx or an empty answer, on both databases."""
    app, accounts, _numbers = demo_city
    client = app.test_client()
    if role:
        email, password = accounts[role]
        assert client.post("/signin", data={"email": email, "password": password}).status_code == 303
    response = client.post(path, data=data) if method == "post" else client.get(path)
    assert response.status_code < 500
