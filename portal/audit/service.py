"""Recording and reading the audit trail. Entries are only ever added (the database refuses changes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlmodel import Session, col, func, select

from portal.models import AuditEntry, User


def record(session: Session, action: str, *, target_kind: str = "", target_id: object = "",
           summary: str = "", details: dict | None = None, actor: User | None = None) -> AuditEntry:
    """Add one entry in the caller's transaction, so the action and its record commit together.

    `actor` defaults to the signed-in user; `ip` to the request's address (ProxyFix-corrected).
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        action=action, target_kind=target_kind, target_id=str(target_id or "")[:80], summary=summary[:500],
        details=details or {},
        actor_user_id=actor.id if actor else None,
        actor_label=f"{actor.email} ({actor.role})"[:120] if actor else "system",
        ip=(request.remote_addr or "")[:64] if has_request_context() else "cli",
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass
class AuditFilter:
    action: str = ""  # a prefix: "request." matches every request action
    actor: str = ""  # part of the actor's email
    target_kind: str = ""
    target_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def search(session: Session, wanted: AuditFilter, *, page: int = 1, page_size: int = 50
           ) -> tuple[list[AuditEntry], int]:
    query = select(AuditEntry)
    if wanted.action:
        query = query.where(col(AuditEntry.action).startswith(wanted.action, autoescape=True))
    if wanted.actor:
        query = query.where(col(AuditEntry.actor_label).contains(wanted.actor.lower(), autoescape=True))
    if wanted.target_kind:
        query = query.where(AuditEntry.target_kind == wanted.target_kind)
    if wanted.target_id:
        query = query.where(AuditEntry.target_id == wanted.target_id)
    if wanted.since:
        query = query.where(AuditEntry.at >= wanted.since)
    if wanted.until:
        query = query.where(AuditEntry.at <= wanted.until)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(AuditEntry.id).desc())
                        .offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), total


def actions(session: Session) -> list[str]:
    """The distinct actions recorded so far, for the filter's choices."""
    return list(session.exec(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all())
