"""Admin pages for API keys: create (the key is shown once, on the response to the POST, and
never stored in the clear), list, revoke. Every change is audited."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import _, lazy_gettext as _l
from flask_login import current_user

from portal.accounts.roles import require_role
from portal.admin.views import bp
from portal.admin.people_service import departments as departments_of
from portal.apikeys.service import all_keys, create_key, revoke
from portal.audit.service import record
from portal.db import get_session
from portal.models import ApiKey
from portal.models.accounts import Role
from portal.validation import Form, Invalid, row_id
from portal.web import keeps_input, render_page


def _keys_page(form: Form, *, created: ApiKey | None = None, plain: str | None = None, status: int = 200):
    form.labels["name"] = _l("Name")
    form.labels["department"] = _l("Department system")
    session = get_session()
    departments = departments_of(session)
    body, code = render_page("admin/keys.html", form=form, keys=all_keys(session), created=created, plain=plain,
                             department_choices=[(str(d.id), d.name) for d in departments],
                             department_names={d.id: d.name for d in departments}, status=status)
    headers = {"Cache-Control": "no-store"} if plain else {}
    return body, code, headers


@bp.get("/keys")
@require_role(Role.admin)
def keys():
    return _keys_page(Form({}, csrf_failed=False))


@bp.post("/keys")
@require_role(Role.admin)
@keeps_input
def key_create():
    """Shown once, right here: there is no redirect, so the key never sits in a session or a URL."""
    session, form = get_session(), Form(request.form)
    if form.ok:
        try:
            chosen = request.form.get("department", "")
            if chosen and row_id(chosen) is None:
                raise Invalid({"department": _l("Unknown department.")})
            key, plain = create_key(session, request.form.get("name", ""), created_by_id=current_user.id,
                                    department_id=row_id(chosen))
            record(session, "apikey.create", target_kind="api_key", target_id=key.id, summary=key.name,
                   details={"prefix": key.prefix, "department_id": key.department_id})
            session.commit()
            return _keys_page(Form({}, csrf_failed=False), created=key, plain=plain)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    return _keys_page(form, status=422)


@bp.post("/keys/<int:key_id>/revoke")
@require_role(Role.admin)
def key_revoke(key_id: int):
    session = get_session()
    key = session.get(ApiKey, key_id)
    if key is None:
        abort(404)
    if key.revoked_at is None:
        revoke(session, key_id)
        record(session, "apikey.revoke", target_kind="api_key", target_id=key.id, summary=key.name)
        session.commit()
        flash(_("Key “%(name)s” revoked: apps using it are refused from now on.", name=key.name), "success")
    return redirect(url_for("admin.keys"), 303)
