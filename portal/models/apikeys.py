"""Keys that let other systems write through the Open311 API. Only a hash is stored."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.models.base import utcnow


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)  # also the channel recorded on requests it files
    prefix: str = Field(max_length=12, index=True)  # shown in lists so a key can be recognised
    key_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 of the whole key
    # A department system's key may also push status updates, for that department's requests only;
    # a key without a department (a residents' app) may only file and read.
    department_id: int | None = Field(default=None, foreign_key="department.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
