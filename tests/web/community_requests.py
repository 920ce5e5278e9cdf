"""Requests for the community tests, filed through the requests service (as the report flow does)."""
from __future__ import annotations

from sqlmodel import select

from portal import db
from portal.models import Area, ServiceType


def file_request(app, *, user=None, type_code="pothole") -> str:
    """A pothole in the first demo neighbourhood; returns its number. `user` reports (and follows) it."""
    from portal.requests.service import Location, NewRequest, Reporter, submit_request
    with app.test_request_context(), db.writing():
        session = db.get_session()
        area = session.exec(select(Area).where(Area.kind == "neighbourhood").order_by(Area.name)).first()
        service_type = session.exec(select(ServiceType).where(ServiceType.code == type_code)).one()
        reporter = Reporter(user.id, user.display_name, user.email, "") if user else Reporter()
        found = submit_request(session, NewRequest(
            service_type=service_type, description="Deep hole",
            location=Location(lat=area.centre_lat, lon=area.centre_lon, area_id=area.id), reporter=reporter))
        session.commit()
        return found.number
