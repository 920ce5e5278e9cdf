"""Neighbourhood organisations (civic associations, block captains, town watches…), their members
and their events. An organisation is registered by a resident and verified by a moderator; only
then do its members post with its badge and its events appear on the neighbourhood's pages."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.accounts.service import user_by_email
from portal.community.service import Refused, plain_line, plain_text
from portal.models import Area, Event, Organisation, OrganisationMember, User, utcnow
from portal.models.community import OrganisationKind
from portal.validation import Invalid

KINDS = {
    OrganisationKind.civic: _l("Civic association"),
    OrganisationKind.block: _l("Block captains"),
    OrganisationKind.town_watch: _l("Town watch"),
    OrganisationKind.other: _l("Other group"),
}


def register(session: Session, user: User, *, name: str, kind: str, area: Area | None, description: str,
             contact: str) -> Organisation:
    """A new, unverified organisation; its registrant is its first manager. Not committed."""
    if user.blocked_at:
        raise Refused(403, _l("Your account has been blocked by a moderator."))
    name, contact, description = plain_line(name), plain_line(contact), plain_text(description)
    errors = {}
    if not name:
        errors["name"] = _l("This is required.")
    if kind not in KINDS:
        errors["kind"] = _l("Choose one of the options.")
    if area is None:
        errors["area"] = _l("Choose one of the options.")
    if not contact:
        errors["contact"] = _l("Say how neighbours can reach the organisation.")
    if errors:
        raise Invalid(errors)
    organisation = Organisation(name=name, kind=kind, area_id=area.id, description=description, contact=contact,
                                created_by_id=user.id)
    session.add(organisation)
    session.flush()
    session.add(OrganisationMember(organisation_id=organisation.id, user_id=user.id, manager=True))
    return organisation


def membership(session: Session, organisation: Organisation, user_id: int | None) -> OrganisationMember | None:
    if not user_id:
        return None
    return session.exec(select(OrganisationMember).where(OrganisationMember.organisation_id == organisation.id,
                                                         OrganisationMember.user_id == user_id)).first()


def members(session: Session, organisation: Organisation) -> list[tuple[OrganisationMember, User]]:
    return list(session.exec(select(OrganisationMember, User).join(User, User.id == OrganisationMember.user_id)
                             .where(OrganisationMember.organisation_id == organisation.id)
                             .order_by(OrganisationMember.id)))


def add_member(session: Session, organisation: Organisation, *, email: str) -> User:
    """A manager adds someone with an account by their email address."""
    user = user_by_email(session, email) if email else None
    if user is None:
        raise Invalid({"email": _l("No account uses that email. Ask them to sign up first.")})
    try:
        with session.begin_nested():
            session.add(OrganisationMember(organisation_id=organisation.id, user_id=user.id))
    except IntegrityError:
        raise Invalid({"email": _l("They are already a member.")}) from None
    return user


def add_event(session: Session, organisation: Organisation, user: User, *, title: str, starts_at: datetime | None,
              ends_at: datetime | None, place: str, description: str, client_key: str | None = None) -> Event:
    if organisation.verified_at is None:
        raise Refused(409, _l("Events appear once a moderator has verified the organisation."))
    title, place, description = plain_line(title), plain_line(place), plain_text(description)
    errors = {}
    if not title:
        errors["title"] = _l("This is required.")
    if starts_at is None:
        errors["starts_at"] = _l("Enter a date and time, like 2026-05-01 18:30.")
    elif ends_at is not None and ends_at < starts_at:
        errors["ends_at"] = _l("The end is before the start.")
    if errors:
        raise Invalid(errors)
    if client_key and (done := session.exec(select(Event).where(Event.client_key == client_key)).first()):
        return done
    event = Event(organisation_id=organisation.id, area_id=organisation.area_id, title=title, starts_at=starts_at,
                  ends_at=ends_at, place=place, description=description, client_key=client_key,
                  created_by_id=user.id)
    session.add(event)
    session.flush()
    return event


def verified(session: Session, *, area_id: int | None = None) -> list[Organisation]:
    query = select(Organisation).where(Organisation.verified_at.is_not(None))
    if area_id is not None:
        query = query.where(Organisation.area_id == area_id)
    return list(session.exec(query.order_by(Organisation.name)))


def upcoming_events(session: Session, *, area_id: int | None = None, organisation_id: int | None = None,
                    limit: int = 20, include_past_days: int = 0) -> list[tuple[Event, Organisation]]:
    """Events of verified organisations from today on (or from a few days back, for feeds)."""
    since = utcnow().replace(hour=0, minute=0, second=0) - timedelta(days=include_past_days)
    query = select(Event, Organisation).join(Organisation, Organisation.id == Event.organisation_id).where(
        Organisation.verified_at.is_not(None), Event.starts_at >= since)
    if area_id is not None:
        query = query.where(Event.area_id == area_id)
    if organisation_id is not None:
        query = query.where(Event.organisation_id == organisation_id)
    return list(session.exec(query.order_by(Event.starts_at).limit(limit)))
