"""Address suggestions for the report form: `GET /addresses/suggest?address=…` returns a small
fragment (htmx swaps it under the address box as you type). Each suggestion is a submit button of
the report form (`pick_address`), so picking one works with or without JavaScript."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request
from sqlalchemy import select

from portal.areas.addresses import suggest
from portal.db import get_session
from portal.models import AddressPoint

bp = Blueprint("addresses", __name__, url_prefix="/addresses")
LIMIT = 8


@bp.get("/suggest")
def suggestions():
    typed = (request.args.get("address") or request.args.get("q") or "")[:200]
    html = render_template("report/_address_suggestions.html", matches=suggest(get_session(), typed, LIMIT))
    return html, 200, {"Cache-Control": "private, max-age=300"}


@bp.app_template_global()
def address_search_enabled() -> bool:
    """Whether any address points are loaded (else the form offers no suggestions)."""
    if "address_search" not in g:
        g.address_search = get_session().execute(select(AddressPoint.id).limit(1)).first() is not None
    return g.address_search


@bp.app_template_global()
def address_suggestions(form) -> list:
    """Matches for an address typed without a point, shown when the form comes back (no JS)."""
    if not form or not form.data or not address_search_enabled():
        return []
    if (form.value("lat") or "").strip() or (form.value("lon") or "").strip():
        return []
    return suggest(get_session(), form.value("address"), LIMIT)
