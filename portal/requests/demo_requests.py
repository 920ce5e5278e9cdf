"""Generated requests for the demo city: realistic mix of types, places, ages and outcomes."""
from __future__ import annotations

import random
from datetime import timedelta

from shapely import from_geojson
from shapely.geometry import Point
from sqlmodel import Session, select

from portal.models import Area, ClosureReason, Question, ServiceType, Status, utcnow
from portal.requests.service import Location, NewRequest, Reporter, add_coreport, change_status, submit_request

COMMON = ["pothole", "graffiti", "rubbish-collection", "street-light", "abandoned-vehicle", "illegal-dumping"]
NOTES = [
    "Deep enough to damage a tyre. Cars swerve around it.",
    "Been like this for two weeks, getting worse after the rain.",
    "Right in front of the school crossing.",
    "On the corner by the bus stop.",
    "Several bags, attracting rats.",
    "Tagged overnight on the side of the rec centre wall.",
    "Light flickers then goes out completely after 9pm.",
    "",
]
CLOSING_NOTES = {
    ClosureReason.fixed: "Crew completed the repair.",
    ClosureReason.no_action: "Inspected; no action needed at this time.",
    ClosureReason.not_city: "This is on private property; we have informed the owner.",
    ClosureReason.could_not_locate: "Crew could not find the problem at this address.",
}


def _random_point(rng: random.Random, area: Area) -> tuple[float, float]:
    shape = from_geojson(area.geometry)
    for _ in range(200):
        lat = rng.uniform(area.min_lat, area.max_lat)
        lon = rng.uniform(area.min_lon, area.max_lon)
        if shape.contains(Point(lon, lat)):
            return lat, lon
    return area.centre_lat, area.centre_lon


def _demo_answers(questions: list[Question]) -> dict:
    answers = {}
    for q in questions:
        if q.datatype == "singlevaluelist":
            answers[q.code] = q.values[0]["key"]
        elif q.datatype == "multivaluelist":
            answers[q.code] = [q.values[0]["key"]]
        elif q.required:
            answers[q.code] = 2 if q.datatype == "number" else ("2026-01-05T07:00" if q.datatype == "datetime" else "2B")
    return answers


def load_demo_requests(session: Session, count: int = 150, seed: int = 311) -> int:
    rng = random.Random(seed)
    areas = list(session.exec(select(Area).where(Area.kind == "neighbourhood")))
    types = {t.code: t for t in session.exec(select(ServiceType).where(ServiceType.active))}
    codes = [c for c in COMMON if c in types] * 6 + list(types)
    now = utcnow()
    for index in range(count):
        service_type = types[rng.choice(codes)]
        area = rng.choice(areas)
        lat, lon = _random_point(rng, area)
        questions = list(session.exec(select(Question).where(Question.service_type_id == service_type.id)))
        request = submit_request(session, NewRequest(
            service_type=service_type, description=rng.choice(NOTES), answers=_demo_answers(questions),
            location=Location(lat=lat, lon=lon, address=f"{rng.randint(100, 4999)} {rng.choice(['Market', 'Broad', 'Spruce', 'Girard', 'Lehigh', 'Oregon', 'Frankford', 'Germantown'])} St"),
            channel=rng.choice(["web", "web", "web", "phone", "api"]), reporter=Reporter()))
        age = timedelta(days=rng.uniform(0, 120), hours=rng.uniform(0, 23))
        request.created_at = request.updated_at = now - age
        request.expected_at = request.created_at + timedelta(days=service_type.service_level_days)
        session.flush()
        _progress(session, rng, request, age)
        if index % 9 == 0 and request.status != Status.closed:
            add_coreport(session, request, Reporter(), note="Same here, on my block.")
    session.commit()
    return count


def _progress(session: Session, rng: random.Random, request, age: timedelta) -> None:
    """Older requests have moved further; most old ones are closed, a few are late."""
    days = age.days
    if days >= 1 and rng.random() < 0.8:
        change_status(session, request, status=Status.acknowledged, author_id=None)
    if days >= 3 and request.status == Status.acknowledged and rng.random() < 0.6:
        change_status(session, request, status=Status.in_progress, author_id=None,
                      note="A crew is scheduled.")
    if days >= 5 and rng.random() < 0.75:
        reason = rng.choice([ClosureReason.fixed] * 6 + list(CLOSING_NOTES))
        change_status(session, request, status=Status.closed, reason=reason, author_id=None,
                      note=CLOSING_NOTES[reason])
        request.closed_at = request.created_at + timedelta(days=rng.uniform(1, min(days, 30)))
    request.updated_at = request.closed_at or request.created_at + timedelta(days=min(days, 2))
    session.add(request)
