"""Keeping SLA policies: targets in minutes (or hours, as typed), conditions, order."""
import re

from flask_babel import gettext
from sqlalchemy import func, select

from halo.extensions import db
from halo.models import CHANNELS, Inbox, SlaPolicy, Tag
from halo.services.errors import NotFound, ValidationError
from halo.services.service_levels.schedules import mark_stale

MAX_MINUTES = 365 * 24 * 60
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?)?$", re.I)
FIELDS = ("first_response", "next_response", "resolution")


def parse_minutes(text: str, label: str) -> int | None:
    """'30', '30 min', '4h', '2 days' as minutes; empty: no target."""
    text = (text or "").strip()
    if not text:
        return None
    m = _DURATION.match(text)
    if m is None:
        raise ValidationError(gettext("%(label)s: “%(text)s” is not a duration (e.g. 30 min, 4 h, 2 days).", label=label, text=text))
    unit = (m.group(2) or "min").lower()[0]
    minutes = round(float(m.group(1)) * {"m": 1, "h": 60, "d": 1440}[unit])
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValidationError(gettext("%(label)s: a target is between 1 minute and a year.", label=label))
    return minutes


def get_policy(policy_id: int) -> SlaPolicy:
    policy = db.session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound(gettext("That SLA policy does not exist."))
    return policy


def save_policy(policy_id: int | None, form) -> SlaPolicy:
    """Create or update from a form (a dict of strings); nothing saved on a mistake."""
    name = (form.get("name") or "").strip()
    if not name or len(name) > 80:
        raise ValidationError(gettext("Give the policy a name of at most 80 characters."))
    targets = {f: parse_minutes(form.get(f, ""), f.replace("_", " ").capitalize()) for f in FIELDS}
    if not any(targets.values()):
        raise ValidationError(gettext("Set at least one target: first response, next response or resolution."))
    channel = (form.get("channel") or "").strip() or None
    if channel and channel not in CHANNELS:
        raise ValidationError(gettext("“%(channel)s” is not a channel.", channel=channel))
    inbox_id = (form.get("inbox_id") or "").strip()
    inbox_id = int(inbox_id) if inbox_id.isdigit() else None
    if form.get("inbox_id") and inbox_id is None or (inbox_id and db.session.get(Inbox, inbox_id) is None):
        raise ValidationError(gettext("Choose an inbox from the list."))
    tag_id = (form.get("tag_id") or "").strip()
    if tag_id and (not tag_id.isdigit() or db.session.get(Tag, int(tag_id)) is None):
        raise ValidationError(gettext("Choose a tag from the list."))
    tag_id = int(tag_id) if tag_id else None
    trait = (form.get("trait") or "").strip()
    trait_key = trait_value = None
    if trait:
        if "=" not in trait:
            raise ValidationError(gettext("Write the customer trait as key = value (e.g. plan = enterprise)."))
        trait_key, trait_value = (part.strip() for part in trait.split("=", 1))
        if not trait_key or len(trait_key) > 64 or len(trait_value) > 200:
            raise ValidationError(gettext("The trait's key is 1-64 characters and its value at most 200."))
    clash = db.session.scalar(select(SlaPolicy.id).where(func.lower(SlaPolicy.name) == name.lower()))
    if clash is not None and clash != policy_id:
        raise ValidationError(gettext("A policy named “%(name)s” exists already.", name=name))
    if policy_id is None:
        last = db.session.scalar(select(func.max(SlaPolicy.position))) or 0
        policy = SlaPolicy(position=last + 1)
        db.session.add(policy)
    else:
        policy = get_policy(policy_id)
    policy.name = name
    policy.first_response_minutes = targets["first_response"]
    policy.next_response_minutes = targets["next_response"]
    policy.resolution_minutes = targets["resolution"]
    policy.priority_only = bool(form.get("priority_only"))
    policy.channel, policy.inbox_id, policy.tag_id = channel, inbox_id, tag_id
    policy.trait_key, policy.trait_value = trait_key, trait_value
    policy.escalate = bool(form.get("escalate"))
    policy.active = bool(form.get("active", "on"))
    mark_stale()
    db.session.commit()
    return policy


def delete_policy(policy_id: int) -> None:
    db.session.delete(get_policy(policy_id))
    mark_stale()
    db.session.commit()


def move(policy_id: int, step: int) -> None:
    """Swap a policy with its neighbour (the first match wins, so order matters)."""
    ordered = list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)))
    index = next((i for i, p in enumerate(ordered) if p.id == policy_id), None)
    if index is None:
        raise NotFound(gettext("That SLA policy does not exist."))
    other = index + step
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, policy in enumerate(ordered, 1):
            policy.position = position
        mark_stale()
    db.session.commit()
