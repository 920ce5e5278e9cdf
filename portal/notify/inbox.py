"""In-app notifications and follows: who hears about what, once, and by which channel.

Levels: watching (every post), normal (replies to me and official answers), muted (nothing).
The most specific follow wins: a thread's own level over its request's, over its board's.
Each notification has an event key (event + person), so processing an event twice tells no one
twice. Mail follows each person's choice: right away (a mail now, with a one-click unsubscribe
link), a daily digest (portal.notify.digest), or never (inbox only).
"""
from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.models import Follow, FollowLevel, Notification, OutboxMail, RequestFollower, User, utcnow
from portal.models.accounts import NotifyEmail
from portal.models.community import EmailState
from portal.notify import unsubscribe
from portal.notify.service import queue_mail

BOARD, THREAD, REQUEST = "board", "thread", "request"
LEVELS = tuple(level.value for level in FollowLevel)
INBOX_PAGE = 30


# ------------------------------------------------------------------ follows

def board_target(area_id: int | None) -> int:
    """Boards are neighbourhoods; the city-wide board is target 0."""
    return area_id or 0


def follow_level(session: Session, user_id: int | None, kind: str, target_id: int) -> str | None:
    if not user_id:
        return None
    return session.exec(select(Follow.level).where(Follow.user_id == user_id, Follow.kind == kind,
                                                   Follow.target_id == target_id)).first()


def set_follow(session: Session, user_id: int, kind: str, target_id: int, level: str | None) -> None:
    """Follow at `level`, or stop following (None). Not committed."""
    row = session.exec(select(Follow).where(Follow.user_id == user_id, Follow.kind == kind,
                                            Follow.target_id == target_id)).first()
    if level is None:
        if row:
            session.delete(row)
        return
    if row:
        row.level = level
        session.add(row)
        return
    try:
        with session.begin_nested():
            session.add(Follow(user_id=user_id, kind=kind, target_id=target_id, level=level))
    except IntegrityError:  # followed at the same moment from another tab
        pass


def follow_if_new(session: Session, user_id: int, kind: str, target_id: int) -> None:
    """Writers follow what they write in at the normal level, unless they chose a level already."""
    if follow_level(session, user_id, kind, target_id) is None:
        set_follow(session, user_id, kind, target_id, FollowLevel.normal)


def request_follow_level(session: Session, user_id: int | None, request_id: int) -> str | None:
    if not user_id:
        return None
    return session.exec(select(RequestFollower.level).where(RequestFollower.request_id == request_id,
                                                            RequestFollower.user_id == user_id)).first()


def set_request_follow(session: Session, user_id: int, request_id: int, level: str | None) -> None:
    row = session.exec(select(RequestFollower).where(RequestFollower.request_id == request_id,
                                                     RequestFollower.user_id == user_id)).first()
    if level is None:
        if row:
            session.delete(row)
        return
    if row is None:
        row = RequestFollower(request_id=request_id, user_id=user_id)
    row.level = level
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        pass


def thread_levels(session: Session, thread) -> dict[int, str]:
    """{user id: level} of everyone following a thread, its request or its board."""
    levels: dict[int, str] = {}
    for user_id, level in session.exec(select(Follow.user_id, Follow.level).where(
            Follow.kind == BOARD, Follow.target_id == board_target(thread.area_id))):
        levels[user_id] = level
    if thread.request_id:
        for user_id, level in session.exec(select(RequestFollower.user_id, RequestFollower.level).where(
                RequestFollower.request_id == thread.request_id, RequestFollower.user_id.is_not(None))):
            levels[user_id] = level
    for user_id, level in session.exec(select(Follow.user_id, Follow.level).where(
            Follow.kind == THREAD, Follow.target_id == thread.id)):
        levels[user_id] = level
    return levels


# ------------------------------------------------------------------ telling people

def _absolute(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def _one_line(text: str) -> str:
    from portal.community.service import plain_line
    return plain_line(text)


def notify_user(session: Session, user: User, *, event_key: str, kind: str, text, link: str,
                excerpt: str = "", mail=None) -> OutboxMail | None:
    """One notification (and maybe one mail) for one person and one event; None if already told
    or no mail is due now. `text` (and `mail`, a function giving a subject and body) are called
    inside the person's language."""
    if user.blocked_at or user.disabled:
        return None
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        line = _one_line(text())[:300]
        wanted = user.notify_email
        state = {NotifyEmail.immediately: EmailState.queued, NotifyEmail.daily: EmailState.digest}.get(
            wanted, EmailState.none)
        notification = Notification(user_id=user.id, event_key=event_key[:80], kind=kind, text=line,
                                    link=link[:300], email_state=state)
        try:
            with session.begin_nested():
                session.add(notification)
        except IntegrityError:
            return None
        if state != EmailState.queued:
            return None
        unsubscribe_url = unsubscribe.link(user_id=user.id)
        footer = render_template("notify/mail_footer.txt", unsubscribe_url=unsubscribe_url,
                                 settings_url=_absolute(url_for("accounts.profile")))
        if mail is not None:
            subject, body = mail()
        else:
            subject, body = line, render_template("notify/mail_notification.txt", text=line, excerpt=excerpt,
                                                  link=_absolute(link))
        mail = queue_mail(session, to=user.email, subject=_one_line(subject)[:200], body=body.rstrip() + "\n\n" + footer)
        mail.unsubscribe_url = unsubscribe_url
        return mail


def _users(session: Session, ids) -> dict[int, User]:
    ids = set(ids)
    return {u.id: u for u in session.exec(select(User).where(User.id.in_(ids)))} if ids else {}


def notify_post(session: Session, thread, post, *, replied_to_author_id: int | None,
                author_name: str, department_name: str = "") -> list[OutboxMail]:
    """Tell followers about a new reply, by level; the person replied to always hears (unless muted)."""
    from portal.community.markup import plain_excerpt
    levels = thread_levels(session, thread)
    kinds: dict[int, str] = {}
    for user_id, level in levels.items():
        if level == FollowLevel.watching or (level == FollowLevel.normal and post.official_department_id):
            kinds[user_id] = "official" if post.official_department_id else "post"
    if replied_to_author_id and levels.get(replied_to_author_id) != FollowLevel.muted:
        kinds[replied_to_author_id] = "official" if post.official_department_id else "reply"
    kinds.pop(post.author_id, None)
    link = url_for("community.thread", thread_id=thread.id, _anchor=f"p{post.id}")
    excerpt = plain_excerpt(post.body, 280)
    mails = []
    for user_id, user in _users(session, kinds).items():
        kind = kinds[user_id]

        def text(kind=kind):
            if kind == "official":
                # Named in the recipient's language (text() runs under their force_locale).
                from flask_babel import get_locale

                from portal.department_names import department_name as named
                return gettext("Official answer from %(department)s in “%(title)s”",
                               department=named(session, post.official_department_id, str(get_locale()))
                               or department_name, title=thread.title)
            if kind == "reply":
                return gettext("%(name)s replied to you in “%(title)s”", name=author_name, title=thread.title)
            return gettext("%(name)s posted in “%(title)s”", name=author_name, title=thread.title)
        mail = notify_user(session, user, event_key=f"post:{post.id}:{user_id}", kind=kind, text=text,
                           link=link, excerpt=excerpt)
        if mail:
            mails.append(mail)
    return mails


def notify_new_thread(session: Session, thread, post, *, board_name: str) -> list[OutboxMail]:
    """Board watchers hear about every new thread."""
    from portal.community.markup import plain_excerpt
    watchers = [user_id for user_id, level in session.exec(select(Follow.user_id, Follow.level).where(
        Follow.kind == BOARD, Follow.target_id == board_target(thread.area_id)))
        if level == FollowLevel.watching and user_id != thread.author_id]
    link = url_for("community.thread", thread_id=thread.id)
    mails = []
    for user in _users(session, watchers).values():
        mail = notify_user(session, user, event_key=f"thread:{thread.id}:{user.id}", kind="thread",
                           text=lambda: gettext("New on %(board)s: “%(title)s”", board=board_name, title=thread.title),
                           link=link, excerpt=plain_excerpt(post.body, 280))
        if mail:
            mails.append(mail)
    return mails


def status_followers(session: Session, request_id: int) -> list[User]:
    """Accounts following a request that are not muted (status changes are official news)."""
    ids = [user_id for user_id, level in session.exec(select(RequestFollower.user_id, RequestFollower.level).where(
        RequestFollower.request_id == request_id, RequestFollower.user_id.is_not(None)))
        if level != FollowLevel.muted]
    return list(_users(session, ids).values())


# ------------------------------------------------------------------ the inbox

def unread_count(session: Session, user_id: int) -> int:
    return session.exec(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))).one()


def inbox(session: Session, user_id: int, *, page: int = 1) -> tuple[list[Notification], int]:
    query = select(Notification).where(Notification.user_id == user_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(Notification.id.desc()).offset((page - 1) * INBOX_PAGE).limit(INBOX_PAGE))
    return list(rows), total


def mark_read(session: Session, user_id: int, notification_id: int | None = None) -> None:
    """One notification, or all of them, read. Not committed."""
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    session.execute(query.values(read_at=utcnow()))
