"""Community rules without HTTP: writing rules, levels, flags, limits, digests, tokens, medians."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.accounts.service import create_user
from portal.community import moderation, officials, service, throttle
from portal.community.service import Refused
from portal.models import Department, Follow, Notification, OutboxMail, Post, Thread, User, utcnow
from portal.notify import digest, inbox, unsubscribe
from portal.validation import Invalid


@pytest.fixture
def people(app, session):
    made = {}
    session.add(Department(code="streets", name="Streets Department"))
    session.commit()
    for name, role in (("ann", "resident"), ("ben", "resident"), ("cat", "resident"), ("dee", "resident"),
                       ("sam", "staff"), ("mo", "moderator")):
        made[name] = create_user(session, email=f"{name}@example.org", password="a sturdy passphrase", role=role,
                                 department_code="streets" if role == "staff" else None, display_name=name.title())
    return made


def test_writing_rules(session, people):
    board = service.city_board()
    with pytest.raises(Invalid) as problem:
        service.create_thread(session, board, people["ann"], title=" ", body="", tag="nope")
    assert set(problem.value.errors) == {"title", "body", "tag"}
    thread, opening = service.create_thread(session, board, people["ann"], title="T\u202eitle", body="Hello")
    assert thread.title == "Title" and opening.opening and opening.html == "<p>Hello</p>"
    official = service.add_post(session, thread, people["sam"], "On it")
    assert official.official_department_id == people["sam"].department_id
    assert service.add_post(session, thread, people["ben"], "ok").official_department_id is None
    with pytest.raises(Invalid):
        service.add_post(session, thread, people["ben"], "x" * (service.MAX_POST + 1))
    with pytest.raises(Invalid):
        service.add_post(session, thread, people["ben"], "reply", reply_to_id=10_000)
    people["cat"].blocked_at = utcnow()
    with pytest.raises(Refused) as refused:
        service.add_post(session, thread, people["cat"], "blocked")
    assert refused.value.status == 403
    thread.locked_at = utcnow()
    with pytest.raises(Refused) as refused:
        service.add_post(session, thread, people["ben"], "locked")
    assert refused.value.status == 409
    assert thread.reply_count == 2


def test_edit_delete_and_support(session, people):
    thread, opening = service.create_thread(session, service.city_board(), people["ann"], title="T", body="one")
    with pytest.raises(Refused):
        service.edit_post(session, opening, people["ben"], "two")
    with pytest.raises(Invalid):
        service.edit_post(session, opening, people["mo"], "two")  # a moderator needs a reason
    service.edit_post(session, opening, people["ann"], "two")
    assert opening.edited_at and opening.html == "<p>two</p>"
    service.delete_post(session, opening, people["ann"])
    assert opening.deleted_at and opening.body == "" and not service.may_edit(people["ann"], opening)
    with pytest.raises(Refused) as refused:
        service.add_post(session, thread, people["ben"], "after deletion")
    assert refused.value.status == 410
    assert service.support(session, thread, people["ben"]) is True
    assert service.support(session, thread, people["ben"]) is False
    assert thread.support_count == 1


def test_flags_hide_at_three_distinct_people(session, people):
    thread, opening = service.create_thread(session, service.city_board(), people["ann"], title="T", body="spam")
    with pytest.raises(Refused):
        moderation.flag(session, opening, people["ann"], reason="spam")
    assert moderation.flag(session, opening, people["ben"], reason="spam") is False
    with pytest.raises(Refused):
        moderation.flag(session, opening, people["ben"], reason="spam")
    assert moderation.flag(session, opening, people["cat"], reason="abuse") is False
    assert moderation.flag(session, opening, people["dee"], reason="other") is True
    assert opening.hidden_at and thread.hidden_at and opening.flag_count == 3
    assert service.list_threads(session, service.city_board()).total == 0
    assert service.list_threads(session, service.city_board(), moderator=True).total == 1
    moderation.restore(session, opening, people["mo"])
    assert opening.hidden_at is None and thread.hidden_at is None and opening.flag_count == 0


def test_levels_most_specific_wins(app, session, people):
    with app.test_request_context():
        thread, _ = service.create_thread(session, service.city_board(), people["ann"], title="T", body="b")
        inbox.set_follow(session, people["ben"].id, inbox.BOARD, 0, "watching")
        inbox.set_follow(session, people["cat"].id, inbox.BOARD, 0, "watching")
        inbox.set_follow(session, people["cat"].id, inbox.THREAD, thread.id, "muted")
        levels = inbox.thread_levels(session, thread)
        assert levels[people["ben"].id] == "watching" and levels[people["cat"].id] == "muted"
        inbox.follow_if_new(session, people["cat"].id, inbox.THREAD, thread.id)  # keeps their choice
        assert inbox.follow_level(session, people["cat"].id, inbox.THREAD, thread.id) == "muted"
        post = service.add_post(session, thread, people["dee"], "hi")
        inbox.notify_post(session, thread, post, replied_to_author_id=None, author_name="Dee")
        again = inbox.notify_post(session, thread, post, replied_to_author_id=None, author_name="Dee")
        assert again == []  # processed twice, told once
        notes = session.exec(select(Notification)).all()
        assert [(n.user_id, n.kind) for n in notes] == [(people["ben"].id, "post")]


def test_digest_claims_rows_once(app, session, people):
    people["ben"].notify_email = "daily"
    session.add(people["ben"])
    for n in range(3):
        session.add(Notification(user_id=people["ben"].id, event_key=f"e{n}", kind="post", text=f"<b>item {n}</b>",
                                 link=f"/threads/{n}", email_state="digest"))
    session.commit()
    with app.test_request_context():
        first = digest.send_digests(session, cap=2)
        second = digest.send_digests(session, cap=2)
    assert len(first) == 1 and second == []
    mail = session.get(OutboxMail, first[0])
    assert "<b>item 0</b>" in mail.body_text and "item 2" not in mail.body_text and "1 more" in mail.body_text
    assert mail.unsubscribe_url and all(n.email_state == "digested" for n in session.exec(select(Notification)))


def test_unsubscribe_tokens(app, session, people):
    with app.test_request_context():
        token = unsubscribe.token_for(user_id=people["ann"].id)
        assert unsubscribe.read(token) == {"u": people["ann"].id}
        assert unsubscribe.read(token + "x") is None and unsubscribe.read("garbage") is None
        assert unsubscribe.apply(session, unsubscribe.read(token))
    assert session.get(User, people["ann"].id).notify_email == "never"


def test_new_account_limits(app, session, people):
    ann = people["ann"]
    with app.test_request_context():
        assert throttle.is_new(ann) and not throttle.is_new(people["sam"])
        with pytest.raises(Invalid):
            throttle.check(session, ann, ip="1.2.3.4", body="[a](https://a) [b](https://b) [c](https://c)")
        throttle.check(session, ann, ip="1.2.3.4", body="fine")
        throttle.record(ann, ip="1.2.3.4")
        with pytest.raises(throttle.RateLimited) as wait:
            throttle.check(session, ann, ip="1.2.3.4", body="again")
        assert 0 < wait.value.seconds <= 30
        ann.created_at = utcnow() - timedelta(days=30)
        throttle.check(session, ann, ip="1.2.3.4", body="[a](https://a) [b](https://b) [c](https://c)")


def test_department_medians_with_sample_sizes(session, people):
    department = session.get(Department, people["sam"].department_id)
    empty = officials.department_stats(session, department)
    assert empty.answer_hours is None and empty.answer_sample == 0
    for hours in (1, 3, 10):
        thread, _ = service.create_thread(session, service.city_board(), people["ann"], title="T", body="b")
        thread.created_at = utcnow() - timedelta(hours=hours)
        session.add(thread)
        service.add_post(session, thread, people["sam"], "answer")
        service.add_post(session, thread, people["sam"], "a later answer does not count")
    session.flush()
    stats = officials.department_stats(session, department)
    assert stats.answer_sample == 3 and stats.answer_hours == 3.0


def test_only_official_answers_can_be_pinned(app, session, people):
    with app.test_request_context():
        thread, opening = service.create_thread(session, service.city_board(), people["ann"], title="T", body="b")
        with pytest.raises(Refused):
            officials.pin(session, thread, opening, people["sam"])
        answer = service.add_post(session, thread, people["sam"], "official")
        officials.pin(session, thread, answer, people["sam"])
        assert thread.pinned_post_id == answer.id
    assert session.exec(select(Post)).all() and session.exec(select(Thread)).one().pinned_post_id == answer.id
    assert session.exec(select(Follow)).all() == []
