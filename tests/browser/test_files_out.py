"""Files out in a real Chromium: an agent picks a file, drops another and pastes a screenshot
into the chat composer, takes one back and sends; the thread lists what went, and the
visitor's widget shows the picture and a download link."""
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import EmailAttachment, Visitor
from halo.services.settings import set_setting
from tests.browser.conftest import sign_in
from tests.browser.test_chat_widget import PNG, shop  # noqa: F401  (the embedding site)
from tests.email_support import attachment_dir  # noqa: F401
from tests.factories import make_user

DROP = """([name, text]) => {
  const dt = new DataTransfer();
  dt.items.add(new File([text], name, { type: "text/plain" }));
  const target = document.querySelector("#composer textarea");
  target.dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: dt }));
  target.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: dt }));
}"""
PASTE = """(bytes) => {
  const dt = new DataTransfer();
  dt.items.add(new File([new Uint8Array(bytes)], "image.png", { type: "image/png" }));
  document.querySelector("#composer textarea").dispatchEvent(
    new ClipboardEvent("paste", { bubbles: true, cancelable: true, clipboardData: dt }));
}"""


def test_pick_drop_paste_remove_send_and_the_widget_shows_them(live_server, shop, new_page, attachment_dir):  # noqa: F811
    set_setting("widget_allowed_origins", [shop])
    ada = make_user(email="ada@example.com", name="Ada Park")
    visitor = new_page({"width": 390, "height": 800})
    visitor.goto(shop)
    widget = visitor.locator("#halo-chat-widget")
    widget.locator(".launcher").click()
    widget.locator("textarea").fill("Where do I find the setup guide?")
    widget.locator("textarea").press("Enter")
    expect(widget.locator(".msg.visitor[data-id]")).to_have_count(1)
    db.session.expire_all()
    ticket_id = db.session.scalar(db.select(Visitor.ticket_id))

    agent = new_page()
    sign_in(agent, live_server, ada.email)
    agent.goto(f"{live_server}/tickets/{ticket_id}")
    expect(agent.locator("#live-socket")).to_have_attribute("data-state", "live")
    chosen = agent.locator("#composer .chosen-file")
    agent.locator("#composer input[name=files]").set_input_files(
        [{"name": "setup-guide.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 guide"}])
    expect(chosen).to_have_count(1)
    agent.evaluate(DROP, ["notes.txt", "dropped by mistake"])
    expect(chosen).to_have_count(2)
    agent.evaluate(PASTE, list(PNG))
    expect(chosen).to_have_count(3)
    expect(chosen.nth(2)).to_contain_text("screenshot-")
    agent.get_by_role("button", name="Remove notes.txt").click()
    expect(chosen).to_have_count(2)
    agent.locator("#composer textarea").fill("Here is the guide, and where the button is:")
    agent.locator("#composer button[type=submit]").click()

    sent = agent.locator("#thread .item-agent").last
    expect(sent.locator(".attachments a", has_text="setup-guide.pdf")).to_be_visible()
    expect(sent.locator(".attachments img")).to_have_count(1)
    expect(agent.locator("#composer .chosen-file")).to_have_count(0)  # a fresh composer
    names = db.session.scalars(db.select(EmailAttachment.filename).order_by(EmailAttachment.id)).all()
    assert names[0] == "setup-guide.pdf" and names[1].startswith("screenshot-") and len(names) == 2

    team = widget.locator(".msg.team").last
    expect(team).to_contain_text("Here is the guide")
    expect(team.locator("a.file", has_text="setup-guide.pdf")).to_be_visible()
    picture = team.locator("a.file img")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth") == 1  # the signed link served it
