"""Database engine, one session per request, SQLite pragmas and Alembic migrations."""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from flask import Flask, abort, current_app, g, request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlmodel import Session

M = TypeVar("M")  # a table model

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# True while the current unit of work intends to write: SQLite then takes the write
# lock at BEGIN, so concurrent writers queue on busy_timeout instead of failing later
# with "database is locked" when a read transaction tries to upgrade.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "busy_timeout=30000",
            "foreign_keys=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def init_app(app: Flask) -> None:
    app.extensions["engine"] = make_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    @app.before_request
    def mark_write_intent():
        write_intent.set(request.method in UNSAFE_METHODS)

    @app.teardown_appcontext
    def close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def engine() -> Engine:
    return current_app.extensions["engine"]


def get_session() -> Session:
    """The session of the current request (or CLI command), opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def get_or_404(model: type[M], key) -> M:
    """The row of `model` with this primary key, or a 404 page."""
    found = get_session().get(model, key)
    if found is None:
        abort(404)
    return found


@contextmanager
def writing():
    """Mark a block outside a request (CLI, jobs) as a writer, for SQLite's up-front lock."""
    token = write_intent.set(True)
    try:
        yield
    finally:
        write_intent.reset(token)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)
