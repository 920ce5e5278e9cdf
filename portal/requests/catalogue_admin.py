"""Admins keep the service catalogue: create and edit types and their questions.

Every function validates the whole input first and raises `Invalid({field: message})`
with nothing stored; on success it commits. A type that has requests is never deleted,
only deactivated (it then disappears from the report pages but its requests keep it).
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from portal.models import (
    Datatype, Department, Question, ServiceGroup, ServiceRequest, ServiceType, Translation,
)
from portal.validation import Invalid, clean_text

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
VALUE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
RESERVED_CODES = {"new"}  # /admin/types/new is the creation page
LIST_DATATYPES = {Datatype.singlevaluelist, Datatype.multivaluelist}
TRUE_WORDS = {"1", "on", "true", "yes", "y"}

TYPE_LABELS = {
    "code": _l("Code"),
    "name": _l("Name"),
    "group": _l("Group"),
    "department": _l("Department"),
    "description": _l("Description"),
    "keywords": _l("Search keywords"),
    "service_level_days": _l("Service level (days)"),
    "duplicate_radius_m": _l("Duplicate search radius (metres)"),
    "active": _l("Active"),
}
QUESTION_LABELS = {
    "code": _l("Code"),
    "text": _l("Question"),
    "description": _l("Help text"),
    "datatype": _l("Kind of answer"),
    "required": _l("Required"),
    "position": _l("Position"),
    "values": _l("Choices"),
}


# ---------------------------------------------------------------- reading values

class _Reader:
    """Collects one message per field while reading a plain dict of submitted values."""

    def __init__(self, data):
        self.data = data or {}
        self.errors: dict[str, str] = {}

    def raw(self, name: str):
        value = self.data.get(name)
        return "" if value is None else value

    def text(self, name: str, *, max_length: int, required: bool = False,
             multiline: bool = False) -> str:
        raw = self.raw(name)
        if not isinstance(raw, str):
            raw = str(raw)
        if len(raw) > max_length * 4:
            self.errors[name] = _l("This is too long: at most %(max)s characters.", max=max_length)
            return ""
        try:
            value = clean_text(raw, multiline=multiline)
        except ValueError as problem:
            self.errors[name] = str(problem.args[0])
            return ""
        if required and not value:
            self.errors[name] = _l("This is required.")
        elif len(value) > max_length:
            self.errors[name] = _l("This is too long: at most %(max)s characters.", max=max_length)
        return value

    def slug(self, name: str) -> str:
        value = self.text(name, max_length=40, required=True)
        if value and name not in self.errors and not SLUG.match(value):
            self.errors[name] = _l("Use 2 to 40 lower-case letters, digits, hyphens or underscores, "
                                   "starting with a letter or digit.")
        return value

    def integer(self, name: str, *, low: int, high: int) -> int | None:
        raw = self.raw(name)
        text = str(raw).strip() if not isinstance(raw, bool) else ""
        if not re.fullmatch(r"[+-]?\d{1,9}", text):
            self.errors[name] = _l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
            return None
        number = int(text)
        if not low <= number <= high:
            self.errors[name] = _l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
            return None
        return number

    def flag(self, name: str, *, default: bool) -> bool:
        if name not in self.data:
            return default
        value = self.data.get(name)
        if isinstance(value, bool):
            return value
        return str(value or "").strip().lower() in TRUE_WORDS


def parse_keywords(text: str) -> str:
    """"Trash, Garbage ,, bins" → "trash,garbage,bins" (trimmed, lower case, no repeats)."""
    seen: list[str] = []
    for word in text.split(","):
        word = " ".join(word.split()).lower()
        if word and word not in seen:
            seen.append(word)
    return ",".join(seen)


def parse_values(text: str) -> tuple[list[dict], str | None]:
    """One `key|Label` a line → [{"key", "name"}], or the first problem found."""
    values: list[dict] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        key, bar, label = line.partition("|")
        key, label = key.strip(), " ".join(label.split())
        if not bar or not label:
            return [], _l("Line %(line)s: write each choice as key|Label.", line=number)
        if not VALUE_KEY.match(key):
            return [], _l("Line %(line)s: the key may only have lower-case letters, digits, hyphens "
                          "and underscores (at most 40).", line=number)
        if len(label) > 200:
            return [], _l("Line %(line)s: the label is too long (at most %(max)s characters).",
                          line=number, max=200)
        if any(v["key"] == key for v in values):
            return [], _l("Line %(line)s: the key “%(key)s” is used twice.", line=number, key=key)
        values.append({"key": key, "name": label})
    if len(values) < 2:
        return [], _l("A list needs at least two choices, one a line.")
    return values, None


def values_text(question: Question) -> str:
    """The textarea form of a question's choices."""
    return "\n".join(f"{v['key']}|{v['name']}" for v in question.values or [])


# ---------------------------------------------------------------- service types

def save_type(session: Session, *, existing: ServiceType | None, data: dict) -> ServiceType:
    """Create (existing=None) or update a service type from submitted values."""
    read = _Reader(data)
    code = read.slug("code")
    if code and "code" not in read.errors:
        if code in RESERVED_CODES:
            read.errors["code"] = _l("This code is reserved. Choose another.")
        else:
            query = select(ServiceType.id).where(ServiceType.code == code)
            if existing is not None:
                query = query.where(ServiceType.id != existing.id)
            if session.exec(query).first() is not None:
                read.errors["code"] = _l("Another service type already uses this code.")
    name = read.text("name", max_length=80, required=True)
    group = _by_code(session, ServiceGroup, read, "group", _l("Choose a group."))
    department = _by_code(session, Department, read, "department", _l("Choose a department."))
    description = read.text("description", max_length=500, multiline=True)
    keywords = parse_keywords(read.text("keywords", max_length=500, multiline=True))
    if len(keywords) > 500 and "keywords" not in read.errors:
        read.errors["keywords"] = _l("This is too long: at most %(max)s characters.", max=500)
    days = read.integer("service_level_days", low=1, high=365)
    radius = read.integer("duplicate_radius_m", low=0, high=2000)
    active = read.flag("active", default=True)
    if read.errors:
        raise Invalid(read.errors)

    service_type = existing
    if service_type is None:
        last = session.exec(select(func.max(ServiceType.position))).one()
        service_type = ServiceType(code=code, name=name, group_id=group.id,
                                   department_id=department.id, position=(last or 0) + 1)
    service_type.code, service_type.name = code, name
    service_type.group_id, service_type.department_id = group.id, department.id
    service_type.description, service_type.keywords = description, keywords
    service_type.service_level_days, service_type.duplicate_radius_m = days, radius
    service_type.active = active
    session.add(service_type)
    _commit(session, {"code": _l("Another service type already uses this code.")})
    return service_type


def _by_code(session: Session, model, read: _Reader, name: str, missing: str):
    code = read.text(name, max_length=40)
    if name in read.errors:
        return None
    found = session.exec(select(model).where(model.code == code)).first() if code else None
    if found is None:
        read.errors[name] = missing
    return found


def request_count(session: Session, service_type: ServiceType) -> int:
    return session.exec(select(func.count()).select_from(ServiceRequest)
                        .where(ServiceRequest.service_type_id == service_type.id)).one()


def request_counts(session: Session) -> dict[int, int]:
    """{service type id: number of requests, open or closed}."""
    rows = session.exec(select(ServiceRequest.service_type_id, func.count())
                        .group_by(ServiceRequest.service_type_id)).all()
    return {type_id: count for type_id, count in rows}


def delete_or_deactivate_type(session: Session, service_type: ServiceType) -> str:
    """Delete a type nobody has used; a type with any request is only deactivated."""
    if request_count(session, service_type):
        service_type.active = False
        session.add(service_type)
        session.commit()
        return "deactivated"
    question_ids = select(Question.id).where(Question.service_type_id == service_type.id)
    session.execute(delete(Translation).where(or_(
        (Translation.entity == "service_type") & (Translation.entity_id == service_type.id),
        (Translation.entity == "question") & Translation.entity_id.in_(question_ids))))
    session.execute(delete(Question).where(Question.service_type_id == service_type.id))
    session.delete(service_type)
    session.commit()
    return "deleted"


# ---------------------------------------------------------------- questions

def questions_of(session: Session, service_type: ServiceType) -> list[Question]:
    """All questions of a type, inactive ones too, in Open311 order."""
    return list(session.exec(select(Question).where(Question.service_type_id == service_type.id)
                             .order_by(Question.position, Question.id)).all())


def next_position(session: Session, service_type: ServiceType) -> int:
    last = session.exec(select(func.max(Question.position))
                        .where(Question.service_type_id == service_type.id)).one()
    return min((last or 0) + 1, 99)


def save_question(session: Session, *, service_type: ServiceType, existing: Question | None,
                  data: dict) -> Question:
    """Create (existing=None) or update a question of `service_type`."""
    read = _Reader(data)
    others = [q for q in questions_of(session, service_type) if existing is None or q.id != existing.id]
    code = read.slug("code")
    if code and "code" not in read.errors and any(q.code == code for q in others):
        read.errors["code"] = _l("Another question of this type already uses this code.")
    text = read.text("text", max_length=200, required=True)
    description = read.text("description", max_length=500, multiline=True)
    datatype = str(read.raw("datatype"))
    if datatype not in Datatype.__members__:
        read.errors["datatype"] = _l("Choose one of the options.")
    required = read.flag("required", default=False)
    position = read.integer("position", low=1, high=99)
    if position is not None and any(q.position == position for q in others):
        read.errors["position"] = _l("Another question of this type is already at this position.")
    raw_values = read.text("values", max_length=5000, multiline=True)
    values: list[dict] = []
    if "values" not in read.errors and "datatype" not in read.errors:
        if datatype in LIST_DATATYPES:
            values, problem = parse_values(raw_values)
            if problem:
                read.errors["values"] = problem
        elif raw_values:
            read.errors["values"] = _l("Only list questions have choices. Leave this empty.")
    if read.errors:
        raise Invalid(read.errors)

    question = existing or Question(service_type_id=service_type.id, code=code, text=text,
                                    datatype=datatype)
    question.code, question.text, question.description = code, text, description
    question.datatype, question.required, question.position = datatype, required, position
    question.values = values
    session.add(question)
    _commit(session, {"code": _l("Another question of this type already uses this code.")})
    return question


def deactivate_question(session: Session, question: Question) -> None:
    question.active = False
    session.add(question)
    session.commit()


def activate_question(session: Session, question: Question) -> None:
    question.active = True
    session.add(question)
    session.commit()


def _commit(session: Session, on_conflict: dict) -> None:
    """Commit; a unique code taken at the same moment by another admin is a form error."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Invalid(on_conflict) from None
