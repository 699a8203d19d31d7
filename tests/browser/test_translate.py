"""A person inserts a saved reply with /, translates it, checks the preview and sends it."""
import pathlib

import pytest
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import Message
from halo.services.knowledge import saved_replies
from halo.services.translate import engine as translation
from tests.browser.conftest import sign_in
from tests.factories import make_customer, make_ticket, make_user

PACK = pathlib.Path(__file__).parents[1] / "fixtures" / "translate" / "translate-en_es-tiny.argosmodel"
pytestmark = pytest.mark.skipif(
    not translation.available(),
    reason="argostranslate is not installed (pip install torch==2.13.0 && pip install -r requirements-translate.txt)")


def test_translate_a_reply_before_sending(app, live_server, new_page, tmp_path):
    app.config["HALO_TRANSLATE_DIR"] = str(tmp_path)
    try:
        translation.install_pack(str(PACK))
        ada = make_user(email="ada@example.com", name="Ada Park")
        customer = make_customer(name="Lucía Gómez", language="es", traits={})
        ticket = make_ticket(customer, subject="Pedido", body="Hola, ¿dónde está mi pedido?")
        saved_replies.save_reply("Greeting", "Hello {customer.first_name}, thanks for writing to us.", ada.id)
        db.session.commit()

        page = new_page()
        sign_in(page, live_server, ada.email)
        page.goto(f"{live_server}/tickets/{ticket.id}")
        box = page.locator("#composer textarea")
        box.click()
        box.type("/gre")
        expect(page.locator(".saved-reply-list li:not([hidden]) button.saved-reply.active")).to_have_text("Greeting")
        page.keyboard.press("Enter")
        expect(box).to_have_value("Hello Lucía, thanks for writing to us.")

        page.click("#composer .translate-button")
        preview = page.locator("#composer .translation-text")
        expect(preview).to_have_text("Hola, gracias por escribirnos.")
        expect(page.locator("#composer .translate-preview")).to_contain_text("Spanish")
        page.click("#composer button[type=submit]")

        sent = page.locator("#thread .item-agent").last
        expect(sent.locator(".item-body").first).to_have_text("Hola, gracias por escribirnos.")
        sent.locator("details.translation summary").click()
        expect(sent.locator(".original-text")).to_have_text("Hello Lucía, thanks for writing to us.")
        db.session.expire_all()
        stored = db.session.scalar(db.select(Message).where(Message.kind == "agent"))
        assert (stored.body_text, stored.language) == ("Hola, gracias por escribirnos.", "es")
    finally:
        app.config.pop("HALO_TRANSLATE_DIR")
