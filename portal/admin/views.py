"""Admin pages. Later issues add departments, users, service types, API keys, audit."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlmodel import func, select

from portal.accounts.roles import require_role
from portal.db import get_session
from portal.models import OutboxMail
from portal.models.accounts import Role
from portal.web import page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.get("/")
@require_role(Role.admin)
def home():
    return render_template("admin/home.html")


@bp.get("/outbox")
@require_role(Role.admin)
def outbox():
    """Mail the portal has sent or kept (when no SMTP server is configured)."""
    page = page_number()
    session = get_session()
    total = session.exec(select(func.count()).select_from(OutboxMail)).one()
    mails = session.exec(select(OutboxMail).order_by(OutboxMail.id.desc())
                         .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("admin/outbox.html", mails=mails, page=page,
                           has_next=page * PAGE_SIZE < total, total=total)
from portal.admin import catalogue as _catalogue  # noqa: E402,F401  (registers the catalogue pages)
from portal.admin import keys as _keys  # noqa: E402,F401  (API keys)
from portal.admin import people as _people  # noqa: E402,F401  (departments, users and roles)
from portal.admin import responses as _responses  # noqa: E402,F401  (response templates)
