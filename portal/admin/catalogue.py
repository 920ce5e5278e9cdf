"""Admin pages for the service catalogue: types and their questions.

Registered on the admin blueprint (imported at the end of portal/admin/views.py).
The rules live in portal.requests.catalogue_admin; these views only read and render.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import _, lazy_gettext as _l
from sqlmodel import select

from portal.accounts.roles import require_role
from portal.admin.views import bp
from portal.audit.service import record
from portal.db import get_session
from portal.models import Datatype, Department, Question, ServiceGroup, ServiceType
from portal.models.accounts import Role
from portal.requests import catalogue_admin as service
from portal.requests.catalogue import type_by_code
from portal.validation import Form, Invalid
from portal.web import keeps_input, render_page

DATATYPE_CHOICES = {
    Datatype.string: (_l("Short text"), _l("One line, like a pole number.")),
    Datatype.number: (_l("Number"), _l("A number, like a count or a size.")),
    Datatype.datetime: (_l("Date and time"), _l("When something happened or is due.")),
    Datatype.text: (_l("Long text"), _l("Several lines of free text.")),
    Datatype.singlevaluelist: (_l("List, choose one"), _l("The resident picks one of your choices.")),
    Datatype.multivaluelist: (_l("List, choose several"), _l("The resident ticks any of your choices.")),
}


# ---------------------------------------------------------------- helpers

def _type_or_404(code: str) -> ServiceType:
    found = type_by_code(get_session(), code, active_only=False)
    if found is None:
        abort(404)
    return found


def _question_or_404(service_type: ServiceType, qid: int) -> Question:
    question = get_session().get(Question, qid)
    if question is None or question.service_type_id != service_type.id:
        abort(404)
    return question


def _form(data=None) -> Form:
    """The POSTed form (CSRF failure becomes a form error), or `data` for a GET."""
    return Form(data, csrf_failed=False) if data is not None else Form(request.form)


def _submitted(*flags: str) -> dict:
    """The POSTed fields as a plain dict; unticked checkboxes are sent as False."""
    data = request.form.to_dict()
    data.pop("csrf_token", None)
    return {**data, **{flag: flag in request.form for flag in flags}}


def _type_page(form: Form, service_type: ServiceType | None = None, status: int = 200):
    session = get_session()
    form.labels.update(service.TYPE_LABELS)
    groups = session.exec(select(ServiceGroup).order_by(ServiceGroup.position)).all()
    departments = session.exec(select(Department).order_by(Department.name)).all()
    questions = service.questions_of(session, service_type) if service_type else []
    count = service.request_count(session, service_type) if service_type else 0
    return render_page("admin/type_form.html", form=form, service_type=service_type, status=status,
                       groups=[(g.code, g.name) for g in groups], questions=questions,
                       departments=[(d.code, d.name) for d in departments], request_count=count,
                       datatypes=DATATYPE_CHOICES)


def _question_page(form: Form, service_type: ServiceType, question: Question | None = None,
                   status: int = 200):
    form.labels.update(service.QUESTION_LABELS)
    return render_page("admin/question_form.html", form=form, service_type=service_type,
                       question=question, datatypes=DATATYPE_CHOICES, status=status)


def _type_data(t: ServiceType) -> dict:
    return {"code": t.code, "name": t.name, "group": _code_of(ServiceGroup, t.group_id),
            "department": _code_of(Department, t.department_id), "description": t.description,
            "keywords": ", ".join(filter(None, t.keywords.split(","))), "active": t.active,
            "service_level_days": t.service_level_days, "duplicate_radius_m": t.duplicate_radius_m}


def _audit(action: str, kind: str, target: str, summary: str, details: dict | None = None) -> None:
    """Recorded before the catalogue service commits, so the change and its record commit together
    (and both roll back when the change is refused)."""
    record(get_session(), action, target_kind=kind, target_id=target, summary=summary, details=details)


def _changes(before: dict, after: dict) -> dict:
    return {k: [before.get(k), after.get(k)] for k in after if str(before.get(k)) != str(after.get(k))}


def _code_of(model, row_id: int) -> str:
    row = get_session().get(model, row_id)
    return row.code if row else ""


# ---------------------------------------------------------------- service types

@bp.get("/types")
@require_role(Role.admin)
def types():
    """Every type, active or not, by group, with how many requests each has."""
    session = get_session()
    groups = session.exec(select(ServiceGroup).order_by(ServiceGroup.position, ServiceGroup.name)).all()
    all_types = session.exec(select(ServiceType).order_by(ServiceType.position, ServiceType.name)).all()
    by_group = {g.id: [t for t in all_types if t.group_id == g.id] for g in groups}
    return render_page("admin/types.html", groups=[(g, by_group[g.id]) for g in groups],
                       counts=service.request_counts(session), total=len(all_types))


@bp.get("/types/new")
@require_role(Role.admin)
def type_new():
    return _type_page(_form({"active": True, "service_level_days": "10", "duplicate_radius_m": "50"}))


@bp.post("/types/new")
@require_role(Role.admin)
@keeps_input
def type_create():
    form = _form()
    if form.ok:
        data = _submitted("active")
        try:
            _audit("type.create", "service_type", data.get("code", ""), data.get("name", "")[:200], data)
            created = service.save_type(get_session(), existing=None, data=data)
        except Invalid as invalid:
            get_session().rollback()
            form.absorb(invalid)
    if not form.ok:
        return _type_page(form, status=422)
    flash(_("Service type “%(name)s” created.", name=created.name), "success")
    return redirect(url_for("admin.type_edit", code=created.code), 303)


@bp.get("/types/<code>")
@require_role(Role.admin)
def type_edit(code: str):
    service_type = _type_or_404(code)
    return _type_page(_form(_type_data(service_type)), service_type)


@bp.post("/types/<code>")
@require_role(Role.admin)
@keeps_input
def type_update(code: str):
    service_type, form = _type_or_404(code), _form()
    if form.ok:
        data = _submitted("active")
        try:
            _audit("type.edit", "service_type", service_type.code, service_type.name,
                   _changes(_type_data(service_type), data))
            service.save_type(get_session(), existing=service_type, data=data)
        except Invalid as invalid:
            get_session().rollback()
            form.absorb(invalid)
    if not form.ok:
        return _type_page(form, service_type, status=422)
    flash(_("Service type “%(name)s” saved.", name=service_type.name), "success")
    return redirect(url_for("admin.type_edit", code=service_type.code), 303)


@bp.post("/types/<code>/delete")
@require_role(Role.admin)
def type_delete(code: str):
    service_type = _type_or_404(code)
    name = service_type.name
    _audit("type.delete", "service_type", service_type.code, name)
    if service.delete_or_deactivate_type(get_session(), service_type) == "deleted":
        flash(_("Service type “%(name)s” deleted: it had no requests.", name=name), "success")
    else:
        flash(_("Service type “%(name)s” deactivated, not deleted: it has requests. "
                "It no longer appears on the report pages.", name=name), "success")
    return redirect(url_for("admin.types"), 303)


# ---------------------------------------------------------------- questions

@bp.get("/types/<code>/questions/new")
@require_role(Role.admin)
def question_new(code: str):
    service_type = _type_or_404(code)
    data = {"datatype": Datatype.string, "position": str(service.next_position(get_session(), service_type))}
    return _question_page(_form(data), service_type)


@bp.post("/types/<code>/questions/new")
@require_role(Role.admin)
@keeps_input
def question_create(code: str):
    service_type, form = _type_or_404(code), _form()
    if form.ok:
        data = _submitted("required")
        try:
            _audit("question.create", "service_type", service_type.code, data.get("text", "")[:200], data)
            service.save_question(get_session(), service_type=service_type, existing=None, data=data)
        except Invalid as invalid:
            get_session().rollback()
            form.absorb(invalid)
    if not form.ok:
        return _question_page(form, service_type, status=422)
    flash(_("Question added."), "success")
    return redirect(url_for("admin.type_edit", code=service_type.code), 303)


@bp.get("/types/<code>/questions/<int:qid>")
@require_role(Role.admin)
def question_edit(code: str, qid: int):
    service_type = _type_or_404(code)
    q = _question_or_404(service_type, qid)
    data = {"code": q.code, "text": q.text, "description": q.description, "datatype": q.datatype,
            "required": q.required, "position": str(q.position), "values": service.values_text(q)}
    return _question_page(_form(data), service_type, q)


@bp.post("/types/<code>/questions/<int:qid>")
@require_role(Role.admin)
@keeps_input
def question_update(code: str, qid: int):
    service_type = _type_or_404(code)
    question, form = _question_or_404(service_type, qid), _form()
    if form.ok:
        data = _submitted("required")
        try:
            _audit("question.edit", "service_type", service_type.code, question.text,
                   {"question": question.code, **_changes({"code": question.code, "text": question.text,
                    "datatype": question.datatype, "required": question.required,
                    "position": str(question.position)}, data)})
            service.save_question(get_session(), service_type=service_type, existing=question, data=data)
        except Invalid as invalid:
            get_session().rollback()
            form.absorb(invalid)
    if not form.ok:
        return _question_page(form, service_type, question, status=422)
    flash(_("Question saved."), "success")
    return redirect(url_for("admin.type_edit", code=service_type.code), 303)


@bp.post("/types/<code>/questions/<int:qid>/toggle")
@require_role(Role.admin)
def question_toggle(code: str, qid: int):
    service_type = _type_or_404(code)
    question = _question_or_404(service_type, qid)
    _audit("question.deactivate" if question.active else "question.activate", "service_type", service_type.code,
           question.text, {"question": question.code})
    if question.active:
        service.deactivate_question(get_session(), question)
        flash(_("Question “%(text)s” deactivated: it is no longer asked.", text=question.text), "success")
    else:
        service.activate_question(get_session(), question)
        flash(_("Question “%(text)s” activated.", text=question.text), "success")
    return redirect(url_for("admin.type_edit", code=service_type.code), 303)
