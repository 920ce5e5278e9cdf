"""Answers to a service type's questions: one set of rules for the web form, the call-centre
console and the Open311 API."""
from __future__ import annotations

import math
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.models import Datatype, Question
from portal.validation import Invalid, clean_text

MAX_LENGTH = {Datatype.string: 200, Datatype.text: 2000}


def validate_answers(questions: list[Question], raw: dict[str, list[str]]) -> dict:
    """{code: value} for the answered questions, or Invalid({code: message}).

    `raw` maps a question code to the submitted values (a list, as forms repeat keys).
    Unknown codes are ignored; empty answers count as absent.
    """
    answers, errors = {}, {}
    for question in questions:
        values = [v for v in raw.get(question.code, []) if v is not None and str(v).strip() != ""]
        try:
            value = _one_answer(question, values)
        except ValueError as problem:
            errors[question.code] = problem.args[0]
            continue
        if value is None:
            if question.required:
                errors[question.code] = _l("Please answer this question.")
        else:
            answers[question.code] = value
    if errors:
        raise Invalid(errors)
    return answers


def _one_answer(question: Question, values: list[str]):
    if not values:
        return None
    keys = {v["key"] for v in question.values}
    if question.datatype == Datatype.multivaluelist:
        if any(v not in keys for v in values):
            raise ValueError(_l("Choose from the options given."))
        return sorted(set(values), key=[v["key"] for v in question.values].index)
    if len(values) > 1:
        raise ValueError(_l("Give one answer only."))
    value = values[0]
    if question.datatype == Datatype.singlevaluelist:
        if value not in keys:
            raise ValueError(_l("Choose from the options given."))
        return value
    if question.datatype == Datatype.number:
        try:
            number = float(value.strip())
        except ValueError:
            raise ValueError(_l("Enter a number, using digits.")) from None
        if not math.isfinite(number) or abs(number) > 1e9:
            raise ValueError(_l("Enter a number, using digits."))
        return int(number) if number.is_integer() else number
    if question.datatype == Datatype.datetime:
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(_l("Enter a date and time, like 2026-01-31 18:30.")) from None
        return moment.isoformat(timespec="minutes")
    text = clean_text(value, multiline=question.datatype == Datatype.text)
    if len(text) > MAX_LENGTH.get(question.datatype, 200):
        raise ValueError(_l("This is too long: at most %(max)s characters.",
                            max=MAX_LENGTH.get(question.datatype, 200)))
    return text or None


def display_answer(question: Question, value, tr_value) -> str:
    """How an answer reads on a page (list keys become their labels)."""
    if question.datatype == Datatype.multivaluelist:
        return ", ".join(tr_value(question, key) for key in value)
    if question.datatype == Datatype.singlevaluelist:
        return tr_value(question, value)
    return str(value)
