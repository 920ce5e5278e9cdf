"""Role matrix: every protected route × every role gets the right answer."""
import pytest

from portal.models.accounts import Role

ROLES = [r.value for r in Role]
STAFF_PREFIXES = ("/admin", "/staff", "/agent", "/moderation")


def protected_routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "required_roles", None)
        if roles is None or rule.arguments:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method, roles


def test_staff_areas_are_protected_deny_by_default(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(STAFF_PREFIXES):
            view = app.view_functions[rule.endpoint]
            assert getattr(view, "required_roles", None), f"{rule.rule} has no role check"


def test_role_matrix(app, make_user, signin):
    routes = list(protected_routes(app))
    assert routes, "no protected routes found"
    anonymous = app.test_client()
    for path, method, _roles in routes:
        response = anonymous.open(path, method=method, data={})
        assert response.status_code == 302 and "/signin" in response.headers["Location"], (path, method)
    for role in ROLES:
        user, password = make_user(role=role, department="streets" if role == "staff" else None)
        client = app.test_client()
        signin(client, user.email, password)
        for path, method, roles in routes:
            allowed = role == "admin" or "*" in roles or role in roles
            response = client.open(path, method=method, data={} if method != "GET" else None)
            if allowed:
                assert response.status_code in (200, 303, 422), (role, path, method, response.status_code)
            else:
                assert response.status_code == 403, (role, path, method, response.status_code)
                assert "permission" in response.get_data(as_text=True)
