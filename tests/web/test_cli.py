"""The `stoop` command line, through Click's runner on the real app."""
from sqlmodel import select

from portal import db
from portal.models import Department, User


def test_create_user_prints_password_once(app):
    result = app.test_cli_runner().invoke(args=["create-user", "first@example.org", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert "created admin first@example.org with password:" in result.output
    with app.app_context():
        assert db.get_session().exec(select(User)).one().role == "admin"


def test_create_user_clear_errors(app):
    runner = app.test_cli_runner()
    bad_role = runner.invoke(args=["create-user", "x@example.org", "--role", "king"])
    assert bad_role.exit_code == 2 and "king" in bad_role.output
    no_dept = runner.invoke(args=["create-user", "x@example.org", "--role", "staff"])
    assert no_dept.exit_code == 2 and "department" in no_dept.output
    bad_email = runner.invoke(args=["create-user", "nope", "--password", "a sturdy passphrase"])
    assert bad_email.exit_code == 2 and "email" in bad_email.output
    with app.app_context():
        assert db.get_session().exec(select(User)).all() == []


def test_demo_loads_once_and_prints_accounts(app, tmp_path, monkeypatch):
    import portal.demo
    monkeypatch.setattr(portal.demo, "ACCOUNTS_FILE", tmp_path / "demo-accounts.txt")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    for role in ("resident", "agent", "staff", "moderator", "admin"):
        assert role in first.output
    second = runner.invoke(args=["demo"])
    assert "already loaded" in second.output and "password:" in second.output
    with app.app_context():
        session = db.get_session()
        assert len(session.exec(select(Department)).all()) >= 8
        assert len(session.exec(select(User)).all()) == 6
    listed = (tmp_path / "demo-accounts.txt").read_text().splitlines()
    assert len(listed) == 6 and all(line in first.output for line in listed)


def test_demo_on_a_new_database_replaces_the_old_passwords(app, tmp_path, monkeypatch):
    import portal.demo
    accounts = tmp_path / "demo-accounts.txt"
    accounts.write_text("admin      admin@demo.stoop.localhost      password: stale-old-one\n")
    monkeypatch.setattr(portal.demo, "ACCOUNTS_FILE", accounts)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "stale-old-one" not in accounts.read_text() and len(accounts.read_text().splitlines()) == 6


def test_db_upgrade_is_idempotent(app):
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "head" in result.output
