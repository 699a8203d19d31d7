"""Settings > AI: the email pipeline and chat switches and the priority filters."""
import re

from flask_babel import gettext

from halo.extensions import db
from halo.models import Setting
from halo.services.errors import ValidationError
from halo.services.tickets.tags import clean_names

DEFAULTS = {
    "ai_email_enabled": False,
    "ai_chat_enabled": False,
    "ai_priority_keywords": [],
    # [[trait, value], ...]: e.g. [["plan", "enterprise"]]
    "ai_priority_traits": [],
    "ai_priority_negative": True,
    # A tag put on a ticket a priority filter claims (None: none), e.g. "urgent".
    "ai_priority_tag": None,
}
TRAIT_LINE = re.compile(r"^\s*([\w .-]{1,60}?)\s*[=:]\s*(.{1,100}?)\s*$")


def get(key: str):
    """The stored value, or the default."""
    row = db.session.get(Setting, key)
    return DEFAULTS[key] if row is None else row.value


def all_settings() -> dict:
    """Every AI setting, for the settings page."""
    return {key: get(key) for key in DEFAULTS}


def parse_traits(text: str) -> list[list[str]]:
    """'plan = enterprise' lines -> [["plan", "enterprise"]]."""
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = TRAIT_LINE.match(line)
        if not match:
            raise ValidationError(gettext("Write trait filters as trait = value (not %(value)s).", value=f'{line.strip()[:40]!r}'))
        out.append([match.group(1).strip().lower().replace(" ", "_"), match.group(2)])
    return out


def save(email_enabled: bool, chat_enabled: bool, keywords: str, traits: str, negative: bool,
         tag: str = "") -> None:
    """Store the AI settings (tag: applied when a priority filter matches; '' for none)."""
    tag = clean_names([tag])[0] if (tag or "").strip() else None
    words = [w.strip() for w in re.split(r"[,\n]", keywords or "") if w.strip()]
    if any(len(w) > 60 for w in words) or len(words) > 100:
        raise ValidationError(gettext("Keep keywords under 60 characters, at most 100 of them."))
    values = {"ai_email_enabled": bool(email_enabled), "ai_chat_enabled": bool(chat_enabled),
              "ai_priority_keywords": words, "ai_priority_traits": parse_traits(traits),
              "ai_priority_negative": bool(negative), "ai_priority_tag": tag}
    for key, value in values.items():
        row = db.session.get(Setting, key)
        if row is None:
            db.session.add(Setting(key=key, value=value))
        else:
            row.value = value
    db.session.commit()
