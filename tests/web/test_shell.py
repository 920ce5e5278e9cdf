"""The page shell: headers set once, page-or-fragment, ETags, compression, errors, languages."""
import gzip
import re

import brotli
import pytest

from tests.pages import html

PUBLIC_PAGES = ["/", "/signin", "/signup", "/password/forgot"]


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<script>" not in html(response)  # no inline script at all
    assert client.get("/").headers["Content-Security-Policy"] != csp  # fresh nonce per request
    assert nonce


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_vary_on_hx_request_and_fragment_only_for_plain_htmx(client):
    full = client.get("/nope")
    assert "HX-Request" in full.headers["Vary"] and "<html" in html(full)
    fragment = client.get("/nope", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in html(fragment) and 'id="error"' in html(fragment)
    boosted = client.get("/nope", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in html(boosted)
    restore = client.get("/nope", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in html(restore)


def test_etag_gives_304(client):
    first = client.get("/healthz")
    etag = first.headers["ETag"]
    again = client.get("/healthz", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_pages_have_weak_etags_and_private_cache(client):
    page = client.get("/")
    assert page.headers["ETag"].startswith('W/"')
    assert page.headers["Cache-Control"] == "private, no-cache"


def test_compression_gzip_and_brotli(client):
    plain = client.get("/signup", headers={"Accept-Encoding": "identity"})
    gz = client.get("/signup", headers={"Accept-Encoding": "gzip"})
    br = client.get("/signup", headers={"Accept-Encoding": "br, gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and br.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in gz.headers["Vary"]
    strip = lambda text: re.sub(r'value="[^"]+"|X-CSRFToken": "[^"]+"', "", text)  # noqa: E731
    assert strip(gzip.decompress(gz.data).decode()) == strip(html(plain))
    assert strip(brotli.decompress(br.data).decode()) == strip(html(plain))
    assert len(br.data) < len(plain.data) / 2


def test_static_assets_are_fingerprinted_and_immutable(client):
    page = html(client.get("/"))
    for href in re.findall(r'(?:href|src)="(/assets/[^"]+)"', page):
        response = client.get(href, headers={"Accept-Encoding": "br"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Encoding"] == "br"
    htmx = re.search(r'src="(/assets/[0-9a-f]+/htmx.js)"', page).group(1)
    body = brotli.decompress(client.get(htmx, headers={"Accept-Encoding": "br"}).data)
    assert b"htmx" in body and b'version:"2.' in body.replace(b" ", b"")
    assert client.get("/assets/0000000000/htmx.js").status_code == 404


def test_body_is_boosted_and_carries_csrf_header(client):
    page = html(client.get("/"))
    assert re.search(r'<body hx-boost="true" hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'>', page)
    assert '"historyRestoreAsHxRequest":false' in page and '"allowEval":false' in page


@pytest.mark.parametrize("code, path, method", [
    (404, "/nope", "get"), (405, "/signout", "get"),
])
def test_error_pages_are_friendly(client, code, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == code
    assert "<h1>" in html(response) and "Traceback" not in html(response)


def test_413_for_oversized_bodies(client):
    response = client.post("/signup", data={"email": "a@example.org", "display_name": "x" * (13 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in html(response)


def test_500_page_has_reference_and_no_details(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in html(response)
    assert re.search(r"Error reference: [0-9a-f]{12}", html(response))


def test_csrf_missing_is_400_with_message(client):
    response = client.post("/language", data={"language": "es"}, csrf=False)
    assert response.status_code == 400
    assert "form expired" in html(response)


def test_language_from_accept_language_then_choice_then_profile(client, make_user, signin):
    assert '<html lang="es" dir="ltr">' in html(client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}))
    response = client.post("/language", data={"language": "ar", "next": "/signin"})
    assert response.status_code == 303 and response.headers["Location"] == "/signin"
    page = html(client.get("/", headers={"Accept-Language": "es"}))
    assert '<html lang="ar" dir="rtl">' in page
    user, password = make_user()
    signin(client, user.email, password)
    client.post("/language", data={"language": "es", "next": "/"})
    client.delete_cookie("lang")
    assert '<html lang="es"' in html(client.get("/"))  # kept on the account


def test_language_choice_refuses_offsite_next(client):
    response = client.post("/language", data={"language": "es", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("lang, text", [("es", "Iniciar sesión"), ("ar", "تسجيل الدخول")])
def test_pages_are_translated(client, lang, text):
    page = html(client.get("/signin", headers={"Accept-Language": lang}))
    assert text in page


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/map?type=%00", "/map.svg?type=pot%00hole", "/requests?q=a%00b"])
def test_nul_bytes_in_a_query_are_refused_before_any_query(client, path):
    """PostgreSQL cannot store or compare text with NUL: a clear 400, never a database error."""
    response = client.get(path)
    assert response.status_code == 400 and "NUL byte" in response.get_data(as_text=True)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_nul_bytes_in_a_form_are_reported_with_the_text_kept(city, client, content_type):
    from sqlmodel import select

    from portal import db
    from portal.models import User
    response = client.post("/signup", data={"email": "nul@example.org", "display_name": "Ann\x00e",
                                            "password": "a sturdy passphrase"}, content_type=content_type)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "could not be read" in page and 'value="nul@example.org"' in page
    with city.app_context():
        assert db.get_session().exec(select(User)).all() == []
