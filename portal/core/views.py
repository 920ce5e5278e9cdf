"""The home page, the language picker and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import text

from portal.db import get_session
from portal.i18n import LANGUAGE_COOKIE
from portal.web import safe_next

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    """The front door: report a problem, or find one already reported."""
    return render_template("core/home.html")


@bp.post("/language")
def choose_language():
    """Works without JS: a form with a select and a button. Remembered in a cookie,
    and on the account for signed-in users."""
    language = request.form.get("language", "")
    target = safe_next(request.form.get("next"))
    response = redirect(target, 303)
    if language in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
        if current_user.is_authenticated:
            current_user.locale = language
            get_session().add(current_user)
            get_session().commit()
    return response


@bp.get("/healthz")
def health():
    """For load balancers: the database answers."""
    get_session().execute(text("SELECT 1"))
    return {"status": "ok"}
