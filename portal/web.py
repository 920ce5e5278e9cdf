"""The page shell's plumbing: page-or-fragment rendering, CSRF, security headers,
ETags and compression, error pages. Everything here is set once for every response."""
from __future__ import annotations

import gzip
import hashlib
import logging
import secrets
import uuid
from functools import wraps
from urllib.parse import unquote_to_bytes, urlsplit

import brotli
from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from markupsafe import Markup
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException

csrf = CSRFProtect()
log = logging.getLogger("stoop.web")

COMPRESSIBLE = ("text/", "application/json", "application/xml", "image/svg+xml",
                "application/javascript", "application/geo+json", "application/atom+xml",
                "application/rss+xml")
MIN_COMPRESS_BYTES = 500

ERROR_TEXT = {
    400: (_l("Something in that request was not right"),
          _l("Please go back, check what you entered and try again.")),
    403: (_l("You can't do that"),
          _l("Your account does not have permission for this page or action.")),
    404: (_l("Page not found"),
          _l("We could not find that page. Check the address, or look up a request by its number.")),
    405: (_l("That action is not possible here"),
          _l("This address does not accept that kind of request.")),
    413: (_l("That upload is too large"),
          _l("Please send smaller files: at most 12 MB in all.")),
    422: (_l("Please check what you entered"),
          _l("Some of the information could not be accepted.")),
    429: (_l("Too many attempts"),
          _l("Please wait a little and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("The problem has been logged. Please try again in a few minutes.")),
}
CSRF_EXPIRED = _l("This form expired (the session ended or the page was open a long time). "
                  "What you typed is still here: check it and send it again.")


# ---------------------------------------------------------------- rendering

def wants_fragment() -> bool:
    """Fragment only for htmx's own requests: not boosted navigation, not a history restore."""
    h = request.headers
    return (h.get("HX-Request") == "true" and "HX-Boosted" not in h
            and "HX-History-Restore-Request" not in h)


def render_page(template: str, *, fragment: str | None = None, status: int = 200, **context):
    """Render a page, or only its partial `fragment` when htmx asks for a piece of it."""
    name = fragment if fragment and wants_fragment() else template
    return render_template(name, **context), status


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def csrf_token() -> str:
    """The signed CSRF token, made once per request (pages use it in several forms)."""
    if "csrf_signed" not in g:
        g.csrf_signed = generate_csrf()
    return g.csrf_signed


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % csrf_token()


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths: never //host, /\\host or a scheme."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


# ---------------------------------------------------------------- CSRF

def keeps_input(view):
    """Mark a form view that re-renders with the user's input when its CSRF token fails.

    Such views must validate through portal.validation.Form, which turns the failed
    token into a form error, so the action can never run without a valid token.
    """
    view.keeps_input_on_csrf_failure = True
    return view


def csrf_exempt_blueprint(app: Flask, name: str) -> None:
    """For APIs that never accept cookie authentication."""
    app.config.setdefault("CSRF_EXEMPT_BLUEPRINTS", set()).add(name)


def _check_encoding():
    """Werkzeug keeps an undecodable %FF as literal text; remember it so forms refuse it."""
    if request.mimetype == "application/x-www-form-urlencoded" and (request.content_length or 0) < 1_000_000:
        raw = request.get_data(cache=True, parse_form_data=False)
        try:
            unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            g.bad_encoding = True


MAX_PAGE = 10_000


def page_number(args=None, *, last: int = MAX_PAGE) -> int:
    """The `page` query argument as 1..last: anything else (absent, text, huge) is the nearest valid page."""
    number = (args if args is not None else request.args).get("page", 1, type=int) or 1
    return max(1, min(number, last))


NUL_REFUSED = _l("What you sent contains a character that cannot be stored (a NUL byte). Please retype it.")


def _defuse_nul_bytes():
    """No text of ours can hold a NUL byte (PostgreSQL refuses them outright), so none may reach a
    view or a query. A query string with one is refused; in a form it becomes U+FFFD, which the
    form's validation reports ("could not be read, please retype") with the rest of the text kept.
    The API answers in its own format and does its own checks."""
    if request.path.startswith("/open311/"):
        return None
    if b"%00" in request.query_string or "\x00" in request.path:
        return render_error(400, NUL_REFUSED)
    if request.method not in {"POST", "PUT", "PATCH", "DELETE"}:
        return None
    if request.mimetype == "application/x-www-form-urlencoded":
        if (request.content_length or 0) >= 1_000_000 or b"%00" not in request.get_data(cache=True, parse_form_data=False):
            return None
    elif request.mimetype != "multipart/form-data":
        return None
    form = request.form
    if any("\x00" in value for values in form.listvalues() for value in values):
        cleaned = ImmutableMultiDict([(key, value.replace("\x00", "\ufffd")) for key, value in form.items(multi=True)])
        request._get_current_object().__dict__["form"] = cleaned  # werkzeug caches the parsed form here
    return None


def _check_csrf(app: Flask):
    if request.method not in {"POST", "PUT", "PATCH", "DELETE"}:
        return
    _check_encoding()
    if request.blueprint in app.config.get("CSRF_EXEMPT_BLUEPRINTS", ()):
        return
    if request.blueprint is None and request.path.startswith("/open311/"):
        return  # no Open311 view matched (a 404 or 405 follows): the API never reads cookies
    try:
        csrf.protect()
    except CSRFError as error:
        view = app.view_functions.get(request.endpoint)
        log.info("csrf failure on %s: %s", request.path, error.description)
        if getattr(view, "keeps_input_on_csrf_failure", False):
            g.csrf_failed = True
            return
        raise


# ---------------------------------------------------------------- headers, caching, compression

def _security_headers(response):
    h = response.headers
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if response.mimetype == "text/html":
        h["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' 'nonce-{csp_nonce()}'; style-src 'self'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
        h.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    response.vary.add("HX-Request")
    return response


def _etag_and_cache(response):
    """Weak ETag on dynamic GET responses; 304 when the browser already has it."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.direct_passthrough or response.is_streamed or "ETag" in response.headers:
        return response
    if "Cache-Control" not in response.headers:
        # Pages can carry a CSRF token or a user's name: never cached by shared caches.
        response.headers["Cache-Control"] = "private, no-cache"
    etag = hashlib.sha256(response.get_data()).hexdigest()[:20]
    response.set_etag(etag, weak=True)
    if request.if_none_match and request.if_none_match.contains_weak(etag):
        response.status_code = 304
        response.set_data(b"")
        response.headers.pop("Content-Length", None)
    return response


def compress(data: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(data, quality=5)
    return gzip.compress(data, compresslevel=6, mtime=0)


def choose_encoding() -> str | None:
    accepted = request.accept_encodings
    if accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return None


def _compress(response):
    response.vary.add("Accept-Encoding")
    if (response.status_code < 200 or response.status_code in (204, 304)
            or response.direct_passthrough or response.is_streamed
            or "Content-Encoding" in response.headers
            or not (response.mimetype or "").startswith(COMPRESSIBLE)):
        return response
    data = response.get_data()
    encoding = choose_encoding()
    if len(data) < MIN_COMPRESS_BYTES or encoding is None:
        return response
    response.set_data(compress(data, encoding))
    response.headers["Content-Encoding"] = encoding
    return response


# ---------------------------------------------------------------- errors

def render_error(code: int, message: str | None = None, error_id: str | None = None):
    title, default_message = ERROR_TEXT.get(code, ERROR_TEXT[500])
    return render_page("errors/error.html", fragment="errors/_error.html", status=code,
                       code=code, title=title, message=message or default_message,
                       error_id=error_id)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, CSRF_EXPIRED)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if request.path.startswith("/open311/"):
            # API clients get Open311 error lists, never HTML, also where no API view matched (404, 405).
            from portal.open311.views import http_error_response
            return http_error_response(error)
        if error.code not in ERROR_TEXT:
            return error
        response = app.make_response(render_error(error.code, None))
        if error.code == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        if error.code == 429:
            limit = getattr(error, "retry_after", None) or 60
            response.headers["Retry-After"] = str(int(limit))
        return response

    @app.errorhandler(Exception)
    def server_error(error):
        error_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error %s on %s %s", error_id, request.method, request.path)
        try:
            from portal.db import get_session
            get_session().rollback()
        except Exception:  # noqa: BLE001 - the error page must render whatever the database does
            pass
        return render_error(500, None, error_id=error_id)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(_defuse_nul_bytes)
    app.before_request(lambda: _check_csrf(app))
    app.after_request(_security_headers)
    app.after_request(_compress)  # after_request runs in reverse: ETag first, then compress
    app.after_request(_etag_and_cache)
    _register_errors(app)
    app.jinja_env.globals.update(csp_nonce=csp_nonce, csrf_field=csrf_field, csrf_token=csrf_token,
                                 idempotency_key=lambda: uuid.uuid4().hex)
    app.jinja_env.filters.update(ago=_ago, day=_day)


def _ago(moment) -> str:
    """ "3 days ago", in the reader's language."""
    from flask_babel import format_timedelta
    from portal.models import utcnow
    return format_timedelta(moment - utcnow(), add_direction=True, threshold=1.1)


def _day(moment) -> str:
    from flask_babel import format_date
    return format_date(moment, "medium")
