"""mySociety's servicerequestupdates: department systems pull the city's public updates and push
status changes and notes, which reach the people following the request like a staff change does.

Statuses are mySociety's extended ones: lower case when we send them, UPPER case when posted.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.apikeys.service import may_update
from portal.audit.service import record
from portal.models import (
    ApiKey, ClosureReason, Open311UpdateRef, OutboxMail, RequestUpdate, ServiceRequest, Status, UpdateKind, utcnow,
)
from portal.open311.formats import Open311Error, w3c
from portal.open311.queries import Params, read_datetime
from portal.requests import service
from portal.requests.notifications import notify_status_change
from portal.validation import Invalid, clean_text

# Our closure reasons as mySociety statuses.
REASON_STATUS = {
    ClosureReason.fixed: "fixed", ClosureReason.duplicate: "duplicate",
    ClosureReason.not_city: "not_councils_responsibility", ClosureReason.no_action: "no_further_action",
    ClosureReason.referred: "internal_referral", ClosureReason.could_not_locate: "closed",
}
OPEN_STATUS = {Status.open: "open", Status.acknowledged: "investigating", Status.in_progress: "in_progress"}
# Posted (UPPER case) statuses: (our status, closure reason); None keeps the status and adds a note.
POSTED = {
    "OPEN": (Status.open, None), "REOPEN": (Status.open, None), "FOR_TRIAGE": (Status.open, None),
    "INVESTIGATING": (Status.acknowledged, None), "ACTION_SCHEDULED": (Status.acknowledged, None),
    "PLANNED": (Status.acknowledged, None), "IN_PROGRESS": (Status.in_progress, None),
    "CLOSED": (Status.closed, ClosureReason.fixed), "FIXED": (Status.closed, ClosureReason.fixed),
    "DUPLICATE": (Status.closed, ClosureReason.duplicate),
    "NOT_COUNCILS_RESPONSIBILITY": (Status.closed, ClosureReason.not_city),
    "NO_FURTHER_ACTION": (Status.closed, ClosureReason.no_action), "CANCELLED": (Status.closed, ClosureReason.no_action),
    "INTERNAL_REFERRAL": (Status.closed, ClosureReason.referred), "UNCHANGED": (None, None),
}
MAX_NOTE = service.MAX_DESCRIPTION


def extended_status(status: str | None, reason: str | None) -> str:
    if status == Status.closed:
        return REASON_STATUS.get(reason, "closed")
    return OPEN_STATUS.get(status, "open")


def update_records(rows: list[tuple[RequestUpdate, ServiceRequest]]) -> list[dict]:
    return [{
        "update_id": str(update.id),
        "service_request_id": request.number,
        "status": extended_status(update.status or request.status,
                                  update.closure_reason if update.status else request.closure_reason),
        "updated_datetime": w3c(update.created_at),
        "description": update.text,
        "media_url": "",
    } for update, request in rows]


def push_update(session: Session, params: Params, key: ApiKey) -> tuple[RequestUpdate, list[OutboxMail]]:
    """Apply one posted update (not delivered: the caller sends the mails after the commit)."""
    external_id = params.get("update_id")
    number = params.get("service_request_id")
    posted_status = (params.get("status") or "").upper()
    if number is None:
        raise Open311Error(400, _l("service_request_id is missing."))
    if external_id is None or len(external_id) > 100:
        raise Open311Error(400, _l("update_id is missing or too long."))
    if posted_status not in POSTED:
        raise Open311Error(400, _l("status must be one of %(statuses)s.", statuses=", ".join(POSTED)))
    if read_datetime(params, "updated_datetime") is None:
        raise Open311Error(400, _l("updated_datetime is missing."))
    try:
        note = clean_text(params.get("description"), multiline=True)
    except ValueError as problem:
        raise Open311Error(400, f"description: {problem.args[0]}") from None
    if len(note) > MAX_NOTE:
        raise Open311Error(400, _l("description is too long: at most %(max)s characters.", max=MAX_NOTE))
    if key.department_id is None:
        raise Open311Error(403, _l("This api_key may file requests but not update them. "
                                   "Department systems get a key for their department from the city."))
    request = service.request_by_number(session, number)
    if request is None:
        raise Open311Error(404, _l("There is no request with the id %(id)s.", id=number[:20]))
    if not may_update(key, request.department_id):
        raise Open311Error(403, _l("This api_key's department does not handle request %(id)s.", id=number[:20]))
    seen = session.exec(select(Open311UpdateRef).where(Open311UpdateRef.api_key_id == key.id,
                                                       Open311UpdateRef.external_id == external_id)).first()
    if seen is not None:  # a retried push: nothing changes again
        return session.get(RequestUpdate, seen.update_id), []
    before = request.status
    target, reason = POSTED[posted_status]
    try:
        update = _apply(session, request, target, reason, note)
    except Invalid as invalid:
        session.rollback()
        raise Open311Error(400, "; ".join(str(m) for m in invalid.errors.values())) from None
    changed = request.status != before
    record(session, "request.status" if changed else "request.note", target_kind="request", target_id=request.number,
           summary=f"{before} → {request.status} by {key.name} (Open311)" if changed else f"note by {key.name} (Open311)",
           details={"via": "open311", "api_key_id": key.id, "api_key": key.name, "update_id": external_id,
                    "status": posted_status})
    try:
        with session.begin_nested():
            session.add(Open311UpdateRef(api_key_id=key.id, external_id=external_id, update_id=update.id))
    except IntegrityError:  # the same push a moment earlier in another process
        session.rollback()
        seen = session.exec(select(Open311UpdateRef).where(Open311UpdateRef.api_key_id == key.id,
                                                           Open311UpdateRef.external_id == external_id)).one()
        return session.get(RequestUpdate, seen.update_id), []
    # As for staff: a bare acknowledgement tells followers nothing their page does not say; no mail.
    bare_acknowledgement = update.status == Status.acknowledged and changed and not note
    return update, [] if bare_acknowledgement else notify_status_change(session, request, update)


def _apply(session: Session, request: ServiceRequest, target: str | None, reason: str | None,
           note: str) -> RequestUpdate:
    """A status change where the request's rules allow it, else (same status, or a step back
    while open) a public note; a closed request asked to be worked on is reopened first."""
    if request.status == Status.closed and target in (Status.acknowledged, Status.in_progress):
        service.change_status(session, request, status=Status.open, author_id=None)
    if target is not None and target in service.NEXT_STATUSES.get(request.status, set()):
        update = service.change_status(session, request, status=target, author_id=None, reason=reason, note=note)
        session.flush()
        return update
    if not note:
        raise Invalid({"description": _l("Nothing to record: the status is unchanged and there is no description.")})
    service.claim_version(session, request, None)
    now = utcnow()
    request.updated_at = now
    session.add(request)
    update = RequestUpdate(request_id=request.id, kind=UpdateKind.public_note, status=request.status,
                           closure_reason=request.closure_reason, text=note, created_at=now)
    session.add(update)
    session.flush()
    return update
