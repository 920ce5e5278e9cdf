"""Working a request: status, notes, assignee, priority, transfers and merges.

Plain functions: each checks its rule, claims the request's version (a stale page cannot
overwrite a newer change), writes the timeline and the audit entry in the caller's
transaction, and raises Invalid with nothing stored. The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlmodel import Session, select

from portal.audit.service import record
from portal.models import (
    ClosureReason, CoReport, Department, RequestFollower, RequestPhoto, RequestUpdate, ServiceRequest, Status,
    UpdateKind, User, utcnow,
)
from portal.models.accounts import Role
from portal.requests import service as requests
from portal.validation import Invalid

MAX_NOTE = requests.MAX_DESCRIPTION
PRIORITIES = {0: _l("Normal"), 1: _l("High"), 2: _l("Urgent")}
NOTE_KINDS = (UpdateKind.public_note, UpdateKind.internal_note)


@dataclass
class Outcome:
    """What an action did: the timeline row, and whether the audience should be told by mail."""
    update: RequestUpdate
    notify: bool = False


def _audit(session: Session, action: str, found: ServiceRequest, summary: str, **details) -> None:
    record(session, action, target_kind="request", target_id=found.number, summary=summary, details=details)


def _touch(found: ServiceRequest) -> None:
    found.updated_at = utcnow()


def change_status(session: Session, found: ServiceRequest, *, status: str, author_id: int | None,
                  reason: str | None = None, note: str = "", expected_version: int | None = None) -> Outcome:
    """Acknowledge, start, close (with a reason) or reopen. The promised date never moves:
    a reopened request is measured against its first promise.

    Residents hear about every change except a bare acknowledgement: one without a public
    note tells them nothing their page does not already say, and saves a mail per request."""
    if len(note) > MAX_NOTE:
        raise Invalid({"note": _l("This is too long: at most %(max)s characters.", max=MAX_NOTE)})
    before = found.status
    row = requests.change_status(session, found, status=status, reason=reason, note=note,
                                 author_id=author_id, expected_version=expected_version)
    _audit(session, "request.status", found, f"{before} → {status}" + (f" ({reason})" if reason else ""),
           before=before, after=status, reason=reason, public_note=note)
    return Outcome(row, notify=not (status == Status.acknowledged and not note))


def add_note(session: Session, found: ServiceRequest, *, text: str, public: bool, author_id: int | None,
             expected_version: int | None = None) -> Outcome:
    """A public note (residents see it and hear about it) or an internal one (staff only, ever)."""
    if not text:
        raise Invalid({"text": _l("Write the note.")})
    if len(text) > MAX_NOTE:
        raise Invalid({"text": _l("This is too long: at most %(max)s characters.", max=MAX_NOTE)})
    requests.claim_version(session, found, expected_version)
    _touch(found)
    session.add(found)
    row = RequestUpdate(request_id=found.id, kind=UpdateKind.public_note if public else UpdateKind.internal_note,
                        public=public, text=text, author_user_id=author_id)
    session.add(row)
    session.flush()
    # The audit entry says that a note was added, not what it says: the trail is read more widely.
    _audit(session, "request.note" if public else "request.internal_note", found,
           "public note" if public else "internal note", update_id=row.id)
    return Outcome(row)  # notes are read on the page; mail goes out for status changes


def colleagues(session: Session, department_id: int) -> list[User]:
    """Who a request of this department can be assigned to."""
    return list(session.exec(select(User).where(User.department_id == department_id, User.role == Role.staff,
                                                User.disabled == False)  # noqa: E712
                             .order_by(User.display_name, User.email)))


def assign(session: Session, found: ServiceRequest, *, assignee_id: int | None, author_id: int | None,
           expected_version: int | None = None) -> Outcome:
    """Give the request to a colleague of its department (None: nobody)."""
    assignee = None
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if (assignee is None or assignee.disabled or assignee.role != Role.staff
                or assignee.department_id != found.department_id):
            raise Invalid({"assignee": _l("Choose a colleague of the department that owns this request.")})
    requests.claim_version(session, found, expected_version)
    found.assignee_id = assignee.id if assignee else None
    _touch(found)
    session.add(found)
    label = (assignee.display_name or assignee.email) if assignee else ""
    row = RequestUpdate(request_id=found.id, kind=UpdateKind.assign, public=False, text=label, author_user_id=author_id)
    session.add(row)
    _audit(session, "request.assign", found, f"assigned to {assignee.email}" if assignee else "unassigned",
           assignee_id=found.assignee_id)
    return Outcome(row)


def set_priority(session: Session, found: ServiceRequest, *, priority: int, author_id: int | None,
                 expected_version: int | None = None) -> Outcome:
    if priority not in PRIORITIES:
        raise Invalid({"priority": _l("Choose one of the options.")})
    requests.claim_version(session, found, expected_version)
    before, found.priority = found.priority, priority
    _touch(found)
    session.add(found)
    row = RequestUpdate(request_id=found.id, kind=UpdateKind.priority, public=False, text=str(priority),
                        author_user_id=author_id)
    session.add(row)
    _audit(session, "request.priority", found, f"priority {before} → {priority}", before=before, after=priority)
    return Outcome(row)


def transfer(session: Session, found: ServiceRequest, *, department_id: int | None, reason: str,
             author_id: int | None, expected_version: int | None = None) -> tuple[Outcome, Department]:
    """Pass the request to the department that should handle it, with the reason.

    The public timeline says where it went; the reason is an internal note the receiving
    department reads with the whole history. The promised date does not change."""
    target = session.get(Department, department_id) if department_id else None
    if target is None:
        raise Invalid({"department": _l("Choose a department from the list.")})
    if target.id == found.department_id:
        raise Invalid({"department": _l("The request is already with this department. Choose another one.")})
    if found.status == Status.closed:
        raise Invalid({"_form": _l("A closed request cannot be transferred. Reopen it first.")})
    if not reason:
        raise Invalid({"reason": _l("Say why it goes to that department, so they know what to do.")})
    if len(reason) > MAX_NOTE:
        raise Invalid({"reason": _l("This is too long: at most %(max)s characters.", max=MAX_NOTE)})
    requests.claim_version(session, found, expected_version)
    source = session.get(Department, found.department_id)
    found.department_id, found.assignee_id = target.id, None
    _touch(found)
    session.add(found)
    row = RequestUpdate(request_id=found.id, kind=UpdateKind.transfer, public=True, text=target.name,
                        author_user_id=author_id)
    session.add(row)
    session.add(RequestUpdate(request_id=found.id, kind=UpdateKind.internal_note, public=False,
                              text=f"{source.name if source else ''} → {target.name}: {reason}",
                              author_user_id=author_id))
    _audit(session, "request.transfer", found, f"{source.code if source else '?'} → {target.code}",
           from_department=source.code if source else None, to_department=target.code)
    return Outcome(row), target


def merge(session: Session, duplicate: ServiceRequest, original: ServiceRequest, *, author_id: int | None,
          note: str = "", expected_version: int | None = None) -> Outcome:
    """Merge `duplicate` into `original`: its reporter, co-reporters, followers, photos and notes
    move over, it is closed as a duplicate pointing at the original, and both timelines say so.

    `expected_version` is the version of the original, whose page the merge was started from."""
    if duplicate.id == original.id:
        raise Invalid({"duplicate": _l("A request cannot be merged into itself.")})
    if duplicate.duplicate_of_id is not None:
        raise Invalid({"duplicate": _l("That request was already merged into another one.")})
    if original.duplicate_of_id is not None:
        raise Invalid({"duplicate": _l("This request was merged into another one: merge into that one instead.")})
    if original.status == Status.closed:
        raise Invalid({"_form": _l("Reopen this request before merging another one into it.")})
    if len(note) > MAX_NOTE:
        raise Invalid({"note": _l("This is too long: at most %(max)s characters.", max=MAX_NOTE)})
    requests.claim_version(session, original, expected_version)
    requests.claim_version(session, duplicate, None)
    moved = _move_people_and_things(session, duplicate, original)
    now = utcnow()
    duplicate.status, duplicate.closure_reason, duplicate.closed_at = Status.closed, ClosureReason.duplicate, now
    duplicate.duplicate_of_id, duplicate.coreporter_count, duplicate.updated_at = original.id, 0, now
    session.add(duplicate)
    session.execute(update(ServiceRequest).where(ServiceRequest.id == original.id).values(
        coreporter_count=ServiceRequest.coreporter_count + moved, updated_at=now))
    session.refresh(original, ["coreporter_count", "updated_at"])
    session.add(RequestUpdate(request_id=duplicate.id, kind=UpdateKind.merged, public=True, status=Status.closed,
                              closure_reason=ClosureReason.duplicate, text=original.number,
                              author_user_id=author_id, created_at=now))
    row = RequestUpdate(request_id=original.id, kind=UpdateKind.merge, public=True, text=duplicate.number,
                        author_user_id=author_id, created_at=now)
    session.add(row)
    if note:
        session.add(RequestUpdate(request_id=original.id, kind=UpdateKind.public_note, public=True, text=note,
                                  author_user_id=author_id, created_at=now))
    session.flush()
    _audit(session, "request.merge", original, f"{duplicate.number} merged into {original.number}",
           duplicate=duplicate.number, original=original.number, people_moved=moved)
    return Outcome(row)


def _move_people_and_things(session: Session, duplicate: ServiceRequest, original: ServiceRequest) -> int:
    """Co-reports, photos, notes and followers go to the original; the duplicate's reporter becomes
    a co-reporter there. Returns how many co-reporters the original gained."""
    coreports = session.execute(update(CoReport).where(CoReport.request_id == duplicate.id)
                                .values(request_id=original.id)).rowcount
    session.execute(update(RequestPhoto).where(RequestPhoto.request_id == duplicate.id)
                    .values(request_id=original.id))
    session.execute(update(RequestUpdate).where(RequestUpdate.request_id == duplicate.id,
                                                RequestUpdate.kind.in_(NOTE_KINDS))
                    .values(request_id=original.id))
    already = session.exec(select(RequestFollower).where(RequestFollower.request_id == original.id)).all()
    users = {f.user_id for f in already if f.user_id}
    emails = {f.email for f in already if f.email}
    for follower in session.exec(select(RequestFollower).where(RequestFollower.request_id == duplicate.id)).all():
        if (follower.user_id and follower.user_id in users) or (follower.email and follower.email in emails):
            session.delete(follower)  # follows both: one row is enough, so one mail
        else:
            follower.request_id = original.id
            session.add(follower)
            users.add(follower.user_id)
            emails.add(follower.email)
    session.flush()
    reporter_known = duplicate.reporter_user_id or duplicate.reporter_email or duplicate.reporter_phone \
        or duplicate.reporter_name
    if reporter_known:
        session.add(CoReport(request_id=original.id, user_id=duplicate.reporter_user_id,
                             name=duplicate.reporter_name, email=duplicate.reporter_email,
                             phone=duplicate.reporter_phone, note=duplicate.description,
                             channel=duplicate.channel, created_at=duplicate.created_at))
        coreports += 1
    if duplicate.reporter_email and not duplicate.reporter_user_id and duplicate.reporter_email not in emails:
        session.add(RequestFollower(request_id=original.id, email=duplicate.reporter_email))
    return coreports


def full_timeline(session: Session, found: ServiceRequest) -> list[RequestUpdate]:
    """Every update, internal notes included: for the staff view only."""
    return list(session.exec(select(RequestUpdate).where(RequestUpdate.request_id == found.id)
                             .order_by(RequestUpdate.id)))


def contacts(session: Session, found: ServiceRequest) -> list[CoReport]:
    """Co-reporters with their contact details: for the staff view only."""
    return list(session.exec(select(CoReport).where(CoReport.request_id == found.id).order_by(CoReport.id)))
