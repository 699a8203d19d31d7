"""Two teams, two inboxes, and team B's ticket with everything a ticket can have: the world
the visibility walks (web and socket) try to reach from team A."""
from email.message import EmailMessage

from halo.extensions import db
from halo.models import (
    AiDraft,
    InboundEmail,
    Message,
    Notification,
    PilotMessage,
    Ticket,
)
from halo.services.access import inboxes, teams
from halo.services.email import ingest as email_ingest
from halo.services.tickets import merge
from tests.factories import make_customer, make_ticket, make_user

# Words that appear only in team B's ticket: any of them on a page of team A's is a leak.
SECRETS = ("Zebrafish", "Quentin Hiddenperson", "hidden-b@customer.test", "kumquat", "secret-plan.pdf")


def team_b_email() -> bytes:
    """A customer's mail to inbox B's address, with an attachment and an inline image."""
    msg = EmailMessage()
    msg["From"] = "Quentin Hiddenperson <hidden-b@customer.test>"
    msg["To"] = "security@halo.test"
    msg["Subject"] = "Zebrafish breach report"
    msg["Message-ID"] = "<zebrafish-1@customer.test>"
    msg["Date"] = "Tue, 24 Nov 2026 09:00:00 +0000"
    msg.set_content("The kumquat token leaked on our side.")
    msg.add_alternative('<p>The kumquat token leaked. <img src="cid:chart@customer.test"></p>', subtype="html")
    msg.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image", "png", cid="<chart@customer.test>")
    msg.add_attachment(b"%PDF-1.4 the plan", maintype="application", subtype="pdf", filename="secret-plan.pdf")
    return msg.as_bytes()


def two_teams() -> dict:
    """Sara (agent, team A), Rita (read-only, team A), Bo (agent, team B), an admin; inbox A's
    ticket and inbox B's ticket (by mail, with attachment, inline image, a merged-in ticket,
    an AI draft, a HaloPilot answer, and a notification of Sara's from before it moved)."""
    admin = make_user(email="boss@example.com", name="Ada Admin", role="admin")
    sara = make_user(email="sara@example.com", name="Sara Lind")
    rita = make_user(email="rita@example.com", name="Rita Reader", role="readonly")
    bo = make_user(email="bo@example.com", name="Bo Berg")
    a = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id, rita.id], inbox_ids=[a.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[b.id])
    ta = make_ticket(customer=make_customer(name="Alma Visible", email="alma@customer.test"),
                     subject="Invoice twice charged", inbox_id=a.id, body="Charged twice for May.")
    inbound, _ = email_ingest.receive_email(team_b_email(), "webhook", envelope_to=["security@halo.test"])
    inbound = db.session.get(InboundEmail, inbound.id)
    tb = inbound.ticket_id
    dupe = make_ticket(customer=db.session.get(Ticket, tb).customer, subject="Zebrafish again",
                       inbox_id=b.id)
    merge_event = merge.merge_tickets(tb, [dupe.id], admin.id)
    message = db.session.scalar(db.select(Message).where(  # the mail's, before the merged-in one
        Message.ticket_id == tb, Message.kind == "customer").order_by(Message.id).limit(1))
    draft = AiDraft(ticket_id=tb, mode="email", state="done", text="Kumquat draft", requested_by=bo.id)
    answer = PilotMessage(ticket_id=tb, role="assistant", body="Kumquat answer", state="done")
    db.session.add_all([draft, answer, Notification(user_id=sara.id, ticket_id=tb, kind="snooze",
                                                    text="Zebrafish breach report is back")])
    db.session.commit()
    attachment = next(x for x in message.attachments if x.filename == "secret-plan.pdf")
    return {"admin": admin, "sara": sara, "rita": rita, "bo": bo, "a": a.id, "b": b.id,
            "ta": ta.id, "tb": tb, "dupe": dupe.id, "message": message.id, "inbound": inbound.id,
            "attachment": attachment.id, "draft": draft.id, "answer": answer.id,
            "merge_event": merge_event.id, "content_id": "chart@customer.test"}

