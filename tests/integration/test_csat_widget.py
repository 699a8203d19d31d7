"""CSAT in the chat widget, over a real WebSocket against a live server: the rating
choice appears when a teammate resolves the chat, the answer goes over the socket (one
per ticket, a second replaces it), rate-limited like every frame, gone when it reopens."""
import pytest

from halo.extensions import db
from halo.models import CsatSurvey, Message, Ticket
from halo.services.csat import surveys
from halo.services.settings import set_setting
from halo.services.tickets import status
from tests.factories import make_user

from .chat_helpers import Widget


@pytest.fixture
def server(live_server):
    set_setting("widget_allowed_origins", [live_server])
    return live_server


def chat(server, body="My order is late"):
    w = Widget(server)
    w.send({"type": "send", "client_id": "c-1", "body": body})
    ticket_id = db.session.get(Message, w.until("ack")["id"]).ticket_id
    return w, ticket_id


def test_resolving_a_chat_shows_the_rating_and_the_answer_is_recorded(server):
    surveys.save_settings(True, 0)
    agent = make_user()
    w, ticket_id = chat(server)
    status.change_status(ticket_id, "resolved", agent.id)
    shown = w.until("survey")
    assert shown["open"] is True and shown["rating"] is None
    assert [c["value"] for c in shown["choices"]] == ["good", "okay", "bad"]
    w.send({"type": "rate", "rating": "good"})
    assert w.until("rated") == {"type": "rated", "rating": "good", "comment": ""}
    w.send({"type": "rate", "rating": "good", "comment": "Quick and kind"})
    assert w.until("rated")["comment"] == "Quick and kind"
    w.send({"type": "rate", "rating": "meh"})
    assert w.until("error")["code"] == "validationerror"
    later = w.roundtrip()
    assert not [f for f in later if f["type"] == "message"], "an event line reached the widget"
    db.session.expire_all()
    survey = db.session.scalar(db.select(CsatSurvey).where(CsatSurvey.ticket_id == ticket_id))
    assert (survey.channel, survey.rating, survey.comment, survey.rated_via) == ("chat", "good", "Quick and kind", "chat")
    assert survey.email_state is None  # a chat is asked in the widget, not by email
    lines = db.session.scalars(db.select(Message).where(Message.ticket_id == ticket_id, Message.event_type == "csat")).all()
    assert [m.event_data["via"] for m in lines] == ["chat", "chat"]

    back = Widget(server, token=w.token)  # a reload: the choice comes back with the answer given
    assert back.until("survey")["rating"] == "good"
    back.send({"type": "send", "client_id": "c-2", "body": "One more thing"})
    assert back.until("survey") == {"type": "survey", "open": False}  # reopened: choice gone
    assert db.session.get(Ticket, ticket_id).status == "open"
    w.close(), back.close()


def test_nothing_to_rate_before_a_resolve_or_when_switched_off(server):
    agent = make_user()
    w, ticket_id = chat(server)
    w.send({"type": "rate", "rating": "good"})
    assert w.until("error")["code"] == "validationerror"
    status.change_status(ticket_id, "resolved", agent.id)  # surveys are off by default
    later = w.roundtrip()
    assert not [f for f in later if f["type"] == "survey"]
    assert db.session.scalar(db.select(db.func.count()).select_from(CsatSurvey)) == 0
    w.close()


def test_rate_frames_count_against_the_visitors_limit(server, app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_WIDGET_VISITOR_LIMIT", "4/minute")
    surveys.save_settings(True, 0)
    agent = make_user()
    w, ticket_id = chat(server)
    status.change_status(ticket_id, "resolved", agent.id)
    w.until("survey")
    answers = []
    for rating in ("good", "okay", "bad", "good", "okay"):  # the chat's first message spent one
        w.send({"type": "rate", "rating": rating})
        frame = w.until("rated") if len(answers) < 3 else w.until("error")
        answers.append(frame.get("rating") or frame.get("code"))
    assert answers == ["good", "okay", "bad", "rate_limited", "rate_limited"]
    db.session.expire_all()
    assert db.session.scalar(db.select(CsatSurvey.rating).where(CsatSurvey.ticket_id == ticket_id)) == "bad"
    w.close()
