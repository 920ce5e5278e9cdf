"""What city staff do in the community: pin an official answer, turn a thread into a service
request (or link it to one) in one step, and how fast each department answers and closes."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from portal.audit.service import record
from portal.community.markup import plain_excerpt
from portal.community.service import Refused, opening_post
from portal.models import (
    Area, Department, Post, ServiceRequest, ServiceType, Status, Thread, ThreadRequestLink, User, utcnow,
)
from portal.models.accounts import Role
from portal.validation import Invalid

YEAR = timedelta(days=365)


def is_official(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.staff and user.department_id)


def may_pin(user) -> bool:
    return bool(user.is_authenticated and (is_official(user) or user.has_role(Role.moderator)))


def pin(session: Session, thread: Thread, post: Post | None, actor: User) -> None:
    """Pin one official answer to the top of its thread (None unpins)."""
    if post is not None:
        if post.thread_id != thread.id or not post.official_department_id or post.deleted_at or post.hidden_at:
            raise Refused(409, _l("Only an official answer in this thread can be pinned."))
    thread.pinned_post_id = post.id if post else None
    session.add(thread)
    record(session, "thread.pin" if post else "thread.unpin", target_kind="thread", target_id=thread.id,
           summary=thread.title, details={"post": post.id if post else None}, actor=actor)


def link_request(session: Session, thread: Thread, request: ServiceRequest, actor: User) -> None:
    try:
        with session.begin_nested():
            session.add(ThreadRequestLink(thread_id=thread.id, request_id=request.id))
    except IntegrityError:  # already linked
        return
    record(session, "thread.link_request", target_kind="thread", target_id=thread.id,
           summary=f"linked to request {request.number}", actor=actor)


def thread_to_request(session: Session, thread: Thread, service_type: ServiceType, actor: User, *,
                      area: Area | None = None) -> ServiceRequest:
    """File a request from a thread: its author becomes the reporter (and hears about progress);
    the place is the board's neighbourhood (approximate). Not committed."""
    from portal.requests.service import Location, NewRequest, Reporter, submit_request
    area = area or (session.get(Area, thread.area_id) if thread.area_id else None)
    if area is None:
        raise Invalid({"area": _l("Choose the neighbourhood the request is about.")})
    opening = opening_post(session, thread)
    author = session.get(User, thread.author_id)
    text = thread.title + ("\n\n" + plain_excerpt(opening.body, 3800) if opening and opening.body else "")
    request = submit_request(session, NewRequest(
        service_type=service_type, description=text[:4000],
        location=Location(lat=area.centre_lat, lon=area.centre_lon, area_id=area.id, approximate=True),
        reporter=Reporter(author.id, author.display_name, author.email, "") if author else Reporter()))
    session.flush()
    session.add(ThreadRequestLink(thread_id=thread.id, request_id=request.id))
    record(session, "thread.to_request", target_kind="thread", target_id=thread.id,
           summary=f"filed request {request.number}", details={"request": request.number}, actor=actor)
    return request


@dataclass
class DepartmentStats:
    answer_hours: float | None
    answer_sample: int
    close_days: float | None
    close_sample: int
    recent_answers: list


def department_stats(session: Session, department: Department) -> DepartmentStats:
    """Medians over the last year, with their sample sizes: hours from a thread's opening to the
    department's first official answer in it, and days from filing to closing a request."""
    since = utcnow() - YEAR
    firsts = session.exec(select(Thread.created_at, func.min(Post.created_at)).join(Post, Post.thread_id == Thread.id)
                          .where(Post.official_department_id == department.id, Post.opening.is_(False),
                                 Thread.created_at >= since).group_by(Thread.id, Thread.created_at)).all()
    hours = [max(0.0, (answered - opened).total_seconds() / 3600) for opened, answered in firsts]
    closed = session.exec(select(ServiceRequest.created_at, ServiceRequest.closed_at).where(
        ServiceRequest.department_id == department.id, ServiceRequest.status == Status.closed,
        ServiceRequest.closed_at >= since).order_by(ServiceRequest.closed_at.desc()).limit(5000)).all()
    days = [(c - o).total_seconds() / 86400 for o, c in closed if c and o]
    recent = list(session.exec(select(Post, Thread).join(Thread, Thread.id == Post.thread_id).where(
        Post.official_department_id == department.id, Post.deleted_at.is_(None), Post.hidden_at.is_(None),
        Thread.hidden_at.is_(None)).order_by(Post.id.desc()).limit(10)))
    return DepartmentStats(round(statistics.median(hours), 1) if hours else None, len(hours),
                           round(statistics.median(days), 1) if days else None, len(days), recent)
