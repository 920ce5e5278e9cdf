"""What the API says about services and requests: public fields only.

Reporter names, emails and phones, internal notes and private tokens never leave through here:
records are built field by field from an allow-list, not by dumping rows.
"""
from __future__ import annotations

import os
from flask import current_app, url_for
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from portal.content import localise, tr, tr_value
from portal.models import (
    Area, Department, Question, RequestArea, RequestUpdate, ServiceGroup, ServiceRequest, ServiceType, Status,
    UpdateKind,
)
from portal.open311.formats import w3c
from portal.requests.answers import display_answer
from portal.requests.catalogue import questions_for
from portal.requests.service import photos_of

# Updates whose text is the city's explanation of the current status (status_notes).
NOTE_KINDS = (UpdateKind.status, UpdateKind.reopened, UpdateKind.public_note)
ZIP = "zip"
CHUNK = 500  # ids per IN (...) list


def setting(name: str, default: str = "") -> str:
    """An OPEN311_* setting: the app's config (tests), else the environment, else the default."""
    return current_app.config.get(name) or os.environ.get(name) or default


def batch_codes() -> set[str]:
    """Service types whose POSTs answer with a token (filed a moment later), from OPEN311_BATCH_TYPES."""
    raw = setting("OPEN311_BATCH_TYPES")
    codes = raw.split(",") if isinstance(raw, str) else list(raw)
    return {c.strip() for c in codes if c.strip()}


def open311_status(status: str) -> str:
    return "closed" if status == Status.closed else "open"


# ---------------------------------------------------------------- services

def service_records(session: Session, locale: str) -> list[dict]:
    types = session.exec(select(ServiceType).where(ServiceType.active)
                         .order_by(ServiceType.position, ServiceType.name)).all()
    groups = {g.id: g for g in session.exec(select(ServiceGroup)).all()}
    with_questions = set(session.exec(select(Question.service_type_id).where(Question.active).distinct()).all())
    localise(session, "service_type", types, locale)
    localise(session, "service_group", groups.values(), locale)
    batch = batch_codes()
    return [{
        "service_code": t.code,
        "service_name": tr(t, "name"),
        "description": tr(t, "description"),
        "metadata": t.id in with_questions,
        "type": "batch" if t.code in batch else "realtime",
        "keywords": tr(t, "keywords"),
        "group": tr(groups.get(t.group_id), "name") or None,
    } for t in types]


def service_definition(session: Session, service_type: ServiceType, locale: str) -> dict:
    attributes = []
    # `order` is the position among the active questions: unique and from 1, as the spec wants.
    for order, question in enumerate(questions_for(session, service_type, locale), start=1):
        attribute = {
            "variable": True,
            "code": question.code,
            "datatype": question.datatype,
            "required": bool(question.required),
            "datatype_description": tr(question, "description") or None,
            "order": order,
            "description": tr(question, "text"),
        }
        if question.values:
            attribute["values"] = [{"key": v["key"], "name": tr_value(question, v["key"])} for v in question.values]
        attributes.append(attribute)
    return {"service_code": service_type.code, "attributes": attributes}


# ---------------------------------------------------------------- requests

def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def latest_public_notes(session: Session, ids: list[int]) -> dict[int, str]:
    notes: dict[int, str] = {}
    for chunk in _chunks(ids):
        rows = session.exec(select(RequestUpdate.request_id, RequestUpdate.text).where(
            RequestUpdate.request_id.in_(chunk), RequestUpdate.public, RequestUpdate.kind.in_(NOTE_KINDS),
            RequestUpdate.text != "").order_by(RequestUpdate.id))
        for request_id, text in rows:
            notes[request_id] = text  # ordered by id: the last one wins
    return notes


def _zipcodes(session: Session, ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in _chunks(ids):
        rows = session.exec(select(RequestArea.request_id, Area.name).join(Area, Area.id == RequestArea.area_id)
                            .where(RequestArea.request_id.in_(chunk), Area.kind == ZIP))
        for request_id, name in rows:
            found.setdefault(request_id, name)
    return found


def photo_url(digest: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("requests.photo", digest=digest)


class Catalogue:
    """Types, questions and departments, read once per response, in the reader's language."""

    def __init__(self, session: Session, locale: str):
        self.session, self.locale = session, locale
        self.types = {t.id: t for t in session.exec(select(ServiceType)).all()}
        self.departments = {d.id: d for d in session.exec(select(Department)).all()}
        localise(session, "service_type", self.types.values(), locale)
        localise(session, "department", self.departments.values(), locale)
        self._questions: dict[int, list[Question]] = {}

    def questions(self, type_id: int) -> list[Question]:
        if type_id not in self._questions:
            self._questions[type_id] = questions_for(self.session, self.types[type_id], self.locale)
        return self._questions[type_id]


def request_records(session: Session, requests: list[ServiceRequest], locale: str, *,
                    extensions: bool = False) -> list[dict]:
    """The GeoReport record of each request (same order); with `extensions`, Chicago/Boston-style
    extended_attributes, attributes and notes."""
    if not requests:
        return []
    catalogue = Catalogue(session, locale)
    ids = [r.id for r in requests]
    notes = latest_public_notes(session, ids)
    zipcodes = _zipcodes(session, ids)
    photos = photos_of(session, ids)
    records = []
    for r in requests:
        service_type = catalogue.types[r.service_type_id]
        department = catalogue.departments.get(r.department_id)
        media = r.media_url or (photo_url(photos[r.id][0].digest) if photos.get(r.id) else None)
        records.append({
            "service_request_id": r.number,
            "status": open311_status(r.status),
            "status_notes": notes.get(r.id),
            "service_name": tr(service_type, "name"),
            "service_code": service_type.code,
            "description": r.description,
            "agency_responsible": tr(department, "name") or None,
            "service_notice": None,
            "requested_datetime": w3c(r.created_at),
            # For closed requests the spec wants the close time here.
            "updated_datetime": w3c(r.closed_at if r.status == Status.closed and r.closed_at else r.updated_at),
            "expected_datetime": w3c(r.expected_at),
            "address": r.address or None,
            "address_id": None,
            "zipcode": zipcodes.get(r.id),
            "lat": r.lat,
            "long": r.lon,
            "media_url": media,
        })
    if extensions:
        _add_extensions(session, catalogue, requests, records, photos)
    return records


NOTE_TYPES = {
    UpdateKind.created: "submitted", UpdateKind.reopened: "opened", UpdateKind.still_there: "opened",
    UpdateKind.coreport: "activity", UpdateKind.public_note: "activity",
}


def _note_type(update: RequestUpdate) -> str:
    if update.kind == UpdateKind.status:
        return "closed" if update.status == Status.closed else "activity"
    return NOTE_TYPES.get(update.kind, "activity")


def _add_extensions(session: Session, catalogue: Catalogue, requests: list[ServiceRequest], records: list[dict],
                    photos: dict) -> None:
    from portal.requests.labels import REASON_LABELS, STATUS_LABELS
    ids = [r.id for r in requests]
    area_ids = list({r.area_id for r in requests if r.area_id})
    areas = {a.id: a.name for a in session.exec(select(Area).options(defer(Area.geometry), defer(Area.drawing))
                                                 .where(Area.id.in_(area_ids)))} if area_ids else {}
    duplicate_ids = list({r.duplicate_of_id for r in requests if r.duplicate_of_id})
    numbers = dict(session.exec(select(ServiceRequest.id, ServiceRequest.number)
                                .where(ServiceRequest.id.in_(duplicate_ids))).all()) if duplicate_ids else {}
    timeline: dict[int, list[RequestUpdate]] = {}
    for chunk in _chunks(ids):
        for update in session.exec(select(RequestUpdate).where(RequestUpdate.request_id.in_(chunk),
                                                               RequestUpdate.public).order_by(RequestUpdate.id)):
            timeline.setdefault(update.request_id, []).append(update)
    for r, record in zip(requests, records):
        record["extended_attributes"] = {
            "channel": r.channel,
            "neighbourhood": areas.get(r.area_id),
            "location_approximate": r.location_approximate,
            "coreporter_count": r.coreporter_count,
            "expected_datetime": w3c(r.expected_at),
            "closure_reason": r.closure_reason,
            "closure_reason_label": str(REASON_LABELS[r.closure_reason]) if r.closure_reason in REASON_LABELS else None,
            "duplicate_of": numbers.get(r.duplicate_of_id),
            "photos": [photo_url(p.digest) for p in photos.get(r.id, [])],
        }
        record["attributes"] = [
            {"code": q.code, "label": tr(q, "text"), "name": q.code,
             "value": display_answer(q, r.answers[q.code], tr_value)}
            for q in catalogue.questions(r.service_type_id) if q.code in r.answers]
        record["notes"] = [
            {"datetime": w3c(u.created_at), "type": _note_type(u), "description": u.text,
             "summary": str(STATUS_LABELS[u.status]) if u.status in STATUS_LABELS else _note_type(u)}
            for u in timeline.get(r.id, [])]
