"""Inbox filters: parse them from a URL query, turn them into one SQL condition, and back.

The URL is the filter's only home (bookmarks, shared links, saved segments all hold the
same query string), so parsing is strict about values and explains what it rejects.
"""
import re
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from urllib.parse import urlencode

from flask_babel import gettext
from sqlalchemy import String, and_, cast, func, select, true

from halo import clock
from halo.i18n import N_
from halo.models import CHANNELS, STATUS_LABELS, STATUSES, Customer, Ticket, TicketSla
from halo.services.errors import ValidationError
from halo.services.inbox import search
from halo.services.tickets.tags import clean_names, tagged_condition

TRAIT_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$")
DATE_KEYS = ("created_from", "created_to", "updated_from", "updated_to")
KEYS = ("status", "assignee", "channel", "priority", "trait", "lang", *DATE_KEYS, "q")
# "tag:refund" (or tag:"big refund") typed among the text is the tag filter.
TAG_TERM = re.compile(r'(?<!\S)tag:(?:"([^"]*)"|(\S+))', re.I)
SLA = {"breached": N_("SLA breached"), "soon": N_("SLA due within 1 hour")}  # labels: gettext them
SOON = timedelta(hours=1)
SORTS = {"updated": N_("Last updated"), "sla": N_("SLA due (soonest first)")}


@dataclass(frozen=True)
class Filter:
    status: tuple[str, ...] = ()
    assignee: str | None = None          # "me", "none" or a user id as text
    channel: tuple[str, ...] = ()
    priority: str | None = None          # "yes" or "no"
    trait: tuple[tuple[str, str | None], ...] = ()   # (key, value); None = has the trait
    lang: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()            # every one of these (case-insensitive)
    sla: str | None = None               # "breached" or "soon" (SLA)
    created_from: str | None = None
    created_to: str | None = None
    updated_from: str | None = None
    updated_to: str | None = None
    q: str = ""
    sort: str | None = None              # "sla": by SLA due time; None: newest activity first

    def __bool__(self) -> bool:
        """Whether anything narrows the list (the order is not a filter)."""
        return any(getattr(self, f.name) for f in fields(self) if f.name != "sort")

    @property
    def uses_me(self) -> bool:
        """Whether the result depends on who is looking (counts are then per person)."""
        return self.assignee == "me"


def parse_filters(args: dict[str, list[str]]) -> Filter:
    """Read filters from a query string's lists of values; ValidationError says what is wrong."""
    def values(key):
        out = []
        for raw in args.get(key, []):
            out += [v.strip() for v in raw.split(",") if v.strip()] if key != "q" else [raw]
        return out

    status = tuple(sorted(set(values("status"))))
    for s in status:
        if s not in STATUSES:
            raise ValidationError(gettext("Unknown status %(s)s: use one of %(join)s.", s=f'{s!r}', join=', '.join(STATUSES)))
    channel = tuple(sorted(set(values("channel"))))
    for c in channel:
        if c not in CHANNELS:
            raise ValidationError(gettext("Unknown channel %(c)s: use one of %(join)s.", c=f'{c!r}', join=', '.join(CHANNELS)))
    text, typed_tags = _tag_terms(" ".join(values("q")))
    sort = _one_of("sort", values("sort"), tuple(SORTS))
    return Filter(status=status, assignee=_assignee(values("assignee")), channel=channel,
                  priority=_one_of("priority", values("priority"), ("yes", "no")),
                  trait=tuple(sorted({_trait(t) for t in values("trait")}, key=str)),
                  lang=tuple(sorted({_language(v) for v in values("lang")})),
                  tag=_tags(values("tag") + typed_tags),
                  sla=_one_of("sla", values("sla"), tuple(SLA)),
                  **{k: _date(k, values(k)) for k in DATE_KEYS},
                  q=" ".join(text.split())[:200], sort=None if sort == "updated" else sort)


def _tag_terms(text: str) -> tuple[str, list[str]]:
    """The text without its tag:NAME terms, and those names."""
    names = [m.group(1) if m.group(1) is not None else m.group(2) for m in TAG_TERM.finditer(text)]
    return TAG_TERM.sub(" ", text), [n for n in names if n.strip()]


def _tags(names: list[str]) -> tuple[str, ...]:
    """Tag names checked as tags are, one per name whatever its case, in a stable order."""
    if len(names) > 10:
        raise ValidationError(gettext("Filter by at most 10 tags at once."))
    try:
        cleaned = clean_names(names)
    except ValidationError as exc:
        raise ValidationError(gettext("tag: %(exc)s", exc=exc)) from None
    return tuple(sorted(cleaned, key=str.lower))


def _single(key, vals):
    if len(vals) > 1:
        raise ValidationError(gettext("Give one value for %(key)s, not %(len)s.", key=f'{key!r}', len=len(vals)))
    return vals[0] if vals else None


def _one_of(key, vals, allowed):
    value = _single(key, vals)
    if value is not None and value not in allowed:
        raise ValidationError(gettext("%(key)s must be one of %(join)s, not %(value)s.", key=f'{key!r}', join=', '.join(allowed), value=f'{value!r}'))
    return value


def _assignee(vals):
    value = _single("assignee", vals)
    if value is not None and value not in ("me", "none") and not value.isdigit():
        raise ValidationError(gettext("assignee must be 'me', 'none' or a teammate id, not %(value)s.", value=f'{value!r}'))
    return value


def _trait(raw):
    key, sep, value = raw.partition(":")
    key, value = key.strip(), value.strip()
    if not TRAIT_KEY.match(key):
        raise ValidationError(gettext("Trait name %(key)s may use letters, digits, '_', '.', '-' (up to 64).", key=f'{key!r}'))
    if sep and not value:
        raise ValidationError(gettext("Trait %(key)s needs a value after ':' (or '*' for any value).", key=f'{key!r}'))
    return key, (None if not sep or value == "*" else value[:200])


def _language(value):
    if not LANGUAGE.match(value):
        raise ValidationError(gettext("Language %(value)s is not a language code like 'de' or 'pt-BR'.", value=f'{value!r}'))
    return value.lower().replace("_", "-")


def _date(key, vals):
    value = _single(key, vals)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(gettext("%(key)s must be a date like 2026-11-24 (or 2026-11-24T09:30), not %(value)s.", key=key, value=f'{value!r}')) from None
    return parsed.strftime("%Y-%m-%dT%H:%M") if len(value) > 10 else parsed.date().isoformat()


def to_query(flt: Filter) -> str:
    """The canonical query string: the same filter always encodes the same way."""
    pairs = [("status", ",".join(flt.status)), ("assignee", flt.assignee),
             ("channel", ",".join(flt.channel)), ("priority", flt.priority)]
    pairs += [("trait", f"{k}:{v if v is not None else '*'}") for k, v in flt.trait]
    pairs += [("lang", ",".join(flt.lang))]
    pairs += [("tag", name) for name in flt.tag] + [("sla", flt.sla)]
    pairs += [(k, getattr(flt, k)) for k in DATE_KEYS] + [("q", flt.q), ("sort", flt.sort)]
    return urlencode([(k, v) for k, v in pairs if v])


def filter_condition(flt: Filter, user_id: int, now: datetime | None = None):
    """One SQL condition on Ticket that holds exactly for the tickets the filter keeps
    (now: the moment SLA filters judge by)."""
    parts = []
    if flt.status:
        parts.append(Ticket.status.in_(flt.status))
    if flt.assignee == "me":
        parts.append(Ticket.assignee_id == user_id)
    elif flt.assignee == "none":
        parts.append(Ticket.assignee_id.is_(None))
    elif flt.assignee:
        parts.append(Ticket.assignee_id == int(flt.assignee))
    if flt.channel:
        parts.append(Ticket.channel.in_(flt.channel))
    if flt.priority:
        parts.append((Ticket.status == "priority") if flt.priority == "yes"
                     else (Ticket.status != "priority"))
    customer = _customer_condition(flt)
    if customer is not None:
        # IN (subquery), not a join: the inbox query already eager-joins the customer.
        parts.append(Ticket.customer_id.in_(select(Customer.id).where(customer)))
    parts += _date_conditions(flt)
    if flt.tag:
        parts.append(tagged_condition(list(flt.tag)))
    if flt.sla:
        now = now or clock.now()
        due = (TicketSla.due_at <= now if flt.sla == "breached"
               else and_(TicketSla.due_at > now, TicketSla.due_at <= now + SOON))
        parts.append(Ticket.id.in_(select(TicketSla.ticket_id).where(due)))
    if flt.q:
        parts.append(search.ticket_match_condition(flt.q))
    return and_(*parts) if parts else true()


def _customer_condition(flt: Filter):
    parts = []
    for key, value in flt.trait:
        # CAST to text so numbers and strings compare alike: json_extract on SQLite, ->> on PostgreSQL.
        found = cast(Customer.traits[key].as_string(), String)
        parts.append(found.is_not(None) if value is None else func.lower(found) == value.lower())
    if flt.lang:
        parts.append(func.lower(Customer.language).in_(flt.lang))
    return and_(*parts) if parts else None


def _date_conditions(flt: Filter):
    out = []
    for key, column in (("created", Ticket.created_at), ("updated", Ticket.last_activity_at)):
        start, end = getattr(flt, f"{key}_from"), getattr(flt, f"{key}_to")
        if start:
            out.append(column >= datetime.fromisoformat(start))
        if end:
            # A bare date means "through the end of that day".
            until = datetime.fromisoformat(end)
            out.append(column < until + timedelta(days=1) if len(end) == 10 else column <= until)
    return out


def describe(flt: Filter, user_names: dict[int, str] | None = None) -> list[tuple[str, str]]:
    """The active filters as (label, query string without that filter), for removable chips."""
    def drop(**change):
        return to_query(replace(flt, **change))
    chips = []
    if flt.status:
        chips.append(("Status: " + ", ".join(STATUS_LABELS.get(s, s) for s in flt.status), drop(status=())))
    if flt.assignee:
        who = {"me": "me", "none": "nobody"}.get(flt.assignee) or (user_names or {}).get(
            int(flt.assignee), f"#{flt.assignee}")
        chips.append((f"Assigned to {who}", drop(assignee=None)))
    if flt.channel:
        chips.append(("Channel: " + ", ".join(flt.channel), drop(channel=())))
    if flt.priority:
        chips.append(("Priority" if flt.priority == "yes" else "Not priority", drop(priority=None)))
    for pair in flt.trait:
        label = f"{pair[0]} = {pair[1]}" if pair[1] is not None else f"has {pair[0]}"
        chips.append((label, drop(trait=tuple(t for t in flt.trait if t != pair))))
    if flt.lang:
        chips.append(("Language: " + ", ".join(flt.lang), drop(lang=())))
    for name in flt.tag:
        chips.append((f"Tag: {name}", drop(tag=tuple(t for t in flt.tag if t != name))))
    if flt.sla:
        chips.append((gettext(SLA[flt.sla]), drop(sla=None)))
    for key in DATE_KEYS:
        if getattr(flt, key):
            chips.append((f"{key.replace('_', ' ')} {getattr(flt, key)}", drop(**{key: None})))
    if flt.q:
        chips.append((f"Text: {flt.q}", drop(q="")))
    return chips
