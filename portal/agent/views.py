"""/agent: the call-centre console. One screen: find the caller, take the request (type, place,
what, the type's questions), check duplicates and the promised date, file it, read the number
back. Plain forms: works without JavaScript, and every field is reachable with the keyboard."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import _, get_locale, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from portal.accounts.roles import require_role
from portal.agent import service as desk
from portal.areas.service import neighbourhoods
from portal.content import localise, tr
from portal.db import get_session
from portal.models import ServiceType, utcnow
from portal.models.accounts import Role
from portal.notify.dispatch import deliver_soon
from portal.requests import catalogue
from portal.requests import service as requests
from portal.requests.report_form import read_answers, read_location
from portal.requests.tracking import confirmation_mail
from portal.validation import Form, Invalid
from portal.web import keeps_input, render_page

bp = Blueprint("agent", __name__, url_prefix="/agent")
ACTIONS = ("questions", "check", "file")


def _type(code: str) -> ServiceType | None:
    found = catalogue.type_by_code(get_session(), code) if code else None
    if found is not None:
        localise(get_session(), "service_type", [found], str(get_locale()))
    return found


def _console(form: Form, *, status: int = 200, service_type=None, preview=None, caller=None):
    session, locale = get_session(), str(get_locale())
    lookup = form.value("caller_lookup")
    return render_page(
        "agent/console.html", status=status, form=form, service_type=service_type,
        questions=catalogue.questions_for(session, service_type, locale) if service_type else [],
        groups=catalogue.groups_with_types(session, locale), areas=[(a.slug, a.name) for a in neighbourhoods(session)],
        caller=caller or (desk.find_caller(session, lookup) if lookup else None), preview=preview,
        intakes=desk.recent_intakes(session, current_user.id), channels=desk.AGENT_CHANNELS)


@bp.get("")
@require_role(Role.agent)
def console():
    """The empty console, ready for the next caller."""
    data = MultiDict({"channel": "phone"})
    if (code := request.args.get("type", "")[:40]):
        data["type"] = code
    return _console(Form(data, csrf_failed=False), service_type=_type(data.get("type", "")))


@bp.post("/caller")
@require_role(Role.agent)
@keeps_input
def find_caller():
    """Find the caller by phone or email: their earlier requests, their details filled in.
    A POST, so a caller's phone number or email never lands in a URL or an access log."""
    form = Form(request.form)
    lookup = form.text("caller", label=_l("Find the caller by phone or email"), max_length=254)
    caller = desk.find_caller(get_session(), lookup) if form.ok else None
    data = MultiDict({"channel": "phone", "caller_lookup": lookup})
    if caller and caller.users:
        user = caller.users[0]
        data.update({"name": user.display_name, "email": user.email, "phone": user.phone or ""})
    elif caller and caller.query:
        data["email" if "@" in caller.query else "phone"] = caller.query
    shown = Form(data, csrf_failed=False)
    shown.errors.update(form.errors)
    return _console(shown, caller=caller, status=200 if form.ok else 422)


def _read_intake(form: Form):
    session = get_session()
    form.labels.update(type=_l("Type of request"), channel=_l("How they reached us"))
    service_type = _type(form.value("type"))
    if service_type is None:
        form.error("type", _l("Choose the type of request."))
    channel = form.choice("channel", desk.AGENT_CHANNELS, label=_l("How they reached us"))
    if not form.value("lat") and form.value("address") and (point := desk.locate_address(session, form.value("address"))):
        form.data = form.data.copy()
        form.data["lat"], form.data["lon"] = f"{point[0]:.6f}", f"{point[1]:.6f}"
    location = read_location(form, session)
    description = form.text("description", label=_l("What is the problem"), max_length=requests.MAX_DESCRIPTION,
                            multiline=True)
    questions = catalogue.questions_for(session, service_type, str(get_locale())) if service_type else []
    answers = read_answers(form, questions, tr)
    caller = requests.Reporter(None, form.text("name", label=_l("Caller's name"), max_length=80),
                               form.email("email", label=_l("Caller's email"), required=False),
                               form.text("phone", label=_l("Caller's phone"), max_length=40))
    return service_type, channel, location, description, answers, caller


@bp.post("/intake")
@require_role(Role.agent)
@keeps_input
def intake():
    """Show the type's questions, check (duplicates and the promised date), or file."""
    session, form = get_session(), Form(request.form)
    action = request.form.get("action", "check")
    action = action if action in ACTIONS else "check"
    if action == "questions":  # the type was chosen: show its questions, check nothing yet
        return _console(Form(request.form, csrf_failed=False) if form.ok else form,
                        service_type=_type(form.value("type")), status=200 if form.ok else 422)
    if (done := desk.already_taken(session, form.value("idempotency_key"))) is not None:
        return redirect(url_for("agent.taken", number=done.number), 303)
    service_type, channel, location, description, answers, caller = _read_intake(form)
    if not form.ok:
        return _console(form, service_type=service_type, status=422)
    duplicates = requests.possible_duplicates(session, service_type, location.lat, location.lon)
    if action == "check":
        preview = {"duplicates": duplicates, "expected_at": utcnow() + timedelta(days=service_type.service_level_days)}
        return _console(form, service_type=service_type, preview=preview)
    new = requests.NewRequest(service_type=service_type, location=location, description=description,
                              answers=answers, reporter=caller, channel=channel)
    try:
        filed = desk.take_request(session, current_user, new, key=form.value("idempotency_key"))
        mails = [confirmation_mail(session, filed, None)] if filed.reporter_email else []
        session.commit()
    except Invalid as invalid:
        session.rollback()
        form.absorb(invalid)
        return _console(form, service_type=service_type, status=422)
    except IntegrityError:  # the same form, posted twice at once
        session.rollback()
        done = desk.already_taken(session, form.value("idempotency_key"))
        if done is None:
            raise
        return redirect(url_for("agent.taken", number=done.number), 303)
    deliver_soon([m.id for m in mails])
    return redirect(url_for("agent.taken", number=filed.number), 303)


def _found(number: str):
    found = requests.request_by_number(get_session(), number)
    if found is None:
        abort(404)
    return found


@bp.post("/requests/<number>/coreport")
@require_role(Role.agent)
@keeps_input
def coreport(number: str):
    """Add the caller as a co-reporter of an existing request (from the duplicates or their history)."""
    session, found, form = get_session(), _found(number), Form(request.form)
    channel = form.choice("channel", desk.AGENT_CHANNELS, label=_l("How they reached us"))
    caller = requests.Reporter(None, form.text("name", label=_l("Caller's name"), max_length=80),
                               form.email("email", label=_l("Caller's email"), required=False),
                               form.text("phone", label=_l("Caller's phone"), max_length=40))
    note = form.text("description", label=_l("What is the problem"), max_length=requests.MAX_DESCRIPTION, multiline=True)
    if form.ok:
        try:
            desk.add_caller_as_coreporter(session, current_user, found, caller, channel=channel, note=note,
                                          key=form.value("idempotency_key"))
            session.commit()
            return redirect(url_for("agent.taken", number=found.number, joined=1), 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
        except IntegrityError:  # a retry of the same form: it is done already
            session.rollback()
            return redirect(url_for("agent.taken", number=found.number, joined=1), 303)
    return _console(form, service_type=_type(form.value("type")), status=422)


@bp.post("/requests/<number>/subscribe")
@require_role(Role.agent)
@keeps_input
def subscribe(number: str):
    """Email the caller about a request's progress."""
    session, found, form = get_session(), _found(number), Form(request.form)
    form.labels["email"] = _l("Caller's email")
    if form.ok:
        try:
            added = desk.subscribe_caller(session, found, form.value("email"))
            session.commit()
            flash(_("The caller will get email updates about %(number)s.", number=requests.format_number(found.number))
                  if added else _("The caller already gets email updates about this request."), "success")
            return redirect(url_for("agent.console"), 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    return _console(form, service_type=_type(form.value("type")), status=422)


@bp.get("/intakes/<number>")
@require_role(Role.agent)
def taken(number: str):
    """The number to read back to the caller, the promised date, and corrections for the agent's own intakes."""
    session, found = get_session(), _found(number)
    service_type = session.get(ServiceType, found.service_type_id)
    localise(session, "service_type", [service_type], str(get_locale()))
    data = {"description": found.description, "address": found.address, "name": found.reporter_name,
            "email": found.reporter_email, "phone": found.reporter_phone}
    return render_page("agent/taken.html", request_=found, service_type=service_type, form=Form(data, csrf_failed=False),
                       correctable=desk.correctable(session, current_user.id, found),
                       joined=bool(request.args.get("joined")))


@bp.post("/intakes/<number>/correct")
@require_role(Role.agent)
@keeps_input
def correct(number: str):
    session, found, form = get_session(), _found(number), Form(request.form)
    if not desk.correctable(session, current_user.id, found):
        abort(403)
    description = form.text("description", label=_l("What is the problem"), max_length=requests.MAX_DESCRIPTION, multiline=True)
    address = form.text("address", label=_l("Address or landmark"), max_length=200)
    name = form.text("name", label=_l("Caller's name"), max_length=80)
    email = form.email("email", label=_l("Caller's email"), required=False)
    phone = form.text("phone", label=_l("Caller's phone"), max_length=40)
    raw = form.value("version")
    if form.ok:
        try:
            desk.correct_intake(session, found, description=description, address=address, name=name, email=email,
                                phone=phone, expected_version=int(raw) if raw.isdigit() and len(raw) < 10 else -1)
            session.commit()
            flash(_("Corrected."), "success")
            return redirect(url_for("agent.taken", number=found.number), 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    service_type = session.get(ServiceType, found.service_type_id)
    return render_page("agent/taken.html", request_=found, service_type=service_type, form=form, correctable=True,
                       joined=False, status=409 if "_form" in form.errors else 422)
