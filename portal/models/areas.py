"""Places: neighbourhoods (and later districts, ZIP codes, the city limits) as polygons."""
from __future__ import annotations

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class Area(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("kind", "layer", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)  # neighbourhood | district | zip | city
    layer: str = Field(default="", max_length=60)  # e.g. "council-districts", "police-districts"
    slug: str = Field(max_length=80, index=True)
    name: str = Field(max_length=120)
    geometry: str  # GeoJSON (Multi)Polygon, full detail, for containment
    min_lat: float = Field(index=True)
    max_lat: float
    min_lon: float
    max_lon: float
    centre_lat: float
    centre_lon: float
    # Simplified outlines for drawing, by zoom level: {"0": [[[lon, lat], ...], ...], ...}
    drawing: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RequestArea(SQLModel, table=True):
    """Which districts and ZIP codes a request lies in (its neighbourhood is on the request)."""
    __tablename__ = "request_area"
    __table_args__ = {"sqlite_with_rowid": False}  # SQLite: the primary key is the table (half the size)
    request_id: int = Field(foreign_key="service_request.id", primary_key=True)
    area_id: int = Field(foreign_key="area.id", primary_key=True, index=True)


class AddressPoint(SQLModel, table=True):
    """A known address of the city, for suggestions in the report form."""
    __tablename__ = "address_point"
    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=200)
    normalized: str = Field(max_length=200, index=True)  # lower case, "north broad street" -> "n broad st"
    lat: float
    lon: float
