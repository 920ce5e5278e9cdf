"""The moderation queue and moderators' decisions (each one audited). Routes of the community blueprint."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import _, lazy_gettext as _l
from flask_login import current_user

from portal.accounts.roles import require_role
from portal.community import moderation
from portal.community.service import Invalid, Refused
from portal.community.views import bp, thread_or_404
from portal.db import get_or_404, get_session
from portal.models import Organisation, Post, User
from portal.models.accounts import Role
from portal.validation import Form
from portal.web import render_page


def _queue_page(form: Form | None = None, status: int = 200):
    return render_page("community/moderation.html", queue=moderation.queue(get_session()),
                       form=form or Form({}, csrf_failed=False), reasons=moderation.FLAG_REASONS, status=status)


@bp.get("/moderation")
@require_role(Role.moderator)
def moderation_queue():
    """Flagged and hidden posts, organisations to verify, blocked accounts."""
    return _queue_page()


def _decide(action):
    """Run one decision, commit it with its audit entry, come back to the queue."""
    session = get_session()
    try:
        action(session)
    except Invalid as invalid:
        session.rollback()
        form = Form(request.form)
        form.absorb(invalid)
        return _queue_page(form, status=422)
    except Refused as refused:
        session.rollback()
        abort(refused.status)
    session.commit()
    flash(_("Done. The decision is in the audit log."), "success")
    return redirect(request.form.get("back") if request.form.get("back", "").startswith("/threads/")
                    else url_for("community.moderation_queue"), 303)


@bp.post("/moderation/posts/<int:post_id>/hide")
@require_role(Role.moderator)
def hide(post_id: int):
    post = get_or_404(Post, post_id)
    reason = request.form.get("reason", "").strip()[:200] or str(_l("Hidden by a moderator"))
    return _decide(lambda s: moderation.hide(s, post, current_user, reason=reason))


@bp.post("/moderation/posts/<int:post_id>/restore")
@require_role(Role.moderator)
def restore(post_id: int):
    post = get_or_404(Post, post_id)
    return _decide(lambda s: moderation.restore(s, post, current_user))


@bp.post("/moderation/threads/<int:thread_id>/lock")
@require_role(Role.moderator)
def lock(thread_id: int):
    thread = thread_or_404(thread_id)
    locked = request.form.get("locked", "1") == "1"
    return _decide(lambda s: moderation.set_locked(s, thread, current_user, locked=locked))


@bp.post("/moderation/users/<int:user_id>/block")
@require_role(Role.moderator)
def block(user_id: int):
    user = get_or_404(User, user_id)
    blocked = request.form.get("blocked", "1") == "1"
    reason = request.form.get("reason", "").strip()[:200]
    return _decide(lambda s: moderation.set_blocked(s, user, current_user, blocked=blocked, reason=reason))


@bp.post("/moderation/organisations/<int:organisation_id>/verify")
@require_role(Role.moderator)
def verify(organisation_id: int):
    organisation = get_or_404(Organisation, organisation_id)
    verified = request.form.get("verified", "1") == "1"
    return _decide(lambda s: moderation.verify_organisation(s, organisation, current_user, verified=verified))
