"""Accessibility, checked by axe-core (the engine Deque ships; vendored in the
axe-playwright-python wheel) in a real Chromium: no serious or critical violation on the
inbox, a ticket, the settings pages, reports and the chat widget, in the light theme and the
dark one (prefers-color-scheme)."""
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from halo.services.settings import set_setting
from halo.services.tickets import replies
from tests.browser.conftest import sign_in
from tests.browser.test_chat_widget import shop  # noqa: F401  (the embedding site)
from tests.factories import make_customer, make_ticket, make_user

AXE = Axe()
SERIOUS = ("serious", "critical")
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def serious_violations(page, context=None) -> list[str]:
    """One line per serious or critical rule broken, naming the elements (at most three)."""
    results = AXE.run(page, context=context)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(map(str, n["target"])) + " " + n["failureSummary"].replace("\n", " ")
                        for n in v["nodes"][:3])
            for v in results.response["violations"] if v["impact"] in SERIOUS]


@pytest.fixture
def ada():
    return make_user(email="ada@example.com", name="Ada Park", role="admin")


@pytest.fixture
def thread(ada):
    ticket = make_ticket(customer=make_customer(name="Maya Costa", email="maya@example.com"),
                         subject="Refund for duplicate charge", body="I was charged twice for March.")
    replies.post_reply(ticket.id, ada.id, "Looking into it, Maya.", "email")
    replies.post_reply(ticket.id, ada.id, "Billing confirmed the double charge.", "note")
    return ticket


def _settled(page):
    page.wait_for_load_state()
    expect(page.locator("#live-socket")).to_have_attribute("data-state", "live")


PAGES = ["/inbox/open", "/inbox/mine", "/tickets/{ticket}", "/reports", "/reports/teammates", "/notifications", "/inbox/mentions",
         "/search?q=refund", "/live", "/profile", "/knowledge", "/knowledge/articles/new",
         "/knowledge/saved-replies", "/settings/team", "/settings/team/aliases", "/settings/teams",
         "/settings/inboxes", "/settings/inbox-views", "/settings/emails", "/settings/chat-widget",
         "/settings/ai", "/settings/business-hours", "/settings/sla", "/settings/satisfaction",
         "/settings/security", "/settings/api-tokens", "/settings/webhooks"]
SIGNED_OUT = ["/login", "/reset"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_agent_pages_have_no_serious_violation(live_server, new_page, ada, thread, scheme, viewport):
    page = new_page(viewport)
    page.emulate_media(color_scheme=scheme)
    sign_in(page, live_server, ada.email)
    found = {}
    for path in PAGES:
        response = page.goto(live_server + path.format(ticket=thread.id))
        assert response.ok, f"{path} answered {response.status}"
        _settled(page)
        if problems := serious_violations(page):
            found[path] = problems
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(p) for path, p in found.items())


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_signed_out_pages_have_no_serious_violation(live_server, new_page, scheme):
    page = new_page(PHONE)
    page.emulate_media(color_scheme=scheme)
    found = {}
    for path in SIGNED_OUT:
        assert page.goto(live_server + path).ok
        if problems := serious_violations(page):
            found[path] = problems
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(p) for path, p in found.items())


def test_the_widget_has_no_serious_violation_closed_open_and_chatting(live_server, shop, new_page):  # noqa: F811
    set_setting("widget_allowed_origins", [shop])
    visitor = new_page(PHONE)
    visitor.goto(shop)
    widget = visitor.locator("#halo-chat-widget")
    expect(widget.locator(".launcher")).to_be_visible()
    assert not serious_violations(visitor, "#halo-chat-widget")
    widget.locator(".launcher").click()
    expect(widget.locator("textarea")).to_be_visible()
    widget.locator("textarea").fill("Hi, my kettle whistles off-key")
    widget.locator("textarea").press("Enter")
    expect(widget.locator(".msg.visitor[data-id]")).to_have_count(1)
    assert not serious_violations(visitor, "#halo-chat-widget")


def _luminance(css_colour: str) -> float:
    """Relative luminance (WCAG) of an rgb()/rgba() colour as getComputedStyle gives it."""
    parts = [float(x) for x in css_colour[css_colour.index("(") + 1:-1].split(",")[:3]]
    lin = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_theme_follows_the_systems_colour_scheme(live_server, new_page, ada, thread, scheme):
    page = new_page(DESKTOP)
    page.emulate_media(color_scheme=scheme)
    sign_in(page, live_server, ada.email)
    page.goto(f"{live_server}/tickets/{thread.id}")
    _settled(page)
    style = "(el, prop) => getComputedStyle(el)[prop]"
    body = _luminance(page.locator("body").evaluate(style, "backgroundColor"))
    ink = _luminance(page.locator(".item-body").first.evaluate(style, "color"))
    panel = _luminance(page.locator(".item").first.evaluate(style, "backgroundColor"))
    field = _luminance(page.locator("#composer textarea").evaluate(style, "backgroundColor"))
    if scheme == "dark":
        assert body < 0.02 and panel < 0.05 and field < 0.05, "dark mode left a light surface"
        assert ink > 0.6, "dark mode left dark ink"
    else:
        assert body > 0.85 and panel > 0.9 and field > 0.9
        assert ink < 0.05
    assert (max(ink, panel) + 0.05) / (min(ink, panel) + 0.05) >= 7  # the thread reads at AAA contrast
