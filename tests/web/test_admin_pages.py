"""Admin pages: departments, people and roles (invitations by email), response templates, API
keys — each change audited, bad input refused with nothing stored, admins only."""
import re

import pytest
from sqlmodel import func, select

from portal import db
from portal.apikeys.service import verify
from portal.models import ApiKey, AuditEntry, Department, OutboxMail, ResponseTemplate, User
from tests.pages import html
from tests.web.test_staff_work import signed_in

PAGES = ["/admin/", "/admin/departments", "/admin/departments/new", "/admin/users", "/admin/users/invite",
         "/admin/templates", "/admin/templates/new", "/admin/keys"]


def actions(app):
    with app.app_context():
        return [e.action for e in db.get_session().exec(select(AuditEntry).order_by(AuditEntry.id))]


def rows(app, model, *where):
    with app.app_context():
        return db.get_session().exec(select(func.count()).select_from(model).where(*where)).one()


@pytest.mark.parametrize("role", ["resident", "agent", "staff", "moderator"])
def test_only_admins(city, app, make_user, signin, role):
    client = signed_in(app, make_user, signin, role=role)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/keys", data={"name": "x"}).status_code == 403
    assert client.post("/admin/users/invite", data={"email": "a@example.org"}).status_code == 403
    assert rows(app, ApiKey) == 0 and actions(app) == []


def test_admin_pages_render(city, app, make_user, signin):
    admin = signed_in(app, make_user, signin, role="admin")
    for path in PAGES:
        assert admin.get(path).status_code == 200, path


def test_departments_create_edit_and_refuse_bad_input(city, app, make_user, signin):
    admin = signed_in(app, make_user, signin, role="admin")
    bad = admin.post("/admin/departments/new", data={"code": "Bad Code!", "name": "Housing", "email": "nope"})
    assert bad.status_code == 422 and "lower-case" in html(bad) and 'value="Housing"' in html(bad)
    taken = admin.post("/admin/departments/new", data={"code": "streets", "name": "Other"})
    assert taken.status_code == 422 and "already uses" in html(taken)
    made = admin.post("/admin/departments/new", data={"code": "housing", "name": "Housing", "email": "housing@example.org"})
    assert made.status_code == 303
    edited = admin.post("/admin/departments/housing", data={"code": "housing", "name": "Housing Office", "email": ""})
    assert edited.status_code == 303
    with app.app_context():
        d = db.get_session().exec(select(Department).where(Department.code == "housing")).one()
        assert d.name == "Housing Office" and d.email is None
    assert actions(app) == ["department.create", "department.edit"]
    assert admin.get("/admin/departments/nope").status_code == 404


def test_invite_staff_by_email_then_they_choose_a_password(city, app, make_user, signin):
    admin = signed_in(app, make_user, signin, role="admin")
    missing = admin.post("/admin/users/invite", data={"email": "new@example.org", "display_name": "Nia New", "role": "staff"})
    assert missing.status_code == 422 and "department" in html(missing) and 'value="Nia New"' in html(missing)
    forged = admin.post("/admin/users/invite", data={"email": "new@example.org", "display_name": "Nia", "role": "staff",
                                                     "department": "atlantis"})
    assert forged.status_code == 422 and rows(app, User, User.email == "new@example.org") == 0
    resident_role = admin.post("/admin/users/invite", data={"email": "new@example.org", "display_name": "Nia", "role": "resident"})
    assert resident_role.status_code == 422
    sent = admin.post("/admin/users/invite", data={"email": "New@Example.org", "display_name": "Nia New", "role": "staff",
                                                   "department": "water", "title": "Inspector"})
    assert sent.status_code == 303
    assert admin.post("/admin/users/invite", data={"email": "new@example.org", "display_name": "Nia", "role": "agent"}).status_code == 422
    with app.app_context():
        mail = db.get_session().exec(select(OutboxMail).where(OutboxMail.to_addr == "new@example.org")).one()
    link = re.search(r"http://localhost(/password/reset/\S+)", mail.body_text).group(1)
    newcomer = app.test_client()
    assert newcomer.post(link, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"}).status_code in (303, 200)
    signin(newcomer, "new@example.org", "a brand new passphrase")
    assert newcomer.get("/staff").status_code == 200
    assert actions(app) == ["user.invite"]


def test_role_changes_are_audited_and_admins_cannot_demote_themselves(city, app, make_user, signin):
    admin = signed_in(app, make_user, signin, role="admin")
    person, password = make_user("resident", email="pat@example.org")
    promoted = admin.post(f"/admin/users/{person.id}", data={"role": "staff", "department": "streets", "title": "Crew"})
    assert promoted.status_code == 303
    person_client = app.test_client()
    signin(person_client, "pat@example.org", password)
    assert person_client.get("/staff").status_code == 200
    no_dept = admin.post(f"/admin/users/{person.id}", data={"role": "staff", "department": ""})
    assert no_dept.status_code == 422
    self_demote = admin.post(f"/admin/users/{admin.user.id}", data={"role": "resident"})
    assert self_demote.status_code == 422 and "your own" in html(self_demote)
    disabled = admin.post(f"/admin/users/{person.id}", data={"role": "staff", "department": "streets", "disabled": "1"})
    assert disabled.status_code == 303 and person_client.get("/staff").status_code == 302  # signed out
    with app.app_context():
        entries = db.get_session().exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["user.role", "user.edit"]
    assert "resident → staff" in entries[0].summary and entries[0].ip
    assert admin.get("/admin/users/999999").status_code == 404
    assert "pat@example.org" in html(admin.get("/admin/users?q=pat"))


def test_api_key_shown_once_stored_hashed_and_revocable(city, app, make_user, signin):
    admin = signed_in(app, make_user, signin, role="admin")
    assert admin.post("/admin/keys", data={"name": ""}).status_code == 422 and rows(app, ApiKey) == 0
    created = admin.post("/admin/keys", data={"name": "Streets app"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    plain = re.search(r'<code id="new-key">([^<]+)</code>', html(created)).group(1)
    listing = html(admin.get("/admin/keys"))
    assert "Streets app" in listing and plain not in listing and plain[:12] in listing
    with app.app_context():
        key = db.get_session().exec(select(ApiKey)).one()
        assert key.key_hash != plain and verify(db.get_session(), plain) is not None
    assert admin.post(f"/admin/keys/{key.id}/revoke").status_code == 303
    with app.app_context():
        assert verify(db.get_session(), plain) is None
    assert admin.post("/admin/keys/9999/revoke").status_code == 404
    assert actions(app) == ["apikey.create", "apikey.revoke"]
    no_csrf = admin.post("/admin/keys", data={"name": "Sneaky"}, csrf=False)
    assert no_csrf.status_code == 422 and rows(app, ApiKey) == 1


def test_api_key_for_a_department_system(city, app, make_user, signin):
    from portal.models import Department
    admin = signed_in(app, make_user, signin, role="admin")
    with app.app_context():
        streets = db.get_session().exec(select(Department).where(Department.code == "streets")).one()
    for forged in ("999999", "streets", "-1"):
        refused = admin.post("/admin/keys", data={"name": "Streets system", "department": forged})
        assert refused.status_code == 422 and 'value="Streets system"' in html(refused)
    assert rows(app, ApiKey) == 0
    created = admin.post("/admin/keys", data={"name": "Streets system", "department": str(streets.id)})
    assert created.status_code == 200
    with app.app_context():
        assert db.get_session().exec(select(ApiKey)).one().department_id == streets.id
    listing = html(admin.get("/admin/keys"))
    assert streets.name in listing.split("<tbody>")[1]


def test_response_templates(city, app, make_user, signin):
    admin = signed_in(app, make_user, signin, role="admin")
    bad = admin.post("/admin/templates/new", data={"title": "Fixed", "locale": "xx", "text": "", "type": "nope"})
    assert bad.status_code == 422 and 'value="Fixed"' in html(bad) and rows(app, ResponseTemplate) == 0
    ok = admin.post("/admin/templates/new", data={"title": "Arreglado", "locale": "es", "status": "closed",
                                                  "type": "pothole", "text": "Reparamos el bache.", "active": "1"})
    assert ok.status_code == 303 and "Arreglado" in html(admin.get("/admin/templates"))
    assert actions(app) == ["template.create"]
