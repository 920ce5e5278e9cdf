"""Organisations and their events. Routes of the community blueprint."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, request, url_for
from flask_babel import _, get_timezone, lazy_gettext as _l
from flask_login import current_user

from portal.accounts.roles import require_signin
from portal.areas.service import area_by_slug, neighbourhoods
from portal.community import compose, organisations, service
from portal.community.service import Invalid, Refused
from portal.community.views import bp, is_moderator
from portal.db import get_session
from portal.models import Area, Organisation
from portal.validation import Form
from portal.web import keeps_input, render_page


def _organisation_or_404(organisation_id: int) -> Organisation:
    found = get_session().get(Organisation, organisation_id)
    if found is None or (found.verified_at is None and not _may_see_unverified(found)):
        abort(404)
    return found


def _may_see_unverified(found: Organisation) -> bool:
    return current_user.is_authenticated and (is_moderator() or found.created_by_id == current_user.id)


@bp.get("/organisations")
def organisations_index():
    """Verified neighbourhood organisations, and a way to register one."""
    session = get_session()
    found = organisations.verified(session)
    areas = {a.id: a for a in neighbourhoods(session)}
    return render_page("community/organisations.html", organisations=found, areas=areas, kinds=organisations.KINDS)


def _new_page(form: Form, status: int = 200):
    return render_page("community/organisation_new.html", form=form, status=status, kinds=organisations.KINDS,
                       areas=neighbourhoods(get_session()))


@bp.get("/organisations/new")
@require_signin
def organisation_new():
    return _new_page(Form({}, csrf_failed=False))


@bp.post("/organisations/new")
@require_signin
@keeps_input
def organisation_new_post():
    """Register an organisation; a moderator verifies it before its badge and events show."""
    session = get_session()
    form = Form(request.form)
    name = form.text("name", label=_l("Name"), max_length=120)
    kind = form.choice("kind", organisations.KINDS, label=_l("Kind of group"))
    slug = form.text("area", label=_l("Neighbourhood"), max_length=80)
    description = form.text("description", label=_l("What the group does"), max_length=2000, multiline=True)
    contact = form.text("contact", label=_l("Public contact"), max_length=200)
    problem = None
    if form.ok:
        try:
            found = organisations.register(session, current_user, name=name, kind=kind, description=description,
                                           contact=contact, area=area_by_slug(session, slug) if slug else None)
            session.commit()
            flash(_("Thank you. A moderator will verify the organisation soon."), "success")
            return redirect(url_for("community.organisation", organisation_id=found.id), 303)
        except (Invalid, Refused) as error:
            problem = compose.refused(session, form, error)
    return _new_page(form, status=compose.refusal_status(form, problem))


def _page(found: Organisation, *, form: Form | None = None, member_form: Form | None = None, status: int = 200):
    session = get_session()
    member = organisations.membership(session, found, current_user.id if current_user.is_authenticated else None)
    return render_page("community/organisation.html", organisation=found, kinds=organisations.KINDS,
                       area=session.get(Area, found.area_id) if found.area_id else None, member=member,
                       members=organisations.members(session, found) if member and member.manager else [],
                       events=organisations.upcoming_events(session, organisation_id=found.id),
                       form=form or Form({}, csrf_failed=False), member_form=member_form or Form({}, csrf_failed=False),
                       status=status)


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    return _page(_organisation_or_404(organisation_id))


def _manager_or_403(found: Organisation):
    member = organisations.membership(get_session(), found, current_user.id)
    if not (member and member.manager):
        abort(403)


def parse_local_time(value: str) -> datetime | None:
    """`2026-05-01T18:30` (datetime-local) or `2026-05-01 18:30`, in the city's time zone, as UTC."""
    value = (value or "").strip().replace(" ", "T")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=get_timezone())
    return moment.astimezone(UTC).replace(microsecond=0)


@bp.post("/organisations/<int:organisation_id>/events")
@require_signin
@keeps_input
def add_event(organisation_id: int):
    """A manager lists an event; it shows on the neighbourhood's pages and calendar feed."""
    session, found = get_session(), _organisation_or_404(organisation_id)
    _manager_or_403(found)
    form = Form(request.form)
    title = form.text("title", label=_l("Title"), max_length=160)
    starts = form.text("starts_at", label=_l("Starts"), max_length=30)
    ends = form.text("ends_at", label=_l("Ends"), max_length=30)
    place = form.text("place", label=_l("Place"), max_length=200)
    description = form.text("description", label=_l("Description"), max_length=2000, multiline=True)
    problem = None
    if form.ok:
        if ends and parse_local_time(ends) is None:
            form.error("ends_at", _l("Enter a date and time, like 2026-05-01 18:30."))
    if form.ok:
        try:
            organisations.add_event(session, found, current_user, title=title, starts_at=parse_local_time(starts),
                                    ends_at=parse_local_time(ends) if ends else None, place=place,
                                    description=description,
                                    client_key=service.clean_key(form.value("idempotency_key")))
            session.commit()
            flash(_("The event is listed."), "success")
            return redirect(url_for("community.organisation", organisation_id=found.id), 303)
        except (Invalid, Refused) as error:
            problem = compose.refused(session, form, error)
    return _page(found, form=form, status=compose.refusal_status(form, problem))


@bp.post("/organisations/<int:organisation_id>/members")
@require_signin
@keeps_input
def add_member(organisation_id: int):
    session, found = get_session(), _organisation_or_404(organisation_id)
    _manager_or_403(found)
    form = Form(request.form)
    email = form.email("email", label=_l("Their email"))
    if form.ok:
        try:
            organisations.add_member(session, found, email=email)
            session.commit()
            flash(_("They can now post with the organisation's badge."), "success")
            return redirect(url_for("community.organisation", organisation_id=found.id), 303)
        except Invalid as invalid:
            session.rollback()
            form.absorb(invalid)
    return _page(found, member_form=form, status=compose.refusal_status(form))
