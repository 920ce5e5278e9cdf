"""The inbox (/notifications), one-click unsubscribe links, and `stoop notify digest`."""
from __future__ import annotations

import click
from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import _
from flask_login import current_user

from portal.accounts.roles import require_signin
from portal.db import get_session
from portal.models import Notification
from portal.notify import inbox, unsubscribe
from portal.web import page_number, render_page, safe_next

bp = Blueprint("notify", __name__)
unsubscribe_bp = Blueprint("unsubscribe", __name__)  # exempt from CSRF: the signed token is the proof


def unread_notifications() -> int:
    """For the header; one small count per page for signed-in people."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = inbox.unread_count(get_session(), current_user.id)
    return g.unread_notifications


@bp.get("/notifications")
@require_signin
def inbox_page():
    page = page_number()
    rows, total = inbox.inbox(get_session(), current_user.id, page=page)
    return render_page("notify/inbox.html", rows=rows, total=total, page=page, size=inbox.INBOX_PAGE)


@bp.post("/notifications/read")
@require_signin
def read_all():
    inbox.mark_read(get_session(), current_user.id)
    get_session().commit()
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notify.inbox_page"), 303)


@bp.post("/notifications/<int:notification_id>/open")
@require_signin
def open_one(notification_id: int):
    """Mark one as read and go where it points (a site path only)."""
    session = get_session()
    found = session.get(Notification, notification_id)
    if found is None or found.user_id != current_user.id:
        abort(404)
    inbox.mark_read(session, current_user.id, found.id)
    session.commit()
    return redirect(safe_next(found.link, url_for("notify.inbox_page")), 303)


@bp.cli.command("digest")
def digest_command():
    """Send the daily digests (run once a day by cron or a scheduler); safe to run twice."""
    from portal.notify.digest import run
    ids = run(current_app._get_current_object())
    click.echo(f"digests queued: {len(ids)}")


def _token_or_404(token: str) -> dict:
    data = unsubscribe.read(token)
    if data is None:
        abort(404)
    return data


@unsubscribe_bp.get("/unsubscribe/<token>")
def confirm(token: str):
    """Shows one button; a GET changes nothing (link scanners fetch mail links)."""
    data = _token_or_404(token)
    return render_page("notify/unsubscribe.html", token=token, address=unsubscribe.describe(get_session(), data),
                       done=False)


@unsubscribe_bp.post("/unsubscribe/<token>")
def unsubscribe_post(token: str):
    """The button, and RFC 8058's one-click POST from mail apps (`List-Unsubscribe=One-Click`)."""
    session = get_session()
    data = _token_or_404(token)
    unsubscribe.apply(session, data)
    session.commit()
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "", 204
    return render_page("notify/unsubscribe.html", token=token, address=unsubscribe.describe(session, data), done=True)


def init_app(app) -> None:
    from portal.web import csrf_exempt_blueprint
    app.register_blueprint(bp)
    app.register_blueprint(unsubscribe_bp)
    csrf_exempt_blueprint(app, unsubscribe_bp.name)
    from portal.accounts.views import NOTIFY_CHOICES
    app.jinja_env.globals.update(unread_notifications=unread_notifications, NOTIFY_LABELS=NOTIFY_CHOICES)
