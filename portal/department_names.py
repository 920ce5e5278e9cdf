"""Department names in the reader's (or a mail recipient's) language, with English fallback.

All departments' names for one locale come in ONE query and are kept on `g` for the rest of the
request, so a page naming many departments (queue, threads, timelines) costs the same as one.
Mails rendered under `force_locale` get their own locale's names: the cache is keyed by locale.
"""
from __future__ import annotations

from flask import g, has_app_context
from flask_babel import get_locale
from sqlalchemy import and_
from sqlmodel import Session, select

from portal.models import Department, Translation

ENTITY = "department"


def names_by_id(session: Session, locale: str) -> dict[int, str]:
    """{department id: name in `locale`} for every department, in one query."""
    return _names(session, locale)[0]


def _names(session: Session, locale: str) -> tuple[dict[int, str], dict[str, str]]:
    """({id: translated name}, {English name: translated name}) — the second names old timeline
    entries, which stored the English name of the department a request was passed to."""
    rows = session.exec(select(Department.id, Department.name, Translation.text).outerjoin(
        Translation, and_(Translation.entity == ENTITY, Translation.entity_id == Department.id,
                          Translation.field == "name", Translation.locale == locale))).all()
    by_id, by_english = {}, {}
    for department_id, english, translated in rows:
        name = translated or english
        by_id[department_id] = name
        by_english.setdefault(english, name)
    return by_id, by_english


def department_name(session: Session, department, locale: str) -> str:
    """The name of a department (row or id) in `locale`, else its English name."""
    if department is None:
        return ""
    department_id = department if isinstance(department, int) else department.id
    if locale == "en":
        if isinstance(department, int):
            found = session.get(Department, department_id)
            return found.name if found else ""
        return department.name
    return _cached(session, locale)[0].get(department_id, "" if isinstance(department, int) else department.name)


def _cached(session: Session, locale: str) -> tuple[dict[int, str], dict[str, str]]:
    if not has_app_context():
        return _names(session, locale)
    cache = g.setdefault("_department_names", {})
    if locale not in cache:
        cache[locale] = _names(session, locale)
    return cache[locale]


def _current_locale() -> str:
    return str(get_locale() or "en")


def department_name_here(department) -> str:
    """Jinja global: a department (row or id) named in the current locale (follows force_locale)."""
    from portal.db import get_session
    if department is None:
        return ""
    if not isinstance(department, int) and _current_locale() == "en":
        return department.name
    return department_name(get_session(), department, _current_locale())


def department_name_from_english(english: str) -> str:
    """Jinja global: a department named by its stored English name (old timeline texts), translated."""
    from portal.db import get_session
    locale = _current_locale()
    if not english or locale == "en":
        return english or ""
    return _cached(get_session(), locale)[1].get(english, english)


def init_app(app) -> None:
    app.jinja_env.globals.update(department_name=department_name_here,
                                 department_name_from_english=department_name_from_english)
