"""Boards and threads: read, start, reply (with preview), feeds. More routes of this blueprint live in
post_views (edit, delete, flag, support, follow, officials' tools), moderation_views and
organisation_views."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_babel import _, lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlmodel import select

from portal.community import compose, markup, officials, organisations, service, throttle
from portal.community.service import Invalid, Refused
from portal.db import get_session, writing
from portal.models import Organisation, Post, Thread
from portal.models.accounts import Role
from portal.models.community import FollowLevel
from portal.notify import inbox
from portal.validation import Form, row_id
from portal.web import keeps_input, page_number, render_page

bp = Blueprint("community", __name__)
LEVEL_LABELS = {
    FollowLevel.watching: _l("Watching: every post"),
    FollowLevel.normal: _l("Normal: replies to me and official answers"),
    FollowLevel.muted: _l("Muted: nothing"),
}


@bp.record_once
def _template_helpers(state) -> None:
    state.app.jinja_env.globals.update(TAGS=service.TAGS, SORTS=service.SORTS)
    state.app.jinja_env.filters.update(when=_when, person=_person)


def _person(name) -> Markup:
    """A name as people typed it, minus direction tricks, isolated so it cannot flip the text around it."""
    return Markup("<bdi>%s</bdi>") % service.plain_line(str(name or ""))


def _when(moment) -> str:
    """An event's date and time in the reader's language and the city's time zone."""
    from flask_babel import format_datetime
    return format_datetime(moment, "EEE d MMM, HH:mm")


def viewer_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def is_moderator() -> bool:
    return current_user.is_authenticated and current_user.has_role(Role.moderator)


def board_or_404(slug: str) -> service.Board:
    board = service.board_by_slug(get_session(), slug)
    if board is None:
        abort(404)
    return board


def thread_or_404(thread_id: int) -> Thread:
    """The thread; 404 when absent, or hidden by moderation and the reader is not a moderator."""
    thread = get_session().get(Thread, thread_id)
    if thread is None or (thread.hidden_at and not is_moderator()):
        abort(404)
    return thread


@bp.get("/boards")
def boards():
    """Every board: the city-wide one, then each neighbourhood's."""
    return render_page("community/boards.html", boards=service.all_boards(get_session()))


@bp.get("/boards/<slug>")
def board(slug: str):
    """A board's threads by last activity (or support, or newest), with unread markers; pages are links."""
    session, board = get_session(), board_or_404(slug)
    sort = request.args.get("sort") if request.args.get("sort") in service.SORTS else "activity"
    tag = request.args.get("tag") if request.args.get("tag") in service.TAGS else ""
    page = service.list_threads(session, board, sort=sort, tag=tag, page=page_number(),
                                moderator=is_moderator())
    authors = service.people_of(session, [], {t.author_id for t in page.items})["users"]
    return render_page("community/board.html", fragment="community/_threads.html", board=board, page=page, sort=sort,
                       tag=tag, authors=authors, unread=service.unread_thread_ids(session, viewer_id(), page.items),
                       events=organisations.upcoming_events(session, area_id=board.area_id, limit=5)
                       if board.area_id else [],
                       level=inbox.follow_level(session, viewer_id(), inbox.BOARD, inbox.board_target(board.area_id)),
                       level_labels=LEVEL_LABELS)


def _new_thread_page(board, form: Form, *, status: int = 200, preview: str = "", headers=None):
    session = get_session()
    orgs = service.posting_organisations(session, current_user) if current_user.is_authenticated else []
    body, code = render_page("community/new_thread.html", board=board, form=form, preview=preview, status=status,
                             organisations=orgs, org_choices=[(str(o.id), o.name) for o in orgs])
    return body, code, headers or {}


@bp.get("/boards/<slug>/new")
def new_thread(slug: str):
    board = board_or_404(slug)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    draft = compose.take_draft(get_session(), request.path)
    response = _new_thread_page(board, Form(draft or {"tag": request.args.get("tag", "general")}, csrf_failed=False))
    if draft:
        compose.forget_draft(get_session())
    return response


@bp.post("/boards/<slug>/new")
@keeps_input
def new_thread_post(slug: str):
    """Start a thread; "preview" shows it without storing; a retried post makes one thread."""
    session, board = get_session(), board_or_404(slug)
    form = Form(request.form)
    title = form.text("title", label=_l("Title"), max_length=service.TITLE_MAX)
    body = compose.read_body(form)
    tag = form.choice("tag", service.TAGS, label=_l("Category"))
    numbers = [n for n in form.text("requests", label=_l("Request numbers"), max_length=200).replace(",", " ").split()][:5]
    if not current_user.is_authenticated:
        if form.ok:
            return compose.keep_draft_and_sign_in(session, url_for("community.new_thread", slug=slug))
        return _new_thread_page(board, form, status=compose.refusal_status(form))
    if form.ok and compose.wants_preview():
        return _new_thread_page(board, form, preview=compose.preview_html(body))
    key = service.clean_key(form.value("idempotency_key"))
    if form.ok and (done := service.existing_by_key(session, Thread, key)):
        return redirect(url_for("community.thread", thread_id=done.id), 303)
    problem = None
    if form.ok:
        try:
            throttle.check(session, current_user, ip=request.remote_addr or "", body=body, new_thread=True)
            thread, post = service.create_thread(
                session, board, current_user, title=title, body=body, tag=tag, request_numbers=numbers,
                organisation_id=compose.int_or_none(form.value("as_organisation")), client_key=key)
            inbox.follow_if_new(session, current_user.id, inbox.THREAD, thread.id)
            service.mark_read(session, current_user.id, thread)
            mails = inbox.notify_new_thread(session, thread, post, board_name=board.name)
            session.commit()
            throttle.record(current_user, ip=request.remote_addr or "")
            _deliver(mails)
            return redirect(url_for("community.thread", thread_id=thread.id), 303)
        except (Invalid, Refused, throttle.RateLimited) as error:
            problem = compose.refused(session, form, error)
    status = compose.refusal_status(form, problem)
    return _new_thread_page(board, form, status=status, headers=compose.retry_headers(problem))


def _deliver(mails) -> None:
    from portal.notify.dispatch import deliver_soon
    deliver_soon([m.id for m in mails])


def thread_context(thread: Thread, *, page: int | None = None) -> dict:
    """Everything the thread page shows, read once, so templates never query."""
    session, user_id = get_session(), viewer_id()
    if page is None:
        page = page_number()
    posts = service.thread_posts(session, thread, page=page)
    pinned = session.get(Post, thread.pinned_post_id) if thread.pinned_post_id else None
    shown = posts.items + ([pinned] if pinned else [])
    quoted_ids = {p.reply_to_id for p in shown if p.reply_to_id}
    quoted = {p.id: p for p in session.exec(select(Post).where(Post.id.in_(quoted_ids)))} if quoted_ids else {}
    people = service.people_of(session, shown + list(quoted.values()), {thread.author_id})
    opening = service.opening_post(session, thread)
    return dict(thread=thread, board=service.board_of(session, thread), posts=posts, pinned=pinned, quoted=quoted,
                opening=opening, requests=service.linked_requests(session, thread),
                supported=service.supports(session, thread, user_id), moderator=is_moderator(),
                official=officials.is_official(current_user), may_pin=officials.may_pin(current_user),
                last_read=service.last_read(session, user_id, thread.id), level_labels=LEVEL_LABELS,
                level=inbox.follow_level(session, user_id, inbox.THREAD, thread.id),
                my_organisations=service.posting_organisations(session, current_user) if user_id else [],
                closed=bool(thread.locked_at or thread.hidden_at or (opening and opening.deleted_at)),
                **people)


def _thread_page(thread: Thread, form: Form | None = None, *, status: int = 200, preview: str = "",
                 headers=None, page: int | None = None, **extra):
    context = thread_context(thread, page=page) | extra
    if context["official"] and "types" not in context:
        from flask_babel import get_locale
        from portal.requests import catalogue
        context["types"] = catalogue.groups_with_types(get_session(), str(get_locale()))
    if form is None:
        form = Form({}, csrf_failed=False)
        if reply_to := row_id(request.args.get("reply_to")):
            form = _quoting_form(reply_to, context)
    body, code = render_page("community/thread.html", fragment="community/_reply.html", status=status, form=form,
                             preview=preview, **context)
    return body, code, headers or {}


def _quoting_form(reply_to: int, context: dict) -> Form:
    post = get_session().get(Post, reply_to)
    if post is None or post.thread_id != context["thread"].id or post.deleted_at or post.hidden_at:
        return Form({}, csrf_failed=False)
    author = context["users"].get(post.author_id) or service.people_of(get_session(), [post])["users"][post.author_id]
    return Form({"body": markup.quote(post.body, author.display_name or _("A neighbour")), "reply_to": str(post.id)},
                csrf_failed=False)


@bp.get("/threads/<int:thread_id>")
def thread(thread_id: int):
    """A thread: pinned official answer first, posts in order, one level of replies with quotes."""
    session, thread = get_session(), get_session().get(Thread, thread_id)
    if thread is None:
        abort(404)
    if thread.hidden_at and not is_moderator():
        return render_page("community/thread_hidden.html", thread=thread, status=404)
    draft = compose.take_draft(session, request.path) if current_user.is_authenticated else None
    response = _thread_page(thread, Form(draft, csrf_failed=False) if draft else None)
    if current_user.is_authenticated:
        session.commit()  # end the read transaction; the write below takes SQLite's lock up front
        with writing():
            service.mark_read(session, current_user.id, thread)
            session.commit()
        if draft:
            compose.forget_draft(session)
    return response


@bp.get("/threads/<int:thread_id>/posts")
def posts_after(thread_id: int):
    """New posts since `after`, for htmx's poll on the last page; the poll replaces itself."""
    session, thread = get_session(), thread_or_404(thread_id)
    after = row_id(request.args.get("after")) or 0
    posts = service.posts_after(session, thread, after)
    context = thread_context(thread, page=1) | {"new_posts": posts,
                                                "after": posts[-1].id if posts else after}
    context.update(service.people_of(session, posts))
    return render_page("community/_new_posts.html", **context)


@bp.post("/threads/<int:thread_id>/reply")
@keeps_input
def reply(thread_id: int):
    """Reply (or preview). With htmx the form comes back empty and the poll fetches the new post."""
    session, thread = get_session(), thread_or_404(thread_id)
    form = Form(request.form)
    body = compose.read_body(form)
    reply_to = compose.int_or_none(form.value("reply_to"))
    if not current_user.is_authenticated:
        if form.ok:
            return compose.keep_draft_and_sign_in(session, url_for("community.thread", thread_id=thread.id))
        return _thread_page(thread, form, status=compose.refusal_status(form))
    if form.ok and compose.wants_preview():
        return _thread_page(thread, form, preview=compose.preview_html(body))
    key = service.clean_key(form.value("idempotency_key"))
    if form.ok and (done := service.existing_by_key(session, Post, key)):
        return _after_reply(thread, done)
    problem = None
    if form.ok:
        try:
            throttle.check(session, current_user, ip=request.remote_addr or "", body=body)
            post = service.add_post(session, thread, current_user, body, reply_to_id=reply_to, client_key=key,
                                    organisation_id=compose.int_or_none(form.value("as_organisation")))
            mails = notify_reply(thread, post)
            service.mark_read(session, current_user.id, thread)  # one's own reply is not news
            session.commit()
            throttle.record(current_user, ip=request.remote_addr or "")
            _deliver(mails)
            return _after_reply(thread, post)
        except (Invalid, Refused, throttle.RateLimited) as error:
            problem = compose.refused(session, form, error)
    status = compose.refusal_status(form, problem)
    return _thread_page(thread, form, status=status, headers=compose.retry_headers(problem))


def notify_reply(thread: Thread, post: Post) -> list:
    """Follow what one writes in, and tell those who follow it (by level)."""
    session = get_session()
    inbox.follow_if_new(session, current_user.id, inbox.THREAD, thread.id)
    replied = session.get(Post, post.reply_to_id) if post.reply_to_id else None
    department = ""
    if post.official_department_id:
        from portal.models import Department
        department = session.get(Department, post.official_department_id).name
    author = session.get(Organisation, post.organisation_id).name if post.organisation_id else current_user.display_name
    return inbox.notify_post(session, thread, post, replied_to_author_id=replied.author_id if replied else None,
                             author_name=author or _("A neighbour"), department_name=department)


def _after_reply(thread: Thread, post: Post):
    from portal.web import wants_fragment
    if wants_fragment():
        body, _code = render_page("community/thread.html", fragment="community/_reply.html",
                                  form=Form({}, csrf_failed=False), preview="", **thread_context(thread))
        return body, 200, {"HX-Trigger": "stoop:posted"}
    page = service.page_of_post(get_session(), post)
    return redirect(url_for("community.thread", thread_id=thread.id, page=page if page > 1 else None,
                            _anchor=f"p{post.id}"), 303)


def request_discussion(request_) -> dict:
    """A request's own thread (made with its first post) and board threads about it, for its page."""
    session = get_session()
    thread = service.request_thread(session, request_)
    posts = service.thread_posts(session, thread, page=1) if thread and not thread.hidden_at else None
    shown = posts.items if posts else []
    return {"thread": thread, "posts": shown, "more": posts.total > len(shown) if posts else False,
            "about": service.threads_about(session, request_), "moderator": is_moderator(),
            "level": inbox.request_follow_level(session, viewer_id(), request_.id), "level_labels": LEVEL_LABELS,
            **service.people_of(session, shown)}


@bp.post("/requests/<number>/discussion")
@keeps_input
def request_post(number: str):
    """The first post of a request's discussion makes its thread; later ones are replies."""
    from portal.requests.service import format_number, request_by_number
    session = get_session()
    found = request_by_number(session, number)
    if found is None:
        abort(404)
    existing = service.request_thread(session, found)
    if existing is not None:
        return reply(existing.id)
    form = Form(request.form)
    body = compose.read_body(form)
    if not current_user.is_authenticated:
        if form.ok:
            return compose.keep_draft_and_sign_in(session, url_for("requests.show", number=found.number))
        abort(compose.refusal_status(form))
    key = service.clean_key(form.value("idempotency_key"))
    problem = None
    if form.ok:
        try:
            throttle.check(session, current_user, ip=request.remote_addr or "", body=body)
            board = service.board_for_area(session, found.area_id)
            thread, _post = service.create_thread(
                session, board, current_user, title=_("Request %(number)s", number=format_number(found.number)),
                body=body, client_key=key, request_id=found.id)
            inbox.follow_if_new(session, current_user.id, inbox.THREAD, thread.id)
            session.commit()
            throttle.record(current_user, ip=request.remote_addr or "")
            return redirect(url_for("community.thread", thread_id=thread.id), 303)
        except (Invalid, Refused, throttle.RateLimited) as error:
            problem = compose.refused(session, form, error)
    status = compose.refusal_status(form, problem)
    body_html, code = render_page("community/request_post_refused.html", form=form, request_=found, status=status)
    return body_html, code, compose.retry_headers(problem)


from portal.community import feed_views, moderation_views, organisation_views, post_views  # noqa: E402,F401  (routes)
