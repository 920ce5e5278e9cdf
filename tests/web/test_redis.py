"""With REDIS_URL set, as when several app processes run: mail leaves through an RQ job (sent once
even when the job runs twice), and rate limits are shared by every process. Uses the Redis server on
this machine (TEST_REDIS_URL, default database 15); skipped with the reason when none answers."""
import os
import secrets
import uuid

import pytest
from sqlmodel import select

from portal import db
from portal.models import OutboxMail
from tests.conftest import make_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis():
    from redis import Redis
    from redis.exceptions import RedisError
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisError as problem:
        pytest.skip(f"no Redis server at {REDIS_URL} ({problem})")
    return connection


def test_mail_goes_through_an_rq_job_and_is_sent_once(database_url, tmp_path, redis, smtp_server, make_user,
                                                      monkeypatch):
    from rq import Queue, SimpleWorker
    queue = Queue("mail", connection=redis)
    queue.empty()
    # The worker builds its own app from the environment, as `rq worker` does in production.
    for name, value in {"DATABASE_URL": database_url, "SMTP_URL": smtp_server.url, "REDIS_URL": REDIS_URL,
                        "SECRET_KEY": "test-secret"}.items():
        monkeypatch.setenv(name, value)
    app = make_app(database_url, tmp_path, REDIS_URL=REDIS_URL, SMTP_URL=smtp_server.url)
    user, _password = make_user("resident", email=f"{uuid.uuid4().hex[:12]}@example.org")

    response = app.test_client().post("/password/forgot", data={"email": user.email})
    assert response.status_code == 303
    response.close()  # nothing is sent after the response when Redis is configured: it is a job
    with app.app_context():
        mail = db.get_session().exec(select(OutboxMail)).one()
        assert mail.status == "queued"
    assert smtp_server.messages == [] and queue.count == 1

    SimpleWorker([queue], connection=redis).work(burst=True)
    assert [m.rcpt_tos for m in smtp_server.messages] == [[user.email]]

    queue.enqueue("portal.notify.dispatch.deliver_job", mail.id)  # a retried job
    SimpleWorker([queue], connection=redis).work(burst=True)
    assert len(smtp_server.messages) == 1
    with app.app_context():
        assert db.get_session().get(OutboxMail, mail.id).status == "sent"
    app.extensions["engine"].dispose()


def test_rate_limits_are_shared_by_every_process(database_url, tmp_path, redis):
    """Two app instances stand for two worker processes: failed sign-ins on either count together."""
    first, second = (make_app(database_url, tmp_path, REDIS_URL=REDIS_URL, RATELIMIT_STORAGE_URI=None,
                              LOGIN_LIMIT="4 per minute") for _ in range(2))
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    email = f"{uuid.uuid4().hex[:12]}@example.org"
    statuses = []
    for app in (first, second, first, second, first):
        client = app.test_client()
        response = client.post("/signin", data={"email": email, "password": "not the password"},
                               environ_base={"REMOTE_ADDR": address})
        statuses.append(response.status_code)
    assert statuses == [422, 422, 422, 422, 429]
    for app in (first, second):
        app.extensions["engine"].dispose()
