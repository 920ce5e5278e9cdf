"""Create, check and revoke API keys. The key is shown once; only its SHA-256 is stored
(a key is 32 random bytes, so a fast hash is enough: there is nothing to brute-force)."""
from __future__ import annotations

import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from portal.models import ApiKey, Department, utcnow
from portal.validation import Invalid, clean_text

KEY_PREFIX = "stoop_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_key(session: Session, name: str, *, created_by_id: int | None = None,
               department_id: int | None = None) -> tuple[ApiKey, str]:
    """Returns the stored row and the plain key, which is never stored or shown again."""
    try:
        name = clean_text(name)
    except ValueError as problem:
        raise Invalid({"name": str(problem)}) from None
    if not name or len(name) > 80:
        raise Invalid({"name": _l("Give the key a name of 1 to 80 characters, such as the app or system using it.")})
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    if department_id is not None and session.get(Department, department_id) is None:
        raise Invalid({"department": _l("Unknown department.")})
    key = ApiKey(name=name, prefix=plain[:12], key_hash=_hash(plain), created_by_id=created_by_id,
                 department_id=department_id)
    session.add(key)
    session.flush()
    return key, plain


def verify(session: Session, plain: str | None) -> ApiKey | None:
    """The active key matching `plain`, or None. Marks when it was last used."""
    if not plain or len(plain) > 200:
        return None
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == _hash(plain))).first()
    if key is None or not key.active:
        return None
    return key


def may_update(key: ApiKey, department_id: int) -> bool:
    """Whether this key may change a request of that department (status pushes, notes)."""
    return key.department_id is not None and key.department_id == department_id


def revoke(session: Session, key_id: int) -> ApiKey | None:
    key = session.get(ApiKey, key_id)
    if key is not None and key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        session.flush()
    return key


def all_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.id).desc())).all())
