"""Mail that tells reporters where their request stands."""
from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import _
from sqlmodel import Session

from portal.models import OutboxMail, ServiceRequest, ServiceType
from portal.notify.service import queue_mail
from portal.requests.service import format_number


def absolute(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def confirmation_mail(session: Session, filed: ServiceRequest, private_token: str | None) -> OutboxMail:
    service_type = session.get(ServiceType, filed.service_type_id)
    link = absolute(url_for("requests.show", number=filed.number))
    private_link = absolute(url_for("requests.track", token=private_token)) if private_token else None
    mail = queue_mail(session, to=filed.reporter_email,
                      subject=_("Request %(number)s received", number=format_number(filed.number)),
                      body=render_template("requests/mail_confirmation.txt", request=filed,
                                           service_type=service_type, link=link, private_link=private_link))
    session.flush()
    return mail
