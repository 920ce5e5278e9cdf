"""The daily digest: one mail per person who chose "once a day", listing what they missed.

Run by `stoop notify digest` (cron, or an RQ scheduler calling `digest_job`). Each person's
waiting notifications are claimed with one UPDATE under a fresh batch id and the mail is queued in
the same transaction, so a retried or doubled run finds nothing left to send: one digest each.
"""
from __future__ import annotations

import uuid

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext
from sqlalchemy import update
from sqlmodel import Session, select

from portal.models import Notification, User
from portal.models.accounts import NotifyEmail
from portal.models.community import EmailState
from portal.notify import unsubscribe
from portal.notify.service import queue_mail

CAP = 10  # longer lists end with "…and N more" and a link to the inbox


def send_digests(session: Session, *, cap: int = CAP) -> list[int]:
    """Queue one digest per person with waiting notifications; returns the mail ids (committed)."""
    waiting = session.exec(select(Notification.user_id).where(
        Notification.email_state == EmailState.digest, Notification.digest_batch.is_(None)).distinct()).all()
    session.commit()
    mail_ids = []
    for user_id in waiting:
        batch = f"{user_id}-{uuid.uuid4().hex[:16]}"
        claimed = session.execute(update(Notification).where(
            Notification.user_id == user_id, Notification.email_state == EmailState.digest,
            Notification.digest_batch.is_(None)).values(digest_batch=batch)).rowcount
        if not claimed:  # another run took them
            session.rollback()
            continue
        rows = list(session.exec(select(Notification).where(Notification.digest_batch == batch)
                                 .order_by(Notification.id)))
        user = session.get(User, user_id)
        state = EmailState.digested
        if user is None or user.notify_email == NotifyEmail.never or user.blocked_at:
            state = EmailState.none
        else:
            mail_ids.append(_queue_digest(session, user, rows, cap).id)
        session.execute(update(Notification).where(Notification.digest_batch == batch).values(email_state=state))
        session.commit()
    return mail_ids


def _queue_digest(session: Session, user: User, rows: list[Notification], cap: int):
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    unsubscribe_url = unsubscribe.link(user_id=user.id)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = gettext("Your daily digest from %(site)s", site=current_app.config["SITE_NAME"])
        body = render_template("notify/mail_digest.txt", shown=rows[:cap], more=max(0, len(rows) - cap),
                               total=len(rows), base=base, inbox_url=base + url_for("notify.inbox_page"),
                               settings_url=base + url_for("accounts.profile"), unsubscribe_url=unsubscribe_url)
    mail = queue_mail(session, to=user.email, subject=subject, body=body)
    mail.unsubscribe_url = unsubscribe_url
    session.flush()
    return mail


def run(app) -> list[int]:
    """Build the digests and send them (through RQ when Redis is configured)."""
    from portal.db import get_session, writing
    from portal.notify.dispatch import deliver_now
    with app.app_context(), app.test_request_context(base_url=app.config["PUBLIC_URL"]), writing():
        ids = send_digests(get_session())
    if ids and app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue
        queue = Queue("mail", connection=Redis.from_url(app.config["REDIS_URL"]))
        for mail_id in ids:
            queue.enqueue("portal.notify.dispatch.deliver_job", mail_id, job_timeout=60)
    elif ids:
        deliver_now(app, ids)
    return ids


def digest_job() -> int:
    """RQ entry point (e.g. rq-scheduler, daily); safe to retry."""
    from portal import create_app
    return len(run(create_app()))
