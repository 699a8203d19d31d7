"""#17's defects, walked through as an agent in a real Chromium: each test is a path that got
in the way of a day's work (alias, chat hand-off, shortcuts, mentions, translation, AI state,
spam), asserted on what the agent sees."""
import pytest
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import Message
from halo.services import chat
from halo.services.accounts.aliases import create_alias
from halo.services.ai import settings as ai_settings
from halo.services.email.ingest import store_email
from halo.services.settings import set_setting
from halo.services.tickets import replies
from halo.services.translate import engine as translation
from tests.ai_support import offline  # noqa: F401
from tests.browser.conftest import sign_in
from tests.browser.test_chat_widget import shop  # noqa: F401
from tests.email_support import make_raw
from tests.factories import make_customer, make_ticket, make_user


@pytest.fixture
def ada():
    return make_user(email="ada@example.com", name="Ada Park", role="admin")


def _settled(page):
    """Deferred scripts ran and the socket's catch-up push landed."""
    page.wait_for_load_state()
    expect(page.locator("#live-socket")).to_have_attribute("data-state", "live")


def _open(page, url):
    page.goto(url)
    _settled(page)


# Alias users


def test_send_as_keeps_the_chosen_alias_after_a_send_and_a_reload(live_server, new_page, ada):
    create_alias("Kim from Kettle", None)
    create_alias("Sam from Kettle", None)
    ticket = make_ticket(channel="chat", body="My kettle whistles off-key")
    page = new_page()
    sign_in(page, live_server, ada.email)
    _open(page, f"{live_server}/tickets/{ticket.id}")
    pick = page.locator("#composer select[name=alias_id]")
    expect(pick.locator("option:checked")).to_have_text("Myself")
    pick.select_option(label="Kim from Kettle")
    for n, text in enumerate(["Which model is it?", "A replacement lid is on its way.", "Anything else?"]):
        page.fill("#composer textarea", text)
        page.click("#composer button[type=submit]")
        expect(page.locator("#thread")).to_contain_text(text)
        expect(page.locator("#composer textarea")).to_have_value("")
        expect(page.locator("#composer select[name=alias_id] option:checked")).to_have_text("Kim from Kettle")
    db.session.expire_all()
    sent = db.session.scalars(db.select(Message.alias_id).where(Message.ticket_id == ticket.id,
                                                                Message.kind == "agent")).all()
    assert len(sent) == 3 and len(set(sent)) == 1 and sent[0] is not None, "the customer read more than one name"
    _open(page, f"{live_server}/tickets/{ticket.id}")
    expect(page.locator("#composer select[name=alias_id] option:checked")).to_have_text("Kim from Kettle")

    ben = make_user(email="ben@example.com", name="Ben Cho")  # the choice is Ada's, not the ticket's
    other = new_page()
    sign_in(other, live_server, ben.email)
    _open(other, f"{live_server}/tickets/{ticket.id}")
    expect(other.locator("#composer select[name=alias_id] option:checked")).to_have_text("Myself")


# Chat hand-off


def _waiting_chat(text="Hello, anyone there?"):
    visitor, _ = chat.open_visitor(None)
    chat.visitor_connected(visitor.id, +1)
    message, _ = chat.receive_visitor_message(visitor.id, "c1", text)
    return message.ticket_id


def test_replying_to_a_waiting_chat_makes_the_agent_its_handler(live_server, new_page, ada):
    ticket_id = _waiting_chat()
    page = new_page()
    sign_in(page, live_server, ada.email)
    _open(page, f"{live_server}/tickets/{ticket_id}")
    handler = page.locator(f"#ticket-{ticket_id}-handler [data-handler]")
    expect(handler).to_have_text("Waiting for a teammate")  # no AI model configured
    for text in ("Hi! Let me look.", "Found your order.", "It ships today."):
        page.fill("#composer textarea", text)
        page.click("#composer button[type=submit]")
        expect(page.locator("#thread")).to_contain_text(text)
        expect(page.locator("#composer textarea")).to_have_value("")  # the fresh composer is in
    expect(handler).to_have_text("Ada Park")
    expect(page.locator(f"#status-{ticket_id} option:checked")).to_have_text("In Progress")
    expect(page.locator(f"#assignee-{ticket_id} option:checked")).to_contain_text("Ada Park")
    expect(page.locator("#thread")).to_contain_text("picked up this conversation")
    expect(page.locator("#thread")).not_to_contain_text("took over from the AI")

    live = new_page()
    sign_in(live, live_server, ada.email)
    _open(live, live_server + "/live")
    expect(live.locator(f"#live-{ticket_id} .handler")).to_have_text("Ada Park")


def test_take_over_says_from_the_ai_only_when_the_ai_spoke(live_server, new_page, ada):
    ticket_id = _waiting_chat()
    page = new_page()
    sign_in(page, live_server, ada.email)
    _open(page, f"{live_server}/tickets/{ticket_id}")
    page.click(f"#ticket-{ticket_id}-handler button:has-text('Take over')")
    expect(page.locator(f"#ticket-{ticket_id}-handler [data-handler]")).to_have_text("Ada Park")
    expect(page.locator("#thread")).to_contain_text("picked up this conversation")
    expect(page.locator("#thread")).not_to_contain_text("from the AI")


# Shortcuts


def test_r_on_an_email_ticket_opens_the_email_reply(live_server, new_page, ada):
    ticket = make_ticket(channel="email", subject="Invoice question")
    page = new_page()
    sign_in(page, live_server, ada.email)
    _open(page, f"{live_server}/tickets/{ticket.id}?compose=note")
    expect(page.locator("#composer .tab.active")).to_have_text("Note")
    page.keyboard.press("r")
    expect(page.locator("#composer .tab.active")).to_have_text("Email")
    expect(page.locator("#composer textarea")).to_be_focused()
    page.keyboard.press("Escape")
    page.locator("#composer textarea").blur()
    page.keyboard.press("r")  # already on Email: it stays there (never the Chat tab)
    expect(page.locator("#composer textarea")).to_be_focused()
    expect(page.locator("#composer .tab.active")).to_have_text("Email")

    chat_ticket = make_ticket(channel="chat")
    _open(page, f"{live_server}/tickets/{chat_ticket.id}?compose=note")
    page.keyboard.press("r")
    expect(page.locator("#composer .tab.active")).to_have_text("Chat")


SLOW = "/static/slow-part.png"


def test_keys_typed_while_the_page_loads_or_in_a_field_never_act(live_server, new_page, ada):
    ticket = make_ticket(channel="email", subject="Invoice question")
    page = new_page()
    sign_in(page, live_server, ada.email)
    held = []

    def with_a_slow_part(route):  # the page as served, with one picture that takes its time
        response = route.fetch()
        body = response.text().replace("</body>", f'<img src="{SLOW}" alt=""></body>')
        route.fulfill(response=response, body=body)
    page.route(f"**/tickets/{ticket.id}", with_a_slow_part)
    page.route(f"**{SLOW}", lambda route: held.append(route))
    page.goto(f"{live_server}/tickets/{ticket.id}", wait_until="domcontentloaded")
    # deferred scripts (the shortcuts among them) have run by DOMContentLoaded
    assert page.evaluate("document.readyState") != "complete"
    status = page.locator(f"#status-{ticket.id}")
    for key in "refund e":  # search words, their "/" lost before this page's scripts ran
        page.keyboard.press(key if key != " " else "Space")
        assert status.evaluate("el => el.value") == "open", f"{key!r} typed while loading acted"
    expect(page.locator("#composer .tab.active")).to_have_text("Email")

    held[0].fulfill(status=404)
    page.wait_for_load_state("load")
    search = page.locator("[data-shortcut-focus=search]")
    search.click()
    page.keyboard.type("renewal e")
    expect(search).to_have_value("renewal e")
    assert status.evaluate("el => el.value") == "open", "keys typed in the search box acted on the ticket"
    search.blur()
    page.keyboard.press("e")  # loaded, no field: the shortcut works
    expect(page.locator(f"#status-{ticket.id} option:checked")).to_have_text("Resolved")


# Mentions


def test_a_mention_reaches_notifications_and_is_marked_in_the_note(live_server, new_page, ada):
    ticket = make_ticket(subject="Refund for duplicate charge")
    ben = make_user(email="ben@example.com", name="Ben Cho")
    page = new_page()
    sign_in(page, live_server, ada.email)
    _settled(page)
    replies.post_reply(ticket.id, ben.id, f"@{ada.handle} can you check this one? ben@example.com saw it", "note")
    expect(page.locator("#nav-notifications .badge-count")).to_have_text("1")  # live, over the socket
    expect(page.locator("#mentions-badge")).to_have_text("1")

    _open(page, live_server + "/notifications")
    active = page.locator(".sidebar .nav-link.active")
    expect(active).to_have_count(1)
    expect(active).to_contain_text("Notifications")
    item = page.locator("ul.notifications li.unread a")
    expect(item).to_have_text("Ben Cho mentioned you on “Refund for duplicate charge”")
    item.click()
    page.wait_for_url(f"**/tickets/{ticket.id}")
    _settled(page)
    mark = page.locator("#thread .item-body mark.mention")
    expect(mark).to_have_count(1)  # the teammate, not the email address
    expect(mark).to_have_text(f"@{ada.handle}")
    assert mark.evaluate("el => getComputedStyle(el).backgroundColor") != \
        mark.evaluate("el => getComputedStyle(el.parentElement).backgroundColor"), "the mention does not stand out"
    expect(page.locator("#nav-notifications .badge-count")).to_have_count(0)  # read with the mention
    expect(page.locator("#mentions-badge")).to_have_count(0)


# Translate


def test_a_spanish_email_shows_its_language_on_first_view(app, live_server, new_page, ada):
    store_email(make_raw(sender="Lucía Gómez <lucia@cliente.test>", subject="Factura",
                         body="Hola, no puedo descargar mi factura de noviembre desde el portal."), "smtp")
    assert app.extensions["halo_queue"].idle()  # the ingest, then the language job it queued
    db.session.expire_all()
    ticket_id = db.session.scalar(db.select(Message.ticket_id).where(Message.kind == "customer"))
    page = new_page()
    sign_in(page, live_server, ada.email)
    _open(page, f"{live_server}/tickets/{ticket_id}")
    expect(page.locator(".profile .traits dt:text-is('Language') + dd")).to_have_text("Spanish")


def test_translate_without_the_extra_says_so_plainly_to_an_agent(live_server, new_page, ada, monkeypatch):
    monkeypatch.setattr(translation, "available", lambda: False)
    sara = make_user(email="sara@example.com", name="Sara Lind")
    ticket = make_ticket(make_customer(language="de"), subject="Bestellung")
    page = new_page()
    sign_in(page, live_server, sara.email)
    _open(page, f"{live_server}/tickets/{ticket.id}")
    page.fill("#composer textarea", "Hello, your order ships today.")
    page.click("#composer .translate-button")
    said = page.locator("#composer .translate-preview")
    expect(said).to_contain_text("Translation is not available on this server.")
    for shell in ("pip", "make run", ".venv", "`"):
        expect(said).not_to_contain_text(shell)
    expect(said.locator("a")).to_have_count(0)

    boss = new_page()
    sign_in(boss, live_server, ada.email)
    _open(boss, f"{live_server}/tickets/{ticket.id}")
    boss.fill("#composer textarea", "Hello")
    boss.click("#composer .translate-button")
    boss.locator("#composer .translate-preview a", has_text="Settings > Translation").click()
    boss.wait_for_url("**/settings/translation")
    expect(boss.locator("main")).to_contain_text("pip install")  # the install hint: admins, in Settings


# AI state


def test_ai_chat_without_a_model_tells_the_visitor_a_teammate_will_reply(live_server, shop, new_page, offline):  # noqa: F811
    set_setting("widget_allowed_origins", [shop])
    ai_settings.save(False, True, "", "", True)  # AI chat on, no provider configured
    visitor = new_page(viewport={"width": 390, "height": 800})
    visitor.goto(shop)
    widget = visitor.locator("#halo-chat-widget")
    widget.locator(".launcher").click()
    for n, text in enumerate(["Hi, my kettle whistles off-key", "Anyone there?"]):
        widget.locator("textarea").fill(text)
        widget.locator("textarea").press("Enter")
        expect(widget.locator(".msg.visitor[data-id]")).to_have_count(n + 1)
        expect(widget.locator(".msg.team")).to_have_count(1)  # said once, not after every message
    expect(widget.locator(".msg.team")).to_contain_text("A teammate will reply here soon.")


def test_pass_to_ai_appears_when_an_email_ticket_is_reopened_in_place(live_server, new_page, ada):
    ai_settings.save(True, False, "", "", True)  # the AI email pipeline on
    ticket = make_ticket(channel="email", status="resolved", subject="Invoice question")
    page = new_page()
    sign_in(page, live_server, ada.email)
    _open(page, f"{live_server}/tickets/{ticket.id}")
    pass_to_ai = page.locator(f"#ticket-{ticket.id}-handler button", has_text="Pass to AI")
    expect(pass_to_ai).to_have_count(0)
    page.select_option(f"#status-{ticket.id}", "open")  # Reopen
    expect(page.locator("#thread")).to_contain_text("reopened this ticket")
    expect(pass_to_ai).to_be_visible()  # no reload
    page.select_option(f"#status-{ticket.id}", "resolved")
    expect(pass_to_ai).to_have_count(0)


# Spam and the thread


def test_automatic_spam_says_why_and_split_waits_in_a_message_menu(app, live_server, new_page, ada):
    store_email(make_raw(sender="Prize Desk <desk@lucky.test>", subject="You have won",
                         body="Dear friend, you have won the lottery! Act now and claim your prize."), "smtp")
    assert app.extensions["halo_queue"].idle()
    db.session.expire_all()
    ticket_id = db.session.scalar(db.select(Message.ticket_id).where(Message.kind == "customer"))
    page = new_page()
    sign_in(page, live_server, ada.email)
    _open(page, f"{live_server}/tickets/{ticket_id}")
    line = page.locator("#thread li", has_text="set status to Spam")
    expect(line).to_contain_text("spam detection: spam phrases: ")
    expect(line).to_contain_text("dear friend")

    message = page.locator("#thread .item-customer").first
    split = message.locator("button.split-message")
    expect(split).to_be_hidden()  # not on every message of the thread
    message.locator(".item-menu summary").click()
    expect(split).to_be_visible()
    expect(split).to_be_enabled()
    message.locator(".item-menu summary").click()  # and folds away again
    expect(split).to_be_hidden()
