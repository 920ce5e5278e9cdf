"""Shared steps for the community tests: people of every role, threads, posts, counts."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import func, select

from portal import db
from portal.models import Post, Thread, User, utcnow

ROLES = ["resident", "agent", "staff", "moderator", "admin"]


def age(app, user, days=30):
    """Make an account older than the new-account limits."""
    with app.app_context(), db.writing():
        session = db.get_session()
        session.execute(update(User).where(User.id == user.id).values(created_at=utcnow() - timedelta(days=days)))
        session.commit()


def person(app, make_user, signin, role="resident", *, old=True, **kwargs):
    """(client signed in, user) for a role; staff belong to the streets department."""
    user, password = make_user(role=role, department="streets" if role == "staff" else None, **kwargs)
    if role == "staff":
        with app.app_context(), db.writing():
            session = db.get_session()
            session.execute(update(User).where(User.id == user.id).values(title="Highway supervisor",
                                                                           display_name="Sam Streets"))
            session.commit()
    if old:
        age(app, user)
    client = app.test_client()
    signin(client, user.email, password)
    return client, user


def start_thread(client, board="city", title="Broken streetlight on Elm", body="It has been dark for a week.", **extra):
    response = client.post(f"/boards/{board}/new", data={"title": title, "body": body, "tag": "problem", **extra})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/threads/(\d+)", response.headers["Location"]).group(1))


def reply(client, thread_id, body="Same on my block.", **extra):
    return client.post(f"/threads/{thread_id}/reply", data={"body": body, **extra})


def count(app, model, *where):
    with app.app_context():
        return db.get_session().exec(select(func.count()).select_from(model).where(*where)).one()


def rows(app, model, *where):
    with app.app_context():
        return db.get_session().exec(select(model).where(*where).order_by(model.id)).all()


def last_post(app, thread_id) -> Post:
    return rows(app, Post, Post.thread_id == thread_id)[-1]


def thread_row(app, thread_id) -> Thread:
    with app.app_context():
        return db.get_session().get(Thread, thread_id)


def shift(app, thread_id, minutes=1):
    """Move a thread's last activity later (timestamps are whole seconds)."""
    with app.app_context(), db.writing():
        session = db.get_session()
        session.execute(update(Thread).where(Thread.id == thread_id).values(
            last_activity_at=utcnow() + timedelta(minutes=minutes)))
        session.commit()


def assert_inert(page: str) -> None:
    """Parsed as a browser would: no script but the page's own, no handlers, no script/data URLs,
    no SVG, frames or objects, and no bidi override characters."""
    from html.parser import HTMLParser

    class Check(HTMLParser):
        def handle_starttag(self, tag, attrs):
            assert tag not in ("svg", "iframe", "object", "embed", "math", "base", "meta") or tag == "meta" and \
                all(n in ("charset", "name", "content") for n, _v in attrs), (tag, attrs)
            if tag == "script":
                assert dict(attrs).get("src", "").startswith("/assets/"), attrs
            for name, value in attrs:
                assert not name.lower().startswith("on"), (tag, name)
                if name in ("href", "src", "action", "formaction", "xlink:href"):
                    lowered = "".join((value or "").split()).lower()
                    assert not lowered.startswith(("javascript:", "vbscript:", "data:text")), (tag, value)
    Check().feed(page)
    assert "\u202e" not in page and "\u202d" not in page
