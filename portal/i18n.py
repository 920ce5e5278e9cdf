"""Which language a page speaks: the user's preference, then their explicit choice
(a cookie), then the browser's Accept-Language."""
from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_babel import Babel, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

babel = Babel()
LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if (chosen := request.cookies.get(LANGUAGE_COOKIE)) in languages:
        return chosen
    return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The page's language code, resolved once per request."""
    if "language" not in g:
        g.language = str(get_locale())
    return g.language


def text_direction() -> str:
    return current_app.config["LANGUAGES"].get(current_language(), ("", "ltr"))[1]


def language_choices() -> list[tuple[str, str]]:
    return [(code, native) for code, (native, _dir) in current_app.config["LANGUAGES"].items()]


def _translations():
    """The request's catalogue, looked up once: templates call gettext dozens of times a page."""
    if "stoop_translations" not in g:
        g.stoop_translations = get_translations()
    return g.stoop_translations


# Jinja's own newstyle callables wrap ours in two context calls per string; a page has dozens of
# strings, so these do the same work (translate, mark safe when autoescaping, fill the named
# placeholders) in one.
@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables) -> str:
    text = _translations().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    text = _translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(gettext=_template_gettext, ngettext=_template_ngettext, newstyle=True)
    # After install_gettext_callables, which put its wrappers there.
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext, ngettext=_template_ngettext)
    app.jinja_env.globals.update(text_direction=text_direction, current_language=current_language,
                                 language_choices=language_choices)
