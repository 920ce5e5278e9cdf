"""Flags, the moderation queue, moderators' decisions (audited), blocking, locking, limits."""
from __future__ import annotations

from sqlmodel import select

from portal import db
from portal.models import AuditEntry, Post, PostFlag, PostRevision, Thread, User
from tests.pages import html
from tests.web.community_helpers import count, last_post, person, reply, rows, start_thread, thread_row


def _flag(client, post_id, reason="abuse"):
    return client.post(f"/posts/{post_id}/flag", data={"reason": reason, "note": "rude"})


def test_three_different_flags_hide_a_post_until_a_moderator_restores_it(app, city, make_user, signin):
    resident, _ = person(app, make_user, signin)
    troll, troll_user = person(app, make_user, signin)
    thread_id = start_thread(resident)
    reply(troll, thread_id, body="TROLL TEXT")
    post = last_post(app, thread_id)
    flaggers = [person(app, make_user, signin)[0] for _ in range(3)]
    assert _flag(flaggers[0], post.id).status_code == 303
    again = _flag(flaggers[0], post.id)
    assert again.status_code == 409 and count(app, PostFlag) == 1  # a double flag counts once
    own = _flag(troll, post.id)
    assert own.status_code == 403 and count(app, PostFlag) == 1
    _flag(flaggers[1], post.id)
    assert "TROLL TEXT" in html(resident.get(f"/threads/{thread_id}"))  # two flags: still shown
    _flag(flaggers[2], post.id)
    page = html(resident.get(f"/threads/{thread_id}"))
    assert "TROLL TEXT" not in page and "hidden while a moderator looks at it" in page
    moderator, _ = person(app, make_user, signin, role="moderator")
    queue = html(moderator.get("/moderation"))
    assert "TROLL TEXT" in queue and "3 flags" in queue
    assert "TROLL TEXT" in html(moderator.get(f"/threads/{thread_id}"))  # moderators still see it, marked
    assert moderator.post(f"/moderation/posts/{post.id}/restore").status_code == 303
    assert "TROLL TEXT" in html(resident.get(f"/threads/{thread_id}"))
    assert all(f.resolved_at for f in rows(app, PostFlag))
    assert [e.action for e in rows(app, AuditEntry)] == ["post.restore"]


def test_moderator_hides_edits_with_reason_locks_and_blocks_all_audited(app, city, make_user, signin):
    resident, _ = person(app, make_user, signin)
    troll, troll_user = person(app, make_user, signin)
    moderator, mod_user = person(app, make_user, signin, role="moderator")
    thread_id = start_thread(resident)
    reply(troll, thread_id, body="nasty words")
    post = last_post(app, thread_id)
    assert moderator.post(f"/moderation/posts/{post.id}/hide", data={"reason": "insults"}).status_code == 303
    assert "nasty words" not in html(resident.get(f"/threads/{thread_id}"))
    no_reason = moderator.post(f"/posts/{post.id}/edit", data={"body": "[removed insult]"})
    assert no_reason.status_code == 422 and "[removed insult]</textarea>" in html(no_reason)
    edited = moderator.post(f"/posts/{post.id}/edit", data={"body": "[removed insult]", "reason": "insult"})
    assert edited.status_code == 303
    assert [r.body for r in rows(app, PostRevision)] == ["nasty words"]
    assert "nasty words" in html(moderator.get(f"/posts/{post.id}/edit"))  # history, for moderators
    assert moderator.post(f"/moderation/threads/{thread_id}/lock", data={"locked": "1"}).status_code == 303
    locked = reply(resident, thread_id, body="can I still reply?")
    assert locked.status_code == 409 and "can I still reply?" in html(locked)
    assert moderator.post(f"/moderation/users/{troll_user.id}/block", data={"reason": "repeated insults"}).status_code == 303
    moderator.post(f"/moderation/threads/{thread_id}/lock", data={"locked": "0"})
    blocked = reply(troll, thread_id, body="blocked but typing")
    assert blocked.status_code == 403 and "blocked but typing" in html(blocked)
    assert troll.post("/boards/city/new", data={"title": "x", "body": "y", "tag": "general"}).status_code == 403
    actions = [e.action for e in rows(app, AuditEntry)]
    assert actions == ["post.hide", "post.edit", "thread.lock", "user.block", "thread.unlock"]
    assert all(e.actor_user_id == mod_user.id for e in rows(app, AuditEntry))
    # Blocking hides what they wrote, from lists too.
    troll_thread = None
    with app.app_context(), db.writing():
        session = db.get_session()
        session.get(User, troll_user.id).blocked_at = None
        session.commit()
    troll_thread = start_thread(troll, title="Troll thread")
    moderator.post(f"/moderation/users/{troll_user.id}/block", data={"reason": "again"})
    assert "Troll thread" not in html(resident.get("/boards/city"))
    assert "Troll thread" in html(moderator.get("/boards/city"))
    assert troll_thread


def test_moderators_and_admins_cannot_be_blocked_and_block_needs_a_reason(app, city, make_user, signin):
    moderator, _ = person(app, make_user, signin, role="moderator")
    _, other_mod = person(app, make_user, signin, role="moderator")
    _, resident = person(app, make_user, signin)
    assert moderator.post(f"/moderation/users/{other_mod.id}/block", data={"reason": "x"}).status_code == 403
    assert moderator.post(f"/moderation/users/{resident.id}/block", data={"reason": ""}).status_code == 422
    assert count(app, AuditEntry) == 0


def test_hiding_an_opening_post_takes_the_thread_off_the_board(app, city, make_user, signin):
    resident, _ = person(app, make_user, signin)
    troll, _ = person(app, make_user, signin)
    thread_id = start_thread(troll, title="Spam thread")
    opening = last_post(app, thread_id)
    for _ in range(3):
        _flag(person(app, make_user, signin)[0], opening.id, reason="spam")
    assert thread_row(app, thread_id).hidden_at is not None
    assert "Spam thread" not in html(resident.get("/boards/city"))
    assert resident.get(f"/threads/{thread_id}").status_code == 404
    assert reply(resident, thread_id, body="x").status_code == 404


def test_flags_refused_for_deleted_posts_and_bad_reasons(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    bob, _ = person(app, make_user, signin)
    thread_id = start_thread(alice)
    post = last_post(app, thread_id)
    bad = bob.post(f"/posts/{post.id}/flag", data={"reason": "because"})
    assert bad.status_code == 422
    assert bob.post(f"/posts/{post.id}/flag", data={"reason": "spam"}, csrf=False).status_code == 400
    alice.post(f"/posts/{post.id}/delete")
    assert _flag(bob, post.id).status_code == 410
    assert count(app, PostFlag) == 0


def test_new_accounts_wait_between_posts_and_keep_their_text(app, city, make_user, signin):
    newcomer, _ = person(app, make_user, signin, old=False)
    thread_id = start_thread(newcomer, title="My first thread")
    too_fast = reply(newcomer, thread_id, body="second words, quickly")
    assert too_fast.status_code == 429 and int(too_fast.headers["Retry-After"]) <= 30
    body = html(too_fast)
    assert "second words, quickly</textarea>" in body and "You can post again in" in body
    assert count(app, Post) == 1


def test_new_accounts_start_three_threads_on_their_first_day_with_two_links_at_most(app, city, make_user, signin,
                                                                                      monkeypatch):
    from portal.community import throttle
    monkeypatch.setattr(throttle, "NEW_ACCOUNT_POST_RULE", "1000 per second")
    newcomer, _ = person(app, make_user, signin, old=False)
    links = "[a](https://a.example) [b](https://b.example) [c](https://c.example)"
    spammy = newcomer.post("/boards/city/new", data={"title": "Links", "body": links, "tag": "general"})
    assert spammy.status_code == 422 and "at most 2 links" in html(spammy)
    for n in range(3):
        start_thread(newcomer, title=f"Thread {n}")
    fourth = newcomer.post("/boards/city/new", data={"title": "Fourth", "body": "keep this", "tag": "general"})
    assert fourth.status_code == 429 and "keep this</textarea>" in html(fourth)
    assert count(app, Thread) == 3
    veteran, _ = person(app, make_user, signin)
    ok = veteran.post("/boards/city/new", data={"title": "Links", "body": links, "tag": "general"})
    assert ok.status_code == 303


def test_everyone_is_limited_against_floods(app, city, make_user, signin):
    veteran, _ = person(app, make_user, signin)
    thread_id = start_thread(veteran)
    statuses = [reply(veteran, thread_id, body=f"flood {n}").status_code for n in range(12)]
    assert statuses.count(303) == 9 and statuses[-1] == 429  # 10 a minute, the thread included
    with app.app_context():
        assert db.get_session().exec(select(Post).where(Post.body == "flood 11")).first() is None
