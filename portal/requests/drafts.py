"""Reports between "review" and "submit". The draft token is the idempotency key of the final
form: posted twice, or ten times at once by a flaky network, it files exactly one request."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from portal.models import ReportDraft, ServiceRequest, utcnow
from portal.requests import catalogue
from portal.requests.service import Location, NewRequest, Reporter, StoredPhoto, add_coreport, submit_request
from portal.validation import Invalid

DRAFT_LIFETIME = timedelta(days=7)


def save_draft(session: Session, *, token: str | None, user_id: int | None, data: dict,
               photos: list[dict]) -> ReportDraft:
    """Create a draft, or update the caller's own unused draft (editing before submit)."""
    draft = draft_by_token(session, token, user_id) if token else None
    if draft is None or draft.result_request_id is not None:
        draft = ReportDraft(token=secrets.token_urlsafe(24), user_id=user_id)
    draft.data, draft.photos = data, photos
    session.add(draft)
    session.commit()
    return draft


def draft_by_token(session: Session, token: str, user_id: int | None, *, lock: bool = False) -> ReportDraft | None:
    """A draft is readable by whoever holds its token, unless it belongs to another account."""
    query = select(ReportDraft).where(ReportDraft.token == token)
    if lock:
        query = query.with_for_update()  # PostgreSQL: concurrent submits queue here
    draft = session.exec(query).first()
    if draft is None or (draft.user_id and draft.user_id != user_id):
        return None
    if utcnow() - draft.created_at > DRAFT_LIFETIME and draft.result_request_id is None:
        return None
    return draft


def new_request_from(session: Session, draft: ReportDraft) -> NewRequest:
    data = draft.data
    service_type = catalogue.type_by_code(session, data["type"])
    if service_type is None:
        raise Invalid({"_form": _l("This type of request is no longer offered. Please choose another.")})
    return NewRequest(
        service_type=service_type, description=data["description"], answers=data["answers"],
        location=Location(data.get("lat"), data.get("lon"), data.get("address", ""), data.get("area_id"),
                          data.get("approximate", False)),
        reporter=Reporter(draft.user_id, data.get("name", ""), data.get("email", ""), data.get("phone", "")),
        photos=[StoredPhoto(**p) for p in draft.photos])


def submit_draft(session: Session, token: str, user_id: int | None) -> tuple[ServiceRequest, bool]:
    """File the draft's request once. Returns (request, created_now)."""
    draft = draft_by_token(session, token, user_id, lock=True)
    if draft is None:
        raise LookupError(token)
    if draft.result_request_id is not None:
        session.rollback()
        return session.get(ServiceRequest, draft.result_request_id), False
    request = submit_request(session, new_request_from(session, draft))
    draft.result_request_id, draft.result_kind = request.id, "request"
    session.add(draft)
    return request, True


def join_from_draft(session: Session, token: str, user_id: int | None, request: ServiceRequest) -> bool:
    """Add the draft's reporter as a co-reporter of `request` once. True when it happened now."""
    draft = draft_by_token(session, token, user_id, lock=True)
    if draft is None:
        raise LookupError(token)
    if draft.result_request_id is not None:
        session.rollback()
        return False
    new = new_request_from(session, draft)
    add_coreport(session, request, new.reporter, note=new.description, photos=new.photos)
    draft.result_request_id, draft.result_kind = request.id, "coreport"
    session.add(draft)
    return True
