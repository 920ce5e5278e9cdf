"""The one way to protect a route by role."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app
from flask_login import current_user


def require_role(*roles: str):
    """Anonymous visitors are sent to sign in; signed-in users without the role get 403.

    Admins pass every role check.
    """
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_roles = roles
        return wrapped
    return decorator


def require_signin(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        return view(*args, **kwargs)
    wrapped.required_roles = ("*",)
    return wrapped
