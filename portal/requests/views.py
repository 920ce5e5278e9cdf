"""Request pages: one request, the list, lookup by number, "my requests", joining and following."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import _, get_locale, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import defer
from sqlmodel import select

from portal.accounts.roles import require_signin
from portal.content import localise
from portal.db import get_session
from portal.models import Area, CoReport, Department, ServiceRequest, ServiceType, Status
from portal.requests import browse, catalogue, service
from portal.requests.notifications import notify_department_reopened
from portal.requests.photos import photo_path
from portal.requests.report_form import read_photos
from portal.validation import Form, Invalid
from portal.web import keeps_input, page_number, render_page

bp = Blueprint("requests", __name__)


def list_context(requests: list[ServiceRequest]) -> dict:
    """Types, areas and thumbnails for a list of requests, so templates never query."""
    session, locale = get_session(), str(get_locale())
    types = {t.id: t for t in session.exec(select(ServiceType).where(
        ServiceType.id.in_({r.service_type_id for r in requests})))} if requests else {}
    localise(session, "service_type", types.values(), locale)
    area_ids = {r.area_id for r in requests if r.area_id}
    areas = {a.id: a for a in session.exec(select(Area).options(defer(Area.geometry), defer(Area.drawing))
                                           .where(Area.id.in_(area_ids)))} if area_ids else {}
    return {"types": types, "areas": areas, "photos": service.photos_of(session, [r.id for r in requests]),
            "overdue": {r.id for r in requests if service.is_overdue(r)}}


def _request_or_404(number: str) -> ServiceRequest:
    found = service.request_by_number(get_session(), number)
    if found is None:
        abort(404)
    return found


def _show(found: ServiceRequest, *, private_view: bool = False, form: Form | None = None, status: int = 200):
    session, locale = get_session(), str(get_locale())
    service_type = session.get(ServiceType, found.service_type_id)
    questions = catalogue.questions_for(session, service_type, locale)
    department = session.get(Department, found.department_id)
    localise(session, "department", [department], locale)
    user_id = current_user.id if current_user.is_authenticated else None
    joined = user_id and session.exec(select(CoReport.id).where(
        CoReport.request_id == found.id, CoReport.user_id == user_id)).first() is not None
    return render_page(
        "requests/show.html", status=status, request_=found, service_type=service_type, questions=questions,
        department=department, area=session.get(Area, found.area_id) if found.area_id else None,
        timeline=service.public_timeline(session, found), private_view=private_view,
        following=service.is_following(session, found, user_id), joined=joined,
        form=form or Form({}, csrf_failed=False), can_still_there=found.status == Status.closed,
        duplicate_of=session.get(ServiceRequest, found.duplicate_of_id) if found.duplicate_of_id else None,
        discussion=_discussion(found), **list_context([found]))


def _discussion(found: ServiceRequest) -> dict:
    from portal.community.views import request_discussion  # the community feature owns the thread
    return request_discussion(found)


@bp.get("/requests/<number>")
def show(number: str):
    """A request's public page: status, promise, location, photos, timeline."""
    found = _request_or_404(number)
    if found.number != number:
        return redirect(url_for("requests.show", number=found.number), 301)
    return _show(found)


@bp.get("/track/<token>")
def track(token: str):
    """The private link mailed to an anonymous reporter: their request, with their own details."""
    found = service.request_by_private_token(get_session(), token)
    if found is None:
        abort(404)
    return _show(found, private_view=True)


@bp.get("/requests/lookup")
def lookup():
    number = request.args.get("number", "")
    found = service.request_by_number(get_session(), number)
    if found is None:
        flash(_("No request has the number %(number)s. Check the digits and try again.", number=number[:20]), "error")
        return redirect(url_for("core.home"), 303)
    return redirect(url_for("requests.show", number=found.number), 303)


@bp.get("/requests")
def index():
    """Recent requests with filters; htmx swaps just the results and pushes the URL."""
    session, locale = get_session(), str(get_locale())
    filters = browse.parse_filters(request.args, session)
    page = browse.list_requests(session, filters)
    return render_page("requests/index.html", fragment="requests/_results.html", filters=filters, page=page,
                       groups=catalogue.groups_with_types(session, locale),
                       area_options=browse.area_choices(session), **list_context(page.items))


@bp.get("/me/requests")
@require_signin
def mine():
    session = get_session()
    page = browse.my_requests(session, current_user.id, page=page_number())
    return render_template("requests/mine.html", page=page, **list_context(page.items))


def _reporter_from(form: Form):
    if current_user.is_authenticated:
        return service.Reporter(current_user.id, current_user.display_name, current_user.email, current_user.phone or "")
    name = form.text("name", label=_l("Your name"), max_length=80)
    email = form.email("email", label=_l("Email"), required=False)
    phone = form.text("phone", label=_l("Phone"), max_length=40)
    return service.Reporter(None, name, email, phone)


def _neighbour_form(note_label):
    """The small form neighbours post on a request page: a note, who they are, a photo."""
    form = Form(request.form)
    note = form.text("note", label=note_label, max_length=service.MAX_DESCRIPTION, multiline=True)
    reporter = _reporter_from(form)
    photos = read_photos(form, request.files.getlist("photos"), [], current_app.config["UPLOAD_DIR"])
    return form, note, reporter, [service.StoredPhoto(**p) for p in photos]


@bp.post("/requests/<number>/coreport")
@keeps_input
def coreport(number: str):
    """ "I have this too", from the request page, with an optional note and photo."""
    session, found = get_session(), _request_or_404(number)
    form, note, reporter, photos = _neighbour_form(_l("Your note"))
    if form.ok:
        try:
            if service.claim_idempotency_key(session, form.value("idempotency_key"), "coreport", found.id):
                service.add_coreport(session, found, reporter, note=note, photos=photos)
            session.commit()
            flash(_("Thank you. You have been added to this request and will hear about its progress."), "success")
            return redirect(url_for("requests.show", number=found.number), 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    return _show(found, form=form, status=422)


@bp.post("/requests/<number>/still-there")
@keeps_input
def still_there(number: str):
    """A neighbour says a closed request is not fixed."""
    session, found = get_session(), _request_or_404(number)
    form, note, reporter, photos = _neighbour_form(_l("What do you see?"))
    if form.ok:
        try:
            if not service.claim_idempotency_key(session, form.value("idempotency_key"), "still_there", found.id):
                return redirect(url_for("requests.show", number=found.number), 303)
            result = service.still_there(session, found, reporter=reporter, note=note, photos=photos)
            notify_department_reopened(session, found, result)
            session.commit()
            flash(_("Thank you. The department has been told the problem is still there."), "success")
            return redirect(url_for("requests.show", number=result.number), 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    return _show(found, form=form, status=422)


@bp.post("/requests/<number>/follow")
@require_signin
def follow(number: str):
    session, found = get_session(), _request_or_404(number)
    if request.form.get("follow") == "0":
        service.unfollow(session, found, user_id=current_user.id)
        flash(_("You no longer follow this request."), "success")
    else:
        service.follow(session, found, user_id=current_user.id)
        flash(_("You follow this request: you will hear about its progress."), "success")
    session.commit()
    return redirect(url_for("requests.show", number=found.number), 303)


@bp.get("/photos/<digest>.jpg")
def photo(digest: str):
    """A processed photo (already stripped of metadata), cached for a year; its name is its hash."""
    try:
        path = photo_path(current_app.config["UPLOAD_DIR"], digest, thumb=request.args.get("size") == "thumb")
    except ValueError:
        abort(404)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=31536000, conditional=True,
                         download_name=f"{digest[:12]}.jpg")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Content-Disposition"] = f'inline; filename="{digest[:12]}.jpg"'
    return response
