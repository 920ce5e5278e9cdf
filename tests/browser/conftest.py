"""Browser tier: Debian's Chromium driven by Playwright against a live server on 127.0.0.1."""
from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import free_port, make_app

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing: scripts/test installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def live_app(tmp_path, sqlite_template):
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    port = free_port()
    app = make_app(f"sqlite:///{path}", tmp_path, PUBLIC_URL=f"http://127.0.0.1:{port}")
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{port}"
    yield app
    server.shutdown()
    app.extensions["engine"].dispose()


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def page(request, browser, live_app):
    """A phone-sized page, once with JavaScript and once without."""
    context = browser.new_context(java_script_enabled=request.param, viewport={"width": 360, "height": 740},
                                  base_url=live_app.base_url, permissions=["geolocation"],
                                  geolocation={"latitude": 39.9714, "longitude": -75.1300})
    page = context.new_page()
    page.csp_violations = []
    page.js_enabled = request.param
    page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp_violations.append(msg.text))
    yield page
    context.close()
