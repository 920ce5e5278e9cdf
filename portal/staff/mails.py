"""Mail to departments about requests passed to them (in the city's language)."""
from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext
from sqlmodel import Session

from portal.models import Department, OutboxMail, ServiceRequest, ServiceType
from portal.notify.service import queue_mail
from portal.requests.service import format_number


def transferred_mail(session: Session, found: ServiceRequest, source: Department | None, target: Department,
                     reason: str) -> OutboxMail | None:
    """Tell the receiving department a request is theirs now, why, and where its history is."""
    if not target.email:
        return None
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("staff.show", number=found.number)
    service_type = session.get(ServiceType, found.service_type_id)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = gettext("Transferred to you: request %(number)s", number=format_number(found.number))
        body = render_template("staff/mail_transferred.txt", request=found, source=source, target=target,
                               reason=reason, service_type=service_type, link=link)
    mail = queue_mail(session, to=target.email, subject=subject, body=body)
    session.flush()
    return mail
