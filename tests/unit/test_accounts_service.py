"""Account rules, tested without HTTP."""
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.accounts import passwords, service
from portal.models import PasswordReset, User, UserSession
from portal.validation import Invalid


def test_create_user_hashes_with_argon2id_and_lowercases_email(session):
    user = service.create_user(session, email="Ana@Example.ORG", password="a sturdy passphrase")
    assert user.email == "ana@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert "sturdy" not in user.password_hash


@pytest.mark.parametrize("password, ok", [
    ("1234567", False), ("abcdefgh", True), ("x" * 64, False), ("correct horse", True),
    ("p" * 7 + "q", False), ("pqr" * 3, True), ("password123", False), ("contraseña segura", True), ("y" * 257, False),
])
def test_password_rules_length_and_common(password, ok):
    assert (passwords.password_problem(password) is None) is ok


def test_password_is_verified_exactly_no_truncation(session):
    first = "correct horse battery staple " * 3 + "X" * 10
    second = "correct horse battery staple " * 3 + "Y" * 10
    service.create_user(session, email="long@example.org", password=first)
    assert service.authenticate(session, "long@example.org", first) is not None
    assert service.authenticate(session, "long@example.org", second) is None


def test_duplicate_email_is_refused_and_nothing_stored(session):
    service.create_user(session, email="dup@example.org", password="a sturdy passphrase")
    with pytest.raises(Invalid) as raised:
        service.create_user(session, email="DUP@example.org", password="another passphrase")
    assert "email" in raised.value.errors
    assert len(session.exec(select(User)).all()) == 1


def test_staff_needs_a_known_department(session):
    with pytest.raises(Invalid) as raised:
        service.create_user(session, email="s@example.org", password="a sturdy passphrase", role="staff")
    assert "department" in raised.value.errors
    with pytest.raises(Invalid):
        service.create_user(session, email="s@example.org", password="a sturdy passphrase",
                            role="staff", department_code="nope")


def test_sessions_are_revocable_one_by_one(session):
    user = service.create_user(session, email="s@example.org", password="a sturdy passphrase")
    phone = service.start_session(session, user)
    laptop = service.start_session(session, user)
    assert phone != laptop
    service.end_session(session, phone)
    assert service.user_for_session(session, phone) is None
    assert service.user_for_session(session, laptop).id == user.id
    # the token itself is never stored, only its hash
    stored = [row.token_hash for row in session.exec(select(UserSession)).all()]
    assert laptop not in stored and service.token_hash(laptop) in stored


def test_reset_token_single_use_and_expiring(session):
    user = service.create_user(session, email="r@example.org", password="a sturdy passphrase")
    assert service.request_password_reset(session, "nobody@example.org", hours=1) is None
    _, token = service.request_password_reset(session, "r@example.org", hours=1)
    assert len(token) >= 43  # 256 bits, url-safe base64
    service.start_session(session, user)
    service.reset_password(session, token, "a brand new passphrase")
    assert service.authenticate(session, "r@example.org", "a brand new passphrase")
    assert session.exec(select(UserSession).where(UserSession.user_id == user.id)).all() == []
    with pytest.raises(Invalid):
        service.reset_password(session, token, "yet another passphrase")
    _, late = service.request_password_reset(session, "r@example.org", hours=1)
    reset = session.exec(select(PasswordReset).where(PasswordReset.token_hash == service.token_hash(late))).one()
    reset.expires_at = reset.expires_at - timedelta(hours=2)
    session.add(reset)
    session.commit()
    with pytest.raises(Invalid):
        service.reset_password(session, late, "yet another passphrase")


def test_rehash_when_parameters_change(session):
    user = service.create_user(session, email="h@example.org", password="a sturdy passphrase")
    old_hash = user.password_hash
    passwords.configure({"time_cost": 2, "memory_cost": 1024, "parallelism": 1})
    try:
        assert service.authenticate(session, "h@example.org", "a sturdy passphrase")
        assert user.password_hash != old_hash and "t=2" in user.password_hash
    finally:
        passwords.configure({"time_cost": 1, "memory_cost": 1024, "parallelism": 1})
