"""Reporting a problem: choose a type, say where and what, review (with possible duplicates), submit."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import _, get_locale
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.areas import maps
from portal.areas.addresses import apply_pick
from portal.areas.service import neighbourhoods
from portal.content import localise, tr
from portal.db import get_session
from portal.models import Area, Department, ServiceType
from portal.notify.dispatch import deliver_soon
from portal.requests import catalogue, drafts
from portal.requests.report_form import read_report
from portal.requests.service import possible_duplicates, request_by_number
from portal.requests.tracking import confirmation_mail
from portal.validation import Form, Invalid
from portal.web import keeps_input, render_page

bp = Blueprint("report", __name__, url_prefix="/report")


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _type_or_404(code: str) -> ServiceType:
    service_type = catalogue.type_by_code(get_session(), code)
    if service_type is None:
        abort(404)
    localise(get_session(), "service_type", [service_type], str(get_locale()))
    return service_type


@bp.get("")
def choose_type():
    """Step 1: browse the types by group, or search them ("trash", "car", "bache")."""
    session, locale = get_session(), str(get_locale())
    query = request.args.get("q", "").strip()[:100]
    results = catalogue.search_types(session, query, locale) if query else None
    return render_page("report/choose.html", fragment="report/_results.html", query=query,
                       results=results, groups=None if query else catalogue.groups_with_types(session, locale))


def _form_context(service_type: ServiceType, form: Form, draft=None, picker=None) -> dict:
    session = get_session()
    questions = catalogue.questions_for(session, service_type, str(get_locale()))
    return {"service_type": service_type, "questions": questions, "form": form, "draft": draft,
            "areas": neighbourhoods(session), "kept_photos": draft.photos if draft else [],
            "picker": picker or maps.picker_for(session, form.data or {})}


@bp.get("/<code>")
def details(code: str):
    """Step 2: where, what, the type's questions, photos, contact (all optional but location)."""
    service_type = _type_or_404(code)
    draft = None
    if token := request.args.get("draft"):
        draft = drafts.draft_by_token(get_session(), token, _user_id())
    data = MultiDict(request.args)
    if draft:
        data = _draft_as_form(draft)
    elif current_user.is_authenticated:
        data.update({"name": current_user.display_name, "email": current_user.email,
                     "phone": current_user.phone or ""})
    return render_template("report/details.html", **_form_context(service_type, Form(data, csrf_failed=False), draft))


@bp.post("/<code>")
@keeps_input
def details_post(code: str):
    service_type = _type_or_404(code)
    if maps.is_picker_action(request.form):
        return _update_picker(service_type)
    session, form = get_session(), Form(request.form)
    draft = drafts.draft_by_token(session, request.form.get("draft", ""), _user_id()) if request.form.get("draft") else None
    if (picked := apply_pick(request.form, session)) is not None:  # a suggested address was chosen
        return render_page("report/details.html", **_form_context(service_type, Form(picked), draft))
    kept = [p for p in (draft.photos if draft else []) if p["digest"] not in request.form.getlist("remove_photo")]
    context = _form_context(service_type, form, draft)
    data, photos = read_report(form, session, service_type, context["questions"],
                               files=request.files.getlist("photos"), kept_photos=kept,
                               upload_dir=current_app.config["UPLOAD_DIR"], tr=tr)
    if not form.ok:
        context["kept_photos"] = kept
        return render_page("report/details.html", status=422, **context)
    draft = drafts.save_draft(session, token=draft.token if draft else None, user_id=_user_id(),
                              data=data, photos=photos)
    return redirect(url_for("report.review", token=draft.token), 303)


def _update_picker(service_type: ServiceType):
    """A tap on the map (no JS), or a zoom or pan button: show the point, keep all that was typed."""
    session = get_session()
    data, picker = maps.update_picker(session, request.form)
    picker.photos_dropped = any(f and f.filename for f in request.files.getlist("photos"))
    draft = drafts.draft_by_token(session, request.form.get("draft", ""), _user_id()) if request.form.get("draft") else None
    return render_page("report/details.html", **_form_context(service_type, Form(data), draft, picker))


def _draft_or_404(token: str):
    draft = drafts.draft_by_token(get_session(), token, _user_id())
    if draft is None:
        abort(404)
    return draft


@bp.get("/review/<token>")
def review(token: str):
    """Step 3: check it, and see whether a neighbour already reported it."""
    session, locale = get_session(), str(get_locale())
    draft = _draft_or_404(token)
    if draft.result_request_id:
        return redirect(url_for("requests.show", number=_result_number(draft)), 303)
    service_type = _type_or_404(draft.data["type"])
    duplicates = possible_duplicates(session, service_type, draft.data.get("lat"), draft.data.get("lon"))
    from portal.requests.views import list_context
    return render_template("report/review.html", draft=draft, service_type=service_type,
                           questions=catalogue.questions_for(session, service_type, locale),
                           area=session.get(Area, draft.data["area_id"]) if draft.data.get("area_id") else None,
                           department=session.get(Department, service_type.department_id),
                           duplicates=duplicates, **list_context([r for r, _d in duplicates]))


def _result_number(draft) -> str:
    from portal.models import ServiceRequest
    return get_session().get(ServiceRequest, draft.result_request_id).number


@bp.post("/review/<token>")
def submit(token: str):
    """File it. The draft token makes this idempotent: retries land on the same request."""
    session = get_session()
    try:
        filed, created = drafts.submit_draft(session, token, _user_id())
    except LookupError:
        abort(404)
    except Invalid as invalid:
        flash(next(iter(invalid.errors.values())), "error")
        return redirect(url_for("report.choose_type"), 303)
    mails = []
    if created:
        private = None
        if filed.reporter_email and not filed.reporter_user_id:
            from portal.requests.service import private_link_token
            private = private_link_token(session, filed)
        if filed.reporter_email:
            mails.append(confirmation_mail(session, filed, private))
        session.commit()
        deliver_soon([m.id for m in mails])
        flash(_("Thank you. Your request has been filed."), "success")
    return redirect(url_for("requests.show", number=filed.number, filed=1), 303)


@bp.post("/review/<token>/join/<number>")
def join(token: str, number: str):
    """ "I have this too": join the neighbour's request instead of filing a new one."""
    session = get_session()
    target = request_by_number(session, number)
    if target is None:
        abort(404)
    try:
        joined = drafts.join_from_draft(session, token, _user_id(), target)
    except LookupError:
        abort(404)
    except Invalid as invalid:
        flash(next(iter(invalid.errors.values())), "error")
        return redirect(url_for("report.review", token=token), 303)
    session.commit()
    if joined:
        flash(_("Thank you. You have been added to this request and will hear about its progress."), "success")
    return redirect(url_for("requests.show", number=target.number), 303)


def _draft_as_form(draft) -> MultiDict:
    data = draft.data
    pairs = [(k, str(data.get(k) or "")) for k in ("description", "name", "email", "phone", "address")]
    if not data.get("approximate") and data.get("lat") is not None:
        pairs += [("lat", str(data["lat"])), ("lon", str(data["lon"]))]
    pairs.append(("area", data.get("area_slug", "")))
    for code, value in data.get("answers", {}).items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((f"q_{code}", str(item)))
    return MultiDict(pairs)
