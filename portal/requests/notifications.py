"""Telling reporters, co-reporters and followers what changed — once each, in their language."""
from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext
from sqlmodel import Session, select

from portal.models import CoReport, OutboxMail, RequestFollower, RequestUpdate, ServiceRequest, ServiceType, User
from portal.models.accounts import NotifyEmail
from portal.notify.service import queue_mail
from portal.requests.service import format_number


def audience(session: Session, request: ServiceRequest) -> dict[str, str | None]:
    """{email: preferred language} of everyone who should hear about this request."""
    people: dict[str, str | None] = {}

    def add(email: str | None, locale: str | None = None):
        if email and email.lower() not in people:
            people[email.lower()] = locale

    users = {}
    user_ids = {f.user_id for f in session.exec(select(RequestFollower).where(
        RequestFollower.request_id == request.id)) if f.user_id}
    if user_ids:
        users = {u.id: u for u in session.exec(select(User).where(User.id.in_(user_ids)))}
    for user in users.values():
        if user.notify_email != NotifyEmail.never:
            add(user.email, user.locale)
    for follower in session.exec(select(RequestFollower).where(RequestFollower.request_id == request.id,
                                                               RequestFollower.user_id.is_(None))):
        add(follower.email)
    if not request.reporter_user_id:
        add(request.reporter_email)
    for coreport in session.exec(select(CoReport).where(CoReport.request_id == request.id, CoReport.user_id.is_(None))):
        add(coreport.email)
    return people


def notify_status_change(session: Session, request: ServiceRequest, update: RequestUpdate) -> list[OutboxMail]:
    """One mail per person (the in-app inbox joins this path with the community issue)."""
    service_type = session.get(ServiceType, request.service_type_id)
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("requests.show", number=request.number)
    mails = []
    for email, locale in audience(session, request).items():
        with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            subject = gettext("Update on request %(number)s", number=format_number(request.number))
            body = render_template("requests/mail_status.txt", request=request, update=update,
                                   service_type=service_type, link=link)
        mails.append(queue_mail(session, to=email, subject=subject, body=body))
    session.flush()
    return mails


def notify_department_reopened(session: Session, request: ServiceRequest, result: ServiceRequest) -> OutboxMail | None:
    """Tell the owning department a neighbour says the problem is still there (in the city's language)."""
    from portal.models import Department
    department = session.get(Department, request.department_id)
    if not department or not department.email:
        return None
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("staff.show", number=result.number)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        if result.id == request.id:
            subject = gettext("Reopened: request %(number)s is still there", number=format_number(request.number))
        else:
            subject = gettext("New request %(number)s: %(old)s is still there",
                              number=format_number(result.number), old=format_number(request.number))
        body = render_template("requests/mail_still_there.txt", request=request, result=result, link=link)
    return queue_mail(session, to=department.email, subject=subject, body=body)
