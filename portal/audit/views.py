"""/admin/audit: admins read and filter the trail. There is deliberately no route that changes it."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import Blueprint, request
from flask_babel import lazy_gettext as _l

from portal.accounts.roles import require_role
from portal.audit.service import AuditFilter, actions, search
from portal.db import get_session
from portal.models.accounts import Role
from portal.web import page_number, render_page

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 50


def _day(name: str, errors: dict, *, end: bool) -> datetime | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = _l("Enter a date like 2026-11-22.")
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


@bp.get("")
@require_role(Role.admin)
def index():
    errors: dict[str, str] = {}
    wanted = AuditFilter(
        action=request.args.get("action", "")[:60], actor=request.args.get("actor", "")[:120],
        target_kind=request.args.get("target_kind", "")[:40], target_id=request.args.get("target_id", "")[:80],
        since=_day("since", errors, end=False), until=_day("until", errors, end=True))
    page = page_number()
    session = get_session()
    entries, total = search(session, wanted, page=page, page_size=PAGE_SIZE)
    return render_page("admin/audit.html", entries=entries, total=total, page=page, errors=errors,
                       has_next=page * PAGE_SIZE < total, known_actions=actions(session),
                       args=request.args, status=400 if errors else 200)
