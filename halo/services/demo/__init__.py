"""A believable demo workspace, so a newcomer sees a living inbox.

Every thread is written the way the product would have written it (status.py, handoff.py,
ai_pipeline.py, snooze.py): the customer writes, the team answers, then the status moves,
each status line naming the one before it. So no resolved ticket ends with the customer (new
customer activity reopens it), a snoozed ticket wakes in the future, and a snooze that has
already ended shows as woken (Open, with its "snooze ended" line and notification), as the
inbox would list it.

The demo loads once and beside real data, never over it: everything is one commit; demo
teammates use @demo.halo addresses (one that exists already is reused, unchanged, as its
teammate) and take the next free @handle; demo customers use addresses under the reserved
.example domain, skipping any address already taken, so no existing customer, admin or
ticket is touched. When tickets of demo customers exist, a load writes nothing and says so.
"""
import random
import re
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from halo import clock
from halo.extensions import db
from halo.models import (
    Customer,
    Directive,
    Inbox,
    Mention,
    Message,
    Notification,
    Team,
    Ticket,
    User,
)
from halo.services.accounts.users import find_by_email, unique_handle
from halo.services.demo.texts import (
    CHAT_SHARE,
    COMPANIES,
    CUSTOMER_DOMAIN,
    DAY,
    DESKS,
    ESCALATIONS,
    FIRST,
    FIXED,
    GLAD,
    HANDOFF_TEXT,
    HANDOVERS,
    HOUR,
    LANGS,
    LAST,
    NOTES,
    PASSWORD,
    PLANS,
    SPAM,
    STATUS_WEIGHTS,
    STILL,
    TAKE_OVER,
    TEAM,
    THANKS,
    TOPICS,
    WAITING,
)
from halo.services.tickets import conversation


def demo_ticket_count() -> int:
    """Tickets of demo customers: more than 0 means the demo is loaded."""
    return db.session.scalar(select(func.count(Ticket.id)).join(Customer)
                             .where(Customer.email.like("%" + CUSTOMER_DOMAIN))) or 0


def load_demo(seed: int = 7, customers: int = 60, tickets: int = 240, now: datetime | None = None) -> dict:
    """Create teammates, customers and threaded tickets in one commit; returns what was made,
    or {"already_loaded": True, "tickets": n} without writing anything when it is there."""
    if loaded := demo_ticket_count():
        return {"already_loaded": True, "tickets": loaded}
    rng, now = random.Random(seed), now or clock.now()
    team = _team()
    desks = _desks(team)
    people = _customers(rng, now, customers)
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    # Every status on both channels first, then the usual mix.
    plan = [(s, c) for s, _ in STATUS_WEIGHTS for c in ("email", "chat")][:tickets]
    while len(plan) < tickets:
        status = rng.choice(statuses)
        plan.append((status, "chat" if rng.random() < CHAT_SHARE[status] else "email"))
    rng.shuffle(plan)
    for status, channel in plan:
        inbox, staff = rng.choice(desks)
        _ticket(rng, now, staff, rng.choice(people), status, channel, inbox)
    db.session.add(Directive(body="Pro and Enterprise customers asking about price: mention the annual plan saves two months.",
                             scope={"channel": "email", "plan": "pro"}, author_id=team[3].id))
    try:
        db.session.commit()
    except IntegrityError:  # another load won the race: report it like any second run
        db.session.rollback()
        if loaded := demo_ticket_count():
            return {"already_loaded": True, "tickets": loaded}
        raise
    return {"teammates": len(team), "customers": customers, "tickets": tickets, "inboxes": len(desks)}


def _desks(team: list[User]) -> list[tuple[Inbox, list[User]]]:
    """Two inboxes, each given to a team (Tom is in both, Omar the admin sees both); the
    workspace's own inboxes are left as they are, so real tickets stay where they were."""
    desks = []
    for inbox_name, team_name, members in DESKS:
        inbox = db.session.scalar(select(Inbox).where(Inbox.name == inbox_name))
        if inbox is None:
            inbox = Inbox(name=inbox_name, signature=f"The {inbox_name} team", created_at=clock.now())
            db.session.add(inbox)
        crew = [u for u in team if u.email in members]
        if db.session.scalar(select(Team).where(Team.name == team_name)) is None:
            db.session.add(Team(name=team_name, members=crew, inboxes=[inbox]))
        desks.append((inbox, crew + [u for u in team if u.role == "admin"]))
    db.session.flush()
    return desks


def _team() -> list[User]:
    users = []
    for name, email, role in TEAM:
        user = find_by_email(email)
        if user is None:  # not accounts.create_user: it commits, and the load is one commit
            user = User(email=email, name=name, role=role, handle=unique_handle(name))
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.flush()
        users.append(user)
    return users


def _customers(rng: random.Random, now: datetime, n: int) -> list[Customer]:
    taken = set(db.session.scalars(select(Customer.email).where(Customer.email.like("%" + CUSTOMER_DOMAIN))))
    out = []
    for _ in range(n):
        first, last, company = rng.choice(FIRST), rng.choice(LAST), rng.choice(COMPANIES)
        email = _free_address(f"{_ascii(first)}.{_ascii(last)}", _ascii(company) + CUSTOMER_DOMAIN, taken)
        signup = now - timedelta(days=rng.randint(60, 900))
        customer = Customer(email=email, name=f"{first} {last}", language=rng.choice(LANGS), created_at=signup,
                            traits={"plan": rng.choice(PLANS), "company": company,
                                    "signup_date": signup.date().isoformat(), "seats": rng.randint(1, 40)})
        db.session.add(customer)
        out.append(customer)
    db.session.flush()
    return out


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def _free_address(local: str, domain: str, taken: set) -> str:
    email, n = f"{local}@{domain}", 1
    while email in taken:
        n += 1
        email = f"{local}{n}@{domain}"
    taken.add(email)
    return email


class _Thread:
    """One ticket's timeline, written in order from a placeholder start; place() then moves
    it so it ends at a chosen time (so a thread never runs past the demo's now)."""
    START = datetime(2000, 1, 3, 9, 0)

    def __init__(self, rng, ticket: Ticket, topic):
        self.rng, self.ticket, self.topic = rng, ticket, topic
        self.at, self.rows, self.untils = self.START, [], {}

    def wait(self, email: tuple[int, int], chat: tuple[int, int] | None = None) -> None:
        """Let time pass: minutes, shorter on a live chat."""
        lo, hi = chat if chat and self.ticket.channel == "chat" else email
        self.at += timedelta(minutes=self.rng.randint(lo, hi))

    def add(self, row):
        db.session.add(row)
        self.rows.append(row)
        return row

    def customer(self, text: str) -> Message:
        """The customer writes, through the one way in: a resolved or snoozed ticket reopens."""
        first = not self.rows
        return self._through(lambda: conversation.add_customer_message(
            self.ticket, self.ticket.channel, text, self.at, new_ticket=first, language="en"))

    def answer(self, author: User | None, text: str) -> Message:
        """A teammate's reply, or the AI's when author is None, long since delivered."""
        message = self._through(lambda: conversation.add_agent_message(
            self.ticket, self.ticket.channel, text, self.at, author_id=author and author.id))
        message.delivery = "sent" if self.ticket.channel == "email" else "delivered"
        return message

    def _through(self, write) -> Message:
        """Write with a service; keep every row it wrote (a reopen's status line, an
        auto-assignment) in the timeline, so place() moves them too."""
        before = set(db.session.new)
        message = write()
        self.rows.append(message)
        self.rows += [row for row in db.session.new if row not in before and row is not message]
        return message

    def note(self, author: User | None, text: str, mentioned: User | None = None, **data) -> None:
        note = self.add(Message(ticket_id=self.ticket.id, kind="note", author_id=author and author.id,
                                body_text=text, event_data=data or None, created_at=self.at))
        if mentioned is not None:  # one row per @mention, as mentions.record_mentions writes
            read = None if self.rng.random() < 0.3 else self.at + timedelta(minutes=self.rng.randint(5, 300))
            self.add(Mention(user_id=mentioned.id, ticket_id=self.ticket.id, message=note,
                             created_at=self.at, read_at=read))

    def event(self, event_type: str, actor: User | None, **data) -> Message:
        return self.add(Message(ticket_id=self.ticket.id, kind="event", event_type=event_type,
                                event_data=data, author_id=actor and actor.id, created_at=self.at))

    def status(self, target: str, actor: User | None, reason: str | None = None, until_in: int = 0) -> None:
        """The status line status.apply_status writes; until_in minutes for a snooze."""
        data = {"from": self.ticket.status, "to": target} | ({"reason": reason} if reason else {})
        event = self.event("status", actor, **data)
        self.ticket.status = target
        self.ticket.snoozed_until = self.ticket.snoozed_by_id = None
        if target == "snoozed":
            self.untils[event] = self.ticket.snoozed_until = self.at + timedelta(minutes=until_in)
            self.ticket.snoozed_by_id = actor.id

    def assign(self, user: User | None, actor: User | None) -> None:
        if self.ticket.assignee_id != (user and user.id):
            self.event("assignment", actor, **{"from": self.ticket.assignee_id, "to": user and user.id})
            self.ticket.assignee_id = user and user.id

    def place(self, end: datetime, now: datetime) -> None:
        """Move the timeline to end at end; activity and preview follow the last message."""
        shift = end - self.at
        for row in self.rows:
            row.created_at += shift
            if getattr(row, "read_at", None):  # a read still to come is not read yet
                row.read_at = row.read_at + shift if row.read_at + shift <= now else None
        for event, until in self.untils.items():
            event.event_data = {**event.event_data, "until": (until + shift).isoformat()}
        if self.ticket.snoozed_until:
            self.ticket.snoozed_until += shift
        last = [r for r in self.rows if isinstance(r, Message) and r.kind in ("customer", "agent", "ai")][-1]
        self.ticket.created_at = self.rows[0].created_at
        self.ticket.last_activity_at = last.created_at
        self.ticket.preview = " ".join(last.body_text.split())[:200]


def _ticket(rng, now, team, customer, status, channel, inbox) -> None:
    topic = rng.choice(SPAM if status == "spam" else TOPICS)
    ticket = Ticket(subject=topic[0], customer=customer, channel=channel, status="open", inbox_id=inbox.id)
    db.session.add(ticket)
    db.session.flush()
    thread = _Thread(rng, ticket, topic)
    agent = rng.choice(team)
    other = rng.choice([u for u in team if u.id != agent.id])
    thread.customer(topic[1])
    if status not in ("spam", "priority") and rng.random() < 0.3:
        thread.wait((1, 90), (1, 3))
        text = rng.choice(NOTES)
        thread.note(agent, text.format(h=other.handle), other if "{h}" in text else None)
    age = SCRIPTS[status](thread, agent)
    thread.place(now - timedelta(minutes=age), now)


def _open(thread, agent) -> int:
    """Unanswered, answered and waiting, reopened by the customer, or woken from a snooze."""
    rng, answer = thread.rng, thread.topic[2]
    kind = rng.choice(["new", "new", "new", "answered", "followed_up", "reopened", "woken"])
    if kind == "new":
        return rng.randint(2, 2 * DAY)
    thread.wait((10, 600), (1, 5))
    thread.assign(agent, agent)
    if kind == "woken":  # snooze.wake_due: the line, and a notification for the assignee
        thread.answer(agent, rng.choice(WAITING))
        thread.wait((1, 5))
        thread.status("snoozed", agent, until_in=(until := rng.randint(4 * HOUR, 3 * DAY)))
        thread.wait((until, until))
        thread.status("open", None, reason="snooze ended")
        thread.add(Notification(user_id=agent.id, ticket_id=thread.ticket.id, kind="snooze_ended",
                                text=f"Snooze ended: #{thread.ticket.id} {thread.ticket.subject}",
                                created_at=thread.at, read_at=None if rng.random() < 0.6 else thread.at))
        return rng.randint(5, 2 * DAY)
    thread.answer(agent, answer)
    if kind == "answered":
        return rng.randint(30, 3 * DAY)
    if kind == "reopened":
        thread.wait((1, 10))
        thread.status("resolved", agent)
    thread.wait((30, 2 * DAY), (2, 20))
    thread.customer(rng.choice(STILL))  # reopens the resolved one (status.on_customer_activity)
    return rng.randint(2, DAY)


def _priority(thread, agent) -> int:
    """The AI escalated an email or handed a chat over, or a teammate flagged it."""
    rng = thread.rng
    thread.wait((1, 3), (0, 1))
    if rng.random() < 0.3:
        thread.assign(agent, agent)
        thread.status("priority", agent)
        thread.note(agent, "Flagging this: they are blocked until it's fixed, so let's answer today.")
    elif thread.ticket.channel == "chat":
        _hand_over(thread, rng.choice(HANDOVERS))
    else:  # ai_pipeline.escalate
        reason = rng.choice(ESCALATIONS)
        thread.status("priority", None)
        thread.note(None, f"Halo AI escalated this ticket: {reason}.", by="ai")
        thread.event("ai", None, outcome="escalated", text=reason)
    return rng.randint(2, DAY)


def _hand_over(thread, reason: str) -> None:
    """ai_chat.hand_over: the AI tells the visitor a person is coming and pauses."""
    thread.answer(None, HANDOFF_TEXT)
    thread.status("priority", None)
    thread.event("handler", None, ai_paused=True, text=f"AI handed this conversation to the team ({reason})")
    thread.ticket.ai_paused = True


def _in_progress(thread, agent) -> int:
    """Mostly a chat a teammate took over (handoff.take_over); else an email being worked on."""
    rng = thread.rng
    if thread.ticket.channel == "email":
        thread.wait((10, 300))
        thread.assign(agent, agent)
        thread.status("in_progress", agent)
        thread.answer(agent, "Thanks for the details — I'm looking into this now and will update you shortly.")
        return rng.randint(10, 2 * DAY)
    thread.wait((1, 2))
    if rng.random() < 0.5:
        _hand_over(thread, rng.choice(HANDOVERS))
        thread.wait((1, 6))
    thread.assign(agent, agent)
    thread.status("in_progress", agent)
    thread.event("handler", agent, ai_paused=True, text="took over from the AI")
    thread.ticket.ai_paused = True
    thread.answer(agent, TAKE_OVER.format(name=agent.name.split()[0]))
    thread.wait((1, 4))
    thread.answer(agent, thread.topic[2])
    if rng.random() < 0.5:  # the conversation goes on: no status change while in progress
        thread.wait((1, 5))
        thread.customer(rng.choice(STILL))
    return rng.randint(1, 3 * HOUR)


def _snoozed(thread, agent) -> int:
    """Answered with a promise, snoozed until a time still ahead."""
    rng = thread.rng
    thread.wait((10, 600), (1, 5))
    thread.assign(agent, agent)
    thread.answer(agent, rng.choice(WAITING))
    thread.wait((1, 5))
    until = rng.randint(6 * HOUR, 5 * DAY)
    thread.status("snoozed", agent, until_in=until)
    return rng.randint(0, until - HOUR)


def _resolved(thread, agent) -> int:
    """Answered by the team (or the AI), then resolved: never the customer's word last."""
    rng, answer = thread.rng, thread.topic[2]
    thread.wait((5, 600), (1, 5))
    if thread.ticket.channel == "email" and rng.random() < 0.15:  # ai_pipeline.send_answer
        thread.answer(None, answer)
        thread.status("resolved", None, reason="answered by the AI")
        thread.event("ai", None, outcome="answered", text="answered from the knowledge base")
        return rng.randint(HOUR, 45 * DAY)
    thread.assign(agent, agent)
    thread.answer(agent, answer)
    follow_up = rng.random()
    if follow_up < 0.5:
        thread.wait((20, DAY), (1, 10))
        thread.customer(rng.choice(STILL if follow_up < 0.25 else THANKS))
        thread.wait((10, 300), (1, 5))
        thread.answer(agent, rng.choice(FIXED if follow_up < 0.25 else GLAD))
    thread.wait((1, 30), (1, 3))
    thread.status("resolved", agent)
    return rng.randint(HOUR, 45 * DAY)


def _spam(thread, agent) -> int:
    """Caught by the email filter on arrival (email_route), or marked by a teammate in chat."""
    if thread.ticket.channel == "email":
        thread.status("spam", None, reason=thread.topic[2])
    else:
        thread.wait((1, 10))
        thread.status("spam", agent)
    return thread.rng.randint(10, 20 * DAY)


SCRIPTS = {"open": _open, "priority": _priority, "in_progress": _in_progress,
           "snoozed": _snoozed, "resolved": _resolved, "spam": _spam}
