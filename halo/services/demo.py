"""A believable demo workspace, so a newcomer sees a living inbox."""
import random
from datetime import timedelta

from .. import clock
from ..extensions import db
from ..models import Customer, Directive, Mention, Message, Ticket, User
from .accounts import create_user, find_by_email

PASSWORD = "demo-password"
TEAM = [("Sara Lindqvist", "sara@demo.halo", "agent"), ("Tom Becker", "tom@demo.halo", "agent"),
        ("Lena Moreau", "lena@demo.halo", "agent"), ("Omar Haddad", "omar@demo.halo", "admin")]
FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Elif", "Felix", "Grace", "Hiro", "Ines", "Jonas",
         "Kofi", "Laura", "Mateo", "Nadia", "Olga", "Priya", "Quentin", "Rosa", "Sven", "Tara",
         "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carla", "Diego"]
LAST = ["Silva", "Okafor", "Dubois", "Ivanov", "Yilmaz", "Wagner", "Kim", "Tanaka", "García",
        "Nilsson", "Mensah", "Rossi", "López", "Haddad", "Novak", "Patel", "Martin", "Costa"]
COMPANIES = ["Brightline Studio", "Northwind Bakery", "Kettle & Co", "Orbital Labs", "Fernweh Travel",
             "Pixelpress", "Greenleaf Grocers", "Atlas Logistics", "Muse Records", "Tidal Yoga"]
LANGS = ["en", "en", "en", "de", "fr", "es", "pt", "en", "ja", "nl"]
PLANS = ["free", "starter", "pro", "pro", "enterprise"]
TOPICS = [
    ("Can't log in after password reset", "Hi, I reset my password this morning but the new one is rejected. I've tried twice. Can you help?",
     "Sorry about that! I've cleared the lockout on your account; the new password should work now."),
    ("Invoice shows the wrong VAT number", "Our latest invoice has our old VAT number on it. We need a corrected copy for our accountant.",
     "Thanks for flagging it. I've updated the VAT number and re-issued the invoice; you'll find it under Billing."),
    ("Export to CSV is missing columns", "When I export my orders to CSV the 'shipping method' column is empty.",
     "Good catch — that column was left out of exports made from filtered views. It's fixed; re-run the export."),
    ("Upgrade to annual plan?", "We'd like to switch to yearly billing. Is there a discount and does it prorate?",
     "Yes: annual billing saves two months and we prorate what's left of this month. Want me to switch you now?"),
    ("Webhook deliveries failing", "Since yesterday our webhook endpoint gets 401s from your side. Did the signing change?",
     "We rotated signing secrets on Monday. Copy the new secret from Settings > Webhooks and deliveries will resume."),
    ("Refund for duplicate charge", "I was charged twice for March. Please refund one of them.",
     "You're right, the second charge was a retry that shouldn't have gone through. Refunded; it takes 5–10 days to show."),
    ("How do I add a teammate?", "Where do I invite a colleague to our workspace?",
     "Go to Settings > Team and click Invite; they'll get an email with a link."),
    ("Mobile app crashes on launch", "The Android app closes immediately since the last update. Pixel 7, Android 15.",
     "Thanks for the details. A fix is in review for 4.2.1; meanwhile clearing the app cache works around it."),
    ("Data deletion request", "Please delete all data you hold about me under GDPR.",
     "Your deletion request is confirmed; everything will be removed within 30 days and we'll email you when it's done."),
    ("Feature request: dark mode", "Any plans for a dark theme? My eyes would thank you.",
     "It's on the roadmap for this quarter! I've added your vote."),
    ("Shipping to Norway", "Do you ship to Norway and who pays the customs fees?",
     "We do. Customs fees are included at checkout, so nothing extra on delivery."),
    ("API rate limit too low", "We hit 429s at around 60 requests/min. Can the limit be raised for our account?",
     "I've raised your limit to 300 requests/min. Let us know if you need more."),
]
NOTES = ["@{h} can you double-check the billing side before we reply?", "Customer is on a renewal call next week — be extra careful.",
         "Looks like the same bug as last week's ticket; engineering is on it.", "@{h} this one is yours if you have a minute.",
         "Checked the logs: the request never reached us."]
STATUS_WEIGHTS = [("open", 40), ("priority", 10), ("in_progress", 8), ("snoozed", 8), ("resolved", 70), ("spam", 6)]


def _team() -> list[User]:
    users = []
    for name, email, role in TEAM:
        users.append(find_by_email(email) or create_user(email, name, PASSWORD, role))
    return users


def _customers(rng: random.Random, now, n: int) -> list[Customer]:
    out = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first.lower()}.{last.lower()}{i}@example.{rng.choice(['com', 'org', 'io'])}"
        email = email.encode("ascii", "ignore").decode()
        customer = Customer(
            email=email, name=f"{first} {last}", language=rng.choice(LANGS),
            created_at=now - timedelta(days=rng.randint(30, 900)),
            traits={"plan": rng.choice(PLANS), "company": rng.choice(COMPANIES),
                    "signup_date": (now - timedelta(days=rng.randint(30, 900))).date().isoformat(),
                    "seats": rng.randint(1, 40)})
        db.session.add(customer)
        out.append(customer)
    db.session.flush()
    return out


def load_demo(seed: int = 7, customers: int = 60, tickets: int = 240) -> dict:
    """Create teammates, customers and tickets with threads; returns what was made."""
    rng, now = random.Random(seed), clock.now()
    team = _team()
    people = _customers(rng, now, customers)
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    for i in range(tickets):
        _ticket(rng, now, team, rng.choice(people), rng.choice(statuses), i)
    db.session.add(Directive(body="Pro and Enterprise customers asking about price: mention the annual plan saves two months.",
                             scope={"channel": "email", "plan": "pro"}, author_id=team[3].id))
    db.session.commit()
    return {"teammates": len(team), "customers": customers, "tickets": tickets}


def _ticket(rng, now, team, customer, status, i) -> None:
    subject, question, answer = rng.choice(TOPICS)
    channel = "chat" if rng.random() < 0.35 else "email"
    start = now - timedelta(minutes=rng.randint(5, 60 * 24 * 45))
    agent = rng.choice(team)
    ticket = Ticket(subject=subject, customer=customer, channel=channel, status=status,
                    created_at=start, assignee_id=agent.id if rng.random() < 0.6 else None)
    if status == "snoozed":
        ticket.snoozed_until, ticket.snoozed_by_id = now + timedelta(hours=rng.randint(2, 96)), agent.id
    db.session.add(ticket)
    db.session.flush()
    at = start
    # The demo texts are English: stored as ingest would (Message.language), no detection.
    items = [Message(ticket_id=ticket.id, kind="customer", channel=channel, body_text=question, created_at=at,
                     language="en")]
    if rng.random() < 0.3:
        at += timedelta(minutes=rng.randint(1, 90))
        other = rng.choice([u for u in team if u.id != agent.id])
        note = Message(ticket_id=ticket.id, kind="note", author_id=agent.id,
                       body_text=rng.choice(NOTES).format(h=other.handle), created_at=at)
        items.append(note)
        if "@" in note.body_text:
            db.session.add(Mention(user_id=other.id, ticket_id=ticket.id, message=note, created_at=at,
                                   read_at=None if rng.random() < 0.3 else at))
    if status in ("priority", "in_progress", "resolved", "snoozed") or rng.random() < 0.3:
        at += timedelta(minutes=rng.randint(2, 240))
        items.append(Message(ticket_id=ticket.id, kind="event", event_type="status", author_id=agent.id,
                             event_data={"from": "open", "to": status if status != "snoozed" else "in_progress"},
                             created_at=at))
        at += timedelta(minutes=rng.randint(1, 60))
        kind = "ai" if rng.random() < 0.15 else "agent"
        items.append(Message(ticket_id=ticket.id, kind=kind, channel=channel, author_id=None if kind == "ai" else agent.id,
                             body_text=answer, delivery="sent", created_at=at))
        if rng.random() < 0.4:
            at += timedelta(minutes=rng.randint(5, 600))
            items.append(Message(ticket_id=ticket.id, kind="customer", channel=channel, created_at=at,
                                 language="en",
                                 body_text=rng.choice(["Thanks, that worked!", "Great, much appreciated.", "Still seeing it, sorry — any other idea?"])))
    at = min(at, now)
    ticket.last_activity_at = at
    visible = [m for m in items if m.kind in ("customer", "agent", "ai")]
    ticket.preview = " ".join(visible[-1].body_text.split())[:200]
    db.session.add_all(items)
