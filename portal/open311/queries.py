"""Reading GET arguments, and the bounded, indexed queries behind GET requests and
GET servicerequestupdates.

Every list is bounded: ids override everything (at most MAX_IDS); otherwise a window of at most 90
days (by default the last 90 days) and at most MAX_PAGE_SIZE rows, newest first, through the
indexes on created_at, (status, created_at), (service_type_id, status, created_at) and updated_at.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from portal.models import RequestUpdate, ServiceRequest, ServiceType, Status, utcnow
from portal.open311.formats import Open311Error, parse_w3c
from portal.requests.service import OPEN_STATUSES

MAX_SPAN = timedelta(days=90)
DEFAULT_PAGE_SIZE = MAX_PAGE_SIZE = 1000  # the spec's default volume, and the most one page holds
MAX_PAGE = 100_000
MAX_IDS = 1000
STATUSES = {"open": OPEN_STATUSES, "closed": (Status.closed,)}


class Params:
    """Request arguments where empty means absent and a name given twice with different values is an error."""

    def __init__(self, *multidicts):
        self.multidicts = multidicts

    def values(self, name: str) -> list[str]:
        return [v for m in self.multidicts for v in m.getlist(name)]

    def get(self, name: str) -> str | None:
        values = {v.strip() for v in self.values(name)}
        values.discard("")
        if any("\x00" in v for v in values):  # never meant, and PostgreSQL text cannot hold it
            raise Open311Error(400, _l("The argument %(name)s contains a NUL byte.", name=name))
        if len(values) > 1:
            raise Open311Error(400, _l("The argument %(name)s was given more than once.", name=name))
        return values.pop() if values else None

    def names(self) -> set[str]:
        return {name for m in self.multidicts for name in m.keys()}

    def items(self):
        for m in self.multidicts:
            yield from m.items(multi=True)


def split_list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def read_datetime(params: Params, name: str) -> tuple[datetime, bool] | None:
    text = params.get(name)
    if text is None:
        return None
    try:
        return parse_w3c(text)
    except ValueError:
        raise Open311Error(400, _l("%(name)s is not a date and time like 2026-01-31T18:30:00Z.", name=name)) from None


def read_int(params: Params, name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or not low <= int(text) <= high:
        raise Open311Error(400, _l("%(name)s must be a whole number from %(low)s to %(high)s.",
                                   name=name, low=low, high=high))
    return int(text)


def read_flag(params: Params, name: str) -> bool:
    text = (params.get(name) or "false").lower()
    if text not in ("true", "false", "1", "0"):
        raise Open311Error(400, _l("%(name)s must be true or false.", name=name))
    return text in ("true", "1")


@dataclass
class Window:
    """An inclusive [start, end] range; `end_exclusive` reaches the end of its last whole second."""
    start: datetime
    end: datetime
    end_exclusive: datetime


def read_window(params: Params, start_name: str, end_name: str, *, default_to_now: bool) -> Window | None:
    """None if neither bound is given. A missing start is end - 90 days; a missing end is now
    (`default_to_now`, as v2.1's updated_after) or start + 90 days. Over 90 days: 400."""
    start, end = read_datetime(params, start_name), read_datetime(params, end_name)
    if start is None and end is None:
        return None
    if end is None:
        moment = utcnow() if default_to_now else start[0] + MAX_SPAN
        end = (moment, True)
    if start is None:
        start = (end[0] - MAX_SPAN, True)
    if start[0] > end[0]:
        raise Open311Error(400, _l("%(start)s is after %(end)s.", start=start_name, end=end_name))
    if end[0] - start[0] > MAX_SPAN:
        raise Open311Error(400, _l("%(start)s to %(end)s may span at most 90 days.", start=start_name, end=end_name))
    whole_second = timedelta(seconds=1) if end[1] else timedelta(0)
    return Window(start[0], end[0], end[0] + whole_second)


@dataclass
class RequestQuery:
    numbers: list[str] | None = None  # service_request_id: overrides everything else
    codes: list[str] | None = None
    statuses: tuple | None = None
    requested: Window | None = None
    updated: Window | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    extensions: bool = False
    default_since: datetime | None = field(default=None)


def read_request_query(params: Params) -> RequestQuery:
    query = RequestQuery(extensions=read_flag(params, "extensions"))
    ids = split_list(params.get("service_request_id"))
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(400, _l("Ask for at most %(max)s requests by id at once.", max=MAX_IDS))
        query.numbers = ids
        return query  # the spec: ids override all other arguments
    if codes := split_list(params.get("service_code")):
        query.codes = codes
    if statuses := split_list(params.get("status")):
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise Open311Error(400, _l("status must be open, closed, or both separated by a comma."))
        query.statuses = tuple(s for name in dict.fromkeys(statuses) for s in STATUSES[name])
    query.requested = read_window(params, "start_date", "end_date", default_to_now=False)
    query.updated = read_window(params, "updated_after", "updated_before", default_to_now=True)
    query.page = read_int(params, "page", 1, 1, MAX_PAGE)
    query.page_size = read_int(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    if query.requested is None and query.updated is None:
        query.default_since = utcnow() - MAX_SPAN
    return query


def find_requests(session: Session, query: RequestQuery) -> list[ServiceRequest]:
    if query.numbers is not None:
        numbers = [n for n in query.numbers if n.isascii() and n.isdigit() and len(n) <= 12]
        if not numbers:
            return []
        found = {r.number: r for r in session.exec(select(ServiceRequest).where(ServiceRequest.number.in_(numbers)))}
        return [found[n] for n in dict.fromkeys(numbers) if n in found]
    statement = select(ServiceRequest)
    if query.codes is not None:
        type_ids = list(session.exec(select(ServiceType.id).where(ServiceType.code.in_(query.codes))))
        if not type_ids:
            return []
        statement = statement.where(ServiceRequest.service_type_id.in_(type_ids))
    if query.statuses:
        statement = statement.where(ServiceRequest.status.in_(query.statuses))
    if query.requested:
        statement = statement.where(ServiceRequest.created_at >= query.requested.start,
                                    ServiceRequest.created_at < query.requested.end_exclusive)
    if query.updated:
        statement = statement.where(ServiceRequest.updated_at >= query.updated.start,
                                    ServiceRequest.updated_at < query.updated.end_exclusive)
    if query.default_since:
        statement = statement.where(ServiceRequest.created_at >= query.default_since)
    statement = (statement.order_by(col(ServiceRequest.created_at).desc(), col(ServiceRequest.id).desc())
                 .offset((query.page - 1) * query.page_size).limit(query.page_size))
    return list(session.exec(statement))


# ---------------------------------------------------------------- servicerequestupdates

# The updates a department system cares about: what the city said and did, not neighbours' "me too".
UPDATE_KINDS = ("status", "reopened", "public_note", "still_there")


@dataclass
class UpdateQuery:
    window: Window | None
    numbers: list[str] | None
    page: int
    page_size: int


def read_update_query(params: Params) -> UpdateQuery:
    window = read_window(params, "start_date", "end_date", default_to_now=True)
    numbers = split_list(params.get("service_request_id")) or None
    if numbers and len(numbers) > MAX_IDS:
        raise Open311Error(400, _l("Ask for at most %(max)s requests by id at once.", max=MAX_IDS))
    return UpdateQuery(window, numbers, read_int(params, "page", 1, 1, MAX_PAGE),
                       read_int(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE))


def find_updates(session: Session, query: UpdateQuery) -> list[tuple[RequestUpdate, ServiceRequest]]:
    """Public updates, oldest first (a department system applies them in order)."""
    statement = (select(RequestUpdate, ServiceRequest).join(ServiceRequest, ServiceRequest.id == RequestUpdate.request_id)
                 .where(RequestUpdate.public, RequestUpdate.kind.in_(UPDATE_KINDS)))
    if query.numbers:
        statement = statement.where(ServiceRequest.number.in_([n for n in query.numbers if n.isascii() and n.isdigit()]))
    if query.window:
        statement = statement.where(RequestUpdate.created_at >= query.window.start,
                                    RequestUpdate.created_at < query.window.end_exclusive)
    elif not query.numbers:
        statement = statement.where(RequestUpdate.created_at >= utcnow() - MAX_SPAN)
    statement = (statement.order_by(col(RequestUpdate.created_at), col(RequestUpdate.id))
                 .offset((query.page - 1) * query.page_size).limit(query.page_size))
    return list(session.exec(statement).all())
