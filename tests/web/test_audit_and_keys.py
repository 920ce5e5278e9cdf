"""The audit trail (/admin/audit, append-only) and API keys (created once, stored hashed, revocable)."""
import pytest
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

from portal import db
from portal.apikeys.service import create_key, revoke, verify
from portal.audit.service import AuditFilter, record, search
from portal.models import ApiKey, AuditEntry


def test_cli_key_is_printed_once_and_stored_hashed(app):
    result = app.test_cli_runner().invoke(args=["create-api-key", "Streets Dept system"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip().splitlines()[-1]
    assert plain.startswith("stoop_") and len(plain) > 40
    with app.app_context():
        session = db.get_session()
        stored = session.exec(select(ApiKey)).one()
        assert stored.name == "Streets Dept system" and plain not in (stored.key_hash, stored.prefix)
        assert verify(session, plain).id == stored.id
        assert verify(session, plain + "x") is None and verify(session, "") is None
        entry = session.exec(select(AuditEntry)).one()
        assert entry.action == "apikey.create" and entry.actor_label == "system" and entry.ip == "cli"


def test_cli_key_needs_a_sane_name(app):
    result = app.test_cli_runner().invoke(args=["create-api-key", "x" * 81])
    assert result.exit_code == 2 and "name" in result.output
    with app.app_context():
        assert db.get_session().exec(select(ApiKey)).all() == []


def test_revoked_key_no_longer_verifies(app):
    with app.app_context(), db.writing():
        session = db.get_session()
        key, plain = create_key(session, "app")
        assert verify(session, plain) is not None
        revoke(session, key.id)
        assert verify(session, plain) is None


def test_audit_entries_cannot_be_changed(app):
    with app.app_context(), db.writing():
        session = db.get_session()
        entry = record(session, "type.edit", target_kind="service_type", target_id=3, summary="renamed")
        session.commit()
        with pytest.raises(DatabaseError):
            session.connection().exec_driver_sql(f"UPDATE audit_entry SET summary = 'x' WHERE id = {entry.id}")
        session.rollback()
        with pytest.raises(DatabaseError):
            session.connection().exec_driver_sql(f"DELETE FROM audit_entry WHERE id = {entry.id}")
        session.rollback()
        assert session.get(AuditEntry, entry.id).summary == "renamed"


def test_audit_page_is_for_admins_only_and_filters(app, client, make_user, signin):
    admin, password = make_user("admin")
    with app.app_context(), db.writing():
        session = db.get_session()
        record(session, "request.transfer", target_kind="request", target_id="12345678", summary="to Water")
        record(session, "user.role", target_kind="user", target_id=7, summary="<script>alert(1)</script>")
        session.commit()
        assert len(search(session, AuditFilter(action="request."))[0]) == 1
    assert client.get("/admin/audit").status_code == 302  # anonymous: sign in first
    for role in ("resident", "agent", "moderator"):
        other_client = app.test_client()
        user, pw = make_user(role)
        signin(other_client, user.email, pw)
        assert other_client.get("/admin/audit").status_code == 403
    staff, pw = make_user("staff", department="streets")
    staff_client = app.test_client()
    signin(staff_client, staff.email, pw)
    assert staff_client.get("/admin/audit").status_code == 403

    signin(client, admin.email, password)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "request.transfer" in page and "&lt;script&gt;" in page and "<script>alert" not in page
    only = client.get("/admin/audit?action=request.").get_data(as_text=True)
    assert "to Water" in only and "user.role" not in only.split("<tbody>")[1]
    bad = client.get("/admin/audit?since=yesterday")
    assert bad.status_code == 400 and 'value="yesterday"' in bad.get_data(as_text=True)
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/admin/audit").status_code in (400, 405)
