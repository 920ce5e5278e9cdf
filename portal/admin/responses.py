"""Admin pages for response templates (ready-made public notes per type, status and language)."""
from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import _, get_locale, lazy_gettext as _l

from portal.accounts.roles import require_role
from portal.admin.views import bp
from portal.content import localise
from portal.db import get_or_404, get_session
from portal.models import ResponseTemplate, ServiceType
from portal.models.accounts import Role
from portal.requests.labels import STATUS_LABELS
from portal.staff import responses
from portal.validation import Form, Invalid
from portal.web import keeps_input, render_page
from sqlmodel import select

LABELS = {"title": _l("Title"), "text": _l("Text of the note"), "locale": _l("Language"),
          "status": _l("For the status"), "type": _l("For the type")}


def _locales() -> dict:
    return {code: native for code, (native, _dir) in current_app.config["LANGUAGES"].items()}


def _types() -> list[ServiceType]:
    session = get_session()
    types = list(session.exec(select(ServiceType).order_by(ServiceType.name)))
    localise(session, "service_type", types, str(get_locale()))
    return types


@bp.get("/templates")
@require_role(Role.admin)
def response_templates():
    return render_page("admin/templates.html", templates=responses.all_templates(get_session()),
                       types={t.id: t for t in _types()}, locales=_locales())


def _form_page(form: Form, template: ResponseTemplate | None = None, status: int = 200):
    form.labels.update(LABELS)
    return render_page("admin/template_form.html", form=form, response_template=template, status=status,
                       types=_types(), locales=_locales(), statuses=STATUS_LABELS)


@bp.get("/templates/new")
@require_role(Role.admin)
def template_new():
    return _form_page(Form({"locale": "en", "status": "closed", "active": True}, csrf_failed=False))


@bp.get("/templates/<int:template_id>")
@require_role(Role.admin)
def template_edit(template_id: int):
    t = get_or_404(ResponseTemplate, template_id)
    service_type = get_session().get(ServiceType, t.service_type_id) if t.service_type_id else None
    return _form_page(Form({"title": t.title, "text": t.text, "locale": t.locale, "status": t.status or "",
                            "type": service_type.code if service_type else "", "active": t.active},
                           csrf_failed=False), t)


@bp.post("/templates/new", endpoint="template_create")
@bp.post("/templates/<int:template_id>")
@require_role(Role.admin)
@keeps_input
def template_save(template_id: int | None = None):
    session, form = get_session(), Form(request.form)
    existing = get_or_404(ResponseTemplate, template_id) if template_id else None
    if form.ok:
        data = {**request.form.to_dict(), "active": "active" in request.form}
        try:
            saved = responses.save_template(session, existing, data, _locales())
            session.commit()
            flash(_("Template “%(title)s” saved.", title=saved.title), "success")
            return redirect(url_for("admin.response_templates"), 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    return _form_page(form, existing, status=422)
