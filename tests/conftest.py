"""Fixtures for the three tiers: services (no HTTP), pages (Flask test client) on SQLite
and PostgreSQL, and browsers (Playwright + Debian's Chromium) against a live server."""
from __future__ import annotations

import os
import re
import shutil
import socket
import time

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from portal import create_app, db

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------ databases

@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated SQLite file; each test gets a copy (migrations run once, through Alembic)."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    db.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """The test database, in a schema of this test run's own, so parallel runs cannot collide."""
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"run_{os.getpid()}"
    try:
        engine = create_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as problem:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but {PG_URL} is not reachable: {problem}")
        pytest.skip(f"PostgreSQL tests skipped: {PG_URL} is not reachable ({type(problem).__name__})")
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    db.upgrade(url)
    yield url
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename != 'alembic_version'"))]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "stoop.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate_all(url)
    return url


# ------------------------------------------------------------ app and clients

class StoopClient(FlaskClient):
    """Adds the form's CSRF token to unsafe requests unless a test passes csrf=False."""

    def open(self, *args, **kwargs):
        with_csrf = kwargs.pop("csrf", True)
        method = kwargs.get("method", "GET")
        if with_csrf and method in {"POST", "PUT", "PATCH", "DELETE"}:
            data = kwargs.get("data")
            if isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
            elif data is None:
                kwargs.setdefault("headers", {})
                kwargs["headers"] = {**dict(kwargs["headers"]), "X-CSRFToken": self.csrf_token()}
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        page = super().open("/signin", method="GET").get_data(as_text=True)
        return TOKEN.search(page).group(1)


def make_app(database_url: str, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "ARGON2": CHEAP_ARGON2,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SMTP_URL": None,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_URL": "http://localhost",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = StoopClient
    return app


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    """A database session for service-level tests (inside an app context, as the CLI is)."""
    with app.app_context(), db.writing():
        yield db.get_session()


@pytest.fixture
def make_user(app):
    """Create a user through the service; returns (user, password)."""
    from portal.accounts.service import create_user
    counter = iter(range(1, 10_000))

    def make(role="resident", department=None, email=None, password="a sturdy passphrase"):
        with app.app_context(), db.writing():
            session = db.get_session()
            if department:
                from portal.models import Department
                from sqlmodel import select
                if not session.exec(select(Department).where(Department.code == department)).first():
                    session.add(Department(code=department, name=department.title() + " Department"))
                    session.commit()
            user = create_user(session, email=email or f"{role}{next(counter)}@example.org",
                               password=password, role=role, department_code=department,
                               display_name=f"{role.title()} Person")
            return user, password
    return make


@pytest.fixture
def signin():
    def do(client, email, password):
        response = client.post("/signin", data={"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        return response
    return do


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) collecting what it receives."""
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

        def sent_to(self, address: str, timeout: float = 10.0) -> list:
            """The messages to `address`, waiting (up to `timeout` s) for the first: a live server
            sends its mail after the response, so a browser can be quicker than the mail."""
            deadline = time.monotonic() + timeout
            while True:
                found = [m for m in self.messages if m.rcpt_tos == [address]]
                if found or time.monotonic() > deadline:
                    return found
                time.sleep(0.05)

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.url = f"smtp://127.0.0.1:{controller.port}"
    yield handler
    controller.stop()


# ------------------------------------------------------------ city data and live servers

def load_city(app, *extra_loaders) -> None:
    """The demo catalogue and neighbourhoods (no requests), as `stoop demo` loads them; each of
    `extra_loaders(session)` adds more in the same transaction."""
    from portal.areas.demo_city import demo_areas
    from portal.areas.service import save_area
    from portal.demo import load_departments
    from portal.requests import catalogue_data, catalogue_es
    from portal.requests.catalogue import load_catalogue
    with app.app_context(), db.writing():
        session = db.get_session()
        load_departments(session)
        load_catalogue(session, catalogue_data, {"es": catalogue_es})
        for area in demo_areas():
            save_area(session, **area)
        for loader in extra_loaders:
            loader(session)
        session.commit()


@pytest.fixture
def city(app):
    load_city(app)
    return app


@pytest.fixture
def live_server():
    """Serve an app on 127.0.0.1 in a thread: `with live_server(app) as base_url:`."""
    import contextlib
    import threading

    from werkzeug.serving import make_server

    @contextlib.contextmanager
    def serve(app):
        port = free_port()
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.shutdown()
    return serve


def jpeg_bytes(size=(800, 600), color=(200, 60, 40), exif=None) -> bytes:
    import io

    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", **({"exif": exif} if exif else {}))
    return buffer.getvalue()
