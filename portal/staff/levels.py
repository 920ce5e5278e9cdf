"""Service levels: how a department does against the promised dates.

The promise (expected_at) is set from the type's service level when a request is filed and is
never moved: transfers and reopenings are recorded on the timeline and measured against it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from portal.models import ClosureReason, ServiceRequest, Status, utcnow
from portal.requests.service import OPEN_STATUSES

AGE_BUCKETS = ((0, 2), (3, 7), (8, 30), (31, None))  # days, inclusive


@dataclass
class OnTime:
    days: int
    closed: int  # the sample size
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.closed if self.closed else None


@dataclass
class Dashboard:
    open_by_age: list[tuple[tuple[int, int | None], int]]
    open_total: int
    overdue: int
    on_time: list[OnTime]


def dashboard(session: Session, department_id: int) -> Dashboard:
    now = utcnow()
    mine = ServiceRequest.department_id == department_id
    active = col(ServiceRequest.status).in_(OPEN_STATUSES)
    by_age = []
    for low, high in AGE_BUCKETS:
        query = select(func.count()).select_from(ServiceRequest).where(
            mine, active, ServiceRequest.created_at <= now - timedelta(days=low))
        if high is not None:
            query = query.where(ServiceRequest.created_at > now - timedelta(days=high + 1))
        by_age.append(((low, high), session.exec(query).one()))
    overdue = session.exec(select(func.count()).select_from(ServiceRequest)
                           .where(mine, active, ServiceRequest.expected_at < now)).one()
    return Dashboard(by_age, sum(n for _b, n in by_age), overdue, [on_time(session, department_id, d) for d in (30, 90)])


def on_time(session: Session, department_id: int, days: int) -> OnTime:
    """Requests closed in the last `days` days, and how many by their promised date.
    Duplicates merged into another request are left out: the original carries the work."""
    since = utcnow() - timedelta(days=days)
    closed, in_time = session.exec(
        select(func.count(), func.coalesce(func.sum(case((ServiceRequest.closed_at <= ServiceRequest.expected_at, 1),
                                                         else_=0)), 0))
        .where(ServiceRequest.department_id == department_id, ServiceRequest.status == Status.closed,
               ServiceRequest.closed_at >= since,
               (ServiceRequest.closure_reason != ClosureReason.duplicate) | col(ServiceRequest.closure_reason).is_(None))
    ).one()
    return OnTime(days, int(closed), int(in_time))
