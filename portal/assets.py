"""Static files under fingerprinted URLs, cached for a year, pre-compressed once per process.

htmx is served from the installed npm package (node_modules), never from a CDN.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import brotli
from flask import Blueprint, Flask, abort, request

from portal.config import PROJECT_ROOT
from portal.web import choose_encoding, compress

bp = Blueprint("assets", __name__)

FILES = {
    "stoop.css": (PROJECT_ROOT / "static/css/stoop.css", "text/css; charset=utf-8"),
    "stoop.js": (PROJECT_ROOT / "static/js/stoop.js", "text/javascript; charset=utf-8"),
    "htmx.js": (PROJECT_ROOT / "node_modules/htmx.org/dist/htmx.min.js", "text/javascript; charset=utf-8"),
}
_cache: dict[str, tuple[str, bytes]] = {}
_compressed: dict[tuple[str, str], bytes] = {}


def _load(name: str) -> tuple[str, bytes]:
    if name not in _cache:
        data = Path(FILES[name][0]).read_bytes()
        _cache[name] = (hashlib.sha256(data).hexdigest()[:12], data)
    return _cache[name]


def asset_url(name: str) -> str:
    digest, _ = _load(name)
    return f"/assets/{digest}/{name}"


@bp.get("/assets/<digest>/<name>")
def asset(digest: str, name: str):
    """A fingerprinted static file; an old fingerprint is a 404, never stale content."""
    if name not in FILES or _load(name)[0] != digest:
        abort(404)
    _, data = _load(name)
    encoding = choose_encoding()
    headers = {"Content-Type": FILES[name][1], "Vary": "Accept-Encoding",
               "Cache-Control": "public, max-age=31536000, immutable"}
    if encoding:
        key = (name, encoding)
        if key not in _compressed:
            # Compressed once, at the best ratio, since the bytes never change.
            _compressed[key] = brotli.compress(data, quality=11) if encoding == "br" else compress(data, "gzip")
        data = _compressed[key]
        headers["Content-Encoding"] = encoding
    return data, 200, headers


def init_app(app: Flask) -> None:
    if app.debug:
        _cache.clear()
    app.register_blueprint(bp)
    app.jinja_env.globals.update(asset_url=asset_url)
