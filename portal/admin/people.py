"""Admin pages for departments and for people and their roles (with invitations by email).
Registered on the admin blueprint; the rules are in portal.admin.people_service."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import _, force_locale, gettext, lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from portal.accounts.roles import require_role
from portal.admin import people_service as people
from portal.admin.views import bp
from portal.audit.service import record
from portal.db import get_or_404, get_session
from portal.models import Department, User
from portal.models.accounts import Role
from portal.notify.dispatch import deliver_soon
from portal.notify.service import queue_mail
from portal.validation import Form, Invalid
from portal.web import keeps_input, page_number, render_page

DEPARTMENT_LABELS = {"code": _l("Code"), "name": _l("Name"), "description": _l("Description"),
                     "email": _l("Email for new and transferred requests")}
USER_LABELS = {"email": _l("Email"), "display_name": _l("Name"), "title": _l("Job title"), "role": _l("Role"),
               "department": _l("Department")}


def _invite_hours() -> int:
    """How long an invitation link works (INVITE_HOURS, default three days)."""
    return int(current_app.config.get("INVITE_HOURS", 72))


def _posted() -> dict:
    data = request.form.to_dict()
    data.pop("csrf_token", None)
    return data


# ---------------------------------------------------------------- departments

def _department_or_404(code: str) -> Department:
    found = get_session().exec(select(Department).where(Department.code == code[:40])).first()
    if found is None:
        abort(404)
    return found


@bp.get("/departments")
@require_role(Role.admin)
def departments():
    session = get_session()
    return render_page("admin/departments.html", departments=people.departments(session),
                       counts=people.staff_counts(session))


def _other_languages() -> list[tuple[str, str]]:
    """(locale, native name) of every site language but English, the source of city content."""
    return [(code, native) for code, (native, _direction) in current_app.config["LANGUAGES"].items() if code != "en"]


def _department_page(form: Form, department: Department | None = None, status: int = 200):
    form.labels.update(DEPARTMENT_LABELS)
    languages = [(code, _("Name in %(language)s", language=native)) for code, native in _other_languages()]
    form.labels.update({f"name_{code}": label for code, label in languages})
    return render_page("admin/department_form.html", form=form, department=department, status=status,
                       languages=languages)


@bp.get("/departments/new")
@require_role(Role.admin)
def department_new():
    return _department_page(Form({}, csrf_failed=False))


@bp.get("/departments/<code>")
@require_role(Role.admin)
def department_edit(code: str):
    d = _department_or_404(code)
    names = people.department_translations(get_session(), d)
    return _department_page(Form({"code": d.code, "name": d.name, "description": d.description,
                                  "email": d.email or "",
                                  **{f"name_{code}": names.get(code, "") for code, _native in _other_languages()}},
                                 csrf_failed=False), d)


@bp.post("/departments/new", endpoint="department_create")
@bp.post("/departments/<code>")
@require_role(Role.admin)
@keeps_input
def department_save(code: str | None = None):
    session, form = get_session(), Form(request.form)
    department = _department_or_404(code) if code else None
    if form.ok:
        try:
            saved = people.save_department(session, department, _posted(),
                                           tuple(code for code, _native in _other_languages()))
            session.commit()
            flash(_("Department “%(name)s” saved.", name=saved.name), "success")
            return redirect(url_for("admin.departments"), 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    return _department_page(form, department, status=422)


# ---------------------------------------------------------------- users and roles

@bp.get("/users")
@require_role(Role.admin)
def users():
    session = get_session()
    role = request.args.get("role", "")
    role = role if role in Role.__members__ else ""
    text = request.args.get("q", "").strip()[:120]
    page = page_number()
    found, has_next = people.find_users(session, role=role, text=text, page=page)
    names = {d.id: d.name for d in people.departments(session)}
    return render_page("admin/users.html", users=found, has_next=has_next, page=page, role=role, q=text,
                       department_names=names, roles=list(Role))


def _invite_page(form: Form, status: int = 200):
    form.labels.update(USER_LABELS)
    return render_page("admin/invite.html", form=form, status=status, roles=people.STAFF_ROLES,
                       departments=people.departments(get_session()))


@bp.get("/users/invite")
@require_role(Role.admin)
def invite():
    return _invite_page(Form({"role": Role.staff}, csrf_failed=False))


def _invitation_mail(user: User, token: str):
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("accounts.reset", token=token)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = gettext("You are invited to %(site)s", site=current_app.config["SITE_NAME"])
        body = render_template("admin/mail_invite.txt", user=user, link=link,
                               hours=_invite_hours())
    return queue_mail(get_session(), to=user.email, subject=subject, body=body)


@bp.post("/users/invite")
@require_role(Role.admin)
@keeps_input
def invite_post():
    """Create the account and mail a link to choose a password."""
    session, form = get_session(), Form(request.form)
    if form.ok:
        try:
            user, token = people.invite(session, _posted(), hours=_invite_hours())
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
        else:
            mail = _invitation_mail(user, token)
            session.commit()
            deliver_soon([mail.id])
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id), 303)
    return _invite_page(form, status=422)


def _user_page(form: Form, user: User, status: int = 200):
    form.labels.update(USER_LABELS)
    return render_page("admin/user_form.html", form=form, user=user, status=status, roles=list(Role),
                       departments=people.departments(get_session()))


@bp.get("/users/<int:user_id>")
@require_role(Role.admin)
def user_edit(user_id: int):
    user = get_or_404(User, user_id)
    department = get_session().get(Department, user.department_id) if user.department_id else None
    return _user_page(Form({"role": user.role, "department": department.code if department else "",
                            "title": user.title, "disabled": user.disabled}, csrf_failed=False), user)


@bp.post("/users/<int:user_id>")
@require_role(Role.admin)
@keeps_input
def user_save(user_id: int):
    session, user, form = get_session(), get_or_404(User, user_id), Form(request.form)
    if form.ok:
        try:
            people.change_user(session, user, _posted(), actor_id=current_user.id)
            session.commit()
            flash(_("Saved: %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id), 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    return _user_page(form, user, status=422)


@bp.post("/users/<int:user_id>/reinvite")
@require_role(Role.admin)
def reinvite(user_id: int):
    session, user = get_session(), get_or_404(User, user_id)
    if user.disabled:
        abort(409)
    token = people.new_invitation(session, user, hours=_invite_hours())
    record(session, "user.reinvite", target_kind="user", target_id=user.id, summary=user.email)
    mail = _invitation_mail(user, token)
    session.commit()
    deliver_soon([mail.id])
    flash(_("Invitation sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id), 303)
