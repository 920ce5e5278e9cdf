"""The OpenAPI 3.0 description of the JSON API, served at /open311/v2/openapi.json.

Kept next to the views and checked against them by schemathesis in the tests, so it cannot drift.
"""
from __future__ import annotations

from portal.open311.queries import MAX_IDS, MAX_PAGE, MAX_PAGE_SIZE


def _nullable(kind: str, **extra) -> dict:
    return {"type": kind, "nullable": True, **extra}


STRING = {"type": "string"}
DATETIME = {"type": "string", "format": "date-time"}
ERRORS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": STRING}}}
SERVICE = {
    "type": "object", "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": STRING, "service_name": STRING, "description": _nullable("string"),
        "metadata": {"type": "boolean"}, "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
        "keywords": _nullable("string"), "group": _nullable("string"),
    },
}
DEFINITION = {
    "type": "object", "required": ["service_code", "attributes"],
    "properties": {
        "service_code": STRING,
        "attributes": {"type": "array", "items": {
            "type": "object", "required": ["variable", "code", "datatype", "required", "order", "description"],
            "properties": {
                "variable": {"type": "boolean"}, "code": STRING,
                "datatype": {"type": "string", "enum": ["string", "number", "datetime", "text", "singlevaluelist",
                                                        "multivaluelist"]},
                "required": {"type": "boolean"}, "datatype_description": _nullable("string"),
                "order": {"type": "integer", "minimum": 1}, "description": STRING,
                "values": {"type": "array", "items": {"type": "object", "required": ["key", "name"],
                                                      "properties": {"key": STRING, "name": STRING}}},
            }}},
    },
}
REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "service_name", "requested_datetime",
                 "updated_datetime", "description", "address", "address_id", "zipcode", "lat", "long", "media_url"],
    "properties": {
        "service_request_id": STRING, "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": _nullable("string"), "service_name": STRING, "service_code": STRING,
        "description": _nullable("string", maxLength=4000), "agency_responsible": _nullable("string"),
        "service_notice": _nullable("string"), "requested_datetime": DATETIME,
        "updated_datetime": _nullable("string", format="date-time"),
        "expected_datetime": _nullable("string", format="date-time"),
        "address": _nullable("string"), "address_id": _nullable("string"), "zipcode": _nullable("string"),
        "lat": _nullable("number"), "long": _nullable("number"), "media_url": _nullable("string", format="uri"),
        "extended_attributes": {"type": "object", "description": "With extensions=true: channel, neighbourhood, "
                                "coreporter_count, expected_datetime, closure_reason, duplicate_of, photos."},
        "attributes": {"type": "array", "items": {"type": "object"}},
        "notes": {"type": "array", "items": {
            "type": "object", "required": ["datetime", "type", "description"],
            "properties": {"datetime": DATETIME, "type": STRING, "description": STRING, "summary": STRING}}},
    },
}
POSTED = {"type": "array", "items": {"type": "object", "properties": {
    "service_request_id": STRING, "token": STRING, "service_notice": _nullable("string"),
    "account_id": _nullable("string")}}}
TOKEN = {"type": "array", "items": {"type": "object", "required": ["service_request_id", "token"], "properties": {
    "service_request_id": _nullable("string"), "token": STRING}}}
UPDATE = {
    "type": "object",
    "required": ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"],
    "properties": {"update_id": STRING, "service_request_id": STRING, "status": STRING,
                   "updated_datetime": DATETIME, "description": STRING, "media_url": STRING},
}
DISCOVERY = {
    "type": "object", "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": DATETIME, "contact": STRING, "key_service": STRING,
        "endpoints": {"type": "array", "items": {
            "type": "object", "required": ["specification", "url", "changeset", "type", "formats"],
            "properties": {"specification": STRING, "url": STRING, "changeset": DATETIME,
                           "type": {"type": "string", "enum": ["production", "test"]},
                           "formats": {"type": "array", "items": STRING},
                           "extensions": {"type": "array", "items": STRING}}}},
    },
}


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    text = {400: "Bad arguments", 403: "Missing, invalid or revoked api_key", 404: "Not found",
            413: "Body too large", 422: "Idempotency-Key reused with another body", 429: "Too many posts for this key"}
    return {str(code): _json({"$ref": "#/components/schemas/Errors"}, text[code]) for code in codes}


JURISDICTION = _query("jurisdiction_id", STRING, "Optional: this server serves one jurisdiction.")


def build(base_url: str) -> dict:
    ids = f"Comma-separated, at most {MAX_IDS}; overrides every other argument."
    paging = [_query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page number, from 1 (newest first)."),
              _query("page_size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}, "Default and maximum 1000.")]
    post_fields = {name: STRING for name in (
        "api_key", "jurisdiction_id", "service_code", "address_string", "address_id", "email", "device_id",
        "account_id", "first_name", "last_name", "phone", "media_url")}
    post_fields.update(lat={"type": "number"}, long={"type": "number"}, description={"type": "string", "maxLength": 4000})
    return {
        "openapi": "3.0.3",
        "info": {"title": "Stoop Open311 GeoReport v2 (JSON)", "version": "2",
                 "description": "GeoReport v2 with mySociety's servicerequestupdates, v2.1's updated_after/"
                                "updated_before, page/page_size and extensions=true. Every path also answers "
                                "in XML with the .xml suffix."},
        "servers": [{"url": base_url}],
        "paths": {
            "/discovery.json": {"get": {"operationId": "discovery", "responses": {
                "200": _json(DISCOVERY, "Service discovery")}}},
            "/services.json": {"get": {"operationId": "services", "parameters": [JURISDICTION], "responses": {
                "200": _json({"type": "array", "items": SERVICE}, "Service list"), **_errors(400, 404)}}},
            "/services/{service_code}.json": {"get": {
                "operationId": "serviceDefinition",
                "parameters": [{"name": "service_code", "in": "path", "required": True, "schema": STRING},
                               JURISDICTION],
                "responses": {"200": _json(DEFINITION, "Service definition"), **_errors(400, 404)}}},
            "/requests.json": {
                "get": {"operationId": "requests", "parameters": [
                    JURISDICTION, _query("service_request_id", STRING, ids), _query("service_code", STRING),
                    _query("start_date", DATETIME), _query("end_date", DATETIME),
                    _query("status", STRING, "open, closed or open,closed"),
                    _query("updated_after", DATETIME), _query("updated_before", DATETIME), *paging,
                    _query("extensions", {"type": "boolean"})],
                    "responses": {"200": _json({"type": "array", "items": REQUEST}, "Requests, newest first"),
                                  **_errors(400, 404)}},
                "post": {"operationId": "postRequest",
                         "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                         "schema": {"type": "string", "maxLength": 200}}],
                         "requestBody": {"required": True, "content": {
                             "application/x-www-form-urlencoded": {"schema": {
                                 "type": "object", "required": ["api_key", "service_code"],
                                 "properties": post_fields, "additionalProperties": True}},
                             "multipart/form-data": {"schema": {  # v2.1 draft: photos as `media`
                                 "type": "object", "required": ["api_key", "service_code"],
                                 "properties": {**post_fields, "media": {"type": "string", "format": "binary"}}}}}},
                         "responses": {"200": _json(POSTED, "Filed (service_request_id) or accepted (token)"),
                                       **_errors(400, 403, 404, 413, 422, 429)}},
            },
            "/requests/{service_request_id}.json": {"get": {
                "operationId": "request",
                "parameters": [{"name": "service_request_id", "in": "path", "required": True, "schema": STRING},
                               JURISDICTION, _query("extensions", {"type": "boolean"})],
                "responses": {"200": _json({"type": "array", "items": REQUEST, "minItems": 1, "maxItems": 1},
                                           "One request"), **_errors(400, 404)}}},
            "/tokens/{token}.json": {"get": {
                "operationId": "token",
                "parameters": [{"name": "token", "in": "path", "required": True, "schema": STRING}, JURISDICTION],
                "responses": {"200": _json(TOKEN, "The request a batch token became (null until filed)"),
                              **_errors(400, 404)}}},
            "/servicerequestupdates.json": {
                "get": {"operationId": "updates", "parameters": [
                    JURISDICTION, _query("api_key", STRING), _query("start_date", DATETIME),
                    _query("end_date", DATETIME), _query("service_request_id", STRING), *paging],
                    "responses": {"200": _json({"type": "array", "items": UPDATE}, "Public updates, oldest first"),
                                  **_errors(400, 404)}},
                "post": {"operationId": "postUpdate",
                         "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
                             "schema": {"type": "object",
                                        "required": ["api_key", "service_request_id", "update_id", "status",
                                                     "updated_datetime", "description"],
                                        "properties": {
                                            "api_key": STRING, "jurisdiction_id": STRING, "service_request_id": STRING,
                                            "update_id": STRING, "status": STRING, "updated_datetime": DATETIME,
                                            "description": STRING, "media_url": STRING}}}}},
                         "responses": {"200": _json({"type": "array", "items": {
                             "type": "object", "required": ["update_id"], "properties": {"update_id": STRING}}},
                             "The update's id here"), **_errors(400, 403, 404, 413, 429)}},
            },
        },
        "components": {"schemas": {"Errors": ERRORS}},
    }
