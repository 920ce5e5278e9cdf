"""Reading user input: clean text, collect one message per field, echo input back.

`Invalid` is what service functions raise; `Form` is what views use to read a POST.
"""
from __future__ import annotations

import math
import re
import unicodedata

from flask_babel import lazy_gettext as _l

FORM_ERROR = "_form"  # errors about the whole form, shown at the top
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


class Invalid(Exception):
    """Raised by services: {field: message}; nothing has been stored."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """NFC, unified line breaks, trimmed. Raises Invalid-style ValueError on bad characters."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    if "\ufffd" in value:
        raise ValueError(_l("This contains characters that could not be read. Please retype it."))
    if CONTROL_CHARS.search(value) or (not multiline and ("\n" in value or "\t" in value)):
        raise ValueError(_l("This contains invisible control characters. Please retype it."))
    return unicodedata.normalize("NFC", value).strip()


def row_id(value: str | None) -> int | None:
    """A database id typed in a form or URL: ASCII digits, at most 9 of them (so it fits every
    integer column); anything else is None, which callers treat as "no such row"."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def parse_float(value: str | None, *, low: float, high: float) -> float:
    """A finite number in [low, high], written with a decimal point."""
    text = (value or "").strip()
    try:
        number = float(text)
    except ValueError:
        raise ValueError(_l("Enter a number, like 39.9526.")) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(_l("This number is out of range (%(low)s to %(high)s).", low=low, high=high))
    return number


class Form:
    """One submitted form: typed values (for echoing back) and errors by field."""

    def __init__(self, data, *, csrf_failed: bool | None = None):
        self.data = data
        self.errors: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        if csrf_failed is None:
            from flask import g
            csrf_failed = bool(g.get("csrf_failed"))
            if g.get("bad_encoding"):
                self.errors[FORM_ERROR] = _l("This form contains characters that could not be read. Please retype them.")
        if csrf_failed:
            from portal.web import CSRF_EXPIRED
            self.errors[FORM_ERROR] = CSRF_EXPIRED

    @property
    def ok(self) -> bool:
        return not self.errors

    def value(self, name: str, default: str = "") -> str:
        """What the user typed, for putting back in the form (never passwords)."""
        return self.data.get(name, default) if self.data else default

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def absorb(self, invalid: Invalid) -> None:
        for name, message in invalid.errors.items():
            self.error(name, message)

    def text(self, name: str, *, label: str, required: bool = False, max_length: int = 200,
             multiline: bool = False, min_length: int = 0) -> str:
        self.labels[name] = label
        raw = self.data.get(name, "")
        if len(raw) > max_length * 4:  # refuse to even normalise absurd input
            self.error(name, _l("This is too long: at most %(max)s characters.", max=max_length))
            return ""
        try:
            value = clean_text(raw, multiline=multiline)
        except ValueError as problem:
            self.error(name, str(problem.args[0]))
            return ""
        if required and not value:
            self.error(name, _l("This is required."))
        elif len(value) > max_length:
            self.error(name, _l("This is too long: at most %(max)s characters.", max=max_length))
        elif value and len(value) < min_length:
            self.error(name, _l("This is too short: at least %(min)s characters.", min=min_length))
        return value

    def email(self, name: str, *, label: str, required: bool = True) -> str:
        value = self.text(name, label=label, required=required, max_length=254).lower()
        if value and name not in self.errors and not EMAIL.match(value):
            self.error(name, _l("Enter an email address like name@example.com."))
        return value

    def choice(self, name: str, choices, *, label: str, required: bool = True) -> str:
        self.labels[name] = label
        value = self.data.get(name, "")
        if not value and not required:
            return ""
        if value not in choices:
            self.error(name, _l("Choose one of the options."))
            return ""
        return value

    def password(self, name: str, *, label: str) -> str:
        """Passwords are taken exactly as typed (no trimming) and never echoed back."""
        self.labels[name] = label
        value = self.data.get(name, "")
        if not value:
            self.error(name, _l("This is required."))
        return value
