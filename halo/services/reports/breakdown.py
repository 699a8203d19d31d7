"""Reports per teammate, per tag and per inbox: the same measures as the overview, one row
per teammate (tag, inbox), this period beside the one before.

What a row counts: tickets are a teammate's when assigned to them now (times, SLA, CSAT,
new tickets); replies and the tickets handled (replied to) are the teammate's who wrote
them. A ticket with two tags counts under both. Every figure is aggregated by the
database (facts.py, each measure one statement for both periods); this module only names
the keys and lays the rows side by side.
"""
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import select

from halo.extensions import db
from halo.i18n import N_
from halo.models import Inbox, Tag, User
from halo.services.reports import facts
from halo.services.reports.facts import Sla, Times

# The URL's name of each dimension, and what the page calls it.
PAGES = {"teammates": ("teammate", N_("Teammates"), N_("Teammate")),
         "tags": ("tag", N_("Tags"), N_("Tag")),
         "inboxes": ("inbox", N_("Inboxes"), N_("Inbox"))}


@dataclass
class Figures:
    """One key's measures in one period."""
    new: int = 0
    handled: int = 0
    replies: int = 0
    first_response: Times = field(default_factory=Times)
    resolution: Times = field(default_factory=Times)
    sla: Sla = field(default_factory=Sla)
    csat_good: int = 0
    csat_answered: int = 0

    @property
    def csat(self) -> float | None:
        return 100.0 * self.csat_good / self.csat_answered if self.csat_answered else None


@dataclass
class Row:
    key: int | None
    label: str
    now: Figures
    before: Figures


def figures(dim: str, clocks: dict, new: dict, handled: dict, satisfied: dict) -> dict:
    """{key: Figures} for every key with anything to count in one period."""
    out = {}
    for key in set(handled) | set(satisfied) | set(new) | set(clocks):
        c = clocks.get(key) or facts.Clocks()
        f = Figures(new=new.get(key, 0), first_response=c.first_response, resolution=c.resolution, sla=c.sla)
        f.handled, f.replies = handled.get(key, (0, 0))
        f.csat_good, f.csat_answered = satisfied.get(key, (0, 0))
        out[key] = f
    return out


def labels(dim: str, keys) -> dict:
    """Names for the keys: a teammate's name, a tag's, an inbox's."""
    ids = [k for k in keys if k is not None]
    model, column = {"teammate": (User, User.name), "tag": (Tag, Tag.name), "inbox": (Inbox, Inbox.name)}[dim]
    names = dict(db.session.execute(select(model.id, column).where(model.id.in_(ids))).all()) if ids else {}
    out = {k: names.get(k) or f"#{k}" for k in ids}
    if None in keys:
        out[None] = gettext("Unassigned") if dim == "teammate" else "—"
    return out


def report(period, dim: str) -> list[Row]:
    """One row per key seen in either period, busiest (tickets handled) first."""
    both = [period, period.before()]
    now, before = (figures(dim, *parts) for parts in zip(facts.clocks(both, dim), facts.new_tickets(both, dim),
                                                           facts.replies(both, dim), facts.csat(both, dim)))
    names = labels(dim, set(now) | set(before))
    rows = [Row(k, names[k], now.get(k, Figures()), before.get(k, Figures())) for k in names]
    rows.sort(key=lambda r: (-r.now.handled, -r.now.new, r.label.lower()))
    return rows
