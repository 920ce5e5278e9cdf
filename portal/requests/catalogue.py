"""The catalogue: groups, service types and their questions. Finding the right type."""
from __future__ import annotations

import re
import unicodedata
from types import ModuleType

from sqlmodel import Session, select

from portal.content import localise, set_translation, tr
from portal.models import Department, Question, ServiceGroup, ServiceType, Translation


def groups_with_types(session: Session, locale: str) -> list[tuple[ServiceGroup, list[ServiceType]]]:
    groups = session.exec(select(ServiceGroup).order_by(ServiceGroup.position)).all()
    types = session.exec(select(ServiceType).where(ServiceType.active)
                         .order_by(ServiceType.position, ServiceType.name)).all()
    localise(session, "service_group", groups, locale)
    localise(session, "service_type", types, locale)
    by_group: dict[int, list[ServiceType]] = {}
    for service_type in types:
        by_group.setdefault(service_type.group_id, []).append(service_type)
    return [(g, sorted(by_group[g.id], key=lambda t: tr(t, "name").lower())) for g in groups if g.id in by_group]


def _fold(text: str) -> str:
    """Lower case without accents, so "basura" finds "Basura" and "cafe" finds "Café"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_types(session: Session, query: str, locale: str, limit: int = 12) -> list[ServiceType]:
    """Active types matching the words of `query`, best first: name, then keywords, then help text."""
    words = [w for w in re.split(r"\W+", _fold(query)) if len(w) >= 2]
    if not words:
        return []
    types = session.exec(select(ServiceType).where(ServiceType.active)).all()
    localise(session, "service_type", types, locale)
    # Every language's names and keywords: people type in their own language whatever the page's.
    other: dict[tuple[int, str], str] = {}
    for row in session.exec(select(Translation).where(Translation.entity == "service_type",
                                                      Translation.field.in_(("name", "keywords")))):
        other[(row.entity_id, row.field)] = other.get((row.entity_id, row.field), "") + "," + row.text
    scored = []
    for service_type in types:
        name = _fold(f"{service_type.name} {other.get((service_type.id, 'name'), '')}")
        keywords = [k.strip() for k in _fold(f"{service_type.keywords},{other.get((service_type.id, 'keywords'), '')}").split(",")]
        about = _fold(f"{service_type.description} {tr(service_type, 'description')}")
        score = 0
        for word in words:
            if word in keywords:  # a keyword exactly: "trash" is what rubbish collection is called
                score += 4
            elif re.search(rf"\b{re.escape(word)}", name):
                score += 3
            elif any(k.startswith(word) for k in keywords):
                score += 2
            elif word in about:
                score += 1
        if score:
            scored.append((-score, service_type.position, service_type))
    return [t for *_, t in sorted(scored, key=lambda s: (s[0], s[1]))[:limit]]


def type_by_code(session: Session, code: str, *, active_only: bool = True) -> ServiceType | None:
    query = select(ServiceType).where(ServiceType.code == code)
    if active_only:
        query = query.where(ServiceType.active)
    return session.exec(query).first()


def questions_for(session: Session, service_type: ServiceType, locale: str = "en") -> list[Question]:
    questions = session.exec(select(Question).where(Question.service_type_id == service_type.id,
                                                    Question.active).order_by(Question.position)).all()
    localise(session, "question", questions, locale)
    return list(questions)


def load_catalogue(session: Session, data: ModuleType, translations: dict[str, ModuleType]) -> int:
    """Create or update groups, types and questions from a catalogue module (idempotent)."""
    departments = {d.code: d for d in session.exec(select(Department)).all()}
    groups = {}
    for position, spec in enumerate(data.GROUPS):
        group = session.exec(select(ServiceGroup).where(ServiceGroup.code == spec["code"])).first() \
            or ServiceGroup(code=spec["code"], name=spec["name"])
        group.name, group.position = spec["name"], position
        session.add(group)
        groups[spec["code"]] = group
    session.flush()
    for position, spec in enumerate(data.SERVICE_TYPES):
        service_type = type_by_code(session, spec["code"], active_only=False) or ServiceType(
            code=spec["code"], name=spec["name"], group_id=groups[spec["group"]].id,
            department_id=departments[spec["department"]].id)
        service_type.name = spec["name"]
        service_type.group_id = groups[spec["group"]].id
        service_type.department_id = departments[spec["department"]].id
        service_type.description = spec["description"]
        service_type.keywords = ",".join(spec["keywords"])
        service_type.service_level_days = spec["service_level_days"]
        service_type.duplicate_radius_m = spec["duplicate_radius_m"]
        service_type.position = position
        session.add(service_type)
        session.flush()
        _load_questions(session, service_type, spec["questions"])
    session.flush()
    for locale, module in translations.items():
        _load_translations(session, locale, module, groups)
    session.commit()
    return len(data.SERVICE_TYPES)


def _load_questions(session: Session, service_type: ServiceType, specs: list[dict]) -> None:
    for position, spec in enumerate(specs, start=1):
        question = session.exec(select(Question).where(Question.service_type_id == service_type.id,
                                                       Question.code == spec["code"])).first() \
            or Question(service_type_id=service_type.id, code=spec["code"], text=spec["text"],
                        datatype=spec["datatype"])
        question.text, question.datatype = spec["text"], spec["datatype"]
        question.description = spec.get("description", "")
        question.required, question.position = spec["required"], position
        question.values = [dict(v) for v in spec.get("values", [])]
        session.add(question)


def _load_translations(session: Session, locale: str, module: ModuleType, groups: dict) -> None:
    for code, name in module.GROUPS.items():
        set_translation(session, "service_group", groups[code].id, "name", locale, name)
    for code, name in module.DEPARTMENTS.items():
        department = session.exec(select(Department).where(Department.code == code)).first()
        set_translation(session, "department", department.id, "name", locale, name)
        description = getattr(module, "DEPARTMENT_DESCRIPTIONS", {}).get(code)
        if description:
            set_translation(session, "department", department.id, "description", locale, description)
    for code, spec in module.SERVICE_TYPES.items():
        service_type = type_by_code(session, code, active_only=False)
        set_translation(session, "service_type", service_type.id, "name", locale, spec["name"])
        set_translation(session, "service_type", service_type.id, "description", locale, spec["description"])
        set_translation(session, "service_type", service_type.id, "keywords", locale, ",".join(spec["keywords"]))
        for qcode, qspec in spec.get("questions", {}).items():
            question = session.exec(select(Question).where(Question.service_type_id == service_type.id,
                                                           Question.code == qcode)).one()
            set_translation(session, "question", question.id, "text", locale, qspec["text"])
            if qspec.get("description"):
                set_translation(session, "question", question.id, "description", locale, qspec["description"])
            for key, name in qspec.get("values", {}).items():
                set_translation(session, "question", question.id, f"value:{key}", locale, name)
