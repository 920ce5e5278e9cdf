"""The `stoop` command: the Flask CLI for this app, plus the project's own commands."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from portal import db
from portal.models.accounts import Role


def main() -> None:
    from portal import create_app
    FlaskGroup(create_app=create_app, add_version_option=False, load_dotenv=False)(prog_name="stoop")


def register_commands(app: Flask) -> None:
    app.cli.add_command(database)
    app.cli.add_command(create_user)
    app.cli.add_command(demo)
    app.cli.add_command(mail)
    app.cli.add_command(create_api_key)
    from portal.areas.cli import import_addresses, import_areas
    from portal.requests.import_cli import import_requests_command
    app.cli.add_command(import_areas)
    app.cli.add_command(import_addresses)
    app.cli.add_command(import_requests_command)


@click.group("db", cls=AppGroup)
def database():
    """Database schema (Alembic migrations)."""


@database.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str):
    """Apply migrations up to REVISION."""
    db.upgrade(current_app.config["SQLALCHEMY_DATABASE_URI"], revision)
    click.echo(f"database is at {revision}")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.resident.value,
              show_default=True)
@click.option("--department", "department_code", help="Department code (required for staff).")
@click.option("--name", "display_name", default="")
@click.option("--password", help="Default: generated and printed once.")
def create_user(email, role, department_code, display_name, password):
    """Create an account, e.g. the first admin."""
    import secrets

    from portal.accounts.service import create_user as create
    from portal.validation import Invalid
    password = password or secrets.token_urlsafe(12)
    with db.writing():
        try:
            user = create(db.get_session(), email=email, password=password, role=role,
                          department_code=department_code, display_name=display_name)
        except Invalid as invalid:
            for field, message in invalid.errors.items():
                click.echo(f"error: {field}: {message}", err=True)
            raise SystemExit(2) from None
    click.echo(f"created {user.role} {user.email} with password: {password}")


@click.command("demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Load even if the database already has data.")
def demo(force: bool):
    """Load the demo city once: departments, catalogue, areas, people, requests."""
    from portal.demo import load_demo
    with db.writing():
        lines = load_demo(db.get_session(), force=force)
    for line in lines:
        click.echo(line)


@click.group("mail", cls=AppGroup)
def mail():
    """Outgoing mail."""


@mail.command("send")
def mail_send():
    """Deliver queued mail now (retries after SMTP failures)."""
    from portal.notify.service import deliver, pending_ids
    with db.writing():
        session = db.get_session()
        for mail_id in pending_ids(session, limit=1000):
            status = deliver(session, mail_id, smtp_url=current_app.config.get("SMTP_URL"),
                             mail_from=current_app.config["MAIL_FROM"])
            click.echo(f"mail {mail_id}: {status}")


@click.command("create-api-key")
@with_appcontext
@click.argument("name")
@click.option("--department", "department_code",
              help="For a department's system: it may also push status updates to that department's requests.")
def create_api_key(name: str, department_code: str | None):
    """Create an API key for the Open311 API; it is printed once and stored only as a hash."""
    from sqlmodel import select

    from portal.apikeys.service import create_key
    from portal.audit.service import record
    from portal.models import Department
    from portal.validation import Invalid
    with db.writing():
        session = db.get_session()
        department = None
        if department_code:
            department = session.exec(select(Department).where(Department.code == department_code)).first()
            if department is None:
                click.echo(f"error: department: no department with the code {department_code!r}", err=True)
                raise SystemExit(2)
        try:
            key, plain = create_key(session, name, department_id=department.id if department else None)
        except Invalid as invalid:
            for field, message in invalid.errors.items():
                click.echo(f"error: {field}: {message}", err=True)
            raise SystemExit(2) from None
        record(session, "apikey.create", target_kind="api_key", target_id=key.id, summary=key.name,
               details={"department": department_code or ""})
        session.commit()
    click.echo(f"created API key {key.id} '{key.name}' (shown once, keep it safe):")
    click.echo(plain)
