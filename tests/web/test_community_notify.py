"""Following, the inbox and mail: levels, email choices, a real SMTP conversation, digests sent
once, one-click unsubscribe without signing in, request status changes."""
from __future__ import annotations

import email
import re
from email import policy

from sqlalchemy import update

from portal import db
from portal.models import Follow, Notification, OutboxMail, RequestFollower, User
from tests.pages import html
from tests.web.community_helpers import count, last_post, person, reply, rows, start_thread
from tests.web.community_requests import file_request


def _set(app, user, **values):
    with app.app_context(), db.writing():
        session = db.get_session()
        session.execute(update(User).where(User.id == user.id).values(**values))
        session.commit()


def test_the_resident_hears_once_of_the_official_answer_by_inbox_and_smtp(app, city, make_user, signin, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    resident, resident_user = person(app, make_user, signin)
    neighbour, _ = person(app, make_user, signin)
    official, _ = person(app, make_user, signin, role="staff")
    thread_id = start_thread(resident, title="Dark corner at 5th and Elm")
    reply(neighbour, thread_id, body="Same on my block.").close()
    neighbour.post(f"/threads/{thread_id}/support")
    answer = reply(official, thread_id, body="A crew will replace the lamp on Monday.")
    answer.close()  # mail leaves after the response (no Redis here)
    post = last_post(app, thread_id)
    page = html(resident.get(f"/threads/{thread_id}"))
    assert "Official" in page and "Highway supervisor" in page and "Sam Streets" in page
    assert official.post(f"/threads/{thread_id}/pin", data={"post_id": str(post.id)}).status_code == 303
    page = html(resident.get(f"/threads/{thread_id}"))
    assert page.index("Official answer") < page.index("Same on my block.")  # pinned on top
    notes = rows(app, Notification, Notification.user_id == resident_user.id)
    assert [n.kind for n in notes] == ["official"]
    assert '<span class="badge" id="unread">1' in page
    inbox = html(resident.get("/notifications"))
    assert "Official answer from Streets Department" in inbox
    mails = [m for m in smtp_server.messages if m.rcpt_tos == [resident_user.email]]
    assert len(mails) == 1
    message = email.message_from_bytes(mails[0].content, policy=policy.default)
    assert "Official answer" in message["Subject"]
    unsubscribe = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_content()
    assert "A crew will replace the lamp" in text and unsubscribe in text
    # One click from the mail app (RFC 8058), no session, no CSRF token: no more mail.
    anonymous = app.test_client()
    path = unsubscribe.replace("http://localhost", "")
    assert anonymous.get(path).status_code == 200  # a GET only asks
    with app.app_context():
        assert db.get_session().get(User, resident_user.id).notify_email == "immediately"
    done = anonymous.post(path, data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert done.status_code == 204
    with app.app_context():
        assert db.get_session().get(User, resident_user.id).notify_email == "never"
    assert anonymous.post(path[:-3] + "xyz", csrf=False).status_code == 404  # tampered token


def test_levels_watching_normal_muted(app, city, make_user, signin):
    from collections import Counter
    author, author_user = person(app, make_user, signin)
    watcher, watcher_user = person(app, make_user, signin)
    muted, muted_user = person(app, make_user, signin)
    other, _ = person(app, make_user, signin)
    thread_id = start_thread(author)
    opening = last_post(app, thread_id)
    watcher.post(f"/follow/thread/{thread_id}", data={"level": "watching"})
    muted.post(f"/follow/thread/{thread_id}", data={"level": "muted"})
    reply(other, thread_id, body="plain reply")
    assert [(n.user_id, n.kind) for n in rows(app, Notification)] == [(watcher_user.id, "post")]
    reply(other, thread_id, body="> quoted\n\nanswer to you", reply_to=str(opening.id))
    reply(muted, thread_id, body="muted person writes")
    told = Counter((n.user_id, n.kind) for n in rows(app, Notification))
    assert told == Counter({(watcher_user.id, "post"): 3, (author_user.id, "reply"): 1})
    assert muted_user.id not in {user_id for user_id, _kind in told}
    assert watcher.post(f"/follow/thread/{thread_id}", data={"level": "loud"}).status_code == 400
    watcher.post(f"/follow/thread/{thread_id}", data={"level": ""})
    assert count(app, Follow, Follow.user_id == watcher_user.id) == 0


def test_board_watchers_hear_of_new_threads_and_email_choices_are_honoured(app, city, make_user, signin):
    author, _ = person(app, make_user, signin)
    daily, daily_user = person(app, make_user, signin)
    never, never_user = person(app, make_user, signin)
    now, now_user = person(app, make_user, signin)
    _set(app, daily_user, notify_email="daily")
    _set(app, never_user, notify_email="never")
    for client in (daily, never, now):
        assert client.post("/follow/board/0", data={"level": "watching"}).status_code == 303
    start_thread(author, title="News for watchers")
    notes = {n.user_id: n for n in rows(app, Notification)}
    assert set(notes) == {daily_user.id, never_user.id, now_user.id}
    assert notes[daily_user.id].email_state == "digest" and notes[never_user.id].email_state == "none"
    assert notes[now_user.id].email_state == "queued"
    assert [m.to_addr for m in rows(app, OutboxMail)] == [now_user.email]


def test_the_daily_digest_is_sent_once_and_caps_long_lists(app, city, make_user, signin, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    author, _ = person(app, make_user, signin)
    reader, reader_user = person(app, make_user, signin)
    _set(app, reader_user, notify_email="daily")
    reader.post("/follow/board/0", data={"level": "watching"})
    second_author, _ = person(app, make_user, signin)
    for n in range(12):  # two writers: each stays under the flood limit
        start_thread(author if n < 6 else second_author, title=f"Digest item {n}")
    result = app.test_cli_runner().invoke(args=["notify", "digest"])
    assert result.exit_code == 0 and "digests queued: 1" in result.output
    again = app.test_cli_runner().invoke(args=["notify", "digest"])  # a retried job sends nothing more
    assert "digests queued: 0" in again.output
    mails = [m for m in smtp_server.messages if m.rcpt_tos == [reader_user.email]]
    assert len(mails) == 1
    text = email.message_from_bytes(mails[0].content, policy=policy.default).get_content()
    assert "12 new notifications" in text and text.count("Digest item") == 10
    assert "2 more" in text and "/notifications" in text and "/unsubscribe/" in text
    assert {n.email_state for n in rows(app, Notification)} == {"digested"}


def test_inbox_marks_read_and_opens_the_link(app, city, make_user, signin):
    author, _ = person(app, make_user, signin)
    reader, reader_user = person(app, make_user, signin)
    reader.post("/follow/board/0", data={"level": "watching"})
    thread_id = start_thread(author, title="Read me")
    note = rows(app, Notification)[0]
    outsider, _ = person(app, make_user, signin)
    assert outsider.post(f"/notifications/{note.id}/open").status_code == 404
    opened = reader.post(f"/notifications/{note.id}/open")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/threads/{thread_id}")
    assert rows(app, Notification)[0].read_at is not None
    assert 'id="unread"' not in html(reader.get("/notifications"))
    assert reader.post("/notifications/read").status_code == 303
    assert app.test_client().get("/notifications").status_code == 302


def test_status_changes_reach_followers_by_their_choice_and_skip_muted(app, city, make_user, signin):
    resident, resident_user = person(app, make_user, signin)
    muted, muted_user = person(app, make_user, signin)
    number = file_request(app, user=resident_user)
    muted.post(f"/requests/{number}/follow")
    with app.app_context(), db.writing():
        session = db.get_session()
        session.execute(update(RequestFollower).where(RequestFollower.user_id == muted_user.id).values(level="muted"))
        session.commit()
    staff, _ = person(app, make_user, signin, role="staff")
    work = html(staff.get(f"/staff/requests/{number}"))
    version = re.search(r'name="version" value="([^"]+)"', work).group(1)
    changed = staff.post(f"/staff/requests/{number}/status", data={"status": "in_progress", "note": "Crew sent",
                                                                    "version": version})
    assert changed.status_code == 303
    notes = rows(app, Notification)
    assert [(n.user_id, n.kind) for n in notes] == [(resident_user.id, "status")]
    mails = rows(app, OutboxMail, OutboxMail.to_addr == resident_user.email)
    assert len(mails) == 1 and "Crew sent" in mails[0].body_text and mails[0].unsubscribe_url
    assert not rows(app, OutboxMail, OutboxMail.to_addr == muted_user.email)


def test_email_only_followers_unsubscribe_with_their_link(app, city, make_user, signin):
    from portal.notify import unsubscribe
    number = file_request(app)
    with app.test_request_context(), db.writing():
        session = db.get_session()
        from portal.requests.service import request_by_number
        session.add(RequestFollower(request_id=request_by_number(session, number).id, email="walker@example.org"))
        session.commit()
        link = unsubscribe.link(email="walker@example.org").replace("http://localhost", "")
    page = app.test_client().get(link)
    assert page.status_code == 200 and "walker@example.org" in html(page)
    done = app.test_client().post(link, csrf=False)
    assert done.status_code == 200 and "no more emails" in html(done)
    assert count(app, RequestFollower, RequestFollower.email == "walker@example.org") == 0


def test_hostile_titles_and_names_are_inert_in_the_inbox_and_in_mail(app, city, make_user, signin):
    from tests.web.community_helpers import assert_inert
    author, author_user = person(app, make_user, signin)
    _set(app, author_user, display_name='<img src=x onerror=alert(1)>\u202e')
    reader, reader_user = person(app, make_user, signin)
    reader.post("/follow/board/0", data={"level": "watching"})
    thread_id = start_thread(author, title='<script>alert(1)</script>\u202egnp.exe', body="[x](javascript:alert(1))")
    reply(author, thread_id, body="<svg onload=alert(1)>")
    page = html(reader.get("/notifications"))
    assert_inert(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;gnp.exe" in page
    for mail in rows(app, OutboxMail, OutboxMail.to_addr == reader_user.email):
        assert "\u202e" not in mail.subject + mail.body_text
        from portal.notify.service import build_message
        message = build_message(mail, "Stoop <no-reply@example.org>")
        assert message.get_content_type() == "text/plain"  # mail is plain text: nothing in it can run
        assert "javascript:alert" not in mail.body_text.replace("[x](javascript:alert(1))", "")
