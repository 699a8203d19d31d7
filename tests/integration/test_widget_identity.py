"""The widget's welcome names the team and greets; the browser's language, sent in the
hello, goes on file for a customer whose language is not known (a real WebSocket client)."""
import pytest

from halo.extensions import db
from halo.models import Customer, Message, Ticket
from halo.services.chat import settings as widget_settings
from halo.services.errors import ValidationError
from halo.services.settings import set_setting

from .chat_helpers import Widget


@pytest.fixture
def server(live_server):
    set_setting("widget_allowed_origins", [live_server])
    return live_server


def _customer_of(message_id) -> Customer:
    db.session.expire_all()
    return db.session.get(Ticket, db.session.get(Message, message_id).ticket_id).customer


def test_the_welcome_carries_the_teams_name_and_greeting(server):
    widget_settings.save_identity("  Kettle   Support ", "Hola! How can we help?")
    w = Widget(server)
    assert w.welcome["team"] == {"name": "Kettle Support", "greeting": "Hola! How can we help?"}
    w.close()


@pytest.mark.parametrize("name, greeting, error", [("", "hi", "needs a team name"),
                                                   ("x" * 61, "hi", "at most 60"), ("Team", "x" * 301, "at most 300")])
def test_a_bad_team_name_or_greeting_is_refused(app, name, greeting, error):
    with pytest.raises(ValidationError, match=error):
        widget_settings.save_identity(name, greeting)


def test_the_browsers_language_is_put_on_file_for_a_new_customer(server):
    w = Widget(server, language="es-ES")
    w.send({"type": "send", "client_id": "c-1", "body": "Hi"})
    ack = w.until("ack", client_id="c-1")
    assert _customer_of(ack["id"]).language == "es"
    w.close()


@pytest.mark.parametrize("language", ["<script>", "x" * 40, 12, "en_US!"])
def test_an_odd_language_is_ignored_not_refused(server, language):
    w = Widget(server, language=language)
    w.send({"type": "send", "client_id": "c-1", "body": "Hello there, my kettle is broken"})
    ack = w.until("ack", client_id="c-1")
    assert _customer_of(ack["id"]).language in (None, "en")  # detected from the text, if at all
    w.close()
