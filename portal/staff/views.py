"""The city side of a request. This first version lets the owning department move a request
through its statuses with a public note; queues, transfers and merges come with the staff issue."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import _, get_locale, lazy_gettext as _l
from flask_login import current_user

from portal.accounts.roles import require_role
from portal.content import localise
from portal.db import get_session
from portal.models import Department, ServiceRequest, ServiceType
from portal.models.accounts import Role
from portal.requests import service
from portal.requests.labels import REASON_LABELS, STATUS_LABELS
from portal.requests.notifications import notify_status_change
from portal.validation import Form, Invalid
from portal.web import keeps_input, render_page

bp = Blueprint("staff", __name__, url_prefix="/staff")

def may_work_on(found: ServiceRequest) -> bool:
    """Staff of the owning department, and admins."""
    return current_user.role == Role.admin or (current_user.role == Role.staff
                                               and current_user.department_id == found.department_id)


def _workable(number: str) -> ServiceRequest:
    found = service.request_by_number(get_session(), number)
    if found is None:
        abort(404)
    if not may_work_on(found):
        abort(403)
    return found


def _page(found: ServiceRequest, form: Form, status: int = 200):
    session = get_session()
    service_type = session.get(ServiceType, found.service_type_id)
    localise(session, "service_type", [service_type], str(get_locale()))
    return render_page("staff/request.html", status=status, request_=found, service_type=service_type,
                       department=session.get(Department, found.department_id), form=form,
                       next_statuses=sorted(service.NEXT_STATUSES[found.status]),
                       timeline=service.public_timeline(session, found))


@bp.get("/requests/<number>")
@require_role(Role.staff)
def show(number: str):
    found = _workable(number)
    return _page(found, Form({"version": str(found.version)}, csrf_failed=False))


@bp.post("/requests/<number>/status")
@require_role(Role.staff)
@keeps_input
def change_status(number: str):
    """Change the status with a public note; closing needs a reason."""
    session, found = get_session(), _workable(number)
    form = Form(request.form)
    new_status = form.choice("status", STATUS_LABELS, label=_l("New status"))
    reason = form.choice("reason", REASON_LABELS, label=_l("Reason for closing"), required=False) or None
    note = form.text("note", label=_l("Public note"), max_length=service.MAX_DESCRIPTION, multiline=True)
    version = int(form.value("version")) if form.value("version").isdigit() else None
    if form.ok:
        try:
            update = service.change_status(session, found, status=new_status, reason=reason, note=note,
                                           author_id=current_user.id, expected_version=version)
            mails = notify_status_change(session, found, update)
            session.commit()
            from portal.notify.dispatch import deliver_soon
            deliver_soon([m.id for m in mails])
            flash(_("The request is now %(status)s.", status=STATUS_LABELS[new_status]), "success")
            return redirect(url_for("staff.show", number=found.number), 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    return _page(found, form, status=409 if "_form" in form.errors else 422)

