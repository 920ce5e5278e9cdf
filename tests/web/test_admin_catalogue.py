"""Admin pages for the service catalogue, through HTTP: types and questions, every validator,
delete-or-deactivate, the public report pages following along, and the role checks."""
import pytest
from markupsafe import escape
from sqlmodel import func, select

from portal import db
from portal.models import (
    Department, Question, ServiceGroup, ServiceRequest, ServiceType, Translation,
)
from tests.pages import html

TYPE = {"code": "bike-lane", "name": "Blocked bike lane", "group": "roads", "department": "streets",
        "description": "A car or object is blocking a painted bike lane.",
        "keywords": " Bike Lane, CYCLE ,, cyclist ", "service_level_days": "7",
        "duplicate_radius_m": "40", "active": "1"}
TYPED_NAME = "Bike <b>lane</b>"
QUESTIONS = [
    {"code": "plate", "text": "Licence plate?", "datatype": "string", "position": "1"},
    {"code": "cars", "text": "How many cars?", "datatype": "number", "position": "2"},
    {"code": "since", "text": "Since when?", "datatype": "datetime", "position": "3"},
    {"code": "details", "text": "Anything else?", "datatype": "text", "position": "4"},
    {"code": "side", "text": "Which side?", "datatype": "singlevaluelist", "position": "5",
     "values": "north|North side\r\nsouth|South side\r\n\r\n"},
    {"code": "kind", "text": "What is blocking?", "datatype": "multivaluelist", "position": "6",
     "required": "1", "values": "car|A car\ntruck | A truck\nbin|A bin"},
]
OTHER_ROLES = ["resident", "agent", "staff", "moderator"]


def count(app, model, *where):
    with app.app_context():
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return db.get_session().exec(query).one()


def load(app, model, *where):
    with app.app_context():
        return db.get_session().exec(select(model).where(*where)).first()


@pytest.fixture
def catalogue(app):
    """Two departments and two groups (the demo data is not loaded in tests)."""
    with app.app_context(), db.writing():
        session = db.get_session()
        for code, name in (("streets", "Streets Department"), ("sanitation", "Sanitation Division")):
            if not session.exec(select(Department).where(Department.code == code)).first():
                session.add(Department(code=code, name=name))
        session.add(ServiceGroup(code="roads", name="Roads and sidewalks", position=1))
        session.add(ServiceGroup(code="waste", name="Trash and recycling", position=2))
        session.commit()
    return app


@pytest.fixture
def admin(client, catalogue, make_user, signin):
    user, password = make_user(role="admin")
    signin(client, user.email, password)
    return client


def create_type(client, **changes):
    response = client.post("/admin/types/new", data={**TYPE, **changes})
    assert response.status_code == 303, html(response)[:3000]
    return response


def add_question(client, data, type_code="bike-lane"):
    response = client.post(f"/admin/types/{type_code}/questions/new", data=data)
    assert response.status_code == 303, html(response)[:3000]
    return response


def search(client, query):
    """The public search's result list only (not flashes or the rest of the page)."""
    page = html(client.get(f"/report?q={query}"))
    return page[page.index('id="type-results"'):]


def file_request(app, code="bike-lane"):
    from portal.requests.service import Location, NewRequest, submit_request
    with app.app_context(), db.writing():
        session = db.get_session()
        service_type = session.exec(select(ServiceType).where(ServiceType.code == code)).one()
        submit_request(session, NewRequest(service_type=service_type, description="Parked car",
                                           location=Location(lat=39.9526, lon=-75.1652)))
        session.commit()


# ------------------------------------------------------------ service types

def test_admin_creates_a_type_that_residents_then_find(admin, app):
    response = create_type(admin)
    assert response.headers["Location"].endswith("/admin/types/bike-lane")
    assert "Blocked bike lane" in html(admin.get(response.headers["Location"]))
    created = load(app, ServiceType, ServiceType.code == "bike-lane")
    assert created.keywords == "bike lane,cycle,cyclist"
    assert (created.service_level_days, created.duplicate_radius_m, created.active) == (7, 40, True)
    listing = html(admin.get("/admin/types"))
    assert "Roads and sidewalks" in listing and "Blocked bike lane" in listing
    for query in ("cyclist", "bike"):  # a keyword, and a word of the name
        assert "Blocked bike lane" in search(admin, query)
    assert admin.get("/report/bike-lane").status_code == 200


def test_admin_pages_render_and_link(admin):
    assert 'href="/admin/types"' in html(admin.get("/admin/"))
    create_type(admin)
    for path in ("/admin/types", "/admin/types/new", "/admin/types/bike-lane",
                 "/admin/types/bike-lane/questions/new"):
        response = admin.get(path)
        assert response.status_code == 200, path
        assert "<form" in html(response) or path == "/admin/types"
    assert admin.get("/admin/types/no-such-type").status_code == 404
    assert admin.get("/admin/types/bike-lane/questions/999").status_code == 404


def test_admin_edits_a_type(admin, app):
    create_type(admin)
    edited = {**TYPE, "code": "bike-lane-blocked", "name": "Bike lane blocked", "group": "waste",
              "department": "sanitation", "keywords": "Bicycle", "service_level_days": "365",
              "duplicate_radius_m": "0"}
    response = admin.post("/admin/types/bike-lane", data=edited)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/types/bike-lane-blocked")
    assert "Bike lane blocked" in html(admin.get(response.headers["Location"]))
    saved = load(app, ServiceType, ServiceType.code == "bike-lane-blocked")
    group = load(app, ServiceGroup, ServiceGroup.code == "waste")
    department = load(app, Department, Department.code == "sanitation")
    assert (saved.name, saved.group_id, saved.department_id) == ("Bike lane blocked", group.id, department.id)
    assert (saved.keywords, saved.service_level_days, saved.duplicate_radius_m) == ("bicycle", 365, 0)
    assert count(app, ServiceType) == 1
    assert admin.get("/admin/types/bike-lane").status_code == 404


def test_deactivated_type_disappears_from_report_and_comes_back(admin, app):
    create_type(admin)
    unticked = {k: v for k, v in TYPE.items() if k != "active"}  # an unticked box is not sent
    assert admin.post("/admin/types/bike-lane", data=unticked).status_code == 303
    assert load(app, ServiceType, ServiceType.code == "bike-lane").active is False
    assert "Blocked bike lane" not in search(admin, "cyclist")
    assert "Blocked bike lane" not in html(admin.get("/report"))
    assert admin.get("/report/bike-lane").status_code == 404
    assert "Inactive" in html(admin.get("/admin/types"))  # admins still see it
    assert admin.post("/admin/types/bike-lane", data=TYPE).status_code == 303
    assert "Blocked bike lane" in search(admin, "cyclist")


TYPE_CASES = [
    ("code", "", "This is required."),
    ("code", "Bike Lane", "Use 2 to 40 lower-case letters"),
    ("code", "x", "Use 2 to 40 lower-case letters"),
    ("code", "-bike", "Use 2 to 40 lower-case letters"),
    ("code", "bike/lane", "Use 2 to 40 lower-case letters"),
    ("code", "b" * 41, "at most 40 characters"),
    ("code", "new", "This code is reserved"),
    ("code", "bike\x01", "invisible control characters"),
    ("name", "", "This is required."),
    ("name", "n" * 81, "at most 80 characters"),
    ("name", "two\nlines", "invisible control characters"),
    ("group", "", "Choose a group."),
    ("group", "nowhere", "Choose a group."),
    ("department", "", "Choose a department."),
    ("department", "parks", "Choose a department."),
    ("description", "d" * 501, "at most 500 characters"),
    ("keywords", "bike, " * 90, "at most 500 characters"),
    ("service_level_days", "", "from 1 to 365"),
    ("service_level_days", "0", "from 1 to 365"),
    ("service_level_days", "366", "from 1 to 365"),
    ("service_level_days", "ten", "from 1 to 365"),
    ("service_level_days", "1.5", "from 1 to 365"),
    ("duplicate_radius_m", "-1", "from 0 to 2000"),
    ("duplicate_radius_m", "2001", "from 0 to 2000"),
    ("duplicate_radius_m", "far", "from 0 to 2000"),
]


def test_type_bad_input_gives_422_message_and_typed_input_back(admin, app):
    for name, value, message in TYPE_CASES:
        data = {**TYPE, "name": TYPED_NAME, name: value}
        response = admin.post("/admin/types/new", data=data)
        page = html(response)
        assert response.status_code == 422, (name, value)
        assert message in page, (name, value, message)
        assert 'id="error-summary"' in page and f'href="#f-{name}"' in page, name
        assert 'aria-invalid="true"' in page
        if name != "name":
            assert 'value="Bike &lt;b&gt;lane&lt;/b&gt;"' in page  # escaped, never raw
        if name not in ("group", "department") and value:
            assert str(escape(value)) in page, (name, value)
        assert count(app, ServiceType) == 0, (name, value)


def test_type_edit_bad_input_changes_nothing(admin, app):
    create_type(admin)
    for name, value, message in TYPE_CASES:
        response = admin.post("/admin/types/bike-lane", data={**TYPE, "name": TYPED_NAME, name: value})
        assert response.status_code == 422 and message in html(response), (name, value)
    stored = load(app, ServiceType, ServiceType.code == "bike-lane")
    assert (stored.name, stored.service_level_days, stored.keywords) == (
        "Blocked bike lane", 7, "bike lane,cycle,cyclist")


def test_duplicate_type_code_is_refused(admin, app):
    create_type(admin)
    response = admin.post("/admin/types/new", data={**TYPE, "name": "Second"})
    assert response.status_code == 422
    assert "Another service type already uses this code." in html(response)
    assert 'value="Second"' in html(response)
    assert count(app, ServiceType) == 1
    create_type(admin, code="pothole", name="Pothole")
    response = admin.post("/admin/types/pothole", data={**TYPE, "name": "Pothole"})
    assert response.status_code == 422 and "already uses this code" in html(response)
    assert load(app, ServiceType, ServiceType.name == "Pothole").code == "pothole"
    # Saving a type under its own code is not a duplicate.
    assert admin.post("/admin/types/pothole", data={**TYPE, "code": "pothole", "name": "Pothole"}).status_code == 303


def test_expired_form_keeps_input_and_stores_nothing(admin, app):
    response = admin.post("/admin/types/new", data={**TYPE, "name": TYPED_NAME, "csrf_token": "stale"})
    page = html(response)
    assert response.status_code == 422
    assert "form expired" in page and 'value="Bike &lt;b&gt;lane&lt;/b&gt;"' in page
    assert count(app, ServiceType) == 0
    create_type(admin)
    response = admin.post("/admin/types/bike-lane/questions/new",
                          data={**QUESTIONS[0], "csrf_token": "stale"})
    assert response.status_code == 422 and "form expired" in html(response)
    assert 'value="Licence plate?"' in html(response)
    assert count(app, Question) == 0


# ------------------------------------------------------------ delete or deactivate

def test_type_without_requests_is_deleted(admin, app):
    create_type(admin)
    add_question(admin, QUESTIONS[4])
    with app.app_context(), db.writing():
        session = db.get_session()
        service_type = session.exec(select(ServiceType)).one()
        question = session.exec(select(Question)).one()
        session.add(Translation(entity="service_type", entity_id=service_type.id, field="name",
                                locale="es", text="Carril bici bloqueado"))
        session.add(Translation(entity="question", entity_id=question.id, field="text",
                                locale="es", text="¿Qué lado?"))
        session.commit()
    page = html(admin.get("/admin/types/bike-lane"))
    assert "Delete this type" in page
    response = admin.post("/admin/types/bike-lane/delete")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/types")
    assert "deleted: it had no requests" in html(admin.get(response.headers["Location"]))
    assert count(app, ServiceType) == count(app, Question) == count(app, Translation) == 0


def test_type_with_requests_is_deactivated_never_deleted(admin, app):
    create_type(admin)
    add_question(admin, QUESTIONS[0])
    file_request(app)
    page = html(admin.get("/admin/types/bike-lane"))
    assert "Deactivate this type" in page and "has 1 requests" in page
    response = admin.post("/admin/types/bike-lane/delete")
    assert response.status_code == 303
    assert "deactivated, not deleted" in html(admin.get(response.headers["Location"]))
    stored = load(app, ServiceType, ServiceType.code == "bike-lane")
    assert stored is not None and stored.active is False
    assert count(app, ServiceRequest) == 1 and count(app, Question) == 1
    assert "Blocked bike lane" not in search(admin, "cyclist")
    assert admin.get("/report/bike-lane").status_code == 404
    listing = html(admin.get("/admin/types"))
    assert "Blocked bike lane" in listing and "Inactive" in listing and "<td>1</td>" in listing
    # Asked again, it still only deactivates.
    assert admin.post("/admin/types/bike-lane/delete").status_code == 303
    assert count(app, ServiceType) == 1


def test_type_with_closed_requests_is_also_only_deactivated(admin, app):
    create_type(admin)
    file_request(app)
    with app.app_context(), db.writing():
        session = db.get_session()
        request = session.exec(select(ServiceRequest)).one()
        request.status = "closed"
        session.add(request)
        session.commit()
    admin.post("/admin/types/bike-lane/delete")
    assert count(app, ServiceType) == 1
    assert load(app, ServiceType, ServiceType.code == "bike-lane").active is False


# ------------------------------------------------------------ questions

def test_admin_adds_a_question_of_each_datatype(admin, app):
    create_type(admin)
    for question in QUESTIONS:
        response = add_question(admin, question)
        assert response.headers["Location"].endswith("/admin/types/bike-lane")
    stored = {q.code: q for q in _questions(app)}
    assert [q.datatype for q in sorted(stored.values(), key=lambda q: q.position)] == [
        "string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    assert stored["side"].values == [{"key": "north", "name": "North side"},
                                     {"key": "south", "name": "South side"}]
    assert stored["kind"].values == [{"key": "car", "name": "A car"}, {"key": "truck", "name": "A truck"},
                                     {"key": "bin", "name": "A bin"}]
    assert stored["kind"].required is True and stored["plate"].required is False
    assert all(q.values == [] for q in stored.values() if "list" not in q.datatype)
    admin_page = html(admin.get("/admin/types/bike-lane"))
    public_page = html(admin.get("/report/bike-lane"))
    for question in QUESTIONS:
        assert escape(question["text"]) in admin_page
        assert escape(question["text"]) in public_page
    assert "North side" in public_page and "A truck" in public_page
    # The next free position is offered for the next question.
    assert 'value="7"' in html(admin.get("/admin/types/bike-lane/questions/new"))


def _questions(app):
    with app.app_context():
        return db.get_session().exec(select(Question).order_by(Question.position)).all()


QUESTION_CASES = [
    ({"code": ""}, "code", "This is required."),
    ({"code": "Plate Number"}, "code", "Use 2 to 40 lower-case letters"),
    ({"code": "p"}, "code", "Use 2 to 40 lower-case letters"),
    ({"code": "side"}, "code", "Another question of this type already uses this code."),
    ({"text": ""}, "text", "This is required."),
    ({"text": "t" * 201}, "text", "at most 200 characters"),
    ({"description": "d" * 501}, "description", "at most 500 characters"),
    ({"datatype": ""}, "datatype", "Choose one of the options."),
    ({"datatype": "boolean"}, "datatype", "Choose one of the options."),
    ({"position": ""}, "position", "from 1 to 99"),
    ({"position": "0"}, "position", "from 1 to 99"),
    ({"position": "100"}, "position", "from 1 to 99"),
    ({"position": "first"}, "position", "from 1 to 99"),
    ({"position": "5"}, "position", "already at this position"),
    ({"values": "north|North"}, "values", "Only list questions have choices"),
]
LIST_CASES = [
    ("", "at least two choices"),
    ("only|Only one", "at least two choices"),
    ("only|Only one\n\n  \n", "at least two choices"),
    ("north|North\nsouth", "Line 2: write each choice as key|Label"),
    ("north|North\nsouth|", "Line 2: write each choice as key|Label"),
    ("North Side|North\nsouth|South", "Line 1: the key may only"),
    ("north|North\nnorth|Also north", "Line 2: the key “north” is used twice"),
    ("north|" + "n" * 201 + "\nsouth|South", "the label is too long"),
]


def test_question_bad_input_gives_422_message_and_typed_input_back(admin, app):
    create_type(admin)
    add_question(admin, QUESTIONS[4])  # "side", position 5
    base = {"code": "plate", "text": "Which <b>plate</b>?", "datatype": "string", "position": "1",
            "description": "As written on the car."}
    cases = QUESTION_CASES + [({"datatype": kind, "values": values}, "values", message)
                              for kind in ("singlevaluelist", "multivaluelist") for values, message in LIST_CASES]
    for changes, name, message in cases:
        response = admin.post("/admin/types/bike-lane/questions/new", data={**base, **changes})
        page = html(response)
        assert response.status_code == 422, changes
        assert message in page, (changes, message)
        assert f'href="#f-{name}"' in page and 'id="error-summary"' in page
        if name != "text":
            assert 'value="Which &lt;b&gt;plate&lt;/b&gt;?"' in page
        for value in changes.values():
            if value and name != "datatype":
                assert str(escape(value)).strip() in page, changes
        assert count(app, Question) == 1, changes
    # Bad edits leave the stored question as it was.
    side = load(app, Question, Question.code == "side")
    response = admin.post(f"/admin/types/bike-lane/questions/{side.id}",
                          data={**QUESTIONS[4], "text": "Changed", "values": "only|One"})
    assert response.status_code == 422 and "at least two choices" in html(response)
    assert load(app, Question, Question.code == "side").text == "Which side?"


def test_list_question_with_one_value_is_refused(admin, app):
    create_type(admin)
    for kind in ("singlevaluelist", "multivaluelist"):
        response = admin.post("/admin/types/bike-lane/questions/new",
                              data={**QUESTIONS[4], "datatype": kind, "values": "north|North side"})
        assert response.status_code == 422
        assert "A list needs at least two choices, one a line." in html(response)
        assert "north|North side" in html(response)
    assert count(app, Question) == 0


def test_question_code_and_position_are_unique_per_type_only(admin, app):
    create_type(admin)
    create_type(admin, code="pothole", name="Pothole")
    add_question(admin, QUESTIONS[0])
    add_question(admin, QUESTIONS[0], "pothole")  # same code and position, other type
    assert count(app, Question) == 2


def test_admin_edits_and_toggles_a_question(admin, app):
    create_type(admin)
    add_question(admin, QUESTIONS[4])
    side = load(app, Question, Question.code == "side")
    page = html(admin.get(f"/admin/types/bike-lane/questions/{side.id}"))
    assert "north|North side\nsouth|South side" in page and 'value="Which side?"' in page
    edited = {**QUESTIONS[4], "text": "Which side of the street?", "position": "2",
              "values": "north|North\nsouth|South\nboth|Both sides", "required": "1"}
    response = admin.post(f"/admin/types/bike-lane/questions/{side.id}", data=edited)
    assert response.status_code == 303
    side = load(app, Question, Question.code == "side")
    assert (side.text, side.position, side.required, len(side.values)) == (
        "Which side of the street?", 2, True, 3)
    # Saving at its own position is not a clash.
    assert admin.post(f"/admin/types/bike-lane/questions/{side.id}", data=edited).status_code == 303

    response = admin.post(f"/admin/types/bike-lane/questions/{side.id}/toggle")
    assert response.status_code == 303
    assert "deactivated" in html(admin.get(response.headers["Location"]))
    assert load(app, Question, Question.code == "side").active is False
    assert "Which side of the street?" not in html(admin.get("/report/bike-lane"))
    assert "Which side of the street?" in html(admin.get("/admin/types/bike-lane"))
    response = admin.post(f"/admin/types/bike-lane/questions/{side.id}/toggle")
    assert "activated" in html(admin.get(response.headers["Location"]))
    assert load(app, Question, Question.code == "side").active is True
    assert "Which side of the street?" in html(admin.get("/report/bike-lane"))


def test_question_of_another_type_is_not_found(admin, app):
    create_type(admin)
    create_type(admin, code="pothole", name="Pothole")
    add_question(admin, QUESTIONS[0], "pothole")
    question = load(app, Question, Question.code == "plate")
    assert admin.get(f"/admin/types/bike-lane/questions/{question.id}").status_code == 404
    assert admin.post(f"/admin/types/bike-lane/questions/{question.id}/toggle").status_code == 404
    assert load(app, Question, Question.code == "plate").active is True


# ------------------------------------------------------------ roles

def test_only_admins_reach_the_catalogue_pages(app, admin, make_user, signin):
    create_type(admin)
    add_question(admin, QUESTIONS[0])
    question = load(app, Question, Question.code == "plate")
    routes = [
        ("GET", "/admin/types"), ("GET", "/admin/types/new"), ("POST", "/admin/types/new"),
        ("GET", "/admin/types/bike-lane"), ("POST", "/admin/types/bike-lane"),
        ("POST", "/admin/types/bike-lane/delete"),
        ("GET", "/admin/types/bike-lane/questions/new"), ("POST", "/admin/types/bike-lane/questions/new"),
        ("GET", f"/admin/types/bike-lane/questions/{question.id}"),
        ("POST", f"/admin/types/bike-lane/questions/{question.id}"),
        ("POST", f"/admin/types/bike-lane/questions/{question.id}/toggle"),
    ]
    forms = {"/admin/types/new": {**TYPE, "code": "sneaky"}, "/admin/types/bike-lane": {**TYPE, "name": "Hacked"},
             "/admin/types/bike-lane/questions/new": {**QUESTIONS[1]},
             f"/admin/types/bike-lane/questions/{question.id}": {**QUESTIONS[0], "text": "Hacked"}}
    anonymous = app.test_client()
    for method, path in routes:
        response = anonymous.open(path, method=method, data=forms.get(path, {}) if method == "POST" else None)
        assert response.status_code == 302 and "/signin" in response.headers["Location"], (method, path)
    for role in OTHER_ROLES:
        user, password = make_user(role=role, department="streets" if role == "staff" else None)
        client = app.test_client()
        signin(client, user.email, password)
        for method, path in routes:
            response = client.open(path, method=method, data=forms.get(path, {}) if method == "POST" else None)
            assert response.status_code == 403, (role, method, path, response.status_code)
            assert "permission" in html(response)
    stored = load(app, ServiceType, ServiceType.code == "bike-lane")
    assert stored.name == "Blocked bike lane" and stored.active is True
    assert count(app, ServiceType) == 1 and count(app, Question) == 1
    assert load(app, Question, Question.code == "plate").text == "Licence plate?"
    assert load(app, Question, Question.code == "plate").active is True
