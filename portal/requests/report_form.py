"""Reading the report form (web and call centre): location, description, answers, photos, contact."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from portal.areas.service import area_by_slug
from portal.models import Question, ServiceType
from portal.requests.answers import validate_answers
from portal.requests.photos import PhotoRejected, process_photo, store_photo
from portal.requests.service import MAX_DESCRIPTION, Location, check_location
from portal.validation import Form, Invalid, parse_float

MAX_PHOTOS = 3


def read_location(form: Form, session: Session) -> Location | None:
    """Coordinates (from the map, the phone or typed) win; else the chosen neighbourhood's centre."""
    address = form.text("address", label=_l("Address or landmark"), max_length=200)
    form.labels.update(lat=_l("Latitude"), lon=_l("Longitude"), area=_l("Neighbourhood"),
                       location=_l("Location"))
    raw_lat, raw_lon = form.value("lat").strip(), form.value("lon").strip()
    location = None
    if raw_lat or raw_lon:
        try:
            lat = parse_float(raw_lat, low=-90, high=90)
        except ValueError as problem:
            form.error("lat", problem.args[0])
        try:
            lon = parse_float(raw_lon, low=-180, high=180)
        except ValueError as problem:
            form.error("lon", problem.args[0])
        if "lat" not in form.errors and "lon" not in form.errors:
            location = Location(lat=lat, lon=lon, address=address)
    elif slug := form.value("area"):
        area = area_by_slug(session, slug)
        if area is None:
            form.error("area", _l("Choose one of the options."))
        else:
            location = Location(lat=area.centre_lat, lon=area.centre_lon, address=address,
                                area_id=area.id, approximate=True)
    elif "lat" not in form.errors:
        form.error("location", _l("Say where the problem is: use the map, your location, or choose the neighbourhood."))
    if location is not None:
        try:
            location = check_location(session, location)
        except Invalid as invalid:
            form.absorb(invalid)
            return None
    return location


def read_answers(form: Form, questions: list[Question], tr) -> dict:
    for question in questions:
        form.labels[f"q_{question.code}"] = tr(question, "text")
    raw = {q.code: form.data.getlist(f"q_{q.code}") for q in questions}
    try:
        return validate_answers(questions, raw)
    except Invalid as invalid:
        for code, message in invalid.errors.items():
            form.error(f"q_{code}", message)
        return {}


def read_photos(form: Form, files: list, kept: list[dict], upload_dir: str) -> list[dict]:
    """Process new uploads (re-encoded, metadata stripped) on top of the photos kept from before."""
    form.labels["photos"] = _l("Photos")
    uploads = [f for f in files if f and f.filename]
    if len(kept) + len(uploads) > MAX_PHOTOS:
        form.error("photos", _l("Add at most %(max)s photos.", max=MAX_PHOTOS))
        return kept
    photos = list(kept)
    for upload in uploads:
        try:
            photo = process_photo(upload.read())
        except PhotoRejected as rejected:
            form.error("photos", rejected.args[0])
            continue
        store_photo(upload_dir, photo)
        photos.append({"digest": photo.digest, "width": photo.width, "height": photo.height})
    return photos


def read_report(form: Form, session: Session, service_type: ServiceType, questions: list[Question],
                *, files: list, kept_photos: list[dict], upload_dir: str, tr) -> tuple[dict, list[dict]]:
    """Everything a report needs, as draft data; errors land on `form`."""
    location = read_location(form, session)
    description = form.text("description", label=_l("Describe the problem"), max_length=MAX_DESCRIPTION,
                            multiline=True)
    answers = read_answers(form, questions, tr)
    photos = read_photos(form, files, kept_photos, upload_dir)
    name = form.text("name", label=_l("Your name"), max_length=80)
    email = form.email("email", label=_l("Email"), required=False)
    phone = form.text("phone", label=_l("Phone"), max_length=40)
    data = {"type": service_type.code, "description": description, "answers": answers,
            "name": name, "email": email, "phone": phone, "address": form.value("address").strip()[:200],
            "area_slug": form.value("area")}
    if location is not None:
        data.update(lat=location.lat, lon=location.lon, area_id=location.area_id,
                    approximate=location.approximate, address=location.address)
    return data, photos
