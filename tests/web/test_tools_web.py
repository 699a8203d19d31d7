"""Saved replies and translation through the client (login, CSRF, HTMX vs full page)."""
import pathlib

import pytest

from halo.extensions import db
from halo.models import Message, SavedReply
from halo.services.knowledge import saved_replies
from halo.services.translate import engine as translation
from tests.conftest import Browser
from tests.factories import make_customer, make_ticket

PACK = pathlib.Path(__file__).parents[1] / "fixtures" / "translate" / "translate-en_es-tiny.argosmodel"


def test_manage_saved_replies_in_knowledge(as_agent):
    assert as_agent.post("/knowledge/saved-replies", {"title": "Hi", "body": "x"}, csrf=False).status_code == 400
    assert db.session.scalar(db.select(db.func.count(SavedReply.id))) == 0
    response = as_agent.post("/knowledge/saved-replies", {"title": "Greeting", "body": "Hi {customer.first_name}"})
    assert response.status_code == 303
    page = as_agent.get("/knowledge/saved-replies").get_data(as_text=True)
    assert "Greeting" in page and "{customer.first_name}" in page


def test_composer_menu_is_filled_for_the_ticket(as_agent, agent):
    saved_replies.save_reply("Greeting", "Hi {customer.first_name}, {agent.first_name} here", agent.id)
    ticket = make_ticket(make_customer(name="Maya Costa"))
    fragment = as_agent.get(f"/tickets/{ticket.id}/saved-replies", hx=True).get_data(as_text=True)
    assert "<html" not in fragment and 'data-text="Hi Maya, Sara here"' in fragment
    assert "<html" in as_agent.get(f"/tickets/{ticket.id}/saved-replies").get_data(as_text=True)


def test_translate_without_the_extra_or_pack_says_so(as_agent, app, tmp_path):
    app.config["HALO_TRANSLATE_DIR"] = str(tmp_path)
    try:
        ticket = make_ticket(make_customer(language="de"))
        html = as_agent.post(f"/tickets/{ticket.id}/translate", {"body": "Hello"}, hx=True).get_data(as_text=True)
    finally:
        app.config.pop("HALO_TRANSLATE_DIR")
    expected = ("Translation from English to German is not available: no language pack"
                if translation.available() else "Translation is not available on this server.")
    assert expected in html
    assert "pip install" not in html and "Settings &gt; Translation" not in html  # an agent's view


def test_an_agent_never_sees_install_commands_an_admin_is_pointed_to_settings(
        as_agent, client, admin, monkeypatch):
    monkeypatch.setattr(translation, "available", lambda: False)
    ticket = make_ticket(make_customer(language="de"))
    html = as_agent.post(f"/tickets/{ticket.id}/translate", {"body": "Hello"}, hx=True).get_data(as_text=True)
    assert "Translation is not available on this server." in html
    assert "pip" not in html and "make run" not in html and "Settings" not in html
    as_agent.post("/logout")
    boss = Browser(client)
    boss.login(admin.email)
    html = boss.post(f"/tickets/{ticket.id}/translate", {"body": "Hello"}, hx=True).get_data(as_text=True)
    assert "Translation is not available on this server." in html and "pip" not in html
    assert 'href="/settings/translation"' in html
    assert "pip install" in boss.get("/settings/translation").get_data(as_text=True)


@pytest.mark.skipif(not translation.available(), reason="argostranslate is not installed")
def test_translate_preview_then_send_keeps_both_texts(as_agent, app, tmp_path):
    app.config["HALO_TRANSLATE_DIR"] = str(tmp_path)
    try:
        translation.install_pack(str(PACK))
        ticket = make_ticket(make_customer(language="es"))
        html = as_agent.post(f"/tickets/{ticket.id}/translate", {"body": "Hello, thanks."}, hx=True).get_data(as_text=True)
        assert 'name="translated_body" value="Hola, gracias por escribirnos."' in html
    finally:
        app.config.pop("HALO_TRANSLATE_DIR")
    as_agent.post(f"/tickets/{ticket.id}/messages", {"mode": "email", "body": "Hello, thanks.",
                  "translated_body": "Hola, gracias por escribirnos.", "translation_lang": "es"}, hx=True)
    sent = db.session.scalar(db.select(Message).where(Message.kind == "agent"))
    assert (sent.body_text, sent.original_text) == ("Hola, gracias por escribirnos.", "Hello, thanks.")
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Sent in Spanish" in page and "Hello, thanks." in page


def test_translation_settings_page_is_admin_only(as_agent, client, admin):
    assert as_agent.get("/settings/translation").status_code == 403


def test_translation_settings_lists_packs(as_admin, app, tmp_path):
    app.config["HALO_TRANSLATE_DIR"] = str(tmp_path)
    try:
        if translation.available():
            translation.install_pack(str(PACK))
        page = as_admin.get("/settings/translation").get_data(as_text=True)
    finally:
        app.config.pop("HALO_TRANSLATE_DIR")
    assert ("English (en)" in page) if translation.available() else ("not installed" in page)


@pytest.mark.skipif(not translation.available(), reason="argostranslate is not installed")
def test_cli_installs_a_pack_from_a_file(app, tmp_path):
    app.config["HALO_TRANSLATE_DIR"] = str(tmp_path)
    try:
        result = app.test_cli_runner().invoke(args=["halo", "translate", "install", str(PACK)])
        assert result.exit_code == 0 and "en -> es" in result.output
        listed = app.test_cli_runner().invoke(args=["halo", "translate", "list"])
        assert "English → Spanish" in listed.output
        bad = app.test_cli_runner().invoke(args=["halo", "translate", "install", str(tmp_path / "nope")])
        assert bad.exit_code != 0
    finally:
        app.config.pop("HALO_TRANSLATE_DIR")
