"""/open311: GeoReport v2 in XML and JSON, for 311 apps and department systems.

Views are thin: read arguments (portal.open311.queries), call the services, write the answer
(portal.open311.formats). Every failure is an Open311 error list in the requested format.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import get_locale, lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from portal import limits
from portal.apikeys.service import verify
from portal.db import get_session
from portal.models import ApiKey, utcnow
from portal.open311 import openapi, posting, queries, records, updates
from portal.open311.formats import FORMATS, Open311Error, error_response, format_of, respond
from portal.open311.queries import Params
from portal.open311.records import setting
from portal.requests.catalogue import type_by_code
from portal.requests.service import request_by_number

bp = Blueprint("open311", __name__, url_prefix="/open311")
log = logging.getLogger("stoop.open311")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00Z"  # when this API last changed shape; bump with it
EXTENSIONS = ["servicerequestupdates", "updated_after", "updated_before", "page", "page_size", "extensions",
              "media", "Idempotency-Key"]
HTTP_TEXT = {
    400: _l("The request could not be read."), 403: _l("Not allowed."),
    404: _l("There is nothing at this address. See /open311/discovery.json."),
    405: _l("This address does not accept that method."), 413: _l("The request body is too large (at most 12 MB)."),
    429: _l("Too many requests. Wait a little and try again."),
}


# ---------------------------------------------------------------- plumbing

def jurisdiction() -> str:
    """The city's domain without www, as the spec names jurisdictions; OPEN311_JURISDICTION overrides."""
    configured = setting("OPEN311_JURISDICTION")
    if configured:
        return configured
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    return host.removeprefix("www.")


def base_url() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/open311/v2"


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, _l("Unknown format %(fmt)s: use .xml or .json.", fmt=fmt[:10]))
    if any(ord(c) < 32 for c in request.path):  # %00 and friends name nothing here (and break PostgreSQL)
        raise Open311Error(404, HTTP_TEXT[404])
    return fmt


def _params() -> Params:
    if g.get("bad_encoding"):
        raise Open311Error(400, _l("The body contains characters that are not UTF-8."))
    params = Params(request.args, request.form) if request.method == "POST" else Params(request.args)
    wanted = params.get("jurisdiction_id")
    if wanted is not None and wanted != jurisdiction():
        raise Open311Error(404, _l("Unknown jurisdiction_id %(id)s: this server serves %(ours)s.",
                                   id=wanted[:80], ours=jurisdiction()))
    return params


def _locale() -> str:
    return str(get_locale() or "en")


def _writer_key(params: Params) -> ApiKey:
    """The active key sent in the body or query string, within its rate limit."""
    key = verify(get_session(), params.get("api_key"))
    if key is None:
        raise Open311Error(403, _l("A valid api_key is required. Ask the city for one."))
    rule = setting("OPEN311_WRITE_LIMIT", "120 per minute")
    if wait := limits.over_limit(rule, f"open311:{key.id}"):
        error = Open311Error(429, _l("This api_key has sent too many requests. Wait %(seconds)s seconds.",
                                     seconds=wait))
        error.retry_after = wait
        raise error
    limits.record_hit(rule, f"open311:{key.id}")
    key.last_used_at = utcnow()
    get_session().add(key)
    return key


@bp.errorhandler(Open311Error)
def open311_error(error: Open311Error):
    get_session().rollback()
    response = error_response(format_of(request.path), error)
    if getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return http_error_response(error)


def http_error_response(error: HTTPException):
    """Also used by portal.web for /open311 paths no view matched (404, 405)."""
    code = error.code if error.code in HTTP_TEXT else 400
    response = error_response(format_of(request.path), Open311Error(code, HTTP_TEXT[code]))
    if code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


@bp.errorhandler(Exception)
def server_error(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    try:
        get_session().rollback()
    except Exception:  # noqa: BLE001 - the error answer must be written whatever the database does
        pass
    return error_response(format_of(request.path), Open311Error(500, _l("Something went wrong on our side.")))


@bp.after_request
def cors(response):
    """Any web page may read the API; writes need a key and come from servers, so no preflight."""
    if request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# ---------------------------------------------------------------- discovery and services

@bp.get("/discovery.<fmt>")
@bp.get("/v2/discovery.<fmt>")
def discovery(fmt: str):
    fmt = _format(fmt)
    site = current_app.config.get("SITE_NAME", "Stoop")
    data = {
        "changeset": CHANGESET,
        "contact": setting("OPEN311_CONTACT")
        or f"{site} ({current_app.config.get('CITY_NAME', '')}): {current_app.config['PUBLIC_URL'].rstrip('/')}/",
        "key_service": setting("OPEN311_KEY_SERVICE")
        or str(_l("Reading needs no key. To post, ask the city's administrators for an API key "
                  "(issued on the admin pages or with `stoop create-api-key NAME`).")),
        "endpoints": [{
            "specification": SPECIFICATION, "url": base_url(), "changeset": CHANGESET,
            "type": setting("OPEN311_ENDPOINT_TYPE", "production"),
            "formats": ["text/xml", "application/json"], "extensions": EXTENSIONS,
        }],
    }
    return respond(fmt, "discovery", data)


@bp.get("/v2/services.<fmt>")
def services(fmt: str):
    fmt = _format(fmt)
    _params()
    return respond(fmt, "services", records.service_records(get_session(), _locale()))


@bp.get("/v2/services/<code>.<fmt>")
def service_definition(code: str, fmt: str):
    fmt = _format(fmt)
    _params()
    service_type = type_by_code(get_session(), code)
    if service_type is None:
        raise Open311Error(404, _l("There is no service with the code %(code)s.", code=code[:40]))
    return respond(fmt, "service_definition", records.service_definition(get_session(), service_type, _locale()))


# ---------------------------------------------------------------- requests

@bp.get("/v2/requests.<fmt>")
def list_requests(fmt: str):
    fmt = _format(fmt)
    query = queries.read_request_query(_params())
    session = get_session()
    found = queries.find_requests(session, query)
    return respond(fmt, "service_requests",
                   records.request_records(session, found, _locale(), extensions=query.extensions))


@bp.get("/v2/requests/<number>.<fmt>")
def show_request(number: str, fmt: str):
    fmt = _format(fmt)
    params = _params()
    session = get_session()
    found = request_by_number(session, number) if number.isascii() and number.isdigit() else None
    if found is None:
        raise Open311Error(404, _l("There is no request with the id %(id)s.", id=number[:20]))
    extensions = queries.read_flag(params, "extensions")
    return respond(fmt, "service_requests", records.request_records(session, [found], _locale(), extensions=extensions))


@bp.post("/v2/requests.<fmt>")
def post_request(fmt: str):
    fmt = _format(fmt)
    params = _params()
    key = _writer_key(params)
    posted = posting.post_request(get_session(), params, key, request.headers.get("Idempotency-Key"), _locale(),
                                  request.files)
    if posted.token:
        posting.file_soon(posted.token)
        return respond(fmt, "service_requests", [{"token": posted.token}])
    return respond(fmt, "service_requests", [{"service_request_id": posted.request.number}])


@bp.get("/v2/tokens/<token>.<fmt>")
def token(token: str, fmt: str):
    fmt = _format(fmt)
    _params()
    found = posting.token_record(get_session(), token)
    if found is None:
        raise Open311Error(404, _l("Unknown token."))
    return respond(fmt, "service_requests", [found])


# ---------------------------------------------------------------- servicerequestupdates (mySociety)

@bp.get("/v2/servicerequestupdates.<fmt>")
def list_updates(fmt: str):
    fmt = _format(fmt)
    query = queries.read_update_query(_params())
    return respond(fmt, "service_request_updates", updates.update_records(queries.find_updates(get_session(), query)))


@bp.post("/v2/servicerequestupdates.<fmt>")
def post_update(fmt: str):
    fmt = _format(fmt)
    params = _params()
    key = _writer_key(params)
    session = get_session()
    update, mails = updates.push_update(session, params, key)
    session.commit()
    if mails:
        from portal.notify.dispatch import deliver_soon
        deliver_soon([m.id for m in mails])
    return respond(fmt, "service_request_updates", [{"update_id": str(update.id)}])


# ---------------------------------------------------------------- description

@bp.get("/v2/openapi.json")
def openapi_document():
    response = jsonify(openapi.build(base_url()))
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return response
