"""Service requests: filing, joining, following, status, and what is near a point."""
from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.areas.service import inside_city, neighbourhood_at
from portal.models import (
    Channel, ClosureReason, CoReport, IdempotencyKey, RequestFollower, RequestPhoto, RequestUpdate, ServiceRequest,
    ServiceType, Status, UpdateKind, utcnow,
)
from portal.validation import Invalid

EARTH_RADIUS_M = 6_371_000
DUPLICATE_WINDOW = timedelta(days=90)
REOPEN_WINDOW = timedelta(days=30)
MAX_DESCRIPTION = 4000  # Open311's limit, so the API and the web agree
OPEN_STATUSES = (Status.open, Status.acknowledged, Status.in_progress)
NEXT_STATUSES = {
    Status.open: {Status.acknowledged, Status.in_progress, Status.closed},
    Status.acknowledged: {Status.in_progress, Status.closed},
    Status.in_progress: {Status.closed},
    Status.closed: {Status.open},
}


@dataclass(frozen=True)
class StoredPhoto:
    """A photo already processed and stored under UPLOAD_DIR by its digest."""
    digest: str
    width: int
    height: int


@dataclass
class Location:
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    area_id: int | None = None
    approximate: bool = False


@dataclass
class Reporter:
    user_id: int | None = None
    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class NewRequest:
    service_type: ServiceType
    location: Location
    description: str
    answers: dict = field(default_factory=dict)
    reporter: Reporter = field(default_factory=Reporter)
    channel: str = Channel.web
    photos: list = field(default_factory=list)  # ProcessedPhoto-like: digest, width, height


def public_number() -> str:
    """Eight digits, read back over the phone as two groups of four."""
    return f"{secrets.randbelow(90_000_000) + 10_000_000}"


def format_number(number: str) -> str:
    return f"{number[:4]}-{number[4:]}" if len(number) == 8 else number


def normalise_number(text: str) -> str:
    return "".join(c for c in (text or "") if c.isdigit())[:12]


def check_location(session: Session, location: Location) -> Location:
    """Resolve the neighbourhood and refuse points outside the city."""
    if location.lat is None:
        if location.area_id is None:
            raise Invalid({"location": _l("Say where the problem is: use the map, your location, or choose the neighbourhood.")})
        return location
    if not inside_city(session, location.lat, location.lon):
        raise Invalid({"location": _l("That point is outside the city. Check the location.")})
    area = neighbourhood_at(session, location.lat, location.lon)
    location.area_id = area.id if area else location.area_id
    return location


def submit_request(session: Session, new: NewRequest) -> ServiceRequest:
    """File a request (not committed: the caller commits with its own bookkeeping)."""
    if len(new.description) > MAX_DESCRIPTION:
        raise Invalid({"description": _l("This is too long: at most %(max)s characters.", max=MAX_DESCRIPTION)})
    location = check_location(session, new.location)
    now = utcnow()
    number = public_number()
    while session.exec(select(ServiceRequest.id).where(ServiceRequest.number == number)).first():
        number = public_number()
    request = ServiceRequest(
        number=number, service_type_id=new.service_type.id,
        department_id=new.service_type.department_id, description=new.description,
        answers=new.answers, lat=location.lat, lon=location.lon, address=location.address,
        area_id=location.area_id, location_approximate=location.approximate, channel=new.channel,
        reporter_user_id=new.reporter.user_id, reporter_name=new.reporter.name,
        reporter_email=new.reporter.email, reporter_phone=new.reporter.phone,
        created_at=now, updated_at=now,
        expected_at=now + timedelta(days=new.service_type.service_level_days))
    session.add(request)
    session.flush()
    from portal.areas.assign import assign_areas  # its neighbourhood rule, districts and ZIP codes
    assign_areas(session, request)
    session.add(RequestUpdate(request_id=request.id, kind=UpdateKind.created, status=Status.open,
                              author_user_id=new.reporter.user_id, created_at=now))
    for photo in new.photos:
        session.add(RequestPhoto(request_id=request.id, digest=photo.digest, width=photo.width,
                                 height=photo.height))
    if new.reporter.user_id:
        session.add(RequestFollower(request_id=request.id, user_id=new.reporter.user_id))
    elif new.reporter.email:
        session.add(RequestFollower(request_id=request.id, email=new.reporter.email))
    return request


def private_link_token(session: Session, request: ServiceRequest) -> str:
    """A 256-bit token for the reporter's private follow link; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    request.private_token_hash = hashlib.sha256(token.encode()).hexdigest()
    session.add(request)
    return token


def request_by_private_token(session: Session, token: str) -> ServiceRequest | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    return session.exec(select(ServiceRequest).where(ServiceRequest.private_token_hash == digest)).first()


def add_coreport(session: Session, request: ServiceRequest, reporter: Reporter, *, note: str = "",
                 photos: list = (), channel: str = Channel.web) -> CoReport:
    """A neighbour joins an open request instead of filing again (not committed)."""
    if request.status == Status.closed:
        raise Invalid({"_form": _l("This request is closed. If the problem is still there, say so on its page.")})
    if reporter.user_id and session.exec(select(CoReport.id).where(
            CoReport.request_id == request.id, CoReport.user_id == reporter.user_id)).first():
        raise Invalid({"_form": _l("You have already said you have this problem too.")})
    coreport = CoReport(request_id=request.id, user_id=reporter.user_id, name=reporter.name,
                        email=reporter.email, phone=reporter.phone, note=note, channel=channel)
    session.add(coreport)
    session.flush()
    for photo in photos:
        session.add(RequestPhoto(request_id=request.id, coreport_id=coreport.id, digest=photo.digest,
                                 width=photo.width, height=photo.height))
    # Counted in SQL so that simultaneous joins all count.
    session.execute(update(ServiceRequest).where(ServiceRequest.id == request.id)
                    .values(coreporter_count=ServiceRequest.coreporter_count + 1, updated_at=utcnow()))
    session.add(RequestUpdate(request_id=request.id, kind=UpdateKind.coreport, text=note,
                              author_user_id=reporter.user_id))
    follow(session, request, user_id=reporter.user_id, email=None if reporter.user_id else reporter.email)
    return coreport


def follow(session: Session, request: ServiceRequest, *, user_id: int | None = None,
           email: str | None = None) -> None:
    if not user_id and not email:
        return
    query = select(RequestFollower).where(RequestFollower.request_id == request.id)
    query = query.where(RequestFollower.user_id == user_id) if user_id else query.where(RequestFollower.email == email)
    if session.exec(query).first() is None:
        try:
            with session.begin_nested():
                session.add(RequestFollower(request_id=request.id, user_id=user_id, email=email))
        except IntegrityError:  # followed at the same moment from another tab
            pass


def unfollow(session: Session, request: ServiceRequest, *, user_id: int) -> None:
    for row in session.exec(select(RequestFollower).where(RequestFollower.request_id == request.id,
                                                          RequestFollower.user_id == user_id)):
        session.delete(row)


def is_following(session: Session, request: ServiceRequest, user_id: int | None) -> bool:
    if not user_id:
        return False
    return session.exec(select(RequestFollower.id).where(RequestFollower.request_id == request.id,
                                                         RequestFollower.user_id == user_id)).first() is not None


def change_status(session: Session, request: ServiceRequest, *, status: str, author_id: int | None,
                  reason: str | None = None, note: str = "", expected_version: int | None = None) -> RequestUpdate:
    """Move a request along open → acknowledged → in progress → closed (with a reason), or reopen."""
    if status not in NEXT_STATUSES.get(request.status, set()):
        raise Invalid({"status": _l("A request that is %(current)s cannot become %(new)s.",
                                    current=request.status, new=status)})
    if status == Status.closed and reason not in ClosureReason.__members__:
        raise Invalid({"reason": _l("Say why the request is closed.")})
    claim_version(session, request, expected_version)
    now = utcnow()
    request.status = status
    request.closure_reason = reason if status == Status.closed else None
    request.closed_at = now if status == Status.closed else None
    request.updated_at = now
    session.add(request)
    update_row = RequestUpdate(request_id=request.id, kind=UpdateKind.status if status != Status.open else UpdateKind.reopened,
                               status=status, closure_reason=request.closure_reason, text=note,
                               author_user_id=author_id, created_at=now)
    session.add(update_row)
    return update_row


def claim_version(session: Session, request: ServiceRequest, expected: int | None) -> None:
    """Bump the version only if nobody changed the request since `expected` was read."""
    query = update(ServiceRequest).where(ServiceRequest.id == request.id)
    if expected is not None:
        query = query.where(ServiceRequest.version == expected)
    if session.execute(query.values(version=ServiceRequest.version + 1)).rowcount != 1:
        raise Invalid({"_form": _l("Someone else changed this request since you opened it. Check the latest version.")})
    session.refresh(request, ["version"])


def still_there(session: Session, request: ServiceRequest, *, reporter: Reporter, note: str = "",
                photos: list = ()) -> ServiceRequest:
    """A neighbour says a closed request is not fixed: reopen it within 30 days, else file a linked one."""
    if request.status != Status.closed:
        raise Invalid({"_form": _l("This request is still open.")})
    now = utcnow()
    if request.closed_at and now - request.closed_at <= REOPEN_WINDOW:
        request.status, request.closure_reason, request.closed_at, request.updated_at = Status.open, None, None, now
        session.add(request)
        session.add(RequestUpdate(request_id=request.id, kind=UpdateKind.still_there, status=Status.open,
                                  text=note, author_user_id=reporter.user_id, created_at=now))
        for photo in photos:
            session.add(RequestPhoto(request_id=request.id, digest=photo.digest, width=photo.width, height=photo.height))
        return request
    service_type = session.get(ServiceType, request.service_type_id)
    new = submit_request(session, NewRequest(
        service_type=service_type, description=note or request.description, answers=dict(request.answers),
        location=Location(request.lat, request.lon, request.address, request.area_id, request.location_approximate),
        reporter=reporter, photos=list(photos)))
    new.related_to_id = request.id
    return new


def is_overdue(request: ServiceRequest, now: datetime | None = None) -> bool:
    """Late now, or closed after the promised date."""
    if request.status == Status.closed:
        return bool(request.closed_at and request.closed_at > request.expected_at)
    return (now or utcnow()) > request.expected_at


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def nearby_open_requests(session: Session, lat: float, lon: float, radius_m: float, *,
                         type_ids: list[int] | None = None, since: datetime | None = None,
                         limit: int = 10) -> list[tuple[ServiceRequest, float]]:
    """Open requests within radius_m of a point, nearest first, with their distance.

    Through the spatial index (portal.areas.spatial.near); an empty type_ids means any type.
    """
    from portal.areas import spatial  # here: spatial imports this module

    return spatial.near(session, lat, lon, radius_m, type_ids=type_ids or None, statuses=OPEN_STATUSES,
                        since=since, order="nearest", limit=limit)


def possible_duplicates(session: Session, service_type: ServiceType, lat: float | None,
                        lon: float | None) -> list[tuple[ServiceRequest, float]]:
    if lat is None:
        return []
    return nearby_open_requests(session, lat, lon, service_type.duplicate_radius_m,
                                type_ids=[service_type.id], since=utcnow() - DUPLICATE_WINDOW, limit=5)


def request_by_number(session: Session, number: str) -> ServiceRequest | None:
    number = normalise_number(number)
    return session.exec(select(ServiceRequest).where(ServiceRequest.number == number)).first() if number else None


def public_timeline(session: Session, request: ServiceRequest) -> list[RequestUpdate]:
    return list(session.exec(select(RequestUpdate).where(RequestUpdate.request_id == request.id,
                                                         RequestUpdate.public).order_by(RequestUpdate.id)))


def photos_of(session: Session, request_ids: list[int]) -> dict[int, list[RequestPhoto]]:
    found: dict[int, list[RequestPhoto]] = {}
    if request_ids:
        for photo in session.exec(select(RequestPhoto).where(RequestPhoto.request_id.in_(request_ids))
                                  .order_by(RequestPhoto.id)):
            found.setdefault(photo.request_id, []).append(photo)
    return found


def claim_idempotency_key(session: Session, key: str, scope: str, request_id: int) -> bool:
    """True the first time a form's key is seen; False for a retry of the same post.

    A form without a valid key is treated as new (old pages, hand-made posts).
    """
    if not key or len(key) > 64 or not key.replace("-", "").replace("_", "").isalnum():
        return True
    if session.get(IdempotencyKey, key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(IdempotencyKey(key=key, scope=scope, fingerprint=scope, result_request_id=request_id))
    except IntegrityError:  # the same post, a moment earlier, in another process
        return False
    return True
