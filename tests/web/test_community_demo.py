"""The served demo shows the community: threads on boards, an official answer pinned, an
organisation and its event, and the area page linking to its board."""
import re

from sqlmodel import select

from portal import db
from portal.models import Area, Event, Organisation, Thread
from tests.pages import html


def test_demo_has_boards_threads_an_official_answer_an_organisation_and_an_event(app, tmp_path, monkeypatch):
    import portal.demo
    monkeypatch.setattr(portal.demo, "ACCOUNTS_FILE", tmp_path / "demo-accounts.txt")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0 and "community threads: 4" in result.output, result.output
    with app.app_context():
        session = db.get_session()
        threads = session.exec(select(Thread).order_by(Thread.id)).all()
        area = session.get(Area, threads[0].area_id)
        assert session.exec(select(Organisation)).one().verified_at is not None
        assert session.exec(select(Event)).one().area_id == area.id
    client = app.test_client()
    board = html(client.get(f"/boards/{area.slug}"))
    assert threads[0].title in board and "Spring park cleanup" in board
    page = html(client.get(f"/threads/{threads[0].id}"))
    assert "Official answer" in page and 'class="badge official"' in page
    area_page = html(client.get(f"/areas/{area.slug}"))
    assert f'href="/boards/{area.slug}"' in area_page and "Spring park cleanup" in area_page
    assert re.search(r"Civic Association", html(client.get("/organisations")))
    again = app.test_cli_runner().invoke(args=["demo"])
    assert "already loaded" in again.output
