"""Languages: which locale a request, a mail or a widget speaks, and the catalogues' wiring.

Flask-Babel translates; this module only chooses. A signed-in teammate's choice in
Profile (User.locale) wins, else the browser's Accept-Language best match among the
supported locales (config HALO_LOCALES), else English. Mail is written in its reader's
language with force_locale(): a teammate's chosen one, a customer's known language when
Halo speaks it. Rendered pieces kept across requests (services/inbox/stamps.py) carry
locale_key() in their keys, so one teammate's language never shows in another's page.
"""
import os
from collections.abc import Mapping

from flask import Flask, current_app, g, has_request_context, request
from flask.globals import _cv_app
from flask_babel import force_locale, get_locale, get_translations, gettext, refresh
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from halo import formats
from halo.extensions import babel

__all__ = ["N_", "Translated", "force_locale", "init_i18n", "locale_key", "select_locale", "supported"]


def N_(text: str) -> str:
    """Mark a string for the catalogue where it is defined (a label table); gettext() it
    where it is shown. Extraction reads N_ as a keyword (babel.cfg, README)."""
    return text


class Translated(Mapping):
    """A label table (code -> English label) read in the current locale."""

    def __init__(self, labels: dict):
        self._labels = labels

    def __getitem__(self, key):
        return _catalogue().ugettext(self._labels[key])

    def __iter__(self):
        return iter(self._labels)

    def __len__(self):
        return len(self._labels)


def supported() -> dict:
    """The locales Halo speaks, code -> name in that language (config HALO_LOCALES)."""
    return current_app.config["HALO_LOCALES"]


def match(tag: str | None) -> str | None:
    """A supported locale for a language tag ("es-ES", "es_MX", "ES"), or None."""
    if not tag:
        return None
    tag = str(tag).strip().replace("_", "-").lower()
    codes = supported()
    if tag in codes:
        return tag
    primary = tag.split("-", 1)[0]
    return primary if primary in codes else None


def of_user(user) -> str | None:
    """The locale a teammate chose (None: automatic)."""
    return match(getattr(user, "locale", None))


def for_user(user) -> str:
    """The locale to write a teammate's mail in: their choice, else the default."""
    return of_user(user) or current_app.config["BABEL_DEFAULT_LOCALE"]


def for_customer(customer, fallback: str | None = None) -> str:
    """The locale to write to a customer in: their known language when Halo speaks it,
    else fallback (e.g. the visitor's browser), else the default."""
    return (match(getattr(customer, "language", None)) or match(fallback)
            or current_app.config["BABEL_DEFAULT_LOCALE"])


def from_browser() -> str | None:
    """The browser's Accept-Language best match among the supported locales."""
    return request.accept_languages.best_match(list(supported()))


def select_locale() -> str | None:
    """Flask-Babel's locale selector: the teammate's choice, the browser's, the default."""
    if not has_request_context():
        return None  # jobs: the default, or what force_locale() says
    if g.get("halo_locale"):
        return g.halo_locale  # a page for a customer (speak())
    if current_user and current_user.is_authenticated:
        chosen = of_user(current_user)
        if chosen:
            return chosen
    return from_browser()


def speak(code: str) -> None:
    """Render the rest of this request in code (a customer's page: their language)."""
    g.halo_locale = code
    refresh()


def locale_key() -> str:
    """The part of a kept piece's key that says which language it was rendered in."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:  # a page asks ~15 times: once chosen, read what Flask-Babel holds
        known = app_ctx.g.__dict__
        held = known.get("_halo_locale_key")
        if held is not None and held[0] is getattr(known.get("_flask_babel"), "babel_locale", None):
            return held[1]
    locale = get_locale()
    if locale is None:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    held = g.get("_halo_locale_key")
    if held is None or held[0] is not locale:  # str(Locale) is slow; force_locale swaps the object
        held = g._halo_locale_key = (locale, str(locale))
    return held[1]


def html_lang() -> str:
    """The <html lang> value: the locale as a BCP 47 tag."""
    return locale_key().replace("_", "-")


# The agent UI's words that its scripts write (halo/static/js): base.html carries them,
# translated, as JSON in <body data-i18n> (data, so the strict CSP stands); halo.js's
# window.haloT() reads it.
JS_STRINGS = (
    N_("Offline draft ready to edit."), N_("Draft ready to edit."), N_("The draft failed."),
    N_("Writing…"), N_("Reading the ticket…"), N_("The draft is taking too long. Try again."),
    N_("Lost contact with Halo. Try again."), N_("Could not start a draft."), N_("Remove"),
    N_("Remove %(name)s"), N_("Allowed in this browser."),
    N_("Blocked in this browser: allow it in the site settings."), N_("Not decided yet."),
    N_("This browser cannot show notifications."), N_("Not asked yet in this browser."),
    N_("Any status"), N_("Any channel"), N_("Keyboard shortcuts"), N_("Next / previous ticket"),
    N_("Open the selected ticket"), N_("Select the ticket for a bulk action"), N_("Reply"),
    N_("Internal note"), N_("Resolve"), N_("Snooze"), N_("Assign to me"), N_("Add a tag"),
    N_("Search"), N_("Go to the Open inbox"), N_("Show this list"), N_("Close"),
)
_JS_CATALOGUES: dict = {}


def js_catalogue() -> dict:
    """JS_STRINGS in the current locale (English -> translation), made once per locale."""
    key = locale_key()
    found = _JS_CATALOGUES.get(key)
    if found is None:
        found = _JS_CATALOGUES[key] = {s: gettext(s) for s in JS_STRINGS}
    return found


def _catalogue():
    """The request's translations, looked up once per locale per request: Flask-Babel's
    gettext() walks the domain, the app and its cache on every call (~300 a page)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return get_translations()
    known = app_ctx.g.__dict__  # the proxy costs more than the lookups
    ctx = known.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    held = known.get("_halo_catalogue")
    if locale is None or held is None or held[0] is not locale:
        translations = get_translations()
        locale = getattr(known.get("_flask_babel"), "babel_locale", None)
        held = known["_halo_catalogue"] = (locale, translations)
    return held[1]


@pass_eval_context
def _template_gettext(eval_ctx, text: str, /, **variables):
    """Jinja's _() and gettext(), as Jinja's newstyle gettext does them, through _catalogue()."""
    out = _catalogue().ugettext(text)
    if eval_ctx.autoescape:
        out = Markup(out)
    return out % variables if variables or "%" in out else out


def init_i18n(app: Flask) -> None:
    """Bind Flask-Babel with Halo's selector and catalogues; template helpers."""
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(app.root_path, "translations"))
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = _template_gettext
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["locale_names"] = supported
    app.jinja_env.globals["js_catalogue"] = js_catalogue
    app.jinja_env.filters["day"] = formats.day  # dates in the page's language
