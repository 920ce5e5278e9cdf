"""Flags from the community and what moderators decide. Every decision goes to the audit trail in
the same transaction. A post flagged by three different people is hidden until a moderator decides.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from portal.audit.service import record
from portal.community import markup
from portal.community.service import Refused, check_body, opening_post
from portal.models import Organisation, Post, PostFlag, PostRevision, Thread, User, utcnow
from portal.models.accounts import Role
from portal.validation import Invalid

HIDE_AFTER_FLAGS = 3
FLAG_REASONS = {
    "spam": _l("Spam or advertising"),
    "abuse": _l("Abusive or hateful"),
    "personal": _l("Shares someone's personal information"),
    "off_topic": _l("Off topic"),
    "other": _l("Something else"),
}


def flag(session: Session, post: Post, user: User, *, reason: str, note: str = "") -> bool:
    """Flag a post once; True when this flag hid it."""
    if user.blocked_at:
        raise Refused(403, _l("Your account has been blocked by a moderator."))
    if post.author_id == user.id:
        raise Refused(403, _l("You cannot flag your own post. You can edit or delete it."))
    if reason not in FLAG_REASONS:
        raise Invalid({"reason": _l("Choose one of the options.")})
    if post.deleted_at:
        raise Refused(410, _l("This post was deleted."))
    if session.exec(select(PostFlag.id).where(PostFlag.post_id == post.id, PostFlag.user_id == user.id)).first():
        raise Refused(409, _l("You have already flagged this post. A moderator will look at it."))
    try:
        with session.begin_nested():
            session.add(PostFlag(post_id=post.id, user_id=user.id, reason=reason, note=note[:300]))
    except IntegrityError:
        raise Refused(409, _l("You have already flagged this post. A moderator will look at it.")) from None
    open_flags = session.exec(select(func.count(func.distinct(PostFlag.user_id))).where(
        PostFlag.post_id == post.id, PostFlag.resolved_at.is_(None))).one()
    session.execute(update(Post).where(Post.id == post.id).values(flag_count=open_flags))
    session.refresh(post)
    if open_flags >= HIDE_AFTER_FLAGS and post.hidden_at is None:
        _set_hidden(session, post, "flags")
        return True
    return False


def _set_hidden(session: Session, post: Post, reason: str | None) -> None:
    """Hide (reason) or show (None) a post; an opening post takes its thread off the lists too."""
    now = utcnow() if reason is not None else None
    post.hidden_at, post.hidden_reason = now, (reason or "")[:200]
    session.add(post)
    if post.opening:
        thread = session.get(Thread, post.thread_id)
        thread.hidden_at = now
        session.add(thread)


def hide(session: Session, post: Post, moderator: User, *, reason: str) -> None:
    if not reason.strip():
        raise Invalid({"reason": _l("Say why the post is hidden.")})
    _set_hidden(session, post, reason)
    record(session, "post.hide", target_kind="post", target_id=post.id, summary=reason, actor=moderator,
           details={"thread": post.thread_id, "author": post.author_id})


def restore(session: Session, post: Post, moderator: User) -> None:
    """Show the post again and close its flags (the moderator decided it is fine)."""
    _set_hidden(session, post, None)
    resolved = session.execute(update(PostFlag).where(PostFlag.post_id == post.id, PostFlag.resolved_at.is_(None))
                               .values(resolved_at=utcnow())).rowcount
    post.flag_count = 0
    session.add(post)
    record(session, "post.restore", target_kind="post", target_id=post.id, actor=moderator,
           summary=f"restored; {resolved} flag(s) closed", details={"thread": post.thread_id})


def moderator_edit(session: Session, post: Post, moderator: User, body: str, *, reason: str) -> None:
    if not reason.strip():
        raise Invalid({"reason": _l("Say why you edit someone else's post.")})
    check_body(body)
    session.add(PostRevision(post_id=post.id, body=post.body, editor_id=moderator.id, reason=reason))
    post.body, post.html, post.edited_at = body, markup.render_markdown(body), utcnow()
    session.add(post)
    record(session, "post.edit", target_kind="post", target_id=post.id, summary=reason, actor=moderator,
           details={"thread": post.thread_id})


def set_locked(session: Session, thread: Thread, moderator: User, *, locked: bool) -> None:
    thread.locked_at = utcnow() if locked else None
    session.add(thread)
    record(session, "thread.lock" if locked else "thread.unlock", target_kind="thread", target_id=thread.id,
           summary=thread.title, actor=moderator)


def set_blocked(session: Session, user: User, moderator: User, *, blocked: bool, reason: str = "") -> None:
    """Blocking hides everything the person wrote and stops them posting; unblocking undoes it."""
    if blocked and (user.id == moderator.id or user.role in (Role.moderator, Role.admin)):
        raise Refused(403, _l("Moderators and admins cannot be blocked here."))
    if blocked and not reason.strip():
        raise Invalid({"reason": _l("Say why the account is blocked.")})
    user.blocked_at = utcnow() if blocked else None
    session.add(user)
    record(session, "user.block" if blocked else "user.unblock", target_kind="user", target_id=user.id,
           summary=reason or user.email, actor=moderator)


def verify_organisation(session: Session, organisation: Organisation, moderator: User, *, verified: bool) -> None:
    organisation.verified_at = utcnow() if verified else None
    organisation.verified_by_id = moderator.id if verified else None
    session.add(organisation)
    record(session, "organisation.verify" if verified else "organisation.unverify", target_kind="organisation",
           target_id=organisation.id, summary=organisation.name, actor=moderator)


@dataclass
class Queue:
    posts: list[Post]
    flags: dict[int, list[PostFlag]]
    threads: dict[int, Thread]
    users: dict[int, User]
    organisations: list[Organisation]
    blocked: list[User]


def queue(session: Session, *, limit: int = 50) -> Queue:
    """What waits for a moderator: flagged or hidden posts, unverified organisations, blocked people."""
    flagged = select(PostFlag.post_id).where(PostFlag.resolved_at.is_(None))
    posts = list(session.exec(select(Post).where(
        (Post.id.in_(flagged)) | ((Post.hidden_at.is_not(None)) & (Post.hidden_reason == "flags")))
        .order_by(Post.flag_count.desc(), Post.id.desc()).limit(limit)))
    ids = [p.id for p in posts]
    flags: dict[int, list[PostFlag]] = {}
    for row in session.exec(select(PostFlag).where(PostFlag.post_id.in_(ids), PostFlag.resolved_at.is_(None))) \
            if ids else []:
        flags.setdefault(row.post_id, []).append(row)
    thread_ids = {p.thread_id for p in posts}
    threads = {t.id: t for t in session.exec(select(Thread).where(Thread.id.in_(thread_ids)))} if thread_ids else {}
    blocked = list(session.exec(select(User).where(User.blocked_at.is_not(None)).order_by(User.blocked_at.desc())))
    user_ids = {p.author_id for p in posts}
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    organisations = list(session.exec(select(Organisation).where(Organisation.verified_at.is_(None))
                                      .order_by(Organisation.created_at)))
    return Queue(posts, flags, threads, users, organisations, blocked)


def revisions(session: Session, post: Post) -> list[PostRevision]:
    return list(session.exec(select(PostRevision).where(PostRevision.post_id == post.id)
                             .order_by(PostRevision.id.desc())))


def thread_is_deleted(session: Session, thread: Thread) -> bool:
    opening = opening_post(session, thread)
    return bool(opening and opening.deleted_at)
