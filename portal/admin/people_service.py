"""Departments and people: the rules behind the admin pages. Every change is audited in the
same transaction; Invalid means nothing was stored."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from portal.accounts.service import create_user, token_hash
from portal.audit.service import record
from portal.content import set_translation
from portal.models import Department, PasswordReset, Translation, User, UserSession, utcnow
from portal.models.accounts import Role
from portal.validation import EMAIL, Invalid, clean_text

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
STAFF_ROLES = (Role.agent, Role.staff, Role.moderator, Role.admin)
PAGE_SIZE = 50


def _text(data: dict, name: str, errors: dict, *, limit: int, required: bool = False, multiline: bool = False) -> str:
    try:
        value = clean_text(str(data.get(name, "") or ""), multiline=multiline)
    except ValueError as problem:
        errors[name] = str(problem.args[0])
        return ""
    if required and not value:
        errors[name] = _l("This is required.")
    elif len(value) > limit:
        errors[name] = _l("This is too long: at most %(max)s characters.", max=limit)
    return value


# ---------------------------------------------------------------- departments

def departments(session: Session) -> list[Department]:
    return list(session.exec(select(Department).order_by(Department.name)))


def staff_counts(session: Session) -> dict[int, int]:
    return dict(session.exec(select(User.department_id, func.count()).where(col(User.department_id).is_not(None))
                             .group_by(User.department_id)).all())


def save_department(session: Session, existing: Department | None, data: dict,
                    locales: tuple[str, ...] = ()) -> Department:
    """Save a department's English source and its names in `locales` (the other site languages)."""
    errors: dict[str, str] = {}
    code = str(data.get("code", "") or "").strip().lower()
    if not CODE.match(code):
        errors["code"] = _l("Use 1 to 40 lower-case letters, digits and hyphens, like “streets”.")
    else:
        query = select(Department.id).where(Department.code == code)
        if existing is not None:
            query = query.where(Department.id != existing.id)
        if session.exec(query).first() is not None:
            errors["code"] = _l("Another department already uses this code.")
    name = _text(data, "name", errors, limit=120, required=True)
    description = _text(data, "description", errors, limit=500, multiline=True)
    email = _text(data, "email", errors, limit=254).lower()
    translated = {locale: _text(data, f"name_{locale}", errors, limit=120) for locale in locales}
    if email and "email" not in errors and not EMAIL.match(email):
        errors["email"] = _l("Enter an email address like name@example.com.")
    if errors:
        raise Invalid(errors)
    department = existing or Department(code=code, name=name)
    before = {"code": department.code, "name": department.name, "email": department.email} if existing else {}
    department.code, department.name, department.description, department.email = code, name, description, email or None
    session.add(department)
    session.flush()
    old_names = department_translations(session, department) if existing else {}
    for locale, text in translated.items():
        if text != old_names.get(locale, ""):
            set_translation(session, "department", department.id, "name", locale, text)
    if existing:
        before.update({f"name_{locale}": old_names.get(locale, "") for locale in translated})
    record(session, "department.create" if existing is None else "department.edit", target_kind="department",
           target_id=department.code, summary=department.name,
           details={"before": before, "after": {"code": code, "name": name, "email": email or None,
                                                **{f"name_{locale}": text for locale, text in translated.items()}}})
    return department


def department_translations(session: Session, department: Department) -> dict[str, str]:
    """{locale: name} of the department's translated names (empty ones fall back to English)."""
    return {row.locale: row.text for row in session.exec(select(Translation).where(
        Translation.entity == "department", Translation.entity_id == department.id, Translation.field == "name"))}


# ---------------------------------------------------------------- people

def find_users(session: Session, *, role: str = "", text: str = "", page: int = 1) -> tuple[list[User], bool]:
    query = select(User)
    if role:
        query = query.where(User.role == role)
    if text:
        query = query.where(col(User.email).contains(text.lower(), autoescape=True))
    rows = list(session.exec(query.order_by(User.email).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _role_and_department(session: Session, data: dict, errors: dict, roles) -> tuple[str, Department | None]:
    role = str(data.get("role", "") or "")
    if role not in roles:
        errors["role"] = _l("Choose one of the options.")
    code = str(data.get("department", "") or "").strip()
    department = session.exec(select(Department).where(Department.code == code)).first() if code else None
    if code and department is None:
        errors["department"] = _l("Unknown department.")
    elif role == Role.staff and department is None:
        errors["department"] = _l("Staff must belong to a department.")
    return role, department


def invite(session: Session, data: dict, *, hours: int) -> tuple[User, str]:
    """Create a city account with no usable password and a single-use link to choose one.
    Returns the user and the link's token (mail it; it is never stored in the clear)."""
    errors: dict[str, str] = {}
    email = _text(data, "email", errors, limit=254, required=True).lower()
    if email and "email" not in errors and not EMAIL.match(email):
        errors["email"] = _l("Enter an email address like name@example.com.")
    name = _text(data, "display_name", errors, limit=80, required=True)
    title = _text(data, "title", errors, limit=80)
    role, department = _role_and_department(session, data, errors, STAFF_ROLES)
    if errors:
        raise Invalid(errors)
    record(session, "user.invite", target_kind="user", target_id=email, summary=f"{role}",
           details={"role": role, "department": department.code if department else None})
    # A password nobody knows; the invitation link sets the real one.
    create_user(session, email=email, password=secrets.token_urlsafe(32), display_name=name, role=role,
                department_code=department.code if department else None, title=title)  # commits
    user = session.exec(select(User).where(User.email == email)).one()
    return user, new_invitation(session, user, hours=hours)


def new_invitation(session: Session, user: User, *, hours: int) -> str:
    token = secrets.token_urlsafe(32)
    session.add(PasswordReset(token_hash=token_hash(token), user_id=user.id, expires_at=utcnow() + timedelta(hours=hours)))
    session.flush()
    return token


def change_user(session: Session, user: User, data: dict, *, actor_id: int | None) -> User:
    """Role, department, title, and whether the account may sign in. Admins cannot demote or
    disable themselves (someone must always be able to fix roles)."""
    errors: dict[str, str] = {}
    role, department = _role_and_department(session, data, errors, tuple(Role))
    title = _text(data, "title", errors, limit=80)
    disabled = bool(data.get("disabled"))
    if user.id == actor_id and (role != Role.admin or disabled):
        errors["role"] = _l("You cannot remove your own admin role or disable your own account.")
    if errors:
        raise Invalid(errors)
    before = {"role": user.role, "department_id": user.department_id, "disabled": user.disabled, "title": user.title}
    user.role, user.department_id, user.title, user.disabled = role, department.id if department else None, title, disabled
    session.add(user)
    after = {"role": role, "department_id": user.department_id, "disabled": disabled, "title": title}
    changed = {k for k in before if before[k] != after[k]}
    if disabled and not before["disabled"]:
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))  # signed out everywhere
    action = "user.role" if changed & {"role", "department_id"} else "user.edit"
    record(session, action, target_kind="user", target_id=user.id,
           summary=f"{user.email}: {before['role']} → {role}" if "role" in changed else f"{user.email}: {', '.join(sorted(changed)) or 'no change'}",
           details={"before": before, "after": after})
    return user
