"""/staff/requests/<number>: one request with everything staff need, and the actions on it.

Every action posts the version of the request the page showed: if someone changed it since,
the action is refused (409) with the typed text kept and the latest state shown."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import _, get_locale, lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from portal.accounts.roles import require_role
from portal.content import localise
from portal.department_names import department_name
from portal.db import get_session
from portal.models import Department, ResponseTemplate, ServiceRequest, ServiceType, Status, User
from portal.models.accounts import Role
from portal.notify.dispatch import deliver_soon
from portal.requests import service as requests
from portal.requests.labels import REASON_LABELS, STATUS_LABELS
from portal.requests.notifications import notify_status_change
from portal.staff import access, mails, responses
from portal.staff import service as work
from portal.staff.views import bp
from portal.validation import FORM_ERROR, Form, Invalid, row_id
from portal.web import keeps_input, render_page

ACTION_LABELS = {
    "status": _l("Change status"), "close": _l("Close"), "reopen": _l("Reopen"), "note": _l("Public note"),
    "internal": _l("Internal note"), "assign": _l("Assign"), "priority": _l("Priority"),
    "transfer": _l("Transfer"), "merge": _l("Merge a duplicate into this request"),
}


def _found(number: str) -> ServiceRequest:
    found = requests.request_by_number(get_session(), number)
    if found is None:
        abort(404)
    return found


def _viewable(number: str) -> ServiceRequest:
    found = _found(number)
    if not access.may_view(current_user, found):
        abort(403)
    return found


def _workable(number: str) -> ServiceRequest:
    found = _found(number)
    if not access.may_act(current_user, found):
        abort(403)
    return found


def _version(form: Form) -> int | None:
    raw = form.value("version")
    if not raw.isdigit() or len(raw) > 9:
        form.error(FORM_ERROR, _l("This form is missing the request's version. Reload the page."))
        return None
    return int(raw)


def _page(found: ServiceRequest, form: Form | None = None, action: str = "", status: int = 200):
    session, locale = get_session(), str(get_locale())
    service_type = session.get(ServiceType, found.service_type_id)
    localise(session, "service_type", [service_type], locale)
    timeline = work.full_timeline(session, found)
    author_ids = {u.author_user_id for u in timeline if u.author_user_id} | ({found.assignee_id} - {None})
    people = {u.id: u for u in session.exec(select(User).where(User.id.in_(author_ids)))} if author_ids else {}
    departments = session.exec(select(Department).order_by(Department.name)).all()
    chosen = request.args.get("template", "")
    template = session.get(ResponseTemplate, int(chosen)) if chosen.isdigit() and len(chosen) < 10 else None
    if form is None:
        # A chosen template pre-fills the closing note and the public note; staff edit it before sending.
        form = Form({"note": template.text, "text": template.text} if template and template.active else {},
                    csrf_failed=False)
    if form.errors and action:
        form.labels.setdefault(FORM_ERROR, ACTION_LABELS.get(action, ""))
    return render_page(
        "staff/request.html", status=status, request_=found, service_type=service_type, form=form, action=action,
        department=next((d for d in departments if d.id == found.department_id), None), departments=departments,
        timeline=timeline, people=people, coreports=work.contacts(session, found),
        can_act=access.may_act(current_user, found), next_statuses=sorted(
            s for s in requests.NEXT_STATUSES[found.status] if s not in (Status.closed, Status.open)),
        can_close=Status.closed in requests.NEXT_STATUSES[found.status], overdue=requests.is_overdue(found),
        templates=responses.templates_for(session, found.service_type_id), chosen_template=template,
        colleagues=work.colleagues(session, found.department_id), priorities=work.PRIORITIES,
        duplicate_of=session.get(ServiceRequest, found.duplicate_of_id) if found.duplicate_of_id else None,
        locales=_locale_names())


def _locale_names() -> dict:
    from flask import current_app
    return {code: native for code, (native, _dir) in current_app.config["LANGUAGES"].items()}


@bp.get("/requests/<number>")
@require_role(Role.staff, Role.agent)
def show(number: str):
    found = _viewable(number)
    if found.number != number:
        return redirect(url_for("staff.show", number=found.number), 301)
    return _page(found)


def _finish(found: ServiceRequest, outcome: work.Outcome, message: str, extra_mails=()):
    """Commit the action with its mails, then send them."""
    session = get_session()
    queued = list(extra_mails)
    if outcome.notify:
        queued += notify_status_change(session, found, outcome.update)
    session.commit()
    deliver_soon([m.id for m in queued])
    flash(message, "success")


def _failed(found: ServiceRequest, form: Form, action: str, invalid: Invalid):
    """Nothing stored; the page again with the typed text and the latest state.
    409 when the request changed since the page was loaded (the form's version is stale)."""
    session = get_session()
    session.rollback()
    form.absorb(invalid)
    posted = form.value("version")
    stale = posted.isdigit() and int(posted) != found.version  # found reloads after the rollback
    return _page(found, form, action, status=409 if stale else 422)


@bp.post("/requests/<number>/status")
@require_role(Role.staff)
@keeps_input
def change_status(number: str):
    """Acknowledge, start, close (a reason is required) or reopen, with an optional public note."""
    found, form = _workable(number), Form(request.form)
    new_status = form.choice("status", STATUS_LABELS, label=_l("New status"))
    action = {Status.closed: "close", Status.open: "reopen"}.get(new_status, "status")
    reason = form.choice("reason", REASON_LABELS, label=_l("Reason for closing"), required=False) or None
    note = form.text("note", label=_l("Public note"), max_length=work.MAX_NOTE, multiline=True)
    version = _version(form)
    if not form.ok:
        return _page(found, form, action, status=422)
    try:
        outcome = work.change_status(get_session(), found, status=new_status, reason=reason, note=note,
                                     author_id=current_user.id, expected_version=version)
    except Invalid as invalid:
        return _failed(found, form, action, invalid)
    _finish(found, outcome, _("The request is now %(status)s.", status=STATUS_LABELS[new_status]))
    return redirect(url_for("staff.show", number=found.number), 303)


@bp.post("/requests/<number>/notes")
@require_role(Role.staff, Role.agent)
@keeps_input
def add_note(number: str):
    """A public note (staff of the department) or an internal one (staff and agents)."""
    found, form = _viewable(number), Form(request.form)
    public = request.form.get("public") == "1"
    action = "note" if public else "internal"
    if public and not access.may_act(current_user, found):
        abort(403)
    text = form.text("text", label=ACTION_LABELS[action], max_length=work.MAX_NOTE, multiline=True, required=True)
    version = _version(form)
    if not form.ok:
        return _page(found, form, action, status=422)
    try:
        outcome = work.add_note(get_session(), found, text=text, public=public, author_id=current_user.id,
                                expected_version=version)
    except Invalid as invalid:
        return _failed(found, form, action, invalid)
    _finish(found, outcome, _("Public note added.") if public else _("Internal note added."))
    return redirect(url_for("staff.show", number=found.number), 303)


@bp.post("/requests/<number>/assign")
@require_role(Role.staff)
@keeps_input
def assign(number: str):
    found, form = _workable(number), Form(request.form)
    raw = form.value("assignee")
    if raw and row_id(raw) is None:
        form.error("assignee", _l("Choose a colleague of the department that owns this request."))
    form.labels["assignee"] = _l("Assign to")
    version = _version(form)
    if not form.ok:
        return _page(found, form, "assign", status=422)
    try:
        outcome = work.assign(get_session(), found, assignee_id=row_id(raw),
                              author_id=current_user.id, expected_version=version)
    except Invalid as invalid:
        return _failed(found, form, "assign", invalid)
    _finish(found, outcome, _("Assignment saved."))
    return redirect(url_for("staff.show", number=found.number), 303)


@bp.post("/requests/<number>/priority")
@require_role(Role.staff)
@keeps_input
def set_priority(number: str):
    found, form = _workable(number), Form(request.form)
    raw = form.value("priority")
    form.labels["priority"] = _l("Priority")
    version = _version(form)
    if not form.ok:
        return _page(found, form, "priority", status=422)
    try:
        outcome = work.set_priority(get_session(), found, priority=int(raw) if raw.isdigit() and len(raw) < 3 else -1,
                                    author_id=current_user.id, expected_version=version)
    except Invalid as invalid:
        return _failed(found, form, "priority", invalid)
    _finish(found, outcome, _("Priority saved."))
    return redirect(url_for("staff.show", number=found.number), 303)


@bp.post("/requests/<number>/transfer")
@require_role(Role.staff)
@keeps_input
def transfer(number: str):
    """Pass the request to another department with the reason; they are mailed and see the history."""
    session, found, form = get_session(), _workable(number), Form(request.form)
    raw = form.value("department")
    form.labels.update(department=_l("Department"), reason=_l("Why"))
    reason = form.text("reason", label=_l("Why"), max_length=work.MAX_NOTE, multiline=True)
    version = _version(form)
    if not form.ok:
        return _page(found, form, "transfer", status=422)
    source = session.get(Department, found.department_id)
    try:
        outcome, target = work.transfer(session, found, department_id=int(raw) if raw.isdigit() and len(raw) < 10 else None,
                                        reason=reason, author_id=current_user.id, expected_version=version)
        mail = mails.transferred_mail(session, found, source, target, reason)
    except Invalid as invalid:
        return _failed(found, form, "transfer", invalid)
    named = department_name(session, target, str(get_locale()))
    _finish(found, outcome, _("Transferred to %(department)s.", department=named), [mail] if mail else [])
    # The request is no longer ours (unless we are admins): back to the queue.
    if access.may_view(current_user, found):
        return redirect(url_for("staff.show", number=found.number), 303)
    return redirect(url_for("staff.queue_page"), 303)


@bp.post("/requests/<number>/merge")
@require_role(Role.staff)
@keeps_input
def merge(number: str):
    """Merge the request with the number typed here (the duplicate) into this one (the original)."""
    session, original, form = get_session(), _workable(number), Form(request.form)
    typed = form.text("duplicate", label=_l("Number of the duplicate"), max_length=20, required=True)
    note = form.text("note", label=_l("Public note"), max_length=work.MAX_NOTE, multiline=True)
    version = _version(form)
    duplicate = requests.request_by_number(session, typed) if typed else None
    if typed and duplicate is None:
        form.error("duplicate", _l("No request has this number."))
    elif duplicate is not None and not access.may_act(current_user, duplicate):
        form.error("duplicate", _l("That request belongs to another department: ask them to transfer it first."))
    if not form.ok:
        return _page(original, form, "merge", status=422)
    try:
        outcome = work.merge(session, duplicate, original, author_id=current_user.id, note=note,
                             expected_version=version)
    except Invalid as invalid:
        return _failed(original, form, "merge", invalid)
    _finish(original, outcome, _("Request %(duplicate)s merged into this one.",
                                 duplicate=requests.format_number(duplicate.number)))
    return redirect(url_for("staff.show", number=original.number), 303)
