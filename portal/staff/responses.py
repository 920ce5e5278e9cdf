"""Response templates: ready-made public notes per type and status, in each language the city
writes in. Admins keep them; staff pick one to pre-fill a public note, then edit it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from portal.audit.service import record
from portal.models import ResponseTemplate, ServiceType, Status, utcnow
from portal.requests.service import MAX_DESCRIPTION
from portal.validation import Invalid, clean_text


def templates_for(session: Session, service_type_id: int, status: str | None = None) -> list[ResponseTemplate]:
    """Active templates for this type (or any type), any language, for the status (or any)."""
    query = select(ResponseTemplate).where(
        ResponseTemplate.active,
        (ResponseTemplate.service_type_id == service_type_id) | col(ResponseTemplate.service_type_id).is_(None))
    if status:
        query = query.where((ResponseTemplate.status == status) | col(ResponseTemplate.status).is_(None))
    return list(session.exec(query.order_by(ResponseTemplate.locale, ResponseTemplate.title)))


def all_templates(session: Session) -> list[ResponseTemplate]:
    return list(session.exec(select(ResponseTemplate).order_by(ResponseTemplate.locale, ResponseTemplate.title)))


def save_template(session: Session, existing: ResponseTemplate | None, data: dict, locales) -> ResponseTemplate:
    """Create or change a template from submitted values (raises Invalid, nothing stored)."""
    errors: dict[str, str] = {}
    values = {}
    for name, limit, multiline in (("title", 80, False), ("text", MAX_DESCRIPTION, True)):
        try:
            values[name] = clean_text(data.get(name, ""), multiline=multiline)
        except ValueError as problem:
            errors[name] = str(problem.args[0])
            continue
        if not values[name]:
            errors[name] = _l("This is required.")
        elif len(values[name]) > limit:
            errors[name] = _l("This is too long: at most %(max)s characters.", max=limit)
    locale = data.get("locale", "")
    if locale not in locales:
        errors["locale"] = _l("Choose one of the options.")
    status = data.get("status") or None
    if status is not None and status not in Status.__members__:
        errors["status"] = _l("Choose one of the options.")
    type_code = data.get("type") or ""
    service_type = None
    if type_code:
        service_type = session.exec(select(ServiceType).where(ServiceType.code == type_code)).first()
        if service_type is None:
            errors["type"] = _l("Choose one of the options.")
    if errors:
        raise Invalid(errors)
    row = existing or ResponseTemplate(title=values["title"], locale=locale, text=values["text"])
    row.title, row.text, row.locale, row.status = values["title"], values["text"], locale, status
    row.service_type_id = service_type.id if service_type else None
    row.active = bool(data.get("active", True))
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    record(session, "template.create" if existing is None else "template.edit", target_kind="response_template",
           target_id=row.id, summary=f"{row.locale}: {row.title}",
           details={"type": type_code or None, "status": status, "active": row.active})
    return row
