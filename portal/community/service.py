"""Boards, threads and posts: writing, editing, deleting, support, reading. No HTTP here.

A board is a neighbourhood (`Area` of kind neighbourhood) or the city-wide board (`area_id` NULL).
Writers' rules (blocked, locked, deleted, limits) are checked before anything is stored; the caller
commits, so a refused post leaves nothing behind.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from portal.areas.service import NEIGHBOURHOOD, area_by_slug, neighbourhoods
from portal.community import markup
from portal.models import (
    Area, Department, Organisation, OrganisationMember, Post, PostRevision, ServiceRequest, Thread, ThreadRead,
    ThreadRequestLink, ThreadSupport, User, utcnow,
)
from portal.models.accounts import Role
from portal.models.community import CITY_BOARD
from portal.validation import Invalid

TITLE_MAX = 160
THREADS_PAGE = 20
POSTS_PAGE = 30
MAX_POST = markup.MAX_POST_LENGTH
TAGS = {
    "general": _l("General"),
    "question": _l("Question"),
    "problem": _l("Problem"),
    "idea": _l("Idea"),
    "safety": _l("Safety"),
    "event": _l("Event"),
}
SORTS = {"activity": _l("Latest activity"), "support": _l("Most support"), "new": _l("Newest")}


class Refused(Exception):
    """The action is not allowed now (blocked, locked, deleted, own post…): a 4xx with a message."""

    def __init__(self, status: int, message):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Board:
    slug: str
    name: str
    area_id: int | None = None
    threads: int = 0
    last_activity_at: datetime | None = None


@dataclass
class Page:
    items: list
    total: int
    page: int
    size: int
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))


def plain_line(text: str) -> str:
    """One line of plain text without bidi overrides or control characters (titles, names, fields)."""
    return " ".join(markup._INVISIBLE.sub("", text or "").split())


def plain_text(text: str) -> str:
    """Several lines of plain text, the same characters removed."""
    return markup._INVISIBLE.sub("", (text or "").replace("\r\n", "\n")).strip()


def city_board() -> Board:
    return Board(CITY_BOARD, str(_l("City-wide")), None)


def board_by_slug(session: Session, slug: str) -> Board | None:
    if slug == CITY_BOARD:
        return city_board()
    area = area_by_slug(session, slug)
    return Board(area.slug, area.name, area.id) if area else None


def board_of(session: Session, thread: Thread) -> Board:
    return board_for_area(session, thread.area_id)


def board_for_area(session: Session, area_id: int | None) -> Board:
    area = session.get(Area, area_id) if area_id else None
    return Board(area.slug, area.name, area.id) if area and area.kind == NEIGHBOURHOOD else city_board()


def all_boards(session: Session) -> list[Board]:
    """The city-wide board, then every neighbourhood's, with thread counts and last activity."""
    stats = {area_id: (count, last) for area_id, count, last in session.exec(
        select(Thread.area_id, func.count(), func.max(Thread.last_activity_at))
        .where(Thread.hidden_at.is_(None)).group_by(Thread.area_id))}
    boards = [city_board()] + [Board(a.slug, a.name, a.id) for a in neighbourhoods(session)]
    for board in boards:
        board.threads, board.last_activity_at = stats.get(board.area_id, (0, None))
    return boards


def _on_board(query, board: Board):
    return query.where(Thread.area_id.is_(None) if board.area_id is None else Thread.area_id == board.area_id)


def list_threads(session: Session, board: Board, *, sort: str = "activity", tag: str = "", page: int = 1,
                 moderator: bool = False) -> Page:
    query = _on_board(select(Thread), board)
    if not moderator:
        blocked = select(User.id).where(User.blocked_at.is_not(None))
        query = query.where(Thread.hidden_at.is_(None), Thread.author_id.not_in(blocked))
    if tag in TAGS:
        query = query.where(Thread.tag == tag)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    order = {"support": (Thread.support_count.desc(), Thread.last_activity_at.desc()),
             "new": (Thread.created_at.desc(),)}.get(sort, (Thread.last_activity_at.desc(),))
    rows = session.exec(query.order_by(*order, Thread.id.desc()).offset((page - 1) * THREADS_PAGE)
                        .limit(THREADS_PAGE)).all()
    return Page(list(rows), total, page, THREADS_PAGE)


def unread_thread_ids(session: Session, user_id: int | None, threads: list[Thread]) -> set[int]:
    """Threads with activity the reader has not seen (everything is unread before a first visit)."""
    if not user_id or not threads:
        return set()
    seen = dict(session.exec(select(ThreadRead.thread_id, ThreadRead.last_read_at).where(
        ThreadRead.user_id == user_id, ThreadRead.thread_id.in_([t.id for t in threads]))).all())
    return {t.id for t in threads if t.id not in seen or _cmp(t.last_activity_at) > _cmp(seen[t.id])}


def _cmp(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo else moment


def last_read(session: Session, user_id: int | None, thread_id: int) -> datetime | None:
    if not user_id:
        return None
    return session.exec(select(ThreadRead.last_read_at).where(ThreadRead.user_id == user_id,
                                                              ThreadRead.thread_id == thread_id)).first()


def mark_read(session: Session, user_id: int, thread: Thread) -> None:
    """Remember the reader saw the thread up to its last activity. Not committed."""
    row = session.exec(select(ThreadRead).where(ThreadRead.user_id == user_id,
                                                ThreadRead.thread_id == thread.id)).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(ThreadRead(user_id=user_id, thread_id=thread.id, last_read_at=thread.last_activity_at))
        except IntegrityError:
            pass
    elif _cmp(row.last_read_at) < _cmp(thread.last_activity_at):
        row.last_read_at = thread.last_activity_at
        session.add(row)


# ------------------------------------------------------------------ writing

def check_body(body: str) -> None:
    if not body.strip():
        raise Invalid({"body": _l("Write something first.")})
    if len(body) > MAX_POST:
        raise Invalid({"body": _l("This is too long: at most %(max)s characters.", max=MAX_POST)})
    if not markup.render_markdown(body):
        raise Invalid({"body": _l("Write something first.")})


def check_writer(user: User) -> None:
    if user.blocked_at:
        raise Refused(403, _l("Your account has been blocked from posting by a moderator."))


def check_open(thread: Thread, opening: Post | None) -> None:
    """Replies go only to threads that are neither locked, deleted nor hidden."""
    if thread.locked_at:
        raise Refused(409, _l("This thread is locked: no more replies."))
    if opening is not None and opening.deleted_at:
        raise Refused(410, _l("This thread was deleted by its author: no more replies."))
    if thread.hidden_at:
        raise Refused(409, _l("This thread is hidden while a moderator looks at it."))


def posting_organisations(session: Session, user: User) -> list[Organisation]:
    """Verified organisations the person belongs to: they may post with its badge."""
    return list(session.exec(select(Organisation).join(
        OrganisationMember, OrganisationMember.organisation_id == Organisation.id).where(
        OrganisationMember.user_id == user.id, Organisation.verified_at.is_not(None)).order_by(Organisation.name)))


def _organisation(session: Session, user: User, organisation_id: int | None) -> int | None:
    if not organisation_id:
        return None
    if organisation_id not in {o.id for o in posting_organisations(session, user)}:
        raise Invalid({"as_organisation": _l("You can post only for a verified organisation you belong to.")})
    return organisation_id


def _official(user: User) -> int | None:
    """Staff of a department post as officials, with its badge."""
    return user.department_id if user.role == Role.staff and user.department_id else None


def _new_post(session: Session, thread: Thread, user: User, body: str, *, opening: bool = False,
              reply_to_id: int | None = None, organisation_id: int | None = None,
              client_key: str | None = None) -> Post:
    now = utcnow()
    post = Post(thread_id=thread.id, author_id=user.id, body=body, html=markup.render_markdown(body),
                opening=opening, reply_to_id=reply_to_id, organisation_id=organisation_id,
                official_department_id=_official(user), client_key=client_key, created_at=now)
    session.add(post)
    session.flush()
    return post


def existing_by_key(session: Session, model, client_key: str | None):
    """A retried form: what the first submission made."""
    if not client_key:
        return None
    return session.exec(select(model).where(model.client_key == client_key)).first()


def clean_key(value: str) -> str | None:
    value = (value or "").strip()
    return value if 8 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum() else None


def create_thread(session: Session, board: Board, user: User, *, title: str, body: str, tag: str = "general",
                  organisation_id: int | None = None, request_numbers: list[str] = (),
                  client_key: str | None = None, request_id: int | None = None) -> tuple[Thread, Post]:
    check_writer(user)
    title = plain_line(title)
    errors = {}
    if not title.strip():
        errors["title"] = _l("Give the thread a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _l("This is too long: at most %(max)s characters.", max=TITLE_MAX)
    if tag not in TAGS:
        errors["tag"] = _l("Choose one of the options.")
    try:
        check_body(body)
    except Invalid as invalid:
        errors.update(invalid.errors)
    linked = _requests_by_number(session, request_numbers, errors)
    if errors:
        raise Invalid(errors)
    organisation_id = _organisation(session, user, organisation_id)
    now = utcnow()
    thread = Thread(area_id=board.area_id, title=title, tag=tag, author_id=user.id, organisation_id=organisation_id,
                    client_key=client_key, created_at=now, last_activity_at=now, request_id=request_id)
    session.add(thread)
    session.flush()
    post = _new_post(session, thread, user, body, opening=True, organisation_id=organisation_id)
    for found in linked:
        session.add(ThreadRequestLink(thread_id=thread.id, request_id=found.id))
    return thread, post


def _requests_by_number(session: Session, numbers, errors: dict) -> list[ServiceRequest]:
    from portal.requests.service import request_by_number
    found = []
    for number in numbers:
        request = request_by_number(session, number)
        if request is None:
            errors["requests"] = _l("No request has the number %(number)s.", number=number[:20])
        elif request not in found:
            found.append(request)
    return found


def add_post(session: Session, thread: Thread, user: User, body: str, *, reply_to_id: int | None = None,
             organisation_id: int | None = None, client_key: str | None = None) -> Post:
    check_writer(user)
    check_open(thread, opening_post(session, thread))
    check_body(body)
    if reply_to_id is not None:
        target = session.get(Post, reply_to_id)
        if target is None or target.thread_id != thread.id:
            raise Invalid({"body": _l("The post you answer is not in this thread.")})
    organisation_id = _organisation(session, user, organisation_id)
    post = _new_post(session, thread, user, body, reply_to_id=reply_to_id, organisation_id=organisation_id,
                     client_key=client_key)
    # Counted in SQL, so simultaneous replies all count.
    session.execute(update(Thread).where(Thread.id == thread.id).values(
        reply_count=Thread.reply_count + 1, last_activity_at=post.created_at))
    session.refresh(thread)
    return post


def opening_post(session: Session, thread: Thread) -> Post | None:
    return session.exec(select(Post).where(Post.thread_id == thread.id, Post.opening)).first()


def may_edit(user: User, post: Post) -> bool:
    return post.deleted_at is None and (user.id == post.author_id or user.has_role(Role.moderator))


def edit_post(session: Session, post: Post, editor: User, body: str, *, reason: str = "") -> Post:
    """Keep the old text as a revision; others' posts only by moderators, with a reason."""
    if not may_edit(editor, post):
        raise Refused(403, _l("You can only edit your own posts."))
    if editor.id == post.author_id:
        check_writer(editor)
    elif not reason.strip():
        raise Invalid({"reason": _l("Say why you edit someone else's post.")})
    check_body(body)
    if body == post.body:
        return post
    session.add(PostRevision(post_id=post.id, body=post.body, editor_id=editor.id, reason=reason))
    post.body, post.html, post.edited_at = body, markup.render_markdown(body), utcnow()
    session.add(post)
    return post


def delete_post(session: Session, post: Post, user: User) -> Post:
    """The author's tombstone: the text goes (a revision keeps it for moderators), the place stays."""
    if post.author_id != user.id:
        raise Refused(403, _l("You can only delete your own posts."))
    if post.deleted_at:
        return post
    session.add(PostRevision(post_id=post.id, body=post.body, editor_id=user.id, reason="deleted by author"))
    post.deleted_at, post.body, post.html = utcnow(), "", ""
    session.add(post)
    return post


def support(session: Session, thread: Thread, user: User) -> bool:
    """ "Me too", once; True when this call added the support."""
    check_writer(user)
    if session.exec(select(ThreadSupport.id).where(ThreadSupport.thread_id == thread.id,
                                                   ThreadSupport.user_id == user.id)).first():
        return False
    try:
        with session.begin_nested():
            session.add(ThreadSupport(thread_id=thread.id, user_id=user.id))
    except IntegrityError:  # the same click, a moment earlier
        return False
    session.execute(update(Thread).where(Thread.id == thread.id).values(support_count=Thread.support_count + 1))
    session.refresh(thread)
    return True


def supports(session: Session, thread: Thread, user_id: int | None) -> bool:
    return bool(user_id) and session.exec(select(ThreadSupport.id).where(
        ThreadSupport.thread_id == thread.id, ThreadSupport.user_id == user_id)).first() is not None


# ------------------------------------------------------------------ reading a thread

def thread_posts(session: Session, thread: Thread, *, page: int = 1) -> Page:
    query = select(Post).where(Post.thread_id == thread.id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(Post.id).offset((page - 1) * POSTS_PAGE).limit(POSTS_PAGE)).all()
    return Page(list(rows), total, page, POSTS_PAGE)


def posts_after(session: Session, thread: Thread, after_id: int, limit: int = POSTS_PAGE) -> list[Post]:
    return list(session.exec(select(Post).where(Post.thread_id == thread.id, Post.id > after_id)
                             .order_by(Post.id).limit(limit)))


def page_of_post(session: Session, post: Post) -> int:
    before = session.exec(select(func.count()).select_from(Post).where(
        Post.thread_id == post.thread_id, Post.id < post.id)).one()
    return before // POSTS_PAGE + 1


def people_of(session: Session, posts: list[Post], extra_ids=()) -> dict:
    """Authors, departments and organisations of some posts, so templates never query."""
    user_ids = {p.author_id for p in posts} | set(extra_ids)
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    dept_ids = {p.official_department_id for p in posts if p.official_department_id}
    org_ids = {p.organisation_id for p in posts if p.organisation_id}
    departments = {d.id: d for d in session.exec(select(Department).where(Department.id.in_(dept_ids)))} \
        if dept_ids else {}
    organisations = {o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(org_ids)))} \
        if org_ids else {}
    return {"users": users, "departments": departments, "organisations": organisations}


def linked_requests(session: Session, thread: Thread) -> list[ServiceRequest]:
    ids = [r for r in session.exec(select(ThreadRequestLink.request_id).where(
        ThreadRequestLink.thread_id == thread.id))]
    if thread.request_id:
        ids.append(thread.request_id)
    return list(session.exec(select(ServiceRequest).where(ServiceRequest.id.in_(ids)))) if ids else []


def threads_about(session: Session, request: ServiceRequest) -> list[Thread]:
    """Board threads linked to a request (shown on its page)."""
    return list(session.exec(select(Thread).join(ThreadRequestLink, ThreadRequestLink.thread_id == Thread.id)
                             .where(ThreadRequestLink.request_id == request.id, Thread.hidden_at.is_(None))
                             .order_by(Thread.last_activity_at.desc()).limit(10)))


def request_thread(session: Session, request: ServiceRequest) -> Thread | None:
    return session.exec(select(Thread).where(Thread.request_id == request.id)).first()
