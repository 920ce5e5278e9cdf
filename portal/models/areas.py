"""Places: neighbourhoods (and later districts, ZIP codes, the city limits) as polygons."""
from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class Area(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("kind", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)  # neighbourhood | district | zip | city
    slug: str = Field(max_length=80, index=True)
    name: str = Field(max_length=120)
    geometry: str  # GeoJSON (Multi)Polygon, full detail, for containment
    min_lat: float = Field(index=True)
    max_lat: float
    min_lon: float
    max_lon: float
    centre_lat: float
    centre_lon: float
