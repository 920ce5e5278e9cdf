"""Sign up, sign in and out, password reset, profile."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import _, get_locale, lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user

from portal.accounts import service
from portal.accounts.roles import require_signin
from portal.db import get_session
from portal.limits import over_limit, record_hit
from portal.models import User
from portal.models.accounts import NotifyEmail
from portal.notify.dispatch import deliver_soon
from portal.notify.service import queue_mail
from portal.validation import FORM_ERROR, Form, Invalid
from portal.web import keeps_input, render_page, safe_next

bp = Blueprint("accounts", __name__)
login_manager = LoginManager()
login_manager.login_view = "accounts.signin"
login_manager.login_message = _l("Please sign in to see that page.")
login_manager.session_protection = None  # revocation is server-side (UserSession rows)

NOTIFY_CHOICES = {
    NotifyEmail.immediately: _l("Right away"),
    NotifyEmail.daily: _l("Once a day, in a digest"),
    NotifyEmail.never: _l("Never (only in my inbox here)"),
}


@login_manager.user_loader
def load_user(token: str) -> User | None:
    return service.user_for_session(get_session(), token)


def _signin_keys(email: str) -> tuple[str, str]:
    return f"signin-ip:{request.remote_addr}", f"signin-account:{email}"


@bp.get("/signup")
def signup():
    return render_template("accounts/signup.html", form=Form({}, csrf_failed=False))


@bp.post("/signup")
@keeps_input
def signup_post():
    form = Form(request.form)
    email = form.email("email", label=_l("Email"))
    name = form.text("display_name", label=_l("Your name (optional)"), max_length=80)
    password = form.password("password", label=_l("Password"))
    if form.ok:
        try:
            user = service.create_user(get_session(), email=email, password=password,
                                       display_name=name, locale=str(get_locale()))
        except Invalid as invalid:
            form.absorb(invalid)
    if not form.ok:
        return render_page("accounts/signup.html", form=form, status=422)
    service.start_session(get_session(), user, user_agent=request.user_agent.string)
    login_user(user, remember=False)
    flash(_("Welcome! Your account is ready."), "success")
    return redirect(safe_next(request.args.get("next")), 303)


@bp.get("/signin")
def signin():
    return render_template("accounts/signin.html", form=Form({}, csrf_failed=False),
                           next=safe_next(request.args.get("next"), ""))


@bp.post("/signin")
@keeps_input
def signin_post():
    form = Form(request.form)
    email = form.email("email", label=_l("Email"))
    password = form.password("password", label=_l("Password"))
    rule = current_app.config["LOGIN_LIMIT"]
    keys = _signin_keys(email)
    if form.ok and (wait := over_limit(rule, *keys)):
        form.error(FORM_ERROR, _l("Too many attempts. Try again in %(seconds)s seconds, or reset your password.", seconds=wait))
        response = render_page("accounts/signin.html", form=form, status=429, next=request.args.get("next", ""))
        return response[0], 429, {"Retry-After": str(wait)}
    user = service.authenticate(get_session(), email, password) if form.ok else None
    if form.ok and user is None:
        record_hit(rule, *keys)
        form.error(FORM_ERROR, _l("That email and password do not match an account."))
    if not form.ok:
        return render_page("accounts/signin.html", form=form, status=422, next=request.args.get("next", ""))
    service.start_session(get_session(), user, user_agent=request.user_agent.string)
    login_user(user, remember=False)
    return redirect(safe_next(request.args.get("next") or request.form.get("next")), 303)


@bp.post("/signout")
def signout():
    if current_user.is_authenticated:
        service.end_session(get_session(), current_user.get_id())
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("core.home"), 303)


@bp.get("/password/forgot")
def forgot():
    return render_template("accounts/forgot.html", form=Form({}, csrf_failed=False))


@bp.post("/password/forgot")
@keeps_input
def forgot_post():
    form = Form(request.form)
    email = form.email("email", label=_l("Email"))
    if not form.ok:
        return render_page("accounts/forgot.html", form=form, status=422)
    session = get_session()
    found = service.request_password_reset(session, email, hours=current_app.config["PASSWORD_RESET_HOURS"])
    if found:
        user, token = found
        link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("accounts.reset", token=token)
        mail = queue_mail(session, to=user.email, subject=_("Reset your Stoop password"),
                          body=render_template("accounts/mail_reset.txt", link=link,
                                               hours=current_app.config["PASSWORD_RESET_HOURS"]))
        session.commit()
        deliver_soon([mail.id])
    # The same answer whether or not the account exists: no account discovery here.
    flash(_("If an account uses that email, we have sent it a link to choose a new password."), "success")
    return redirect(url_for("accounts.signin"), 303)


@bp.get("/password/reset/<token>")
def reset(token: str):
    if service.valid_reset(get_session(), token) is None:
        return render_page("accounts/reset_expired.html", status=410)
    return render_template("accounts/reset.html", form=Form({}, csrf_failed=False), token=token)


@bp.post("/password/reset/<token>")
@keeps_input
def reset_post(token: str):
    form = Form(request.form)
    password = form.password("password", label=_l("New password"))
    if form.ok:
        try:
            service.reset_password(get_session(), token, password)
        except Invalid as invalid:
            form.absorb(invalid)
    if not form.ok:
        return render_page("accounts/reset.html", form=form, token=token, status=422)
    logout_user()
    flash(_("Your password has been changed. Sign in with the new one."), "success")
    return redirect(url_for("accounts.signin"), 303)


@bp.get("/profile")
@require_signin
def profile():
    data = {"display_name": current_user.display_name, "locale": current_user.locale or "",
            "notify_email": current_user.notify_email, "phone": current_user.phone or ""}
    return render_template("accounts/profile.html", form=Form(data, csrf_failed=False),
                           notify_choices=NOTIFY_CHOICES)


@bp.post("/profile")
@require_signin
@keeps_input
def profile_post():
    form = Form(request.form)
    name = form.text("display_name", label=_l("Display name"), max_length=80)
    phone = form.text("phone", label=_l("Phone (optional)"), max_length=40)
    locale = form.choice("locale", current_app.config["LANGUAGES"], label=_l("Language"), required=False)
    notify = form.choice("notify_email", NOTIFY_CHOICES, label=_l("Email me about updates"))
    if form.ok:
        service.update_profile(get_session(), current_user, display_name=name, locale=locale,
                               notify_email=notify, phone=phone)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"), 303)
    return render_page("accounts/profile.html", form=form, notify_choices=NOTIFY_CHOICES, status=422)


@bp.post("/profile/password")
@require_signin
@keeps_input
def change_password():
    form = Form(request.form)
    current = form.password("current_password", label=_l("Current password"))
    new = form.password("password", label=_l("New password"))
    if form.ok:
        try:
            service.change_password(get_session(), current_user, current=current, new=new,
                                    keep_token=current_user.get_id())
        except Invalid as invalid:
            form.absorb(invalid)
    if not form.ok:
        data = {"display_name": current_user.display_name, "locale": current_user.locale or "",
                "notify_email": current_user.notify_email, "phone": current_user.phone or ""}
        return render_page("accounts/profile.html", form=Form(data, csrf_failed=False),
                           password_form=form, notify_choices=NOTIFY_CHOICES, status=422)
    flash(_("Your password has been changed. Other devices have been signed out."), "success")
    return redirect(url_for("accounts.profile"), 303)


def init_app(app) -> None:
    login_manager.init_app(app)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(notify_choices=NOTIFY_CHOICES)
