"""Boards and threads through HTTP on SQLite and PostgreSQL: reading, writing, previews, quoting,
editing, deleting, support, unread markers, pagination, htmx fragments, and bad input."""
from __future__ import annotations

import re

from portal.models import Notification, Post, PostDraft, PostRevision, Thread, ThreadSupport
from tests.pages import html
from tests.web.community_helpers import assert_inert, count, last_post, person, reply, rows, shift, start_thread, thread_row


def test_boards_list_the_city_board_and_every_neighbourhood(client, city):
    page = html(client.get("/boards"))
    assert 'href="/boards/city"' in page
    assert len(re.findall(r'href="/boards/[\w-]+"', page)) >= 5
    slug = re.findall(r'href="/boards/([\w-]+)"', page)[1]
    board = client.get(f"/boards/{slug}")
    assert board.status_code == 200 and f"/boards/{slug}/feed.atom" in html(board)
    assert client.get("/boards/no-such-place").status_code == 404


def test_a_thread_with_replies_quotes_and_reply_to(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    bob, bob_user = person(app, make_user, signin)
    thread_id = start_thread(alice, title="Trash day moved?", body="Did pickup move to **Thursday**?")
    page = html(alice.get(f"/threads/{thread_id}"))
    assert "<strong>Thursday</strong>" in page and "<h1>Trash day moved?</h1>" in page
    opening = last_post(app, thread_id)
    quoting = html(bob.get(f"/threads/{thread_id}?reply_to={opening.id}"))
    assert "&gt; Did pickup move to **Thursday**?" in quoting  # the quote, ready to answer under
    assert f'name="reply_to" value="{opening.id}"' in quoting
    answer = reply(bob, thread_id, body="> Did pickup move\n\nYes, since March.", reply_to=str(opening.id))
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"#p{opening.id + 1}")
    page = html(alice.get(f"/threads/{thread_id}"))
    assert "<blockquote>" in page and f'href="#p{opening.id}"' in page and "Yes, since March." in page
    assert thread_row(app, thread_id).reply_count == 1


def test_preview_shows_without_storing_and_keeps_the_text(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    thread_id = start_thread(alice)
    preview = alice.post(f"/threads/{thread_id}/reply", data={"body": "*soon*", "action": "preview"})
    assert preview.status_code == 200
    assert "<em>soon</em>" in html(preview) and ">*soon*</textarea>" in html(preview)
    assert count(app, Post) == 1
    new = alice.post("/boards/city/new", data={"title": "Idea", "body": "A **bench**", "tag": "idea",
                                               "action": "preview"})
    assert new.status_code == 200 and "<strong>bench</strong>" in html(new) and count(app, Thread) == 1


def test_a_retried_reply_or_thread_is_stored_once(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    data = {"title": "Once", "body": "Only once", "tag": "general", "idempotency_key": "k" * 20}
    first, second = alice.post("/boards/city/new", data=data), alice.post("/boards/city/new", data=data)
    assert first.headers["Location"] == second.headers["Location"] and count(app, Thread) == 1
    thread_id = rows(app, Thread)[0].id
    for _ in range(2):
        assert reply(alice, thread_id, body="Same", idempotency_key="r" * 20).status_code == 303
    assert count(app, Post) == 2


def test_edit_keeps_history_and_shows_edited(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    bob, _ = person(app, make_user, signin)
    thread_id = start_thread(alice, body="first words")
    post = last_post(app, thread_id)
    assert bob.get(f"/posts/{post.id}/edit").status_code == 403
    assert bob.post(f"/posts/{post.id}/edit", data={"body": "hijacked"}).status_code == 403
    saved = alice.post(f"/posts/{post.id}/edit", data={"body": "better words"})
    assert saved.status_code == 303
    page = html(alice.get(f"/threads/{thread_id}"))
    assert "better words" in page and "edited" in page and "first words" not in page
    assert [r.body for r in rows(app, PostRevision)] == ["first words"]


def test_authors_delete_their_posts_and_a_tombstone_stays(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    bob, _ = person(app, make_user, signin)
    thread_id = start_thread(alice)
    reply(bob, thread_id, body="a regrettable reply")
    post = last_post(app, thread_id)
    assert alice.post(f"/posts/{post.id}/delete").status_code == 403
    assert bob.get(f"/posts/{post.id}/delete").status_code == 200
    assert bob.post(f"/posts/{post.id}/delete").status_code == 303
    page = html(alice.get(f"/threads/{thread_id}"))
    assert "regrettable" not in page and "deleted by its author" in page
    assert rows(app, PostRevision)[0].body == "a regrettable reply"  # kept for moderators


def test_a_thread_whose_opening_post_is_deleted_takes_no_replies(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    bob, _ = person(app, make_user, signin)
    thread_id = start_thread(alice)
    alice.post(f"/posts/{last_post(app, thread_id).id}/delete")
    refused = reply(bob, thread_id, body="too late, my text")
    assert refused.status_code == 410 and "too late, my text" in html(refused)
    assert count(app, Post) == 1


def test_support_once_and_sort_by_support(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    bob, _ = person(app, make_user, signin)
    quiet = start_thread(alice, title="Quiet one")
    popular = start_thread(alice, title="Popular one")
    reply(alice, quiet, body="bump")  # the quiet one has the latest activity (a minute later)
    shift(app, quiet, minutes=1)
    for _ in range(2):
        assert bob.post(f"/threads/{popular}/support").status_code == 303
    assert count(app, ThreadSupport) == 1 and thread_row(app, popular).support_count == 1
    by_activity = html(bob.get("/boards/city"))
    by_support = html(bob.get("/boards/city?sort=support"))
    assert by_activity.index("Quiet one") < by_activity.index("Popular one")
    assert by_support.index("Popular one") < by_support.index("Quiet one")
    assert "You support this." in html(bob.get(f"/threads/{popular}"))


def test_unread_markers_for_signed_in_readers(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    bob, _ = person(app, make_user, signin)
    thread_id = start_thread(alice, title="Marker test")
    assert 'class="unread"' in html(bob.get("/boards/city"))
    bob.get(f"/threads/{thread_id}")
    assert 'class="unread"' not in html(bob.get("/boards/city"))
    reply(alice, thread_id, body="news")
    assert 'class="unread"' not in html(alice.get("/boards/city"))  # her own reply
    shift(app, thread_id)  # timestamps are whole seconds: the reply comes a moment after Bob's read
    assert 'class="unread"' in html(bob.get("/boards/city"))
    from tests.conftest import StoopClient  # anonymous readers see no markers
    assert "unread" not in html(app.test_client().get("/boards/city"))
    assert StoopClient


def test_threads_and_posts_paginate_without_js(app, city, make_user, signin, monkeypatch):
    from portal.community import service
    monkeypatch.setattr(service, "THREADS_PAGE", 2)
    monkeypatch.setattr(service, "POSTS_PAGE", 2)
    alice, _ = person(app, make_user, signin)
    for n in range(3):
        start_thread(alice, title=f"Thread {n}")
    first = html(alice.get("/boards/city"))
    assert 'rel="next"' in first and "Thread 0" not in first
    assert "Thread 0" in html(alice.get("/boards/city?page=2"))
    thread_id = rows(app, Thread)[0].id
    for n in range(3):
        reply(alice, thread_id, body=f"reply number {n}")
    page_one = html(alice.get(f"/threads/{thread_id}"))
    assert "reply number 2" not in page_one and 'id="more"' not in page_one  # no live updates on old pages
    last = html(alice.get(f"/threads/{thread_id}?page=2"))
    assert "reply number 2" in last and 'id="more"' in last


def test_htmx_reply_returns_the_empty_form_and_the_poll_brings_new_posts(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    thread_id = start_thread(alice)
    opening = last_post(app, thread_id)
    htmx = {"HX-Request": "true"}
    answer = alice.post(f"/threads/{thread_id}/reply", data={"body": "via htmx"}, headers=htmx)
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "stoop:posted"
    body = html(answer)
    assert body.startswith('\n<div id="reply">') or body.lstrip().startswith('<div id="reply">')
    assert "<html" not in body and "via htmx</textarea>" not in body
    assert "HX-Request" in answer.headers["Vary"]
    poll = alice.get(f"/threads/{thread_id}/posts?after={opening.id}", headers=htmx)
    assert "via htmx" in html(poll) and f"after={opening.id + 1}" in html(poll) and "<html" not in html(poll)
    nothing = alice.get(f"/threads/{thread_id}/posts?after={opening.id + 1}", headers=htmx)
    assert "<article" not in html(nothing)
    bad = alice.post(f"/threads/{thread_id}/reply", data={"body": "  "}, headers=htmx)
    assert bad.status_code == 422 and 'id="reply"' in html(bad) and "<html" not in html(bad)


def test_bad_input_is_refused_with_the_text_kept(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    thread_id = start_thread(alice)
    empty = reply(alice, thread_id, body="   ")
    assert empty.status_code == 422 and "Write something first." in html(empty)
    huge = reply(alice, thread_id, body="x" * 100_000)
    assert huge.status_code == 422 and "too long" in html(huge)
    no_title = alice.post("/boards/city/new", data={"title": "", "body": "keep me please", "tag": "general"})
    assert no_title.status_code == 422 and "keep me please</textarea>" in html(no_title)
    bad_tag = alice.post("/boards/city/new", data={"title": "T", "body": "b", "tag": "<script>"})
    assert bad_tag.status_code == 422
    unknown_request = alice.post("/boards/city/new", data={"title": "T", "body": "b", "tag": "general",
                                                           "requests": "9999-9999"})
    assert unknown_request.status_code == 422 and "9999-9999" in html(unknown_request)
    control = reply(alice, thread_id, body="bad \x00 char")
    assert control.status_code == 422
    assert count(app, Post) == 1 and count(app, Thread) == 1
    assert reply(alice, 99999, body="nowhere").status_code == 404


def test_missing_csrf_is_a_400_that_keeps_the_text_and_stores_nothing(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    thread_id = start_thread(alice)
    refused = alice.post(f"/threads/{thread_id}/reply", data={"body": "typed with care"}, csrf=False)
    assert refused.status_code == 400 and "typed with care</textarea>" in html(refused)
    refused = alice.post("/boards/city/new", data={"title": "t", "body": "also typed", "tag": "general"}, csrf=False)
    assert refused.status_code == 400 and "also typed</textarea>" in html(refused)
    assert alice.post(f"/threads/{thread_id}/support", csrf=False).status_code == 400
    assert count(app, Post) == 1 and count(app, Thread) == 1 and count(app, ThreadSupport) == 0


def test_an_ended_session_keeps_the_draft_until_after_sign_in(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    thread_id = start_thread(alice)
    user, password = make_user()
    visitor = app.test_client()
    kept = visitor.post(f"/threads/{thread_id}/reply", data={"body": "written before my session ended"})
    assert kept.status_code == 303 and "/signin" in kept.headers["Location"]
    assert count(app, PostDraft) == 1 and count(app, Post) == 1
    signin(visitor, user.email, password)
    back = html(visitor.get(f"/threads/{thread_id}"))
    assert "written before my session ended</textarea>" in back
    assert count(app, PostDraft) == 0  # shown once, then gone
    assert "written before" not in html(visitor.get(f"/threads/{thread_id}"))


def test_xss_in_titles_posts_and_names_renders_inert(app, city, make_user, signin):
    from tests.unit.test_markup import XSS_CORPUS
    alice, alice_user = person(app, make_user, signin)
    from portal import db
    with app.app_context(), db.writing():
        session = db.get_session()
        user = session.get(type(alice_user), alice_user.id)
        user.display_name = '<img src=x onerror=alert(1)>\u202eevil'
        session.commit()
    payloads = [p for p in XSS_CORPUS if "\x00" not in p and len(p) < 150][:25]
    thread_id = start_thread(alice, title="<script>alert(1)</script>", body="\n\n".join(payloads))
    for payload in payloads[:8]:
        reply(alice, thread_id, body=payload)
    for path in (f"/threads/{thread_id}", "/boards/city", f"/threads/{thread_id}?reply_to={last_post(app, thread_id).id}"):
        assert_inert(html(alice.get(path)))
    feed = html(alice.get("/boards/city/feed.atom"))
    assert "<script" not in feed and "&lt;script&gt;alert(1)" in feed  # escaped text, as XML requires
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html(alice.get(f"/threads/{thread_id}"))


def test_request_numbers_link_threads_and_requests(app, city, make_user, signin):
    from tests.web.community_requests import file_request
    alice, _ = person(app, make_user, signin)
    number = file_request(app)
    thread_id = start_thread(alice, title="About the pothole", requests=number)
    assert f"/requests/{number}" in html(alice.get(f"/threads/{thread_id}"))
    request_page = html(alice.get(f"/requests/{number}"))
    assert "About the pothole" in request_page and "Start the discussion" in request_page


def test_every_request_has_its_own_discussion(app, city, make_user, signin):
    from tests.web.community_requests import file_request
    alice, _ = person(app, make_user, signin)
    bob, _ = person(app, make_user, signin)
    number = file_request(app)
    started = alice.post(f"/requests/{number}/discussion", data={"body": "Who else saw this?"})
    assert started.status_code == 303
    thread_id = int(started.headers["Location"].rsplit("/", 1)[1])
    assert bob.post(f"/requests/{number}/discussion", data={"body": "Me, yesterday."}).status_code == 303
    assert count(app, Thread) == 1 and count(app, Post) == 2
    page = html(bob.get(f"/requests/{number}"))
    assert "Who else saw this?" in page and "Me, yesterday." in page
    assert thread_row(app, thread_id).request_id is not None
    assert count(app, Notification) == 0  # Alice follows at "normal": a neighbour's reply is not for her


def test_request_follow_levels_from_its_page(app, city, make_user, signin):
    from portal.models import RequestFollower, ServiceRequest
    from tests.web.community_requests import file_request
    alice, alice_user = person(app, make_user, signin)
    number = file_request(app)
    request_id = rows(app, ServiceRequest)[0].id
    page = html(alice.get(f"/requests/{number}"))
    assert f'action="/follow/request/{request_id}"' in page and "Start the discussion" in page
    assert alice.post(f"/follow/request/{request_id}", data={"level": "watching"}).status_code == 303
    assert [f.level for f in rows(app, RequestFollower, RequestFollower.user_id == alice_user.id)] == ["watching"]
    alice.post(f"/follow/request/{request_id}", data={"level": "muted"})
    assert [f.level for f in rows(app, RequestFollower, RequestFollower.user_id == alice_user.id)] == ["muted"]
    alice.post(f"/follow/request/{request_id}", data={"level": ""})
    assert count(app, RequestFollower, RequestFollower.user_id == alice_user.id) == 0
    assert alice.post("/follow/request/999999", data={"level": "normal"}).status_code == 404
    alice.post(f"/requests/{number}/discussion", data={"body": "first"})
    again = alice.post(f"/requests/{number}/discussion", data={"body": "second, from the request page"})
    assert again.status_code == 303 and count(app, Thread) == 1 and count(app, Post) == 2


def test_board_filters_swap_only_the_list_with_htmx(app, city, make_user, signin):
    alice, _ = person(app, make_user, signin)
    start_thread(alice, title="A problem thread")
    fragment = alice.get("/boards/city?tag=problem", headers={"HX-Request": "true"})
    body = html(fragment)
    assert body.lstrip().startswith('<div id="threads">') and "A problem thread" in body and "<html" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    assert "A problem thread" not in html(alice.get("/boards/city?tag=idea", headers={"HX-Request": "true"}))
    boosted = alice.get("/boards/city", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in html(boosted)


def test_a_new_thread_draft_survives_an_ended_session(app, city, make_user, signin):
    user, password = make_user()
    visitor = app.test_client()
    kept = visitor.post("/boards/city/new", data={"title": "Kept title", "body": "Kept body", "tag": "idea"})
    assert kept.status_code == 303 and "/signin" in kept.headers["Location"] and count(app, Thread) == 0
    signin(visitor, user.email, password)
    form = html(visitor.get("/boards/city/new"))
    assert 'value="Kept title"' in form and "Kept body</textarea>" in form
    assert count(app, PostDraft) == 0
