"""Telling reporters, co-reporters and followers what changed — once each, in their language."""
from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import force_locale, get_locale, gettext
from sqlmodel import Session, select

from portal.content import text_in
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
    """Tell everyone once. Accounts following the request get an in-app notification and mail by
    their own choice (right away, in the daily digest, or never); muted followers hear nothing.
    People known only by an email address get one mail each, with a one-click unsubscribe link."""
    from portal.notify import inbox, unsubscribe
    service_type = session.get(ServiceType, request.service_type_id)
    path = url_for("requests.show", number=request.number)
    link = current_app.config["PUBLIC_URL"].rstrip("/") + path
    default_locale = current_app.config["BABEL_DEFAULT_LOCALE"]

    def status_mail():
        subject = gettext("Update on request %(number)s", number=format_number(request.number))
        type_name = text_in(session, "service_type", service_type, "name", str(get_locale()))
        return subject, render_template("requests/mail_status.txt", request=request, update=update,
                                        type_name=type_name, link=link)

    def status_line():
        from portal.requests.labels import STATUS_LABELS
        return gettext("Request %(number)s is now: %(status)s", number=format_number(request.number),
                       status=STATUS_LABELS.get(update.status, update.status or ""))

    mails, told = [], set()
    for user in inbox.status_followers(session, request.id):
        told.add(user.email.lower())
        mail = inbox.notify_user(session, user, event_key=f"status:{update.id}:{user.id}", kind="status",
                                 text=status_line, link=path, mail=status_mail)
        if mail:
            mails.append(mail)
    muted_or_account = {u.email.lower() for u in session.exec(select(User).join(
        RequestFollower, RequestFollower.user_id == User.id).where(RequestFollower.request_id == request.id))}
    for email, locale in audience(session, request).items():
        if email in told or email in muted_or_account:
            continue
        with force_locale(locale or default_locale):
            subject, body = status_mail()
            unsubscribe_url = unsubscribe.link(email=email)
            body += "\n-- \n" + gettext("Stop these emails (one click): %(url)s", url=unsubscribe_url) + "\n"
        mail = queue_mail(session, to=email, subject=subject, body=body)
        mail.unsubscribe_url = unsubscribe_url
        mails.append(mail)
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
