"""The chat widget's workspace settings: workspace id, allowed sites, identity secret."""
import secrets
from urllib.parse import urlsplit

from flask_babel import gettext

from halo.services.errors import ValidationError
from halo.services.settings import get_setting, set_setting


def current() -> dict:
    """The settings, creating the workspace id and identity secret on first use."""
    if not get_setting("widget_workspace"):
        set_setting("widget_workspace", secrets.token_urlsafe(12))
    if not get_setting("widget_identity_secret"):
        set_setting("widget_identity_secret", secrets.token_hex(32))
    return {"workspace": get_setting("widget_workspace"),
            "allowed_origins": get_setting("widget_allowed_origins") or [],
            "identity_secret": get_setting("widget_identity_secret"),
            "enforce": bool(get_setting("widget_identity_enforce")),
            "team_name": get_setting("widget_team_name"), "greeting": get_setting("widget_greeting")}


MAX_TEAM_NAME, MAX_GREETING = 60, 300


def identity() -> dict:
    """What a visitor's widget shows of the team (sent in the welcome frame)."""
    return {"name": get_setting("widget_team_name") or "Support", "greeting": get_setting("widget_greeting") or ""}


def save_identity(team_name: str, greeting: str) -> None:
    """The team's name in the widget header and its greeting (an empty greeting: none)."""
    team_name, greeting = " ".join((team_name or "").split()), (greeting or "").strip()
    if not team_name:
        raise ValidationError(gettext("The widget needs a team name (it heads the chat)."))
    if len(team_name) > MAX_TEAM_NAME:
        raise ValidationError(gettext("The team name is at most %(MAX_TEAM_NAME)s characters.", MAX_TEAM_NAME=MAX_TEAM_NAME))
    if len(greeting) > MAX_GREETING:
        raise ValidationError(gettext("The greeting is at most %(MAX_GREETING)s characters.", MAX_GREETING=MAX_GREETING))
    set_setting("widget_team_name", team_name)
    set_setting("widget_greeting", greeting)


def parse_origins(text: str) -> list[str]:
    """One site per line or comma, as scheme://host[:port]; anything else is an error."""
    origins = []
    for raw in text.replace(",", "\n").splitlines():
        raw = raw.strip().rstrip("/")
        if not raw:
            continue
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ValidationError(gettext("%(raw)s is not a site origin like https://www.example.com.", raw=f'{raw!r}'))
        origins.append(f"{parts.scheme}://{parts.netloc}".lower())
    return sorted(set(origins))


def save(origins_text: str, enforce: bool, rotate_secret: bool = False) -> None:
    """Store the allowed sites and identity mode (optionally a fresh secret)."""
    set_setting("widget_allowed_origins", parse_origins(origins_text))
    set_setting("widget_identity_enforce", bool(enforce))
    if rotate_secret:
        set_setting("widget_identity_secret", secrets.token_hex(32))
