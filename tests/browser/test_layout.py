"""Layout from 360 px up, measured in a real Chromium: the folding sidebar, inbox and Live rows
that keep what tells them apart, a ticket page that never scrolls sideways, and a composer,
HaloPilot and snooze panel that keep their shape. Geometry only: element boxes against the
viewport, and scrollWidth against clientWidth."""
import pytest
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import PilotMessage
from halo.services import chat
from halo.services.ai import knowledge as ai_knowledge
from halo.services.tickets import replies
from tests.browser.conftest import sign_in
from tests.factories import make_customer, make_ticket, make_user

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1440, "height": 900}
LONG = ("Hi! I upgraded to the annual plan yesterday but my dashboard still says Free, and the "
        "invoice I got by email shows the monthly price instead of the yearly one. Can someone "
        "check what happened with my account before my team's demo tomorrow morning?")


@pytest.fixture
def ada():
    return make_user(email="ada@example.com", name="Ada Park", role="admin")


def _signed_in(new_page, base, user, viewport):
    page = new_page(viewport)
    sign_in(page, base, user.email)
    _settled(page)
    return page


def _open(page, url):
    page.goto(url)
    _settled(page)


def _settled(page):
    """The deferred scripts have run and the socket's catch-up push has landed (it may
    replace rows and thread lines: measure after it)."""
    page.wait_for_load_state()
    expect(page.locator("#live-socket")).to_have_attribute("data-state", "live")


def _no_sideways_scroll(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths[0]} px of content in {widths[1]} px"


def _inside(inner, outer, what):
    """inner's box lies within outer's (both bounding boxes, or outer a viewport size)."""
    right = outer["x"] + outer["width"] if "x" in outer else outer["width"]
    left = outer.get("x", 0)
    assert inner["x"] >= left - 0.5 and inner["x"] + inner["width"] <= right + 0.5, \
        f"{what} reaches {inner['x']:.0f}-{inner['x'] + inner['width']:.0f}, outside {left:.0f}-{right:.0f}"


def _not_truncated(locator, what):
    sizes = locator.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] <= sizes[1], f"{what} is cut: {sizes[0]} px of content in {sizes[1]} px"


# The sidebar


def test_sidebar_folds_behind_a_menu_button_on_a_phone(live_server, new_page, ada):
    ticket = make_ticket(customer=make_customer(name="Maya Costa"), subject="Refund for duplicate charge")
    page = _signed_in(new_page, live_server, ada, PHONE)
    toggle = page.locator(".menu-toggle")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    dot = "el => getComputedStyle(el, '::after').content"
    assert toggle.evaluate(dot) == "none"  # nothing unread behind the fold
    replies.post_reply(ticket.id, make_user(name="Ben Cho").id, f"@{ada.handle} can you look?", "note")
    expect(page.locator("#mentions-badge")).to_be_attached()  # the counts arrive over the socket
    assert toggle.evaluate(dot) != "none", "an unread mention shows no mark on the folded menu"
    expect(toggle).to_have_attribute("aria-controls", "sidebar-panel")
    expect(page.locator("#sidebar-panel")).to_be_hidden()
    expect(page.locator(f"#ticket-row-{ticket.id}")).to_be_in_viewport()  # the first screen shows tickets

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#view-counts [data-view=mine]")).to_be_visible()
    expect(page.locator(".sidebar .nav-link", has_text="Settings")).to_be_visible()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(page.locator("#sidebar-panel")).to_be_hidden()
    toggle.click()
    expect(page.locator("#view-counts [data-view=mine]")).to_be_visible()
    _no_sideways_scroll(page)


def test_sidebar_stays_open_without_a_button_on_a_desktop(live_server, new_page, ada):
    page = _signed_in(new_page, live_server, ada, DESKTOP)
    expect(page.locator(".menu-toggle")).to_be_hidden()
    expect(page.locator("#view-counts [data-view=mine]")).to_be_visible()
    sidebar, main = page.locator(".sidebar").bounding_box(), page.locator(".main").bounding_box()
    assert sidebar["x"] + sidebar["width"] <= main["x"]  # side by side, as before


# Inbox rows


@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE], ids=["390", "360"])
def test_inbox_rows_keep_customer_subject_and_status(live_server, new_page, ada, viewport):
    tickets = [make_ticket(customer=make_customer(name=name), subject=subject, body=LONG, status=status)
               for name, subject, status in [("Maya Costa", "Refund for duplicate charge", "priority"),
                                             ("Kofi Martin", "Export to CSV is missing columns", "in_progress")]]
    page = _signed_in(new_page, live_server, ada, viewport)
    for ticket in tickets:
        row = page.locator(f"#ticket-row-{ticket.id}")
        who, what, status = row.locator("td.who"), row.locator("td.what"), row.locator(".pill")
        _not_truncated(who, "the customer's name")
        assert what.bounding_box()["width"] >= viewport["width"] * 0.6, "the subject has no room"
        expect(what.locator("strong")).to_be_visible()
        pill_cell = status.locator("xpath=..")
        _inside(status.bounding_box(), pill_cell.bounding_box(), "the status")
        for cell in (who, what, pill_cell):
            _inside(cell.bounding_box(), viewport, "a cell")
    _no_sideways_scroll(page)


# The ticket page and the composer


@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE], ids=["390", "360"])
@pytest.mark.parametrize("channel", ["chat", "email"])
def test_ticket_page_does_not_scroll_sideways_and_sends_one_handed(live_server, new_page, ada, viewport, channel):
    ticket = make_ticket(customer=make_customer(name="Maya Costa"), channel=channel, body=LONG,
                         subject="Refund for duplicate charge")
    page = _signed_in(new_page, live_server, ada, viewport)
    _open(page, f"{live_server}/tickets/{ticket.id}")
    _no_sideways_scroll(page)
    send = page.locator("#composer button[type=submit]").bounding_box()
    assert send["height"] >= 44 and send["width"] >= 120, f"Send is a {send['width']:.0f}x{send['height']:.0f} target"
    assert page.locator("#composer textarea").bounding_box()["width"] >= viewport["width"] - 70
    page.click(".snooze summary")  # the snooze panel opens over the page, not beside it
    _no_sideways_scroll(page)
    _inside(page.locator(".snooze form").bounding_box(), viewport, "the snooze panel")


@pytest.mark.parametrize("viewport", [{"width": 1024, "height": 768}, DESKTOP], ids=["1024", "1440"])
def test_ticket_header_keeps_its_controls_inside_a_narrow_column(live_server, new_page, ada, viewport):
    ticket = make_ticket(subject="Refund for duplicate charge", channel="chat")
    page = _signed_in(new_page, live_server, ada, viewport)
    _open(page, f"{live_server}/tickets/{ticket.id}")
    head = page.locator(".ticket-head")
    _not_truncated(head, "the ticket header")  # nothing sticks out under the profile
    for control in ("status", "assignee", "handler"):
        _inside(page.locator(f"#ticket-{ticket.id}-{control}").bounding_box(), head.bounding_box(), control)
    assert page.locator(".ticket-title").bounding_box()["width"] >= 180


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_a_reply_link_reaches_the_composer_of_a_long_thread(live_server, new_page, ada, viewport):
    ticket = make_ticket(customer=make_customer(name="Maya Costa"), body=LONG)
    for n in range(30):
        replies.post_reply(ticket.id, ada.id, f"Note {n}: {LONG}", "note")
    page = _signed_in(new_page, live_server, ada, viewport)
    _open(page, f"{live_server}/tickets/{ticket.id}")
    expect(page.locator("#composer")).not_to_be_in_viewport()
    jump = page.locator("#jump-reply a")
    expect(jump).to_be_in_viewport()
    jump.click()
    box = page.locator("#composer textarea")
    expect(box).to_be_focused()
    expect(box).to_be_in_viewport()
    expect(page.locator("#composer button[type=submit]")).to_be_in_viewport()
    expect(jump).to_be_hidden()  # the composer is in sight: no need for the link
    page.evaluate("window.scrollTo(0, 0)")
    expect(jump).to_be_in_viewport()


def test_draft_sources_leave_send_and_status_in_shape(live_server, new_page, ada):
    ticket = make_ticket(subject="Password reset", body="How do I reset my password?", channel="chat")
    ai_knowledge.create_article("Reset your password", "Use the Forgot password link on the sign-in page.",
                                True, ada.id)
    page = _signed_in(new_page, live_server, ada, DESKTOP)
    _open(page, f"{live_server}/tickets/{ticket.id}")
    page.click("button[data-ai-draft]")
    expect(page.locator("#ai-draft-status")).to_contain_text("ready to edit")
    expect(page.locator("#ai-draft-sources a", has_text="Reset your password")).to_be_visible()

    send = page.locator("#composer button[type=submit]").bounding_box()
    draft = page.locator("button[data-ai-draft]").bounding_box()
    status = page.locator("#ai-draft-status").bounding_box()
    sources = page.locator("#ai-draft-sources").bounding_box()
    assert send["width"] > send["height"] and send["height"] <= draft["height"] + 1, "Send became a tall block"
    middle = status["y"] + status["height"] / 2
    assert draft["y"] <= middle <= draft["y"] + draft["height"], "the status wrapped under AI Draft"
    assert status["height"] <= 24, "the status wraps"
    assert sources["y"] >= send["y"] + send["height"], "the sources sit beside the buttons"


def test_halopilot_answers_scroll_and_the_ask_box_stays_in_sight(live_server, new_page, ada):
    ticket = make_ticket(customer=make_customer(name="Maya Costa"), subject="Refund for duplicate charge")
    for n in range(12):
        db.session.add(PilotMessage(ticket_id=ticket.id, role="user", author_id=ada.id, body=f"Question {n}?"))
        db.session.add(PilotMessage(ticket_id=ticket.id, role="assistant", body=f"Answer {n}: {LONG}", offline=True))
    db.session.commit()
    page = _signed_in(new_page, live_server, ada, DESKTOP)
    _open(page, f"{live_server}/tickets/{ticket.id}")
    ask = page.locator(".pilot-ask input[name=question]")
    expect(ask).to_be_in_viewport(ratio=1)
    log = page.locator("#pilot-log")
    assert log.evaluate("el => el.scrollHeight > el.clientHeight"), "the answers do not scroll"
    expect(log.locator("li").last).to_be_in_viewport()  # the newest answer shows

    ask.fill("What does the customer want?")
    page.click(".pilot-ask button[type=submit]")
    expect(log.locator("li.pilot-user").last).to_contain_text("What does the customer want?")
    expect(log.locator("li.pilot-ai[data-state=done]")).to_have_count(13)
    expect(log.locator("li").last).to_be_in_viewport()
    expect(ask).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_snooze_panel_leaves_the_title_alone(live_server, new_page, ada, viewport):
    ticket = make_ticket(subject="Refund for a duplicate charge on the March invoice", channel="chat")
    page = _signed_in(new_page, live_server, ada, viewport)
    _open(page, f"{live_server}/tickets/{ticket.id}")
    title = page.locator(".ticket-title h1")
    before = title.bounding_box()
    page.click(".snooze summary")
    expect(page.locator(".snooze input[name=until]")).to_be_visible()
    after = title.bounding_box()
    assert (after["width"], after["height"]) == (before["width"], before["height"]), "the title was squeezed"
    _inside(page.locator(".snooze form").bounding_box(), viewport, "the snooze panel")
    page.keyboard.press("Escape")
    expect(page.locator(".snooze input[name=until]")).to_be_hidden()


# Live


# Measured in one go: the socket may replace a row (a live push) between two separate reads.
ROW_GEOMETRY = """(id) => {
  const row = document.getElementById(id), box = (el) => el.getBoundingClientRect().toJSON();
  const cut = (el) => el.scrollWidth > el.clientWidth;
  const what = row.querySelector("td.what a"), watch = row.querySelector("a.button");
  return {cells: [...row.cells].map(box), watch: box(watch), watchCell: box(watch.parentElement),
          whatCut: [what, ...what.children].some(cut),
          cut: [...row.cells].filter((td) => !td.matches(".what") && cut(td)).map((td) => td.textContent.trim())};
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, {"width": 1920, "height": 1080}, PHONE],
                         ids=["1440", "1920", "390"])
def test_live_rows_truncate_the_preview_and_keep_every_column(live_server, new_page, ada, viewport):
    visitor, _ = chat.open_visitor(None)
    chat.visitor_connected(visitor.id, +1)
    message, _ = chat.receive_visitor_message(visitor.id, "c1", LONG + " " + LONG)
    page = _signed_in(new_page, live_server, ada, viewport)
    _open(page, live_server + "/live")
    row = page.locator(f"#live-{message.ticket_id}")
    expect(row).to_contain_text("Online")
    expect(row.locator(".handler")).to_have_text("Waiting for a teammate")  # no AI model configured
    _no_sideways_scroll(page)
    geometry = page.evaluate(ROW_GEOMETRY, f"live-{message.ticket_id}")
    assert geometry["whatCut"], "the preview is not truncated"
    for i, cell in enumerate(geometry["cells"]):
        _inside(cell, viewport, f"column {i + 1}")
    _inside(geometry["watch"], geometry["watchCell"], "Watch")
    assert not geometry["cut"], f"cut short: {geometry['cut']}"  # visitor, Handled by, presence, Updated, Watch
    assert geometry["watch"]["y"] + geometry["watch"]["height"] <= viewport["height"]


# Notifications


def test_notifications_page_highlights_only_notifications(live_server, new_page, ada):
    page = _signed_in(new_page, live_server, ada, DESKTOP)
    for path, label in [("/notifications", "Notifications"), ("/profile", "Profile"), ("/settings/team", "Settings")]:
        _open(page, live_server + path)
        active = page.locator(".sidebar .nav-section .nav-link.active")
        expect(active).to_have_count(1)
        expect(active).to_contain_text(label)
