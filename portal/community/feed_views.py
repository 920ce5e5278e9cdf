"""Feeds and the department page: Atom per board, iCalendar of a neighbourhood's events, and how
fast a department answers. Routes of the community blueprint."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, url_for
from flask_babel import _, get_locale
from sqlmodel import select

from portal.community import feeds, officials, organisations, service
from portal.community.views import bp, board_or_404
from portal.content import localise
from portal.db import get_session
from portal.models import Department, Post
from portal.web import render_page


@bp.get("/boards/<slug>/feed.atom")
def board_feed(slug: str):
    """The board's newest threads as Atom (RFC 4287)."""
    session, board = get_session(), board_or_404(slug)
    page = service.list_threads(session, board, sort="new")
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    authority = base.split("://", 1)[-1].split("/")[0].split(":")[0] or "stoop"
    openings = {p.thread_id: p for p in session.exec(select(Post).where(
        Post.thread_id.in_([t.id for t in page.items]), Post.opening))} if page.items else {}
    authors = service.people_of(session, list(openings.values()))["users"]
    entries = []
    for t in page.items:
        opening = openings.get(t.id)
        visible = opening and not opening.deleted_at and not opening.hidden_at
        entries.append({"id": feeds.tag_uri(authority, t.created_at.date(), f"thread/{t.id}"), "title": t.title,
                        "link": base + url_for("community.thread", thread_id=t.id), "updated": t.last_activity_at,
                        "published": t.created_at, "content": opening.html if visible else "",
                        "author": authors[opening.author_id].display_name if visible else ""})
    body = feeds.atom_feed(title=_("%(board)s · %(site)s", board=board.name, site=current_app.config["SITE_NAME"]),
                           feed_url=base + url_for("community.board_feed", slug=slug),
                           site_url=base + url_for("community.board", slug=slug),
                           updated=max([t.last_activity_at for t in page.items], default=_epoch()), entries=entries)
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}


@bp.get("/boards/<slug>/events.ics")
def board_events(slug: str):
    """The neighbourhood's events as iCalendar (RFC 5545), for any calendar app."""
    session, board = get_session(), board_or_404(slug)
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    authority = base.split("://", 1)[-1].split("/")[0].split(":")[0] or "stoop"
    rows = organisations.upcoming_events(session, area_id=board.area_id, limit=200, include_past_days=30) \
        if board.area_id else []
    events = [{"uid": f"event-{e.id}@{authority}", "start": e.starts_at, "end": e.ends_at, "summary": e.title,
               "location": e.place, "description": f"{o.name}\n\n{e.description}".strip(), "dtstamp": e.updated_at,
               "url": base + url_for("community.organisation", organisation_id=o.id)} for e, o in rows]
    body = feeds.icalendar(name=_("Events in %(place)s", place=board.name), events=events, stamp=_epoch())
    return body, 200, {"Content-Type": "text/calendar; charset=utf-8",
                       "Content-Disposition": f'inline; filename="{slug}-events.ics"'}


def _epoch():
    """A fixed stamp for empty feeds, so the same content gives the same bytes (and ETag)."""
    return datetime(2020, 1, 1, tzinfo=UTC)


@bp.get("/departments/<code>")
def department(code: str):
    """A department: how fast it answers in threads and closes requests (medians, with sample sizes)."""
    session = get_session()
    found = session.exec(select(Department).where(Department.code == code)).first()
    if found is None:
        abort(404)
    localise(session, "department", [found], str(get_locale()))
    return render_page("community/department.html", department=found,
                       stats=officials.department_stats(session, found))
