"""The city side: a department's queue (/staff), bulk actions, saved filters, the service-level
dashboard. Working one request lives in portal/staff/request_views.py on the same blueprint."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import _, get_locale, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import defer
from sqlmodel import select

from portal.accounts.roles import require_role
from portal.content import localise
from portal.db import get_session
from portal.models import Area, Department, ServiceType
from portal.models.accounts import Role
from portal.requests.browse import area_choices
from portal.requests.service import claim_idempotency_key
from portal.requests.service import is_overdue
from portal.staff import levels, queue
from portal.staff import service as work
from portal.validation import Form, Invalid, row_id
from portal.web import keeps_input, render_page, safe_next

bp = Blueprint("staff", __name__, url_prefix="/staff")


def current_department() -> Department:
    """Staff work their own department; an admin picks one (?department=code)."""
    session = get_session()
    if current_user.role == Role.admin:
        code = (request.values.get("department") or "").strip()[:40]
        query = select(Department).where(Department.code == code) if code else select(Department).order_by(Department.name)
        found = session.exec(query).first()
    else:
        found = session.get(Department, current_user.department_id) if current_user.department_id else None
    if found is None:
        abort(404)
    return found


def _queue_context(department: Department, wanted: queue.QueueFilter) -> dict:
    session, locale = get_session(), str(get_locale())
    page = queue.department_queue(session, department.id, wanted, user_id=current_user.id)
    rows = page.items
    type_ids = {r.service_type_id for r in rows}
    types = {t.id: t for t in session.exec(select(ServiceType).where(
        (ServiceType.department_id == department.id) | ServiceType.id.in_(type_ids)))}
    localise(session, "service_type", types.values(), locale)
    area_ids = {r.area_id for r in rows if r.area_id}
    areas = {a.id: a for a in session.exec(select(Area).options(defer(Area.geometry), defer(Area.drawing))
                                           .where(Area.id.in_(area_ids)))} if area_ids else {}
    people = work.colleagues(session, department.id)
    return {"department": department, "wanted": wanted, "page": page, "types": types, "areas": areas,
            "people": {p.id: p for p in people}, "colleagues": people, "STATUS_CHOICES": queue.STATUS_CHOICES,
            "AGE_CHOICES": queue.AGE_CHOICES, "SORTS": queue.SORTS, "FILTER_KEYS": queue.FILTER_KEYS,
            "BULK_ACTIONS": queue.BULK_ACTIONS, "PRIORITIES": work.PRIORITIES,
            "overdue": {r.id for r in rows if is_overdue(r)}, "counts": queue.queue_counts(session, department.id),
            "saved": queue.saved_filters(session, current_user.id), "area_options": area_choices(session),
            "departments": session.exec(select(Department).order_by(Department.name)).all()
            if current_user.role == Role.admin else [department]}


@bp.get("")
@require_role(Role.staff)
def queue_page():
    """The department's requests, filtered and sorted, 50 a page, with bulk actions."""
    department = current_department()
    wanted = queue.parse_filter(request.args)
    return render_page("staff/queue.html", status=400 if wanted.errors else 200, form=Form({}, csrf_failed=False),
                       **_queue_context(department, wanted))


def _ids(form: Form) -> list[int]:
    raw = request.form.getlist("ids")
    if any(not v.isdigit() or len(v) > 12 for v in raw):
        form.error("ids", _l("Tick requests from the list."))
        return []
    return [int(v) for v in raw]


@bp.post("/bulk")
@require_role(Role.staff)
@keeps_input
def bulk():
    """Assign, acknowledge or set the priority of the ticked requests, all or nothing."""
    session, department = get_session(), current_department()
    form = Form(request.form)
    action = form.choice("action", queue.BULK_ACTIONS, label=_l("Action"))
    ids = _ids(form)
    assignee = request.form.get("assignee", "")
    priority = request.form.get("priority", "")
    back = safe_next(request.form.get("next"), url_for("staff.queue_page"))
    if form.ok and not claim_idempotency_key(session, form.value("idempotency_key"), "staff-bulk", None):
        session.rollback()
        return redirect(back, 303)  # the same form posted again: it was done the first time
    if form.ok:
        try:
            result = queue.bulk(session, department.id, action=action, request_ids=ids, author_id=current_user.id,
                                assignee_id=row_id(assignee), priority=row_id(priority))
            session.commit()  # bulk acknowledgements carry no note, so they send no mail
            flash(_("%(done)s requests changed, %(skipped)s skipped.", done=len(result.done),
                    skipped=len(result.skipped)), "success")
            return redirect(back, 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    form.labels.update(ids=_l("Requests"), assignee=_l("Assign to"), priority=_l("Priority"))
    wanted = queue.parse_filter(_query_of(request.form.get("next", "")))
    return render_page("staff/queue.html", status=422, form=form, **_queue_context(department, wanted))


def _query_of(next_url: str):
    from urllib.parse import parse_qs, urlsplit
    from werkzeug.datastructures import MultiDict
    query = urlsplit(safe_next(next_url, "/staff")).query
    return MultiDict([(k, v) for k, values in parse_qs(query).items() for v in values])


@bp.post("/filters")
@require_role(Role.staff)
@keeps_input
def save_filter():
    session, department = get_session(), current_department()
    form = Form(request.form)
    wanted = queue.parse_filter(request.form)
    if form.ok:
        try:
            queue.save_filter(session, current_user.id, request.form.get("name", ""), wanted)
            session.commit()
            flash(_("Filter saved."), "success")
            return redirect(url_for("staff.queue_page") + "?" + wanted.query_string(page=1), 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    form.labels["name"] = _l("Name of this filter")
    return render_page("staff/queue.html", status=422, form=form, **_queue_context(department, wanted))


@bp.post("/filters/<int:filter_id>/delete")
@require_role(Role.staff)
def delete_filter(filter_id: int):
    session = get_session()
    if not queue.delete_filter(session, current_user.id, filter_id):
        abort(404)
    session.commit()
    flash(_("Filter deleted."), "success")
    return redirect(url_for("staff.queue_page"), 303)


@bp.get("/dashboard")
@require_role(Role.staff)
def dashboard():
    """Open requests by age, overdue, on-time closure over 30 and 90 days with sample sizes."""
    department = current_department()
    session = get_session()
    return render_page("staff/dashboard.html", department=department,
                       board=levels.dashboard(session, department.id),
                       departments=session.exec(select(Department).order_by(Department.name)).all()
                       if current_user.role == Role.admin else [department])


from portal.staff import request_views as _request_views  # noqa: E402,F401  (registers the request pages)
