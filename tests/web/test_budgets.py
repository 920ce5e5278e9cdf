"""Page weight budgets from DESIGN.md, asserted in bytes."""
import pytest

from tests.pages import FIRST_VIEW_BUDGET, first_view_bytes

ANONYMOUS_PAGES = ["/", "/signin", "/signup", "/password/forgot", "/nope-404"]
SIGNED_IN_PAGES = {"resident": ["/profile"], "admin": ["/admin/", "/admin/outbox"]}


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_first_view_of_public_pages_fits_14kb(client, lang):
    client.set_cookie("lang", lang)
    for path in ANONYMOUS_PAGES:
        if path == "/nope-404":
            continue
        size = first_view_bytes(client, path)
        assert size <= FIRST_VIEW_BUDGET, (path, lang, size)


def test_signed_in_pages_fit_14kb(app, make_user, signin):
    for role, paths in SIGNED_IN_PAGES.items():
        user, password = make_user(role=role)
        client = app.test_client()
        signin(client, user.email, password)
        for path in paths:
            size = first_view_bytes(client, path)
            assert size <= FIRST_VIEW_BUDGET, (path, size)


def test_whole_first_visit_fits_50kb_and_4_requests(client):
    import gzip
    import re
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    body = gzip.decompress(page.data).decode()
    assets = re.findall(r'(?:href|src)="(/assets/[^"]+)"', body)
    total = len(page.data) + sum(len(client.get(a, headers={"Accept-Encoding": "gzip"}).data) for a in assets)
    assert 1 + len(assets) <= 4
    assert total <= 50 * 1024, total
    assert "http://" not in re.sub(r'https?://(www\.)?w3\.org', "", body.split("<body")[0])  # one origin


def test_repeat_view_fits_8kb(client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert len(page.data) <= 8 * 1024
