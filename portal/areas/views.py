"""Places: the city map, neighbourhood pages, GeoJSON."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("areas", __name__)
