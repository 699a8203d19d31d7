"""Assignment, auto-assign on reply, and replies (each composer form written once)."""
import pytest

from halo.extensions import db
from halo.models import Directive, Message
from halo.services.errors import NotFound, ValidationError
from halo.services.settings import set_setting
from halo.services.tickets import conversation, replies
from halo.services.tickets.assignment import active_teammates, assign_ticket
from halo.services.tickets.replies import post_reply
from tests.factories import make_ticket, make_user


def test_assign_and_unassign_write_events():
    ada, ben = make_user(name="Ada"), make_user(name="Ben")
    ticket = make_ticket()
    event = assign_ticket(ticket.id, ben.id, ada.id)
    assert ticket.assignee_id == ben.id
    assert event.event_type == "assignment" and event.event_data == {"from": None, "to": ben.id}
    assert assign_ticket(ticket.id, ben.id, ada.id) is None  # a double click changes nothing
    event = assign_ticket(ticket.id, None, ada.id)
    assert ticket.assignee_id is None and event.event_data == {"from": ben.id, "to": None}


def test_deactivated_or_unknown_teammate_cannot_be_assigned():
    gone = make_user(active=False)
    ticket = make_ticket()
    with pytest.raises(ValidationError):
        assign_ticket(ticket.id, gone.id, None)
    with pytest.raises(ValidationError):
        assign_ticket(ticket.id, 987654, None)
    with pytest.raises(NotFound):
        assign_ticket(987654, None, None)
    assert ticket.assignee_id is None


def test_picker_lists_only_active_teammates():
    active, gone = make_user(name="Active One"), make_user(name="Gone One", active=False)
    names = [u.name for u in active_teammates()]
    assert active.name in names and gone.name not in names


@pytest.mark.parametrize("mode", ["email", "chat"])
def test_auto_assign_on_reply_assigns_first_replier(mode):
    set_setting("auto_assign_on_reply", True)
    first, second = make_user(), make_user()
    ticket = make_ticket()
    post_reply(ticket.id, first.id, "On it!", mode)
    assert ticket.assignee_id == first.id
    post_reply(ticket.id, second.id, "Me too", mode)
    assert ticket.assignee_id == first.id
    kinds = [m.event_type for m in db.session.scalars(
        db.select(Message).where(Message.ticket_id == ticket.id, Message.kind == "event"))]
    assert kinds == ["assignment"]


def test_auto_assign_off_by_default_and_notes_never_assign():
    agent = make_user()
    ticket = make_ticket()
    post_reply(ticket.id, agent.id, "Reply", "email")
    assert ticket.assignee_id is None
    set_setting("auto_assign_on_reply", True)
    post_reply(ticket.id, agent.id, "Internal thought", "note")
    assert ticket.assignee_id is None


def test_outbound_reply_is_queued_and_touches_ticket(frozen):
    agent = make_user()
    ticket = make_ticket(now=frozen.start)
    frozen(frozen.start.replace(hour=10))
    message = post_reply(ticket.id, agent.id, "  Thanks,\n   we fixed it.  ", "email")
    assert (message.kind, message.channel, message.delivery) == ("agent", "email", "queued")
    assert message.body_text == "Thanks,\n   we fixed it."
    assert ticket.last_activity_at == frozen.start.replace(hour=10)
    assert ticket.preview == "Thanks, we fixed it."


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_empty_reply_is_refused_and_nothing_written(body):
    agent = make_user()
    ticket = make_ticket()
    before = db.session.scalar(db.select(db.func.count(Message.id)))
    with pytest.raises(ValidationError, match="Write something"):
        post_reply(ticket.id, agent.id, body, "email")
    assert db.session.scalar(db.select(db.func.count(Message.id))) == before


def test_unknown_mode_refused():
    with pytest.raises(ValidationError):
        post_reply(make_ticket().id, make_user().id, "hi", "fax")


def test_note_is_never_outbound():
    agent = make_user()
    ticket = make_ticket()
    note = post_reply(ticket.id, agent.id, "internal", "note")
    assert (note.kind, note.channel, note.delivery) == ("note", None, None)


@pytest.mark.parametrize("mode", ["email", "chat", "note", "training"])
def test_a_composer_form_sent_twice_writes_once(mode, monkeypatch):
    ada = make_user(name="Ada")
    ticket = make_ticket()
    delivered = []
    monkeypatch.setitem(conversation.CHANNELS, mode, conversation.Channel(mode, delivered.append))
    first = post_reply(ticket.id, ada.id, "We are on it", mode, send_key="k1")
    again = post_reply(ticket.id, ada.id, "We are on it", mode, send_key="k1")  # the double click
    assert again.id == first.id and first.client_id.startswith("composer:k1:")
    assert delivered == ([first.id] if mode in ("email", "chat") else [])  # sent once
    if mode == "training":
        assert db.session.scalar(db.select(db.func.count(Directive.id))) == 1
    other = post_reply(ticket.id, ada.id, "We are on it", mode, send_key="k2")  # a new form
    assert other.id != first.id
    # The same form with other words (restored from history, edited): a new reply.
    edited = post_reply(ticket.id, ada.id, "We are on it, refund sent", mode, send_key="k1")
    assert edited.id not in (first.id, other.id)


def test_the_same_form_racing_in_on_two_requests_writes_once(monkeypatch):
    ada = make_user(name="Ada")
    ticket = make_ticket()
    first = post_reply(ticket.id, ada.id, "Hello", "note", send_key="k1")
    # The second request looked before the first had committed: the unique index decides.
    real, looks = conversation.by_key, []

    def late_look(*args):  # the first look finds nothing yet, the second what won
        looks.append(args)
        return real(*args) if len(looks) > 1 else None
    monkeypatch.setattr(conversation, "by_key", late_look)
    again = post_reply(ticket.id, ada.id, "Hello", "note", send_key="k1")
    assert again.id == first.id and len(looks) == 2
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.kind == "note")) == 1


def test_a_tampered_send_key_is_refused():
    ticket = make_ticket()
    with pytest.raises(ValidationError, match="reload the page"):
        post_reply(ticket.id, make_user().id, "Hello", "note", send_key="x" * 100)
