"""Sign up, in and out, reset, profile — through HTTP, with the bad input the issue lists."""
import re

from sqlmodel import func, select

from portal import db
from portal.models import OutboxMail, User, UserSession
from tests.pages import html


def count(app, model):
    with app.app_context():
        return db.get_session().exec(select(func.count()).select_from(model)).one()


def test_sign_up_signs_in_and_redirects(client, app):
    response = client.post("/signup", data={"email": "New@Example.org", "display_name": "Nia",
                                            "password": "a sturdy passphrase"})
    assert response.status_code == 303
    assert "Nia" in html(client.get("/"))
    assert count(app, User) == 1 and count(app, UserSession) == 1


def test_sign_up_bad_input_keeps_typed_fields_never_password(client, app, make_user):
    make_user(email="taken@example.org")
    cases = [
        ({"email": "taken@example.org", "password": "a sturdy passphrase"}, "already exists"),
        ({"email": "new@example.org", "password": "short"}, "at least 8"),
        ({"email": "new@example.org", "password": "password123"}, "too easy"),
        ({"email": "new@example.org", "password": "x" * 300}, "at most 256"),
        ({"email": "not-an-email", "password": "a sturdy passphrase"}, "like name@example.com"),
        ({"email": "", "password": ""}, "required"),
    ]
    for data, message in cases:
        data = {**data, "display_name": "Nadia <b>Q</b>"}
        response = client.post("/signup", data=data)
        page = html(response)
        assert response.status_code == 422, data
        assert message in page, (data, message)
        assert 'value="Nadia &lt;b&gt;Q&lt;/b&gt;"' in page  # typed input back, escaped
        if data["password"]:
            assert data["password"] not in page.replace(data["email"], "")
        assert 'aria-invalid="true"' in page and 'id="error-summary"' in page
    assert count(app, User) == 1


def test_sign_up_with_expired_session_keeps_input(client, app):
    response = client.post("/signup", data={"email": "late@example.org", "display_name": "Lou",
                                            "password": "a sturdy passphrase", "csrf_token": "stale"})
    page = html(response)
    assert response.status_code == 422
    assert "form expired" in page and 'value="late@example.org"' in page and 'value="Lou"' in page
    assert count(app, User) == 0


def test_sign_in_and_sign_out_really_ends_the_session(client, make_user, signin):
    user, password = make_user()
    signin(client, user.email, password)
    assert client.get("/profile").status_code == 200
    stolen_cookie = client.get_cookie("session").value
    client.post("/signout")
    assert client.get("/profile").status_code == 302
    client.set_cookie("session", stolen_cookie)  # replaying the old cookie
    assert client.get("/profile").status_code == 302


def test_sign_in_gives_new_session_each_time(app, make_user, signin):
    user, password = make_user()
    first, second = app.test_client(), app.test_client()
    signin(first, user.email, password)
    signin(second, user.email, password)
    first.post("/signout")
    assert second.get("/profile").status_code == 200  # only that browser ended


def test_wrong_password_is_a_clear_422_and_same_answer_for_unknown_email(client, make_user):
    user, _ = make_user()
    wrong = client.post("/signin", data={"email": user.email, "password": "nope nope nope"})
    unknown = client.post("/signin", data={"email": "ghost@example.org", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 422
    assert "do not match" in html(wrong) and "do not match" in html(unknown)
    assert f'value="{user.email}"' in html(wrong)


def test_sign_in_is_throttled_per_account(client, make_user):
    user, password = make_user()
    for _ in range(5):
        client.post("/signin", data={"email": user.email, "password": "wrong guess here"})
    blocked = client.post("/signin", data={"email": user.email, "password": password})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many attempts" in html(blocked) and f'value="{user.email}"' in html(blocked)


def test_sign_in_redirects_only_to_local_next(client, make_user):
    user, password = make_user()
    response = client.post("/signin?next=//evil.example", data={"email": user.email, "password": password})
    assert response.headers["Location"] == "/"
    client.post("/signout")
    response = client.post("/signin", data={"email": user.email, "password": password, "next": "/profile"})
    assert response.headers["Location"] == "/profile"


def _reset_link(app):
    with app.app_context():
        body = db.get_session().exec(select(OutboxMail).order_by(OutboxMail.id.desc())).first().body_text
    return re.search(r"http://localhost(/password/reset/\S+)", body).group(1)


def test_password_reset_by_mail_single_use(client, app, make_user):
    user, _ = make_user()
    response = client.post("/password/forgot", data={"email": user.email})
    assert response.status_code == 303
    client.post("/password/forgot", data={"email": "ghost@example.org"})  # same answer, no mail
    assert count(app, OutboxMail) == 1
    link = _reset_link(app)
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"password": "short"})
    assert weak.status_code == 422 and "at least 8" in html(weak)
    assert client.post(link, data={"password": "a fresh passphrase"}).status_code == 303
    assert client.get(link).status_code == 410
    again = client.post(link, data={"password": "another fresh one"})
    assert again.status_code == 422 and "expired or was already used" in html(again)
    assert client.post("/signin", data={"email": user.email, "password": "a fresh passphrase"}).status_code == 303


def test_reset_mail_goes_through_smtp(database_url, tmp_path, smtp_server, make_user):
    from tests.conftest import make_app
    app = make_app(database_url, tmp_path, SMTP_URL=smtp_server.url)
    client = app.test_client()
    with app.app_context(), db.writing():
        from portal.accounts.service import create_user
        create_user(db.get_session(), email="mail@example.org", password="a sturdy passphrase")
    response = client.post("/password/forgot", data={"email": "mail@example.org"})
    response.close()  # the mail leaves after the response, as in production without Redis
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message.rcpt_tos == ["mail@example.org"]
    assert b"/password/reset/" in message.content
    with app.app_context():
        assert db.get_session().exec(select(OutboxMail)).one().status == "sent"


def test_profile_saves_and_validates(client, make_user, signin):
    user, password = make_user()
    signin(client, user.email, password)
    saved = client.post("/profile", data={"display_name": "Rae", "locale": "es", "notify_email": "daily", "phone": ""})
    assert saved.status_code == 303
    page = html(client.get("/profile"))
    assert 'value="Rae"' in page and '<html lang="es"' in page
    bad = client.post("/profile", data={"display_name": "Rae\x00", "locale": "xx", "notify_email": "hourly"})
    assert bad.status_code == 422
    assert bad.get_data(as_text=True).count('aria-invalid="true"') >= 2


def test_password_change_signs_out_other_devices(app, make_user, signin):
    user, password = make_user()
    here, there = app.test_client(), app.test_client()
    signin(here, user.email, password)
    signin(there, user.email, password)
    wrong = here.post("/profile/password", data={"current_password": "bad", "password": "new passphrase ok"})
    assert wrong.status_code == 422
    assert here.post("/profile/password", data={"current_password": password,
                                                "password": "new passphrase ok"}).status_code == 303
    assert here.get("/profile").status_code == 200
    assert there.get("/profile").status_code == 302
