"""Reading what someone wrote, and never losing it: previews, drafts kept across an ended
session, and the 4xx answers that put the text back in the form."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import flash, redirect, request, session as cookie, url_for
from flask_babel import _, lazy_gettext as _l
from sqlalchemy import delete
from sqlmodel import Session, select

from portal.community import markup, service, throttle
from portal.models import PostDraft, utcnow
from portal.validation import FORM_ERROR, Form, Invalid

DRAFT_KEY = "community_draft"
DRAFT_LIFETIME = timedelta(days=2)
KEPT_FIELDS = ("title", "body", "tag", "reply_to", "requests", "as_organisation", "idempotency_key", "reason")


def read_body(form: Form, name: str = "body") -> str:
    # Form.text refuses absurd sizes before normalising; the exact limit is the service's.
    return form.text(name, label=_l("Your post"), max_length=service.MAX_POST, multiline=True)


def wants_preview() -> bool:
    return request.form.get("action") == "preview"


def preview_html(body: str) -> str:
    return markup.render_markdown(body) if body else ""


def int_or_none(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


# ------------------------------------------------------------------ drafts across sign-in

def keep_draft_and_sign_in(session: Session, path: str):
    """The session ended while writing: keep the text, ask to sign in, bring it back after."""
    data = {name: request.form.get(name, "")[:service.MAX_POST + 10] for name in KEPT_FIELDS if name in request.form}
    token = secrets.token_urlsafe(24)
    session.execute(delete(PostDraft).where(PostDraft.created_at < utcnow() - DRAFT_LIFETIME))
    session.add(PostDraft(token=token, path=path[:300], data=data))
    session.commit()
    cookie[DRAFT_KEY] = token
    flash(_("Please sign in to post. What you wrote is kept and will be back in the form."), "error")
    return redirect(url_for("accounts.signin", next=path), 303)


def take_draft(session: Session, path: str) -> dict | None:
    """The text kept for this page, once (a GET that finds one removes it)."""
    token = cookie.get(DRAFT_KEY)
    if not token:
        return None
    draft = session.exec(select(PostDraft).where(PostDraft.token == token)).first()
    if draft is None or draft.path != path:
        return None
    return dict(draft.data)


def forget_draft(session: Session) -> None:
    """Once a kept draft is back in its form: delete it (committed, taking the write lock up front)."""
    from portal.db import writing
    token = cookie.pop(DRAFT_KEY, None)
    if token:
        session.commit()
        with writing():
            session.execute(delete(PostDraft).where(PostDraft.token == token))
            session.commit()


# ------------------------------------------------------------------ refusals, with the text kept

def refused(session: Session, form: Form, error: Exception) -> Exception:
    """Undo what the refused action began, and put a validation error's messages on the form."""
    session.rollback()
    if isinstance(error, Invalid):
        form.absorb(error)
    return error


def refusal_status(form: Form, problem: Exception | None = None) -> int:
    """429 for limits, the refusal's own status, 400 for a failed CSRF token, else 422."""
    from flask import g
    if isinstance(problem, throttle.RateLimited):
        form.error(FORM_ERROR, _l("You are posting too fast. You can post again in %(seconds)s seconds; "
                                  "your text is still here.", seconds=problem.seconds))
        return 429
    if isinstance(problem, service.Refused):
        form.error(FORM_ERROR, problem.message)
        return problem.status
    if g.get("csrf_failed") or g.get("bad_encoding"):
        return 400
    return 422


def retry_headers(problem: Exception | None) -> dict:
    return {"Retry-After": str(problem.seconds)} if isinstance(problem, throttle.RateLimited) else {}
