"""Acting on posts and threads: edit, delete, flag, support, follow levels, and officials' tools
(pin an answer, file or link a request). Routes of the community blueprint."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import _, get_locale, lazy_gettext as _l
from flask_login import current_user

from portal.accounts.roles import require_role, require_signin
from portal.community import compose, moderation, officials, service
from portal.community.service import Invalid, Refused
from portal.community.views import LEVEL_LABELS, bp, is_moderator, thread_or_404
from portal.db import get_or_404, get_session
from portal.models import Area, Post, Thread
from portal.models.accounts import Role
from portal.notify import inbox
from portal.validation import FORM_ERROR, Form
from portal.web import keeps_input, render_page


def _back(post: Post):
    page = service.page_of_post(get_session(), post)
    return redirect(url_for("community.thread", thread_id=post.thread_id, page=page if page > 1 else None,
                            _anchor=f"p{post.id}"), 303)


def _post_page(template: str, post: Post, form: Form, *, status: int = 200, **extra):
    session = get_session()
    thread = session.get(Thread, post.thread_id)
    people = service.people_of(session, [post])
    return render_page(template, post=post, thread=thread, form=form, status=status, moderator=is_moderator(),
                       revisions=moderation.revisions(session, post) if is_moderator() else [], **people, **extra)


@bp.get("/posts/<int:post_id>/edit")
@require_signin
def edit(post_id: int):
    post = get_or_404(Post, post_id)
    if not service.may_edit(current_user, post):
        abort(403)
    return _post_page("community/edit.html", post, Form({"body": post.body}, csrf_failed=False))


@bp.post("/posts/<int:post_id>/edit")
@require_signin
@keeps_input
def edit_post(post_id: int):
    """Authors edit their posts; moderators edit anyone's with a reason (audited). History is kept."""
    session, post = get_session(), get_or_404(Post, post_id)
    if not service.may_edit(current_user, post):
        abort(403)
    form = Form(request.form)
    body = compose.read_body(form)
    reason = form.text("reason", label=_l("Reason for the edit"), max_length=200)
    if form.ok and compose.wants_preview():
        return _post_page("community/edit.html", post, form, preview=compose.preview_html(body))
    problem = None
    if form.ok:
        try:
            if post.author_id != current_user.id:
                moderation.moderator_edit(session, post, current_user, body, reason=reason)
            else:
                service.edit_post(session, post, current_user, body, reason=reason)
            session.commit()
            flash(_("Your changes are saved."), "success")
            return _back(post)
        except (Invalid, Refused) as error:
            problem = compose.refused(session, form, error)
    return _post_page("community/edit.html", post, form, status=compose.refusal_status(form, problem))


@bp.get("/posts/<int:post_id>/delete")
@require_signin
def delete(post_id: int):
    post = get_or_404(Post, post_id)
    if post.author_id != current_user.id:
        abort(403)
    return _post_page("community/delete.html", post, Form({}, csrf_failed=False))


@bp.post("/posts/<int:post_id>/delete")
@require_signin
def delete_post(post_id: int):
    """The author deletes their post; a tombstone keeps the thread readable."""
    session, post = get_session(), get_or_404(Post, post_id)
    try:
        service.delete_post(session, post, current_user)
    except Refused as refused:
        abort(refused.status)
    session.commit()
    flash(_("Your post is deleted."), "success")
    return _back(post)


@bp.get("/posts/<int:post_id>/flag")
@require_signin
def flag(post_id: int):
    return _post_page("community/flag.html", get_or_404(Post, post_id), Form({}, csrf_failed=False),
                      reasons=moderation.FLAG_REASONS)


@bp.post("/posts/<int:post_id>/flag")
@require_signin
@keeps_input
def flag_post(post_id: int):
    """Flag a post for moderators, once; three different people's flags hide it until they decide."""
    session, post = get_session(), get_or_404(Post, post_id)
    form = Form(request.form)
    reason = form.choice("reason", moderation.FLAG_REASONS, label=_l("Why?"))
    note = form.text("note", label=_l("Anything moderators should know"), max_length=300, multiline=True)
    problem = None
    if form.ok:
        try:
            moderation.flag(session, post, current_user, reason=reason, note=note)
            session.commit()
            flash(_("Thank you. Moderators will look at this post."), "success")
            return _back(post)
        except (Invalid, Refused) as error:
            problem = compose.refused(session, form, error)
    return _post_page("community/flag.html", post, form, status=compose.refusal_status(form, problem),
                      reasons=moderation.FLAG_REASONS)


@bp.post("/threads/<int:thread_id>/support")
@require_signin
def support(thread_id: int):
    """ "Me too", once per person."""
    session, thread = get_session(), thread_or_404(thread_id)
    try:
        added = service.support(session, thread, current_user)
    except Refused as refused:
        abort(refused.status)
    session.commit()
    if added:
        flash(_("Thank you for your support."), "success")
    return redirect(url_for("community.thread", thread_id=thread.id), 303)


@bp.post("/follow/<kind>/<int:target_id>")
@require_signin
def follow(kind: str, target_id: int):
    """Follow a board or a thread at a level (watching, normal, muted), or stop (level "")."""
    session = get_session()
    level = request.form.get("level", "")
    if kind not in (inbox.BOARD, inbox.THREAD, inbox.REQUEST) or (level and level not in LEVEL_LABELS):
        abort(400)
    if kind == inbox.REQUEST:
        from portal.models import ServiceRequest
        found = get_or_404(ServiceRequest, target_id)
        inbox.set_request_follow(session, current_user.id, found.id, level or None)
        session.commit()
        flash(_("You will hear about it: %(level)s.", level=LEVEL_LABELS[level]) if level
              else _("You no longer follow it."), "success")
        return redirect(url_for("requests.show", number=found.number), 303)
    if kind == inbox.THREAD:
        target = thread_or_404(target_id)
        back = url_for("community.thread", thread_id=target.id)
    else:
        area = session.get(Area, target_id) if target_id else None
        if target_id and area is None:
            abort(404)
        back = url_for("community.board", slug=area.slug if area else "city")
    inbox.set_follow(session, current_user.id, kind, target_id, level or None)
    session.commit()
    flash(_("You will hear about it: %(level)s.", level=LEVEL_LABELS[level]) if level
          else _("You no longer follow it."), "success")
    return redirect(back, 303)


# ------------------------------------------------------------------ officials

@bp.post("/threads/<int:thread_id>/pin")
@require_role(Role.staff, Role.moderator)
def pin(thread_id: int):
    """Pin an official answer at the top of the thread (post_id empty: unpin)."""
    session, thread = get_session(), thread_or_404(thread_id)
    if not officials.may_pin(current_user):
        abort(403)
    post_id = compose.int_or_none(request.form.get("post_id", ""))
    post = session.get(Post, post_id) if post_id else None
    if post_id and post is None:
        abort(404)
    try:
        officials.pin(session, thread, post, current_user)
    except Refused as refused:
        abort(refused.status)
    session.commit()
    flash(_("The answer is pinned.") if post else _("The answer is no longer pinned."), "success")
    return redirect(url_for("community.thread", thread_id=thread.id), 303)


@bp.post("/threads/<int:thread_id>/request")
@require_role(Role.staff)
@keeps_input
def to_request(thread_id: int):
    """One step: file a request from this thread, or link it to an existing request by number."""
    from portal.areas.service import area_by_slug
    from portal.requests import catalogue
    from portal.requests.service import request_by_number
    session, thread = get_session(), thread_or_404(thread_id)
    form = Form(request.form)
    number = form.text("number", label=_l("Request number"), max_length=20)
    code = form.text("type", label=_l("Request type"), max_length=60)
    area = area_by_slug(session, form.value("area")) if form.value("area") else None
    if form.ok and number:
        found = request_by_number(session, number)
        if found is None:
            form.error("number", _l("No request has the number %(number)s.", number=number))
        else:
            officials.link_request(session, thread, found, current_user)
            session.commit()
            flash(_("The thread is linked to request %(number)s.", number=found.number), "success")
            return redirect(url_for("community.thread", thread_id=thread.id), 303)
    elif form.ok:
        service_type = catalogue.type_by_code(session, code) if code else None
        if service_type is None:
            form.error("type", _l("Choose a request type, or give a request number to link."))
        else:
            try:
                filed = officials.thread_to_request(session, thread, service_type, current_user, area=area)
                session.commit()
                flash(_("Request %(number)s is filed from this thread.", number=filed.number), "success")
                return redirect(url_for("requests.show", number=filed.number), 303)
            except Invalid as invalid:
                session.rollback()
                form.absorb(invalid)
    from portal.community.views import _thread_page
    form.errors.setdefault(FORM_ERROR, _l("The request could not be filed or linked."))
    return _thread_page(thread, Form({}, csrf_failed=False), status=compose.refusal_status(form),
                        tool_form=form, types=catalogue.groups_with_types(session, str(get_locale())))
