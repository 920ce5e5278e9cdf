"""A resident signs up, signs out, signs in with a demo account in Spanish and Arabic —
with JavaScript on (htmx boost) and off (plain forms)."""
import pytest

from portal import db
from portal.accounts.service import create_user

pytestmark = pytest.mark.browser


def test_sign_up_then_sign_out(page):
    page.goto("/")
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_label("Email").fill("walker@example.org")
    page.get_by_label("Your name").fill("Wally")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("alert").wait_for()
    assert "at least 8" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Email").input_value() == "walker@example.org"
    assert page.get_by_label("Password").input_value() == ""
    page.get_by_label("Password").fill("a sturdy passphrase")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Welcome! Your account is ready.").wait_for()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()
    assert page.csp_violations == []


@pytest.mark.parametrize("lang, choose, sign_in, heading", [
    ("es", "Español", "Iniciar sesión", "Su perfil"),
    ("ar", "العربية", "تسجيل الدخول", "ملفك الشخصي"),
])
def test_demo_account_signs_in_in_spanish_and_arabic(page, live_app, lang, choose, sign_in, heading):
    with live_app.app_context(), db.writing():
        create_user(db.get_session(), email="rosa@example.org", password="a sturdy passphrase",
                    display_name="Rosa")
    page.goto("/")
    page.get_by_label("Language").select_option(label=choose)
    page.get_by_role("button", name="Change").click()
    page.wait_for_selector(f'html[lang="{lang}"]')
    if lang == "ar":
        assert page.get_attribute("html", "dir") == "rtl"
    page.get_by_role("link", name=sign_in).click()
    page.locator("#f-email").fill("rosa@example.org")
    page.locator("#f-password").fill("a sturdy passphrase")
    page.locator("main form button").click()
    page.get_by_role("link", name="Rosa").click()
    page.get_by_role("heading", name=heading).wait_for()
    assert page.csp_violations == []
