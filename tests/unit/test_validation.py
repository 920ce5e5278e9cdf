"""Input cleaning rules, without HTTP."""
import math

import pytest
from werkzeug.datastructures import MultiDict

from portal.validation import Form, clean_text, parse_float
from portal.web import safe_next


@pytest.mark.parametrize("raw", ["a\x00b", "bell\x07", "tab\x0b", "bad \ufffd byte"])
def test_control_and_unreadable_characters_are_refused(raw):
    with pytest.raises(ValueError):
        clean_text(raw, multiline=True)


def test_text_is_nfc_normalised_and_crlf_unified():
    assert clean_text("Cafe\u0301\r\nnext", multiline=True) == "Café\nnext"
    with pytest.raises(ValueError):
        clean_text("one\ntwo", multiline=False)


@pytest.mark.parametrize("raw", ["91", "NaN", "1e309", "45,2", "", "inf", "-inf", "abc"])
def test_latitude_parsing_refuses_junk(raw):
    with pytest.raises(ValueError):
        parse_float(raw, low=-90, high=90)


def test_latitude_parsing_accepts_numbers():
    assert math.isclose(parse_float(" 39.9526 ", low=-90, high=90), 39.9526)


def test_form_collects_errors_and_keeps_input(app):
    with app.test_request_context():
        form = Form(MultiDict({"email": "not-an-email", "name": "x" * 300}), csrf_failed=False)
        form.email("email", label="Email")
        form.text("name", label="Name", max_length=80)
        assert set(form.errors) == {"email", "name"}
        assert form.value("email") == "not-an-email"


def test_form_with_failed_csrf_is_never_ok(app):
    with app.test_request_context():
        form = Form(MultiDict({"email": "a@example.org"}), csrf_failed=True)
        form.email("email", label="Email")
        assert not form.ok and "_form" in form.errors


@pytest.mark.parametrize("target", ["//evil.example", "https:evil", "/\\evil", "https://evil.example/",
                                    "javascript:alert(1)", "/ok\r\nSet-Cookie: x", None, ""])
def test_safe_next_refuses_offsite_targets(target):
    assert safe_next(target) == "/"


def test_safe_next_keeps_local_paths():
    assert safe_next("/profile?tab=2") == "/profile?tab=2"
