"""Open311 on the wire: one data shape, written as XML or as JSON (the "Spark" mapping), errors as
lists of code + description, and datetimes as W3C-DTF in UTC with whole seconds and Z.

Views build plain Python data (dicts, lists, scalars) once; `respond` writes it in the requested
format. In XML a list becomes a container whose items take the singular name (services/service,
service_requests/request...); in JSON the list is the array itself.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from flask import Response

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# The item name of each plural container, as the spec and mySociety name them.
SINGULAR = {
    "services": "service", "attributes": "attribute", "values": "value", "service_requests": "request",
    "errors": "error", "endpoints": "endpoint", "formats": "format", "service_request_updates": "request_update",
    "notes": "note", "photos": "photo", "extensions": "extension", "groups": "group",
}
# Characters XML 1.0 cannot carry at all (imported text may hold them): dropped from XML output.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_W3C_DTF = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d\d:?\d\d)?$")


class Open311Error(Exception):
    """Answer with an Open311 error list. `errors` is [(code, description)]; `status` the HTTP status."""

    def __init__(self, status: int, description, *, more: list[tuple[int, str]] = ()):
        super().__init__(str(description))
        self.status = status
        self.errors = [(status, str(description)), *[(c, str(d)) for c, d in more]]


# ---------------------------------------------------------------- datetimes

def w3c(moment: datetime | None) -> str | None:
    """1994-11-05T13:15:30Z: UTC, whole seconds (mySociety's and Perl's parsers reject more)."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # stored datetimes are UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_w3c(text: str) -> tuple[datetime, bool]:
    """An aware UTC datetime and whether it was given to the second (so an "up to" bound can
    include the whole of that second). Zone-less times are read as UTC. Raises ValueError."""
    match = _W3C_DTF.match(text.strip())
    if not match:
        raise ValueError(text)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if not 1900 <= int(year) <= 9000:  # far from datetime's limits, so windows of ±90 days never overflow
        raise ValueError(text)
    moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                      int((fraction or "0")[:6].ljust(6, "0")))
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 14 or minutes > 59:
            raise ValueError(text)
        from datetime import timedelta, timezone
        moment = moment.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    else:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC), fraction is None


# ---------------------------------------------------------------- writing

def _scalar(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, (list, tuple)):
        item_name = SINGULAR.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    else:
        element.text = _scalar(value)


def to_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return (XML_DECLARATION + ET.tostring(element, encoding="unicode")).encode("utf-8")


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def respond(fmt: str, root: str, data, status: int = 200) -> Response:
    """`root` names the XML root; for a list it is also the container (e.g. "services")."""
    if fmt == "json":
        body = to_json(data)
    else:
        fmt = "xml"
        body = to_xml(root, data)
    return Response(body, status=status, content_type=FORMATS[fmt])


def error_response(fmt: str, error: Open311Error) -> Response:
    data = [{"code": code, "description": description} for code, description in error.errors]
    return respond(fmt, "errors", data, status=error.status)


def format_of(path: str) -> str:
    """The format a path asks for; XML, the spec's first format, when it names none we know."""
    return "json" if path.rstrip("/").endswith(".json") else "xml"
