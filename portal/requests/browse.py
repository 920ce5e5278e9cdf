"""Listing requests: filters from the query string, sorting, pages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, UTC

from sqlalchemy import func, or_
from sqlmodel import Session, select

from portal.areas.service import neighbourhoods
from portal.models import Area, CoReport, RequestFollower, ServiceRequest, ServiceType, Status, utcnow
from portal.web import page_number

PAGE_SIZE = 20
SORTS = {
    "newest": (ServiceRequest.created_at.desc(), ServiceRequest.id.desc()),
    "oldest": (ServiceRequest.created_at.asc(), ServiceRequest.id.asc()),
    "updated": (ServiceRequest.updated_at.desc(), ServiceRequest.id.desc()),
    "neighbours": (ServiceRequest.coreporter_count.desc(), ServiceRequest.created_at.desc()),
}
STATUS_FILTERS = {"open": (Status.open, Status.acknowledged, Status.in_progress), "closed": (Status.closed,)}


@dataclass
class Filters:
    type: str = ""
    group: str = ""
    status: str = ""
    area: str = ""
    since: date | None = None
    until: date | None = None
    overdue: bool = False
    sort: str = "newest"
    page: int = 1
    type_id: int | None = None
    group_id: int | None = None
    area_id: int | None = None

    def query_args(self, **changes) -> dict:
        """The filters as URL arguments (for links to other pages and sorts)."""
        values = {"type": self.type, "group": self.group, "status": self.status, "area": self.area,
                  "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else "",
                  "overdue": "1" if self.overdue else "", "sort": self.sort if self.sort != "newest" else "",
                  "page": self.page if self.page > 1 else ""}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class Page:
    items: list = field(default_factory=list)
    number: int = 1
    has_next: bool = False
    total: int = 0


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()) if text else None
    except ValueError:
        return None  # a bad date in a URL filter is ignored, not an error page


def parse_filters(args, session: Session) -> Filters:
    """Unknown or malformed filter values are dropped, so any URL gives a list."""
    from portal.models import ServiceGroup
    filters = Filters(
        type=args.get("type", "")[:40], group=args.get("group", "")[:40],
        status=args.get("status", "") if args.get("status") in STATUS_FILTERS else "",
        area=args.get("area", "")[:80], since=_date(args.get("since")), until=_date(args.get("until")),
        overdue=args.get("overdue") == "1", sort=args.get("sort") if args.get("sort") in SORTS else "newest",
        page=page_number(args, last=500))
    if filters.type:
        filters.type_id = session.exec(select(ServiceType.id).where(ServiceType.code == filters.type)).first()
        filters.type = filters.type if filters.type_id else ""
    if filters.group:
        filters.group_id = session.exec(select(ServiceGroup.id).where(ServiceGroup.code == filters.group)).first()
        filters.group = filters.group if filters.group_id else ""
    if filters.area:
        filters.area_id = session.exec(select(Area.id).where(Area.slug == filters.area)).first()
        filters.area = filters.area if filters.area_id else ""
    return filters


def _apply(query, filters: Filters):
    if filters.type_id:
        query = query.where(ServiceRequest.service_type_id == filters.type_id)
    if filters.group_id:
        query = query.where(ServiceRequest.service_type_id.in_(
            select(ServiceType.id).where(ServiceType.group_id == filters.group_id)))
    if filters.status:
        query = query.where(ServiceRequest.status.in_(STATUS_FILTERS[filters.status]))
    if filters.area_id:
        query = query.where(ServiceRequest.area_id == filters.area_id)
    if filters.since:
        query = query.where(ServiceRequest.created_at >= datetime.combine(filters.since, time.min, UTC))
    if filters.until:
        query = query.where(ServiceRequest.created_at < datetime.combine(filters.until + timedelta(days=1), time.min, UTC))
    if filters.overdue:
        now = utcnow()
        query = query.where(or_(
            (ServiceRequest.status != Status.closed) & (ServiceRequest.expected_at < now),
            (ServiceRequest.status == Status.closed) & (ServiceRequest.closed_at > ServiceRequest.expected_at)))
    return query


def list_requests(session: Session, filters: Filters, page_size: int = PAGE_SIZE) -> Page:
    query = _apply(select(ServiceRequest), filters).order_by(*SORTS[filters.sort])
    rows = list(session.exec(query.offset((filters.page - 1) * page_size).limit(page_size + 1)))
    return Page(items=rows[:page_size], number=filters.page, has_next=len(rows) > page_size)


def my_requests(session: Session, user_id: int, page: int = 1, page_size: int = PAGE_SIZE) -> Page:
    """What I reported, joined or follow."""
    mine = or_(ServiceRequest.reporter_user_id == user_id,
               ServiceRequest.id.in_(select(CoReport.request_id).where(CoReport.user_id == user_id)),
               ServiceRequest.id.in_(select(RequestFollower.request_id).where(RequestFollower.user_id == user_id)))
    query = select(ServiceRequest).where(mine).order_by(ServiceRequest.updated_at.desc(), ServiceRequest.id.desc())
    rows = list(session.exec(query.offset((page - 1) * page_size).limit(page_size + 1)))
    total = session.exec(select(func.count()).select_from(ServiceRequest).where(mine)).one()
    return Page(items=rows[:page_size], number=page, has_next=len(rows) > page_size, total=total)


def area_choices(session: Session) -> list[tuple[str, str]]:
    return [(a.slug, a.name) for a in neighbourhoods(session)]
