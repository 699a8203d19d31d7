"""Context building: scoped directives, published articles, no internal notes; drafts and uses."""
from halo import realtime
from halo.extensions import db
from halo.models import AiDraft, Customer, Directive, DirectiveUse, Message
from halo.services.ai import drafts as ai_drafts
from halo.services.ai import knowledge as ai_knowledge
from halo.services.ai.context import build_context
from halo.services.tickets import replies
from tests.ai_support import ai_queue, ai_server, offline  # noqa: F401
from tests.factories import make_customer, make_ticket, make_user

NOTE = "Internal: this customer threatened to churn, offer max 10 percent"


def setup_ticket(plan="pro", channel="email", language="en", body="How do I get a refund for my order?"):
    agent = make_user(role="admin")  # an admin's directives are published as written
    customer = make_customer(traits={"plan": plan}, language=language)
    ticket = make_ticket(customer=customer, channel=channel, body=body)
    replies.post_reply(ticket.id, agent.id, NOTE, "note")
    return agent, ticket


def directive_on(ticket, agent, body):
    replies.post_reply(ticket.id, agent.id, body, "training")


def test_directives_respect_scope_and_articles_are_published_only():
    agent, pro_email = setup_ticket()
    _, free_email = setup_ticket(plan="free")
    _, pro_chat = setup_ticket(channel="chat")
    _, pro_email_de = setup_ticket(language="de")
    directive_on(pro_email, agent, "Offer Pro customers the annual discount on refunds.")
    directive_on(pro_chat, agent, "Keep chat answers to one line.")
    ai_knowledge.create_article("Refund policy", "Refunds are issued within 5 days of a request.", True, None)  # published by the workspace (an admin's call)
    ai_knowledge.create_article("Refund secrets", "Unpublished refund draft text.", False, agent.id)
    ctx = build_context(pro_email.id)
    assert [d.body for d in ctx.directives] == ["Offer Pro customers the annual discount on refunds."]
    assert [a.title for a in ctx.articles] == ["Refund policy"]
    assert build_context(free_email.id).directives == []
    assert [d.body for d in build_context(pro_chat.id).directives] == ["Keep chat answers to one line."]
    assert build_context(pro_email_de.id).directives == []


def test_notes_never_reach_the_provider_and_uses_are_recorded(ai_server, ai_queue):
    agent, ticket = setup_ticket()
    directive_on(ticket, agent, "Always mention the 5 day refund window.")
    ai_knowledge.create_article("Refund policy", "Refunds are issued within 5 days of a request.", True, None)  # published by the workspace (an admin's call)
    draft = ai_drafts.request_draft(ticket.id, agent.id, "email")
    draft = db.session.get(AiDraft, draft.id)
    assert draft.state == "done" and "Refunds are issued within 5 days" in draft.text
    assert NOTE not in ai_server.prompts() and "threatened" not in ai_server.prompts()
    assert "Refund policy" in ai_server.prompts() and "Always mention the 5 day" in ai_server.prompts()
    assert {s["kind"] for s in draft.sources} == {"article", "directive"}
    [use] = db.session.scalars(db.select(DirectiveUse)).all()
    assert use.ticket_id == ticket.id and use.purpose == "draft"
    assert db.session.scalars(db.select(Directive)).one().use_count == 1


def test_offline_draft_is_assembled_and_says_so(offline, ai_queue):
    agent, ticket = setup_ticket()
    ai_knowledge.create_article("Refund policy", "Refunds are issued within 5 days of a request.\n\nShipping is free.", True, None)  # published by the workspace (an admin's call)
    draft = db.session.get(AiDraft, ai_drafts.request_draft(ticket.id, agent.id, "email").id)
    assert draft.state == "done" and draft.offline
    assert draft.text.startswith("Hi Customer") and "Refunds are issued within 5 days" in draft.text
    assert "Best regards" in draft.text and NOTE not in draft.text


def test_chat_draft_is_short_and_has_no_signature(offline, ai_queue):
    agent, ticket = setup_ticket(channel="chat")
    draft = db.session.get(AiDraft, ai_drafts.request_draft(ticket.id, agent.id, "chat").id)
    assert "Best regards" not in draft.text and draft.text.startswith("Hi Customer")


def test_provider_down_fails_the_draft_and_leaves_the_ticket(ai_server, ai_queue):
    agent, ticket = setup_ticket()
    before = [(m.id, m.kind) for m in db.session.scalars(db.select(Message).where(Message.ticket_id == ticket.id))]
    ai_server.reply = ("error", 500)
    draft = db.session.get(AiDraft, ai_drafts.request_draft(ticket.id, agent.id, "email").id)
    assert draft.state == "failed" and "HTTP 500" in draft.error and draft.text == ""
    after = [(m.id, m.kind) for m in db.session.scalars(db.select(Message).where(Message.ticket_id == ticket.id))]
    assert before == after and db.session.get(type(ticket), ticket.id).status == "open"


def test_markdown_is_rendered_safely():
    html = ai_knowledge.render_markdown("# Title\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_search_ranks_articles():
    agent = make_user()
    ai_knowledge.create_article("Shipping times", "Orders ship in two days.", True, None)  # published by the workspace (an admin's call)
    ai_knowledge.create_article("Refunds", "Refunds take five days. Refunded orders...", True, None)  # published by the workspace (an admin's call)
    assert [a.title for a in ai_knowledge.list_articles("refund")] == ["Refunds"]
    assert db.session.scalar(db.select(db.func.count(Customer.id))) == 0


def test_each_write_of_a_draft_is_published_for_its_page(ai_server, ai_queue):
    agent, ticket = setup_ticket()
    ai_server.chunk_size = 1
    heard = []
    with realtime.subscribe([f"ticket:{ticket.id}"]) as sub:
        draft = ai_drafts.request_draft(ticket.id, agent.id, "email")
        while (item := sub.get(timeout=0)) is not None:
            heard.append(item[1])
    drafts = [p for p in heard if p.get("type") == "draft"]
    assert drafts and all(p == {"type": "draft", "ticket_id": ticket.id, "draft_id": draft.id,
                                "user_id": agent.id} for p in drafts)
    assert db.session.get(AiDraft, draft.id).state == "done"  # the last one told of the finish
