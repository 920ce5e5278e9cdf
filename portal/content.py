"""City content in the reader's language (type names, questions, groups…), with English fallback.

Services return rows; views call `localise` once per page so templates never query.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from portal.models import Translation

_KEY = "_translated"


def localise(session: Session, entity: str, rows: Iterable, locale: str) -> None:
    """Attach the `locale` texts of `rows` (all of one entity) for `tr` to find."""
    rows = [row for row in rows if row is not None]
    if not rows or locale == "en":
        return
    by_id = {row.id: row for row in rows}
    found = session.exec(select(Translation).where(
        Translation.entity == entity, Translation.locale == locale,
        Translation.entity_id.in_(list(by_id)))).all()
    for row in rows:
        row.__dict__[_KEY] = {}
    for item in found:
        by_id[item.entity_id].__dict__[_KEY][item.field] = item.text


def tr(row, field: str) -> str:
    """The translated text of a field, else the English on the row itself."""
    if row is None:
        return ""
    return row.__dict__.get(_KEY, {}).get(field) or getattr(row, field, "")


def tr_value(question, key: str) -> str:
    """The label of a list value of a question, translated."""
    translated = question.__dict__.get(_KEY, {}).get(f"value:{key}")
    if translated:
        return translated
    return next((v["name"] for v in question.values if v["key"] == key), key)


def text_in(session: Session, entity: str, row, field: str, locale: str) -> str:
    """One field of one row in `locale`, else its English (for mails, written one recipient at a time)."""
    if row is None:
        return ""
    if locale != "en":
        found = session.exec(select(Translation.text).where(
            Translation.entity == entity, Translation.entity_id == row.id,
            Translation.field == field, Translation.locale == locale)).first()
        if found:
            return found
    return getattr(row, field, "")


def set_translation(session: Session, entity: str, entity_id: int, field: str, locale: str, text: str) -> None:
    row = session.exec(select(Translation).where(
        Translation.entity == entity, Translation.entity_id == entity_id,
        Translation.field == field, Translation.locale == locale)).first()
    if row is None:
        row = Translation(entity=entity, entity_id=entity_id, field=field, locale=locale, text=text)
    row.text = text
    session.add(row)


def init_app(app) -> None:
    app.jinja_env.filters.update(tr=tr)
    app.jinja_env.globals.update(tr_value=tr_value)
    from portal import department_names
    department_names.init_app(app)
