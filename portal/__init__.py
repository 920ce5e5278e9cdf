"""Stoop: a 311 community portal. `create_app()` builds the whole application."""
from __future__ import annotations

import logging

from flask import Flask
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import assets, config, content, db, i18n, limits, web
from portal.accounts import passwords


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.update(config.from_environment())
    app.config.update(config.FIXED)
    app.config.update(overrides or {})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if app.config["TRUSTED_PROXIES"]:
        # Exactly as many hops as deployed, so a spoofed X-Forwarded-For cannot evade limits.
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    passwords.configure(app.config["ARGON2"])
    Htmx(app)
    db.init_app(app)
    web.init_app(app)
    i18n.init_app(app)
    limits.init_app(app)
    assets.init_app(app)
    content.init_app(app)
    _register_blueprints(app)
    from portal.cli import register_commands
    register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from portal.accounts import views as accounts
    from portal.admin.views import bp as admin_bp
    from portal.areas.views import bp as areas_bp
    from portal.core.views import bp as core_bp
    from portal.requests import labels
    from portal.requests.report import bp as report_bp
    from portal.requests.views import bp as requests_bp
    from portal.staff.views import bp as staff_bp

    accounts.init_app(app)
    labels.init_app(app)
    for blueprint in (core_bp, admin_bp, areas_bp, report_bp, requests_bp, staff_bp):
        app.register_blueprint(blueprint)
    from portal.areas.address_views import bp as addresses_bp
    app.register_blueprint(addresses_bp)
    from portal.audit.views import bp as audit_bp
    app.register_blueprint(audit_bp)
    from portal.agent.views import bp as agent_bp
    app.register_blueprint(agent_bp)
    from portal.community.views import bp as community_bp
    from portal.notify import views as notify_views
    app.register_blueprint(community_bp)
    notify_views.init_app(app)
    from portal.open311.views import bp as open311_bp
    app.register_blueprint(open311_bp)
    # Open311 writes authenticate with an api_key, never a cookie: no CSRF token to check there.
    web.csrf_exempt_blueprint(app, open311_bp.name)
