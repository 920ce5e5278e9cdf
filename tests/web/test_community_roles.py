"""Every community action × every role (anonymous, resident, agent, staff, moderator, admin)."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from portal import db
from portal.models import Organisation, Post, User, utcnow
from tests.web.community_helpers import last_post, person, reply, start_thread

ROLES = ["anonymous", "resident", "agent", "staff", "moderator", "admin"]
SIGNED_IN = set(ROLES) - {"anonymous"}
MODERATORS = {"moderator", "admin"}

# action: (method, path template, data, roles allowed). Paths use the ids of the scene below.
ACTIONS = {
    "read boards": ("GET", "/boards", None, set(ROLES)),
    "read a board": ("GET", "/boards/city", None, set(ROLES)),
    "read a thread": ("GET", "/threads/{thread}", None, set(ROLES)),
    "board feed": ("GET", "/boards/city/feed.atom", None, set(ROLES)),
    "events calendar": ("GET", "/boards/{area}/events.ics", None, set(ROLES)),
    "organisations": ("GET", "/organisations", None, set(ROLES)),
    "an organisation": ("GET", "/organisations/{org}", None, set(ROLES)),
    "department page": ("GET", "/departments/streets", None, set(ROLES)),
    "new thread form": ("GET", "/boards/city/new", None, SIGNED_IN),
    "start a thread": ("POST", "/boards/city/new", {"title": "Hi", "body": "Hello", "tag": "general"}, SIGNED_IN),
    "reply": ("POST", "/threads/{thread}/reply", {"body": "A reply"}, SIGNED_IN),
    "support": ("POST", "/threads/{thread}/support", {}, SIGNED_IN),
    "follow a thread": ("POST", "/follow/thread/{thread}", {"level": "watching"}, SIGNED_IN),
    "follow a board": ("POST", "/follow/board/0", {"level": "normal"}, SIGNED_IN),
    "flag someone's post": ("POST", "/posts/{post}/flag", {"reason": "spam"}, SIGNED_IN),
    "edit someone's post (form)": ("GET", "/posts/{post}/edit", None, MODERATORS),
    "edit someone's post": ("POST", "/posts/{post}/edit", {"body": "changed", "reason": "tidy"}, MODERATORS),
    "delete someone's post": ("POST", "/posts/{post}/delete", {}, set()),
    "pin an official answer": ("POST", "/threads/{thread}/pin", {"post_id": "{official}"}, {"staff"} | MODERATORS),
    "turn a thread into a request": ("POST", "/threads/{thread}/request", {"type": "pothole", "area": "{area}"}, {"staff", "admin"}),
    "moderation queue": ("GET", "/moderation", None, MODERATORS),
    "hide a post": ("POST", "/moderation/posts/{post}/hide", {"reason": "x"}, MODERATORS),
    "restore a post": ("POST", "/moderation/posts/{post}/restore", {}, MODERATORS),
    "lock a thread": ("POST", "/moderation/threads/{thread}/lock", {"locked": "1"}, MODERATORS),
    "block a user": ("POST", "/moderation/users/{author}/block", {"reason": "abuse"}, MODERATORS),
    "verify an organisation": ("POST", "/moderation/organisations/{org}/verify", {}, MODERATORS),
    "register an organisation": ("GET", "/organisations/new", None, SIGNED_IN),
    "list an event (not a manager)": ("POST", "/organisations/{org}/events",
                                      {"title": "Meet", "starts_at": "2030-05-01T18:30"}, set()),
    "add a member (not a manager)": ("POST", "/organisations/{org}/members", {"email": "x@example.org"}, set()),
    "inbox": ("GET", "/notifications", None, SIGNED_IN),
    "mark all read": ("POST", "/notifications/read", {}, SIGNED_IN),
}


def _scene(app, make_user, signin):
    """A thread by a resident, with an official answer, a neighbour's post and a verified organisation."""
    author, author_user = person(app, make_user, signin)
    official, _ = person(app, make_user, signin, role="staff")
    thread = start_thread(author)
    reply(official, thread, body="Official words")
    official_post = last_post(app, thread)
    reply(author, thread, body="Neighbour words")
    post = last_post(app, thread)
    with app.app_context(), db.writing():
        session = db.get_session()
        from sqlmodel import select
        from portal.models import Area
        area = session.exec(select(Area).where(Area.kind == "neighbourhood")).first()
        org = Organisation(name="Elm St Civic", area_id=area.id, contact="elm@example.org",
                           created_by_id=author_user.id, verified_at=utcnow())
        session.add(org)
        session.commit()
        ids = {"thread": thread, "post": post.id, "official": official_post.id, "org": org.id,
               "author": author_user.id, "area": area.slug}
    return ids


@pytest.mark.parametrize("role", ROLES)
def test_every_action_for_every_role(app, city, make_user, signin, role):
    ids = _scene(app, make_user, signin)
    client = app.test_client() if role == "anonymous" else person(app, make_user, signin, role=role)[0]
    for name, (method, template, data, allowed) in ACTIONS.items():
        with app.app_context(), db.writing():  # each action meets the same scene
            session = db.get_session()
            session.execute(update(User).where(User.id == ids["author"]).values(blocked_at=None))
            session.execute(update(Post).where(Post.id == ids["post"]).values(hidden_at=None))
            session.commit()
        path = template.format(**ids)
        body = {k: v.format(**ids) for k, v in data.items()} if data is not None else None
        response = client.open(path, method=method, data=body)
        code = response.status_code
        if role in allowed:
            assert code in (200, 303), (role, name, code, response.get_data(as_text=True)[:500])
            if method == "POST" and name != "start a thread" and role != "anonymous":
                assert "/signin" not in response.headers.get("Location", ""), (role, name)
        elif role == "anonymous":
            assert code in (302, 303) and "/signin" in response.headers["Location"], (name, code)
        else:
            assert code == 403, (role, name, code)


def test_a_blocked_person_cannot_write_anything(app, city, make_user, signin):
    ids = _scene(app, make_user, signin)
    client, user = person(app, make_user, signin)
    with app.app_context(), db.writing():
        session = db.get_session()
        session.execute(update(User).where(User.id == user.id).values(blocked_at=utcnow()))
        session.commit()
    for path, data in ((f"/threads/{ids['thread']}/reply", {"body": "x"}),
                       ("/boards/city/new", {"title": "t", "body": "b", "tag": "general"}),
                       (f"/threads/{ids['thread']}/support", {}),
                       (f"/posts/{ids['post']}/flag", {"reason": "spam"}),
                       ("/organisations/new", {"name": "n", "kind": "civic", "area": ids["area"], "contact": "c"})):
        assert client.post(path, data=data).status_code == 403, path
