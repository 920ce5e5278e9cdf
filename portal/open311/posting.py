"""POST requests: an app or city system files a request with an API key.

The same rules as the web form: `validate_answers` for attributes, `check_location` for the
place, `submit_request` to file. Idempotency-Key: the same key with the same body gives the same
request; with another body, 422. Batch service types answer with a token and are filed right after
the response (or by the RQ worker when Redis is configured).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.areas.addresses import normalize, suggest
from portal.models import AddressPoint, ApiKey, IdempotencyKey, Open311Token, ServiceRequest, ServiceType, utcnow
from portal.open311.formats import Open311Error
from portal.open311.queries import Params
from portal.open311.records import batch_codes
from portal.requests.answers import validate_answers
from portal.requests.catalogue import questions_for, type_by_code
from portal.requests.photos import PhotoRejected, process_photo, store_photo
from portal.requests.report_form import MAX_PHOTOS
from portal.requests.service import (
    MAX_DESCRIPTION, Location, NewRequest, Reporter, StoredPhoto, check_location, submit_request,
)
from portal.validation import EMAIL, Invalid, clean_text, parse_float

ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,40})\](\[\])?$")
IDEMPOTENCY_SCOPE = "open311"
NOT_FINGERPRINTED = {"api_key"}  # the same post retried with a rotated key is still the same post


@dataclass
class Posted:
    """What a POST produced: a filed request (realtime) or a token (batch)."""
    request: ServiceRequest | None = None
    token: str | None = None


def _text(params: Params, name: str, *, max_length: int, multiline: bool = False) -> str:
    try:
        value = clean_text(params.get(name), multiline=multiline)
    except ValueError as problem:
        raise Open311Error(400, f"{name}: {problem.args[0]}") from None
    if len(value) > max_length:
        raise Open311Error(400, _l("%(name)s is too long: at most %(max)s characters.", name=name, max=max_length))
    return value


def _number(params: Params, name: str, low: float, high: float) -> float:
    try:
        return parse_float(params.get(name), low=low, high=high)
    except ValueError as problem:
        raise Open311Error(400, f"{name}: {problem.args[0]}") from None


def read_location(session: Session, params: Params) -> Location:
    """lat+long win; else a known address_id; else address_string looked up among the city's addresses."""
    address = _text(params, "address_string", max_length=200)
    has_lat, has_long = params.get("lat") is not None, params.get("long") is not None
    if has_lat != has_long:
        raise Open311Error(400, _l("Send lat and long together."))
    if has_lat:
        location = Location(lat=_number(params, "lat", -90, 90), lon=_number(params, "long", -180, 180),
                            address=address)
    elif (address_id := params.get("address_id")) is not None:
        known = address_id.isascii() and address_id.isdigit() and len(address_id) < 12
        point = session.get(AddressPoint, int(address_id)) if known else None
        if point is None:
            raise Open311Error(400, _l("address_id is not one of the city's addresses."))
        location = Location(lat=point.lat, lon=point.lon, address=address or point.address)
    elif address:
        point = _address_point(session, address)
        if point is None:
            raise Open311Error(400, _l("That address was not found. Send lat and long as well."))
        location = Location(lat=point.lat, lon=point.lon, address=address)
    else:
        raise Open311Error(400, _l("Say where the problem is: lat and long, address_string or address_id."))
    try:
        return check_location(session, location)
    except Invalid as invalid:
        raise Open311Error(400, "; ".join(str(m) for m in invalid.errors.values())) from None


def _address_point(session: Session, address: str) -> AddressPoint | None:
    wanted = normalize(address)
    exact = session.exec(select(AddressPoint).where(AddressPoint.normalized == wanted).limit(1)).first()
    if exact is not None:
        return exact
    found = suggest(session, address, limit=1)
    return found[0] if found else None


def read_attributes(params: Params) -> dict[str, list[str]]:
    """attribute[CODE]=v, and attribute[CODE][]=v1&attribute[CODE][]=v2 for a multivaluelist."""
    raw: dict[str, list[str]] = {}
    for name, value in params.items():
        match = ATTRIBUTE.match(name)
        if match:
            raw.setdefault(match.group(1), []).append(value)
    return raw


def read_reporter(params: Params) -> Reporter:
    """Optional contact fields: stored privately on the request, never returned by the API."""
    email = _text(params, "email", max_length=254).lower()
    if email and not EMAIL.match(email):
        raise Open311Error(400, _l("email is not an email address."))
    name = " ".join(filter(None, (_text(params, "first_name", max_length=40),
                                  _text(params, "last_name", max_length=40))))
    return Reporter(name=name[:80], email=email, phone=_text(params, "phone", max_length=40))


def read_media_url(params: Params) -> str:
    url = _text(params, "media_url", max_length=500)
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
            raise Open311Error(400, _l("media_url must be an http or https URL."))
    return url


def read_media(files) -> list[dict]:
    """v2.1's multipart `media` / `media[]` photos: re-encoded and stripped like the web form's.
    Uploads take precedence over a posted media_url."""
    uploads = [f for name in ("media", "media[]") for f in (files.getlist(name) if files else []) if f and f.filename]
    if len(uploads) > MAX_PHOTOS:
        raise Open311Error(400, _l("Add at most %(max)s photos.", max=MAX_PHOTOS))
    photos = []
    for upload in uploads:
        try:
            photo = process_photo(upload.read())
        except PhotoRejected as rejected:
            raise Open311Error(400, f"media: {rejected.args[0]}") from None
        store_photo(current_app.config["UPLOAD_DIR"], photo)
        photos.append({"digest": photo.digest, "width": photo.width, "height": photo.height})
    return photos


def read_submission(session: Session, params: Params, locale: str, files=None) -> tuple[ServiceType, dict]:
    """Everything checked, as plain data a batch token can keep until it is filed."""
    code = params.get("service_code")
    if code is None:
        raise Open311Error(400, _l("service_code is missing."))
    service_type = type_by_code(session, code)
    if service_type is None:
        raise Open311Error(404, _l("There is no service with the code %(code)s.", code=code[:40]))
    location = read_location(session, params)
    description = _text(params, "description", max_length=MAX_DESCRIPTION, multiline=True)
    try:
        answers = validate_answers(questions_for(session, service_type, locale), read_attributes(params))
    except Invalid as invalid:
        problems = [(400, f"attribute[{code}]: {message}") for code, message in invalid.errors.items()]
        raise Open311Error(400, problems[0][1], more=problems[1:]) from None
    reporter = read_reporter(params)
    media_url, photos = read_media_url(params), read_media(files)
    return service_type, {
        "service_code": service_type.code, "description": description, "answers": answers,
        "media_url": "" if photos else media_url, "photos": photos,
        "location": {"lat": location.lat, "lon": location.lon, "address": location.address,
                     "area_id": location.area_id},
        "reporter": {"name": reporter.name, "email": reporter.email, "phone": reporter.phone},
    }


def file_submission(session: Session, service_type: ServiceType, data: dict, channel: str) -> ServiceRequest:
    request = submit_request(session, NewRequest(
        service_type=service_type, location=Location(**data["location"]), description=data["description"],
        answers=data["answers"], reporter=Reporter(**data["reporter"]), channel=channel[:20],
        photos=[StoredPhoto(**p) for p in data.get("photos", [])]))
    request.media_url = data["media_url"]
    session.add(request)
    session.flush()
    return request


def fingerprint(params: Params) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k not in NOT_FINGERPRINTED)
    return hashlib.sha256(repr(pairs).encode("utf-8", "surrogatepass")).hexdigest()


def _idempotency_row_key(key: ApiKey, header: str) -> str:
    """Keys are per API key, and kept apart from the web forms' keys in the same table."""
    return hashlib.sha256(f"open311:{key.id}:{header}".encode("utf-8", "surrogatepass")).hexdigest()


def _replay(session: Session, row: IdempotencyKey, body: str) -> Posted:
    if row.fingerprint != body:
        raise Open311Error(422, _l("This Idempotency-Key was already used with a different request."))
    if row.result_request_id is not None:
        return Posted(request=session.get(ServiceRequest, row.result_request_id))
    token = session.exec(select(Open311Token).where(Open311Token.idempotency_key == row.key)).first()
    return Posted(token=token.token if token else None)


def post_request(session: Session, params: Params, key: ApiKey, idempotency_header: str | None,
                 locale: str, files=None) -> Posted:
    """File (or, for a batch type, accept) one request; commits. Raises Open311Error."""
    row_key, body = None, fingerprint(params)
    if idempotency_header:
        if len(idempotency_header) > 200:
            raise Open311Error(400, _l("The Idempotency-Key header is too long."))
        row_key = _idempotency_row_key(key, idempotency_header)
        if (row := session.get(IdempotencyKey, row_key)) is not None:
            return _replay(session, row, body)
    service_type, data = read_submission(session, params, locale, files)
    if service_type.code in batch_codes():
        posted = Posted(token=secrets.token_urlsafe(24))
        session.add(Open311Token(token=posted.token, api_key_id=key.id, submission=data, idempotency_key=row_key))
    else:
        posted = Posted(request=file_submission(session, service_type, data, key.name))
    if row_key:
        try:
            with session.begin_nested():
                session.add(IdempotencyKey(key=row_key, scope=IDEMPOTENCY_SCOPE, fingerprint=body,
                                           result_request_id=posted.request.id if posted.request else None))
        except IntegrityError:  # the same key a moment earlier in another process: its answer stands
            session.rollback()
            return _replay(session, session.get(IdempotencyKey, row_key), body)
    session.commit()
    return posted


# ---------------------------------------------------------------- batch tokens

def file_pending_tokens(session: Session, token_ids: list[int]) -> None:
    """File what batch tokens hold (each once: claimed by setting filed_at in the same transaction)."""
    for token_id in token_ids:
        claimed = session.execute(update(Open311Token).where(Open311Token.id == token_id, Open311Token.filed_at.is_(None))
                                  .values(filed_at=utcnow())).rowcount
        if claimed != 1:
            continue
        token = session.get(Open311Token, token_id)
        session.refresh(token)
        service_type = type_by_code(session, token.submission["service_code"], active_only=False)
        key = session.get(ApiKey, token.api_key_id)
        request = file_submission(session, service_type, token.submission, key.name if key else "api")
        token.request_id = request.id
        session.add(token)
        session.commit()


def file_soon(token_value: str) -> None:
    """After the response (or in the RQ worker): batch means the client does not wait for the id."""
    from flask import after_this_request

    from portal.db import get_session
    app = current_app._get_current_object()
    token = get_session().exec(select(Open311Token).where(Open311Token.token == token_value)).first()
    if token is None or token.filed_at is not None:
        return
    token_id = token.id
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue
        Queue("open311", connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(
            "portal.open311.posting.file_job", token_id, job_timeout=60)
        return

    @after_this_request
    def later(response):
        response.call_on_close(lambda: _file_in_app(app, [token_id]))
        return response


def _file_in_app(app, token_ids: list[int]) -> None:
    from portal.db import get_session, writing
    with app.app_context(), writing():
        file_pending_tokens(get_session(), token_ids)


def file_job(token_id: int) -> None:
    """RQ entry point; filing claims the token first, so a retried job files nothing twice."""
    from portal import create_app
    _file_in_app(create_app(), [token_id])


def token_record(session: Session, token_value: str) -> dict | None:
    token = session.exec(select(Open311Token).where(Open311Token.token == token_value)).first() \
        if len(token_value) <= 64 else None
    if token is None:
        return None
    number = session.get(ServiceRequest, token.request_id).number if token.request_id else None
    return {"service_request_id": number, "token": token.token}
