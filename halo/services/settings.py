"""Workspace settings with defaults; read often, written rarely."""
from halo.extensions import db
from halo.models import Setting

DEFAULTS = {
    "auto_assign_on_reply": False,
    # Email: inbound (the address the customer wrote to) | teammate | default
    "email_reply_from": "default",
    "email_signature": "",
    # Live chat widget (Settings > Chat widget).
    "widget_workspace": "",
    "widget_allowed_origins": [],
    "widget_identity_secret": "",
    "widget_identity_enforce": False,
    # What the widget says of the team: its name in the header, the greeting before a chat starts.
    "widget_team_name": "Support",
    "widget_greeting": "Hi! Ask us anything. We're here to help.",
    # The inbox the chat widget starts conversations in (None: the default inbox).
    "chat_inbox_id": None,
    # Sign-in (Settings > Security): every teammate must use two-factor sign-in.
    "require_two_factor": False,
}


def get_setting(key: str):
    """The stored value, or the default."""
    row = db.session.get(Setting, key)
    return DEFAULTS.get(key) if row is None else row.value


def set_setting(key: str, value) -> None:
    """Store a value and commit."""
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    db.session.commit()
