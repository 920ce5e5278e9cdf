"""Departments named in the reader's language (Spanish from the demo catalogue, or set by an admin),
with one query for all the department names of a page — on SQLite and PostgreSQL."""
import re

from sqlalchemy import event, update
from sqlmodel import select

from portal import db
from portal.models import AuditEntry, Department, OutboxMail, Translation, User
from tests.pages import html
from tests.web.community_helpers import age, person, reply, start_thread
from tests.web.test_report import file_report
from tests.web.test_staff_work import signed_in, version_of

ES = {"Accept-Language": "es"}


def speaks_spanish(app, user):
    with app.app_context(), db.writing():
        session = db.get_session()
        session.execute(update(User).where(User.id == user.id).values(locale="es"))
        session.commit()


def test_spanish_reader_sees_spanish_department_on_request_page_and_queue(city, app, make_user, signin):
    _, url = file_report(app.test_client())
    number = url.rsplit("/", 1)[1]
    spanish = html(app.test_client().get(url, headers=ES))
    assert "Departamento de Calles" in spanish and "Streets Department" not in spanish
    assert "Streets Department" in html(app.test_client().get(url))
    staff = signed_in(app, make_user, signin)
    speaks_spanish(app, staff.user)
    queue = html(staff.get("/staff"))
    assert re.search(r"<h1>Departamento de Calles</h1>", queue)
    assert "Departamento de Calles" in html(staff.get(f"/staff/requests/{number}"))


def test_transfer_is_named_in_the_readers_language_on_the_timeline(city, app, make_user, signin):
    _, url = file_report(app.test_client())
    number = url.rsplit("/", 1)[1]
    staff = signed_in(app, make_user, signin)
    with app.app_context():
        water = db.get_session().exec(select(Department).where(Department.code == "water")).one()
    moved = staff.post(f"/staff/requests/{number}/transfer", data={
        "department": str(water.id), "reason": "A broken main", "version": version_of(staff, number)})
    assert moved.status_code == 303
    assert "Departamento de Agua" in html(app.test_client().get(url, headers=ES))
    assert "Passed to Water Department" in html(app.test_client().get(url))


def test_official_badge_and_department_page_in_spanish(city, app, make_user, signin):
    resident, _ = person(app, make_user, signin)
    official, _ = person(app, make_user, signin, role="staff")
    thread_id = start_thread(resident)
    assert reply(official, thread_id, body="A crew comes on Monday.").status_code == 303
    page = html(app.test_client().get(f"/threads/{thread_id}", headers=ES))
    badge = re.search(r'<span class="badge official">.*?</span>', page, re.S).group(0)
    assert "Departamento de Calles" in badge
    english = html(app.test_client().get(f"/threads/{thread_id}"))
    assert "Streets Department" in re.search(r'<span class="badge official">.*?</span>', english, re.S).group(0)
    department = html(app.test_client().get("/departments/streets", headers=ES))
    assert "<h1>Departamento de Calles</h1>" in department
    assert "Cuida las calles" in department  # the Spanish description from the catalogue


def test_status_mail_to_a_spanish_reporter_names_the_department_in_spanish(city, app, make_user, signin):
    reporter, password = make_user()
    speaks_spanish(app, reporter)
    client = app.test_client()
    signin(client, reporter.email, password)
    _, url = file_report(client)
    number = url.rsplit("/", 1)[1]
    staff = signed_in(app, make_user, signin)
    changed = staff.post(f"/staff/requests/{number}/status",
                         data={"status": "closed", "reason": "fixed", "version": version_of(staff, number)})
    assert changed.status_code == 303
    with app.app_context():
        mails = db.get_session().exec(select(OutboxMail).where(OutboxMail.to_addr == reporter.email.lower())).all()
    status_mails = [m for m in mails if "Departamento de Calles" in m.body_text]
    assert status_mails, [m.body_text for m in mails]
    assert "Streets Department" not in status_mails[-1].body_text
    assert "Bache o daño en la calle" in status_mails[-1].body_text  # the type's name too


def _statements(app, client, path, headers):
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    with app.app_context():
        engine = db.engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(path, headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_one_query_names_every_department_on_a_page(city, app, make_user, signin):
    """A thread answered by officials of five departments costs as many queries as one answered
    five times by the same department: the names come from one query, cached for the request."""
    codes = ["streets", "water", "parks", "sanitation", "li"]
    resident, _ = person(app, make_user, signin)
    one_department, many_departments = start_thread(resident, title="One"), start_thread(resident, title="Many")
    for code in codes:
        same, _ = person(app, make_user, signin, role="staff")
        user, password = make_user(role="staff", department=code)
        age(app, user)
        other = app.test_client()
        signin(other, user.email, password)
        assert reply(same, one_department, body=f"Streets again about {code}.").status_code == 303
        assert reply(other, many_departments, body=f"Answer from {code}.").status_code == 303
    reader = app.test_client()
    _statements(app, reader, f"/threads/{one_department}", ES)  # warm up sessions and caches alike
    one = _statements(app, reader, f"/threads/{one_department}", ES)
    many = _statements(app, reader, f"/threads/{many_departments}", ES)
    page = html(reader.get(f"/threads/{many_departments}", headers=ES))
    assert all(name in page for name in ("Departamento de Agua", "Parques y Recreación", "División de Saneamiento"))
    assert len(many) == len(one), (len(one), len(many))
    assert sum("translation" in s.lower() for s in many) == 1


def test_admin_sets_the_spanish_name_and_readers_see_it(city, app, make_user, signin):
    admin = signed_in(app, make_user, signin, role="admin")
    form = html(admin.get("/admin/departments/streets"))
    assert 'name="name_es"' in form and 'value="Departamento de Calles"' in form and 'name="name_ar"' in form
    saved = admin.post("/admin/departments/streets", data={
        "code": "streets", "name": "Streets Department", "description": "", "email": "",
        "name_es": "Departamento de Vías", "name_ar": ""})
    assert saved.status_code == 303, html(saved)[:2000]
    assert "<h1>Departamento de Vías</h1>" in html(app.test_client().get("/departments/streets", headers=ES))
    assert "<h1>Streets Department</h1>" in html(app.test_client().get("/departments/streets"))
    with app.app_context():
        session = db.get_session()
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "department.edit")).one()
        assert entry.details["after"]["name_es"] == "Departamento de Vías"
        assert entry.details["before"]["name_es"] == "Departamento de Calles"
        assert not session.exec(select(Translation).where(Translation.locale == "ar",
                                                          Translation.entity == "department")).all()


def test_admin_spanish_name_too_long_is_refused_with_the_input_kept(city, app, make_user, signin):
    admin = signed_in(app, make_user, signin, role="admin")
    response = admin.post("/admin/departments/streets", data={
        "code": "streets", "name": "Streets Department", "name_es": "x" * 121 + "MARK"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in html(response) and "MARK" in html(response)
    assert "Departamento de Calles" in html(app.test_client().get("/departments/streets", headers=ES))


def test_new_department_with_a_spanish_name_and_without_csrf_nothing_stored(city, app, make_user, signin):
    admin = signed_in(app, make_user, signin, role="admin")
    with app.app_context():
        before = len(db.get_session().exec(select(Translation)).all())
    refused = admin.post("/admin/departments/new", data={"code": "bridges", "name": "Bridges Office",
                                                         "name_es": "Oficina de Puentes"}, csrf=False)
    assert refused.status_code == 422  # the form again, nothing saved
    with app.app_context():
        assert len(db.get_session().exec(select(Translation)).all()) == before
    assert admin.post("/admin/departments/new", data={"code": "bridges", "name": "Bridges Office",
                                                      "name_es": "Oficina de Puentes"}).status_code == 303
    assert "Oficina de Puentes" in html(app.test_client().get("/departments/bridges", headers=ES))
