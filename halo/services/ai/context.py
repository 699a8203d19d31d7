"""What the AI may know about a ticket: the visible thread, the profile, the knowledge.

Internal notes and event lines never enter a context: whatever the AI writes may end up
in front of the customer, so it must not have seen what the customer may not see.
Directives enter as the team's instructions and are recorded as used.
"""
from dataclasses import dataclass, field

from sqlalchemy import select

from halo.extensions import db
from halo.models import Article, Directive, DirectiveUse, Message, Ticket, User
from halo.services.ai import knowledge as ai_knowledge
from halo.services.ai.search import rank
from halo.services.knowledge import directives as directive_service
from halo.services.tickets.status import get_ticket

VISIBLE_KINDS = ("customer", "agent", "ai")
MAX_THREAD = 20
MAX_CHARS = 2000
MAX_ARTICLES = 3
MAX_DIRECTIVES = 8


@dataclass
class Context:
    ticket: Ticket
    thread: list[tuple[str, str]]  # (customer | team | ai, text), oldest first
    articles: list[Article] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    agent_name: str = ""
    published: list[Article] = field(default_factory=list)  # what retrieval ranked

    @property
    def channel(self) -> str:
        return self.ticket.channel

    @property
    def customer(self):
        return self.ticket.customer

    @property
    def first_name(self) -> str:
        name = (self.customer.name or "").split()
        return name[0] if name else ""

    @property
    def question(self) -> str:
        """The customer's latest words (what a reply must answer)."""
        said = [text for who, text in self.thread if who == "customer"]
        return said[-1] if said else self.ticket.subject


def situation(ticket: Ticket) -> dict:
    """The facts a directive's scope is compared with (channel, plan, language)."""
    return directive_service.scope_for(ticket)


def directive_applies(directive: Directive, facts: dict) -> bool:
    """Every key the directive is scoped by must match the ticket's situation."""
    return all(str(facts.get(k, "")).lower() == str(v).lower() for k, v in (directive.scope or {}).items())


def build_context(ticket_id: int, agent_id: int | None = None, query: str = "") -> Context:
    """Gather the thread, the profile and the relevant articles and directives."""
    ticket = get_ticket(ticket_id)
    rows = list(db.session.scalars(
        select(Message).where(Message.ticket_id == ticket_id, Message.kind.in_(VISIBLE_KINDS))
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(MAX_THREAD)))
    thread = [({"agent": "team"}.get(m.kind, m.kind), (m.body_text or "")[:MAX_CHARS])
              for m in reversed(rows)]
    agent = db.session.get(User, agent_id) if agent_id else None
    ctx = Context(ticket=ticket, thread=thread, agent_name=agent.name if agent else "")
    wanted = " ".join([ticket.subject or "", query] + [t for w, t in thread if w == "customer"][-3:])
    ctx.published = ai_knowledge.published_articles()
    ctx.articles = [a for a, _ in rank(wanted, ctx.published,
                                       lambda a: f"{a.title} {a.title} {a.body}")][:MAX_ARTICLES]
    ctx.directives = relevant_directives(ticket, wanted)
    return ctx


def relevant_directives(ticket: Ticket, text: str) -> list[Directive]:
    """Enabled, published directives whose scope fits the ticket, the most relevant first
    (a draft directive waits for an admin: the AI never uses it, for drafts neither)."""
    facts = situation(ticket)
    fitting = [d for d in db.session.scalars(select(Directive).where(Directive.enabled.is_(True),
                                                                     Directive.published.is_(True))
                                             .order_by(Directive.id.desc()).limit(500))
               if directive_applies(d, facts)]
    order = {d.id: i for i, (d, _) in enumerate(rank(text, fitting, lambda d: d.body))}
    fitting.sort(key=lambda d: order.get(d.id, len(order)))
    return fitting[:MAX_DIRECTIVES]


def record_directive_uses(ctx: Context, purpose: str) -> None:
    """Count each directive the AI was given (no commit: the caller's commit keeps it)."""
    for directive in ctx.directives:
        directive.use_count = (directive.use_count or 0) + 1
        db.session.add(DirectiveUse(directive_id=directive.id, ticket_id=ctx.ticket.id,
                                    purpose=purpose))


def sources(ctx: Context, used_articles=None) -> list[dict]:
    """What an answer drew on, for the list shown under it (ids and titles, never text)."""
    articles = ctx.articles if used_articles is None else used_articles
    out = [{"kind": "article", "id": a.id, "title": a.title} for a in articles]
    # Agents may read directives (Knowledge > Inbox Training); customers never see this list.
    out += [{"kind": "directive", "id": d.id, "title": d.body[:100]} for d in ctx.directives]
    return out
