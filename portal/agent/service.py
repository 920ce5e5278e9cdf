"""The call centre: finding a caller, taking a request or a co-report for them, and correcting
what was taken. Plain functions; the caller commits."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from portal.areas.addresses import normalize, suggest
from portal.audit.service import record
from portal.models import (
    Channel, CoReport, IdempotencyKey, Intake, RequestFollower, ServiceRequest, Status, User, utcnow,
)
from portal.requests import service as requests
from portal.validation import EMAIL, Invalid

AGENT_CHANNELS = (Channel.phone, Channel.walk_in, Channel.email, Channel.social)
MAX_HISTORY = 20
CORRECTION_WINDOW_DAYS = 7


def phone_variants(text: str) -> list[str]:
    """The ways a number is commonly written, so "2155550100" finds "215-555-0100"."""
    digits = re.sub(r"\D", "", text or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    variants = {text.strip(), digits}
    if len(digits) == 10:
        a, b, c = digits[:3], digits[3:6], digits[6:]
        variants |= {f"{a}-{b}-{c}", f"({a}) {b}-{c}", f"{a} {b} {c}", f"{a}.{b}.{c}", f"+1{digits}",
                     f"1{digits}", f"+1 {a} {b} {c}", f"+1-{a}-{b}-{c}", f"({a}) {b} {c}"}
    return sorted(v for v in variants if v)


@dataclass
class Caller:
    query: str
    users: list[User]
    requests: list[ServiceRequest]  # their earlier requests and co-reports, newest first

    @property
    def found(self) -> bool:
        return bool(self.users or self.requests)


def find_caller(session: Session, text: str) -> Caller:
    """By email (exact, lower case) or phone (common spellings); every lookup is an indexed one."""
    text = (text or "").strip()[:254]
    if not text:
        return Caller(text, [], [])
    if "@" in text:
        email = text.lower()
        users = list(session.exec(select(User).where(User.email == email)))
        mine = or_(ServiceRequest.reporter_email == email,
                   col(ServiceRequest.id).in_(select(CoReport.request_id).where(CoReport.email == email)))
    else:
        variants = phone_variants(text)
        if len(re.sub(r"\D", "", text)) < 7:
            return Caller(text, [], [])
        users = list(session.exec(select(User).where(col(User.phone).in_(variants))))
        mine = or_(col(ServiceRequest.reporter_phone).in_(variants),
                   col(ServiceRequest.id).in_(select(CoReport.request_id).where(col(CoReport.phone).in_(variants))))
    if users:
        ids = [u.id for u in users]
        mine = or_(mine, col(ServiceRequest.reporter_user_id).in_(ids),
                   col(ServiceRequest.id).in_(select(CoReport.request_id).where(col(CoReport.user_id).in_(ids))))
    found = session.exec(select(ServiceRequest).where(mine).order_by(col(ServiceRequest.created_at).desc())
                         .limit(MAX_HISTORY))
    return Caller(text, users, list(found))


def locate_address(session: Session, text: str) -> tuple[float, float] | None:
    """The point of a known address typed in full (the city's address file), else None."""
    wanted = normalize(text)
    if len(wanted) < 4:
        return None
    best = next(iter(suggest(session, text, limit=1)), None)
    return (best.lat, best.lon) if best is not None and best.normalized == wanted else None


def already_taken(session: Session, key: str) -> ServiceRequest | None:
    """The request a retried intake form already produced."""
    if not key or len(key) > 64:
        return None
    row = session.get(IdempotencyKey, key)
    return session.get(ServiceRequest, row.result_request_id) if row and row.result_request_id else None


def _claim(session: Session, key: str, scope: str, request_id: int) -> None:
    if not requests.claim_idempotency_key(session, key, scope, request_id):
        raise IntegrityError("retried intake", None, Exception(key))


def take_request(session: Session, agent: User, new: requests.NewRequest, *, key: str = "") -> ServiceRequest:
    """File a request for a caller. The form's key makes a retry land on the same request
    (IntegrityError tells the view to roll back and show the first one)."""
    if new.channel not in AGENT_CHANNELS:
        raise Invalid({"channel": _l("Choose how the caller reached us.")})
    filed = requests.submit_request(session, new)
    session.flush()
    _claim(session, key, "agent-intake", filed.id)
    session.add(Intake(agent_id=agent.id, request_id=filed.id, kind="request", channel=new.channel))
    # On behalf of: the trail names the agent (the actor) and the caller (in the details, admins only).
    record(session, "agent.intake", target_kind="request", target_id=filed.number,
           summary=f"{new.channel}: {new.service_type.code}",
           details={"channel": new.channel, "caller": _caller_label(new.reporter)})
    return filed


def add_caller_as_coreporter(session: Session, agent: User, found: ServiceRequest, caller: requests.Reporter, *,
                             channel: str, note: str = "", key: str = "") -> CoReport:
    """ "I have this too", said on the phone: the caller joins an existing request."""
    if channel not in AGENT_CHANNELS:
        raise Invalid({"channel": _l("Choose how the caller reached us.")})
    if not (caller.name or caller.email or caller.phone):
        raise Invalid({"name": _l("Give the caller's name, phone or email, so the city can reach them.")})
    coreport = requests.add_coreport(session, found, caller, note=note, channel=channel)
    _claim(session, key, "agent-coreport", found.id)
    session.add(Intake(agent_id=agent.id, request_id=found.id, kind="coreport", channel=channel))
    record(session, "agent.coreport", target_kind="request", target_id=found.number, summary=channel,
           details={"channel": channel, "caller": _caller_label(caller)})
    return coreport


def _caller_label(caller: requests.Reporter) -> str:
    return (caller.email or caller.phone or caller.name or "anonymous")[:254]


def subscribe_caller(session: Session, found: ServiceRequest, email: str) -> bool:
    """Email updates about a request for a caller. False when they already get them."""
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise Invalid({"email": _l("Enter an email address like name@example.com.")})
    if session.exec(select(RequestFollower.id).where(RequestFollower.request_id == found.id,
                                                     RequestFollower.email == email)).first():
        return False
    requests.follow(session, found, email=email)
    record(session, "agent.subscribe", target_kind="request", target_id=found.number, summary="email updates")
    return True


def recent_intakes(session: Session, agent_id: int, limit: int = 20) -> list[tuple[Intake, ServiceRequest]]:
    rows = session.exec(select(Intake, ServiceRequest).join(ServiceRequest, ServiceRequest.id == Intake.request_id)
                        .where(Intake.agent_id == agent_id).order_by(col(Intake.created_at).desc(), col(Intake.id).desc())
                        .limit(limit))
    return list(rows)


def correctable(session: Session, agent_id: int, found: ServiceRequest) -> bool:
    """An agent may correct what they took, within a week, while the request is open."""
    since = utcnow().timestamp() - CORRECTION_WINDOW_DAYS * 86400
    taken = session.exec(select(Intake).where(Intake.agent_id == agent_id, Intake.request_id == found.id,
                                              Intake.kind == "request")).first()
    return bool(taken and taken.created_at.timestamp() >= since and found.status != Status.closed)


def correct_intake(session: Session, found: ServiceRequest, *, description: str, address: str, name: str,
                   email: str, phone: str, expected_version: int | None) -> None:
    """Fix what was mistyped; the audit entry lists which fields changed (not their values)."""
    requests.claim_version(session, found, expected_version)
    changed = {}
    for field, value in (("description", description), ("address", address), ("reporter_name", name),
                         ("reporter_email", email), ("reporter_phone", phone)):
        if getattr(found, field) != value:
            changed[field] = True
            setattr(found, field, value)
    found.updated_at = utcnow()
    session.add(found)
    record(session, "agent.correct", target_kind="request", target_id=found.number,
           summary=", ".join(changed) or "no change", details={"fields": sorted(changed)})
