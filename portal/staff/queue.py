"""A department's queue: filters, sorting, pages, the counts at the top, bulk actions, saved filters.

Every query starts from the department (and usually the status), so it runs on the
(department_id, status, created_at|expected_at) indexes whatever the table's size. Pages are
LIMIT/OFFSET with one extra row to know whether there is a next page: no COUNT over the queue.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.audit.service import record
from portal.models import Area, Channel, SavedFilter, ServiceRequest, ServiceType, Status, utcnow
from portal.requests.service import OPEN_STATUSES
from portal.staff import service as work
from portal.validation import Invalid, clean_text

PAGE_SIZE = 50
MAX_PAGE = 2000
STATUS_CHOICES = {"active": _l("Not closed"), Status.open: _l("New"), Status.acknowledged: _l("Acknowledged"),
                  Status.in_progress: _l("In progress"), Status.closed: _l("Closed"), "any": _l("Any")}
AGE_CHOICES = {"2": _l("Up to 2 days"), "7": _l("Up to a week"), "30": _l("Up to 30 days"),
               "31+": _l("More than 30 days")}
SORTS = {
    "oldest": (_l("Oldest first"), (col(ServiceRequest.created_at).asc(), col(ServiceRequest.id).asc())),
    "newest": (_l("Newest first"), (col(ServiceRequest.created_at).desc(), col(ServiceRequest.id).desc())),
    "due": (_l("Due soonest"), (col(ServiceRequest.expected_at).asc(), col(ServiceRequest.id).asc())),
    "coreporters": (_l("Most co-reporters"), (col(ServiceRequest.coreporter_count).desc(), col(ServiceRequest.id).asc())),
    "priority": (_l("Highest priority"), (col(ServiceRequest.priority).desc(), col(ServiceRequest.created_at).asc())),
}
FILTER_KEYS = ("department", "status", "type", "area", "overdue", "age", "coreporters", "assignee", "channel", "sort")


@dataclass
class QueueFilter:
    department: str = ""  # admins choose the department; staff always see their own
    status: str = "active"
    type: str = ""  # service type code
    area: str = ""  # neighbourhood slug
    overdue: bool = False
    age: str = ""
    coreporters: int = 0  # at least this many
    assignee: str = ""  # "", "me", "none" or a user id
    channel: str = ""
    sort: str = "oldest"
    page: int = 1
    errors: dict = field(default_factory=dict)

    def query_string(self, **changes) -> str:
        values = {k: getattr(self, k) for k in FILTER_KEYS} | {"page": self.page} | changes
        defaults = QueueFilter()
        kept = {k: ("1" if v is True else v) for k, v in values.items()
                if v not in ("", 0, False, None) and v != getattr(defaults, k, None)}
        return urlencode(kept)


def parse_filter(args) -> QueueFilter:
    """Read the queue's query string; unknown values are reported, never a 500."""
    wanted, errors = QueueFilter(), {}

    def pick(name, choices):
        value = (args.get(name) or "").strip()[:40]
        if value and value not in choices:
            errors[name] = _l("Choose one of the options.")
            return ""
        return value

    wanted.status = pick("status", STATUS_CHOICES) or "active"
    wanted.age = pick("age", AGE_CHOICES)
    wanted.channel = pick("channel", set(Channel))
    wanted.sort = pick("sort", SORTS) or "oldest"
    wanted.department = (args.get("department") or "").strip()[:40]
    wanted.type = (args.get("type") or "").strip()[:40]
    wanted.area = (args.get("area") or "").strip()[:80]
    wanted.overdue = args.get("overdue") in ("1", "on", "true")
    assignee = (args.get("assignee") or "").strip()[:12]
    # An id is at most 9 digits: a longer "number" would overflow the database's integer column.
    if assignee and assignee not in ("me", "none") and not (assignee.isdigit() and len(assignee) <= 9):
        errors["assignee"] = _l("Choose one of the options.")
        assignee = ""
    wanted.assignee = assignee
    for name in ("coreporters", "page"):
        raw = (args.get(name) or "").strip()
        if raw and (not raw.isdigit() or len(raw) > 6):
            errors[name] = _l("Enter a whole number.")
        elif raw:
            setattr(wanted, name, int(raw))
    wanted.page = min(max(wanted.page, 1), MAX_PAGE)
    wanted.errors = errors
    return wanted


@dataclass
class QueuePage:
    items: list[ServiceRequest]
    page: int
    has_next: bool


def _filtered(session: Session, department_id: int, wanted: QueueFilter, user_id: int | None):
    now = utcnow()
    query = select(ServiceRequest).where(ServiceRequest.department_id == department_id)
    if wanted.status == "active":
        query = query.where(col(ServiceRequest.status).in_(OPEN_STATUSES))
    elif wanted.status != "any":
        query = query.where(ServiceRequest.status == wanted.status)
    if wanted.type:
        type_id = session.exec(select(ServiceType.id).where(ServiceType.code == wanted.type)).first()
        query = query.where(ServiceRequest.service_type_id == (type_id or -1))
    if wanted.area:
        area_id = session.exec(select(Area.id).where(Area.slug == wanted.area)).first()
        query = query.where(ServiceRequest.area_id == (area_id or -1))
    if wanted.overdue:
        query = query.where(col(ServiceRequest.status).in_(OPEN_STATUSES), ServiceRequest.expected_at < now)
    if wanted.age == "31+":
        query = query.where(ServiceRequest.created_at < now - timedelta(days=30))
    elif wanted.age:
        query = query.where(ServiceRequest.created_at >= now - timedelta(days=int(wanted.age)))
    if wanted.coreporters:
        query = query.where(ServiceRequest.coreporter_count >= wanted.coreporters)
    if wanted.assignee == "me":
        query = query.where(ServiceRequest.assignee_id == (user_id or -1))
    elif wanted.assignee == "none":
        query = query.where(col(ServiceRequest.assignee_id).is_(None))
    elif wanted.assignee:
        query = query.where(ServiceRequest.assignee_id == int(wanted.assignee))
    if wanted.channel:
        query = query.where(ServiceRequest.channel == wanted.channel)
    return query


def department_queue(session: Session, department_id: int, wanted: QueueFilter, *, user_id: int | None = None,
                     page_size: int = PAGE_SIZE) -> QueuePage:
    query = _filtered(session, department_id, wanted, user_id).order_by(*SORTS[wanted.sort][1])
    rows = list(session.exec(query.offset((wanted.page - 1) * page_size).limit(page_size + 1)))
    return QueuePage(rows[:page_size], wanted.page, len(rows) > page_size)


@dataclass
class QueueCounts:
    new: int
    overdue: int
    due_this_week: int
    closed_this_week: int


def queue_counts(session: Session, department_id: int) -> QueueCounts:
    """The four numbers at the top of the queue, each an index range count."""
    now = utcnow()
    week_ahead, week_ago = now + timedelta(days=7), now - timedelta(days=7)
    mine = ServiceRequest.department_id == department_id
    active = col(ServiceRequest.status).in_(OPEN_STATUSES)

    def count(*conditions) -> int:
        return session.exec(select(func.count()).select_from(ServiceRequest).where(mine, *conditions)).one()

    return QueueCounts(
        new=count(ServiceRequest.status == Status.open),
        overdue=count(active, ServiceRequest.expected_at < now),
        due_this_week=count(active, ServiceRequest.expected_at >= now, ServiceRequest.expected_at < week_ahead),
        closed_this_week=count(ServiceRequest.status == Status.closed, ServiceRequest.closed_at >= week_ago))


# ---------------------------------------------------------------- bulk actions

BULK_ACTIONS = {"assign": _l("Assign to"), "acknowledge": _l("Acknowledge"), "priority": _l("Set priority")}
MAX_BULK = 200


@dataclass
class BulkResult:
    done: list[ServiceRequest]
    skipped: list[ServiceRequest]


def bulk(session: Session, department_id: int, *, action: str, request_ids: list[int], author_id: int | None,
         assignee_id: int | None = None, priority: int | None = None) -> BulkResult:
    """Apply one action to the ticked requests of the department. Requests of other departments
    (a forged id) refuse the whole batch; ones the action does not fit (already acknowledged)
    are skipped and reported."""
    if action not in BULK_ACTIONS:
        raise Invalid({"action": _l("Choose one of the options.")})
    if not request_ids:
        raise Invalid({"ids": _l("Tick at least one request.")})
    if len(request_ids) > MAX_BULK:
        raise Invalid({"ids": _l("At most %(max)s requests at a time.", max=MAX_BULK)})
    found = list(session.exec(select(ServiceRequest).where(col(ServiceRequest.id).in_(request_ids))
                              .order_by(ServiceRequest.id)))
    if len(found) != len(set(request_ids)) or any(r.department_id != department_id for r in found):
        raise Invalid({"ids": _l("Some of these requests are not your department's. Nothing was changed.")})
    done, skipped = [], []
    for item in found:
        if action == "acknowledge":
            if item.status != Status.open:
                skipped.append(item)
                continue
            work.change_status(session, item, status=Status.acknowledged, author_id=author_id)
        elif action == "assign":
            work.assign(session, item, assignee_id=assignee_id, author_id=author_id)
        else:
            work.set_priority(session, item, priority=priority if priority is not None else -1, author_id=author_id)
        done.append(item)
    return BulkResult(done, skipped)


# ---------------------------------------------------------------- saved filters

MAX_SAVED = 30


def saved_filters(session: Session, user_id: int) -> list[SavedFilter]:
    return list(session.exec(select(SavedFilter).where(SavedFilter.user_id == user_id).order_by(SavedFilter.name)))


def save_filter(session: Session, user_id: int, name: str, wanted: QueueFilter) -> SavedFilter:
    try:
        name = clean_text(name)
    except ValueError as problem:
        raise Invalid({"name": str(problem.args[0])}) from None
    if not name or len(name) > 60:
        raise Invalid({"name": _l("Give the filter a name of 1 to 60 characters.")})
    existing = session.exec(select(SavedFilter).where(SavedFilter.user_id == user_id, SavedFilter.name == name)).first()
    if existing is None and len(saved_filters(session, user_id)) >= MAX_SAVED:
        raise Invalid({"name": _l("You have %(max)s saved filters: delete one first.", max=MAX_SAVED)})
    row = existing or SavedFilter(user_id=user_id, name=name, query="")
    row.query = wanted.query_string(page=1)
    session.add(row)
    session.flush()
    record(session, "filter.save", target_kind="saved_filter", target_id=row.id, summary=name)
    return row


def delete_filter(session: Session, user_id: int, filter_id: int) -> bool:
    row = session.get(SavedFilter, filter_id)
    if row is None or row.user_id != user_id:
        return False
    record(session, "filter.delete", target_kind="saved_filter", target_id=row.id, summary=row.name)
    session.delete(row)
    return True
