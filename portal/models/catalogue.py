"""What can be requested: groups, service types and their questions, and translations of city content."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class Datatype(StrEnum):
    """The six Open311 attribute datatypes."""
    string = "string"
    number = "number"
    datetime = "datetime"
    text = "text"
    singlevaluelist = "singlevaluelist"
    multivaluelist = "multivaluelist"


class ServiceGroup(SQLModel, table=True):
    __tablename__ = "service_group"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=80)
    position: int = Field(default=0)


class ServiceType(SQLModel, table=True):
    __tablename__ = "service_type"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=80)
    group_id: int = Field(foreign_key="service_group.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    description: str = Field(default="", max_length=500)
    keywords: str = Field(default="", max_length=500)  # comma-separated, lower case
    service_level_days: int = Field(default=10)
    duplicate_radius_m: int = Field(default=50)  # 0: never suggest duplicates
    active: bool = Field(default=True, index=True)
    position: int = Field(default=0)


class Question(SQLModel, table=True):
    """An extra question of a service type (an Open311 attribute)."""
    __table_args__ = (UniqueConstraint("service_type_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    service_type_id: int = Field(foreign_key="service_type.id", index=True)
    code: str = Field(max_length=40)
    text: str = Field(max_length=200)
    description: str = Field(default="", max_length=500)
    datatype: str = Field(max_length=20)
    required: bool = Field(default=False)
    position: int = Field(default=1)  # Open311 "order": 1 is shown first
    values: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [{"key","name"}]
    active: bool = Field(default=True)


class Translation(SQLModel, table=True):
    """City content in other languages: one row per (thing, field, language).

    English lives on the row itself; any other language falls back to it when missing.
    """
    __table_args__ = (UniqueConstraint("entity", "entity_id", "field", "locale"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=40)  # e.g. "service_type", "question", "service_group"
    entity_id: int = Field(index=True)
    field: str = Field(max_length=40)  # e.g. "name", "description", "keywords", "value:KEY"
    locale: str = Field(max_length=10)
    text: str
