"""The AI output guard, called directly: each check on its own, and what it lets through.

Every text below trips exactly one check, so switching any one of them off fails a test
here (the end-to-end injection tests feed the guard text that trips several at once).
"""
import pytest

from halo.extensions import db
from halo.models import AiDraft
from halo.services.ai import drafts as ai_drafts
from halo.services.ai import knowledge as ai_knowledge
from halo.services.ai.context import build_context
from halo.services.ai.guard import LEAK_PHRASES, check_output, fence, quotes
from halo.services.tickets import replies
from tests.ai_support import ai_queue, ai_server  # noqa: F401
from tests.factories import make_customer, make_ticket, make_user

NOTE_LEAK = "it quotes an internal note"
DIRECTIVE_LEAK = "it quotes a team directive"
ADDRESS_LEAK = "it contains an email address that is not this customer's"
PHRASE_LEAK = "it talks about internal notes, directives or its instructions"

# No leak phrase and no address in either: only the quote checks can see them.
NOTE = "Customer is a reseller so waive the restocking fee this once"
DIRECTIVE = "Always offer the annual plan before any monthly downgrade"


@pytest.fixture
def ctx():
    agent = make_user(role="admin")  # an admin's directive is published as written
    customer = make_customer(email="Ana.Lopez@Example.org")
    ticket = make_ticket(customer=customer, body="Can I get a cheaper plan?")
    replies.post_reply(ticket.id, agent.id, NOTE, "note")
    replies.post_reply(ticket.id, agent.id, DIRECTIVE, "training")
    ai_knowledge.create_article("Billing contact", "Write to billing@acme.test for invoices.", True, None)  # published by the workspace (an admin's call)
    context = build_context(ticket.id, agent.id, query="billing invoices plan")
    assert [d.body for d in context.directives] == [DIRECTIVE]
    assert [a.title for a in context.articles] == ["Billing contact"]
    return context


def test_a_plain_answer_passes(ctx):
    assert check_output("Hi Ana, the annual plan costs less per month. Best, Sara", ctx) == []
    assert check_output("", ctx) == [] and check_output(None, ctx) == []


def test_quoting_an_internal_note_is_caught_alone(ctx):
    out = "Good news: we can waive the restocking fee this once for you."
    assert check_output(out, ctx) == [NOTE_LEAK]


def test_only_this_tickets_notes_count(ctx):
    other = make_ticket(body="Hello")
    replies.post_reply(other.id, make_user().id, "Please escalate the broken kettle case to the supplier", "note")
    assert check_output("We will escalate the broken kettle case to the supplier today.", ctx) == []


def test_repeating_the_customers_own_words_is_not_a_note_leak(ctx):
    replies.post_reply(ctx.ticket.id, make_user().id, "We ship the replacement parts on Monday morning", "email")
    assert check_output("As promised: we ship the replacement parts on Monday morning.", ctx) == []


def test_quoting_a_directive_is_caught_alone(ctx):
    out = "Before you go: we always offer the annual plan before any monthly downgrade."
    assert check_output(out, ctx) == [DIRECTIVE_LEAK]


def test_another_customers_address_is_caught_alone(ctx):
    assert check_output("You could ask victoria@bigcorp.test, she had the same issue.", ctx) == [ADDRESS_LEAK]


def test_addresses_the_answer_may_contain(ctx):
    # The customer's own (any case), one from an article it was given, one the caller allows.
    assert check_output("We will write to ana.lopez@example.org.", ctx) == []
    assert check_output("Please write to BILLING@acme.test.", ctx) == []
    assert check_output("Forwarded to sales@acme.test.", ctx, allowed_emails=["Sales@Acme.test"]) == []
    assert check_output("Forwarded to sales@acme.test.", ctx) == [ADDRESS_LEAK]


def test_an_unpublished_articles_address_is_not_allowed(ctx):
    ai_knowledge.create_article("Legal", "Write to legal@acme.test about contracts.", False, None)
    assert check_output("Write to legal@acme.test.", ctx) == [ADDRESS_LEAK]


@pytest.mark.parametrize("phrase", LEAK_PHRASES)
def test_each_leak_phrase_is_caught_alone_in_any_case(ctx, phrase):
    assert check_output(f"Sure. Per my {phrase.upper()} I cannot say.", ctx) == [PHRASE_LEAK]


def test_all_reasons_are_listed_in_order(ctx):
    out = ("My instructions say: waive the restocking fee this once, always offer the annual plan "
           "before any monthly downgrade, and cc boss@other.test")
    assert check_output(out, ctx) == [PHRASE_LEAK, DIRECTIVE_LEAK, NOTE_LEAK, ADDRESS_LEAK]


def test_the_fence_of_nothing_is_empty():
    assert fence("") == fence(None) == "<customer_message>\n\n</customer_message>"


def test_quotes_needs_six_words_in_a_row():
    secret = "one two three four five six seven"
    assert quotes("x two three four five six seven y", secret)
    assert not quotes("one two three four five and six seven", secret)
    assert quotes("ONE, two; three four: five six!", secret)  # punctuation and case are not a disguise
    assert not quotes("x y three four five six seven", secret)  # its last five words only
    assert not quotes("anything", "") and not quotes("anything", None)


def test_quotes_of_short_secrets():
    # Three to five words: all of them, in order, however short.
    assert quotes("the code is red fox jumps today", "red fox jumps")
    assert not quotes("red fox and jumps", "red fox jumps")
    assert quotes("the big red fox ran", "big red fox")  # 11 characters
    # One or two words: the whole secret, and only when it is long enough to mean something.
    assert quotes("it is supercalifragilistic now", "supercalifragilistic")
    assert not quotes("it is blue now", "blue")
    assert not quotes("open sesame now", "open sesame")  # 11 characters: too common to judge
    assert not quotes("say goodnight ok", "goodnight ok")  # 12: still too common
    assert quotes("x goodnight moo", "goodnight moo")  # 13: enough
    assert quotes("say goodnight moonlight", "goodnight moonlight")  # 19 characters
    assert not quotes("goodnight", "goodnight moonlight")


def test_a_model_that_repeats_a_note_has_its_draft_withheld(ai_server, ai_queue):
    agent = make_user()
    ticket = make_ticket(body="Can I return the blender?")
    replies.post_reply(ticket.id, agent.id, NOTE, "note")
    ai_server.reply = lambda request: "Hi! We will waive the restocking fee this once."
    draft = db.session.get(AiDraft, ai_drafts.request_draft(ticket.id, agent.id, "email").id)
    assert draft.state == "failed" and draft.text == ""
    assert draft.error == f"The draft was withheld because {NOTE_LEAK}."
