"""Outgoing mail: stored in the outbox with the action that caused it, then delivered once."""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlalchemy import update
from sqlmodel import Session, select

from portal.models import OutboxMail, utcnow
from portal.models.mail import MailStatus

log = logging.getLogger("stoop.mail")


def queue_mail(session: Session, *, to: str, subject: str, body: str) -> OutboxMail:
    """Add a mail to the caller's transaction; it is delivered only if that commits."""
    mail = OutboxMail(to_addr=to, subject=subject[:200], body_text=body)
    session.add(mail)
    return mail


def claim(session: Session, mail_id: int) -> OutboxMail | None:
    """Mark a queued mail as being sent. Of two workers (or a retried job), one wins."""
    result = session.execute(update(OutboxMail)
                             .where(OutboxMail.id == mail_id, OutboxMail.status == MailStatus.queued)
                             .values(status=MailStatus.sending, attempts=OutboxMail.attempts + 1))
    session.commit()
    return session.get(OutboxMail, mail_id) if result.rowcount == 1 else None


def deliver(session: Session, mail_id: int, *, smtp_url: str | None, mail_from: str) -> str:
    """Send one mail through SMTP, or keep it in the outbox when no SMTP is configured."""
    mail = claim(session, mail_id)
    if mail is None:
        return "skipped"
    if not smtp_url:
        log.info("mail kept in outbox (no SMTP_URL): to=%s subject=%r\n%s",
                 _mask(mail.to_addr), mail.subject, mail.body_text)
        return _finish(session, mail, MailStatus.kept)
    try:
        send_smtp(smtp_url, build_message(mail, mail_from))
    except (OSError, smtplib.SMTPException) as problem:
        mail.last_error = str(problem)[:500]
        log.warning("mail %s failed: %s", mail.id, problem)
        # Back to the queue for a later retry (by the job runner or `stoop mail send`).
        return _finish(session, mail, MailStatus.queued if mail.attempts < 5 else MailStatus.failed)
    return _finish(session, mail, MailStatus.sent)


def _finish(session: Session, mail: OutboxMail, status: str) -> str:
    mail.status = status
    if status in (MailStatus.sent, MailStatus.kept):
        mail.sent_at = utcnow()
    session.add(mail)
    session.commit()
    return status


def _mask(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}…@{domain}"


def build_message(mail: OutboxMail, mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = mail.to_addr
    message["Subject"] = mail.subject
    message["Message-ID"] = f"<outbox-{mail.id}-{mail.created_at:%Y%m%d%H%M%S}@stoop>"
    if mail.unsubscribe_url:  # RFC 2369 + RFC 8058: mail apps offer a one-click unsubscribe
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.body_text)
    return message


def send_smtp(smtp_url: str, message: EmailMessage) -> None:
    """smtp://host:port (STARTTLS when offered), smtps://host:465, optional user:password@."""
    url = urlsplit(smtp_url)
    host, port = url.hostname or "127.0.0.1", url.port
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, port or 465, timeout=20, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port or 25, timeout=20)
    with client:
        client.ehlo()
        if url.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)


def pending_ids(session: Session, limit: int = 100) -> list[int]:
    return list(session.exec(select(OutboxMail.id).where(OutboxMail.status == MailStatus.queued)
                             .order_by(OutboxMail.id).limit(limit)))
