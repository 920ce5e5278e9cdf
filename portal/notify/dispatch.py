"""When queued mail leaves: an RQ job when Redis is configured, else right after the response."""
from __future__ import annotations

from flask import after_this_request, current_app, g

from portal.db import writing


def deliver_soon(mail_ids: list[int]) -> None:
    """Call after the transaction that queued the mails has committed."""
    if not mail_ids:
        return
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue
        queue = Queue("mail", connection=Redis.from_url(app.config["REDIS_URL"]))
        for mail_id in mail_ids:
            queue.enqueue("portal.notify.dispatch.deliver_job", mail_id, job_timeout=60)
        return
    pending = g.setdefault("mail_after_response", [])
    if not pending:
        @after_this_request
        def send_after(response):
            ids = list(g.mail_after_response)
            response.call_on_close(lambda: deliver_now(app, ids))
            return response
    pending.extend(mail_ids)


def deliver_now(app, mail_ids: list[int]) -> None:
    from portal.db import get_session
    from portal.notify.service import deliver
    with app.app_context(), writing():
        session = get_session()
        for mail_id in mail_ids:
            deliver(session, mail_id, smtp_url=app.config.get("SMTP_URL"),
                    mail_from=app.config["MAIL_FROM"])


def deliver_job(mail_id: int) -> None:
    """RQ entry point; safe to retry because delivery claims the mail first."""
    from portal import create_app
    deliver_now(create_app(), [mail_id])
