"""Password hashing (argon2id) and the rules a new password must meet."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 256  # long passphrases welcome; bounded so hashing cannot be used to burn CPU

# The most common passwords in public breach corpora (well-known facts, typed by us).
COMMON = frozenset("""
123456 123456789 12345678 password qwerty123 qwerty 1q2w3e4r 12345 1234567890 111111
1234567 123123 abc123 password1 password123 iloveyou 000000 qwertyuiop 123321 654321
666666 987654321 121212 dragon monkey letmein football baseball sunshine princess
welcome welcome1 shadow superman michael master trustno1 passw0rd admin admin123 login
starwars whatever freedom charlie donald aa123456 qazwsx zaq12wsx 1qaz2wsx p@ssw0rd
computer hello123 hello1234 changeme secret123 iloveyou1 11111111 00000000 88888888
asdfghjk asdfasdf 1q2w3e4r5t q1w2e3r4 abcd1234 123qwe 12341234 zxcvbnm1 password12
philadelphia eagles123 liberty1 football1 baseball1 jordan23 soccer12 trustno1!
""".split())

_hasher = PasswordHasher()


def configure(params: dict) -> None:
    """Tests use cheaper parameters; production keeps argon2-cffi's defaults."""
    global _hasher
    _hasher = PasswordHasher(**params) if params else PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# Verifying against this when the account does not exist keeps timing the same.
_DUMMY_HASH: str | None = None


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, a fresh hash if the parameters changed since it was made)."""
    global _DUMMY_HASH
    if stored_hash is None:
        _DUMMY_HASH = _DUMMY_HASH or _hasher.hash("not a real password")
        stored_hash = _DUMMY_HASH
        password = password + "\0never"
    try:
        _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored_hash) else None)


def password_problem(password: str, *, email: str = "") -> str | None:
    """The reason a new password is refused, or None. No composition rules (ASVS 6.2.5)."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(min)s characters.", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(max)s characters.", max=MAX_LENGTH)
    lowered = password.lower()
    if lowered in COMMON or (email and lowered == email.lower()) or len(set(password)) < 3:
        return _l("This password is too easy to guess. Try a few unrelated words.")
    return None
