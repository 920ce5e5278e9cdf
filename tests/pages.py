"""Helpers for page tests: the page-weight check and HTML snippets."""
from __future__ import annotations

import gzip
import re

FIRST_VIEW_BUDGET = 14 * 1024
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


def first_view_bytes(client, path: str) -> int:
    """Compressed bytes of a page's HTML plus its render-blocking CSS (gzip, as phones ask)."""
    page = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200, (path, page.status_code)
    assert page.headers.get("Content-Encoding") == "gzip" or len(page.data) < 500
    total = len(page.data)
    html = gzip.decompress(page.data).decode() if page.headers.get("Content-Encoding") else page.get_data(as_text=True)
    for href in STYLESHEET.findall(html):
        css = client.get(href, headers={"Accept-Encoding": "gzip"})
        assert css.status_code == 200
        total += len(css.data)
    return total


def html(response) -> str:
    return response.get_data(as_text=True)
