"""@mentions in notes notify teammates until they read the ticket."""
from halo import clock
from halo.extensions import db
from halo.models import Mention
from halo.services.inbox.views import list_tickets, view_counts
from halo.services.tickets import notifications
from halo.services.tickets.mentions import (
    mark_mentions_read,
    mention_spans,
    mentioned_users,
    team_handles,
)
from halo.services.tickets.replies import post_reply
from tests.factories import make_ticket, make_user


def test_mention_notifies_and_lists_until_read(frozen):
    ada = make_user(name="Ada Lovelace")
    ben = make_user(name="Ben Okri")
    ticket = make_ticket()
    post_reply(ticket.id, ada.id, f"@{ben.handle} can you check the refund?", "note")
    assert view_counts(ben.id, clock.now())["mentions"] == 1
    assert [t.id for t in list_tickets("mentions", ben.id, clock.now())[0]] == [ticket.id]
    assert view_counts(ada.id, clock.now())["mentions"] == 0
    assert mark_mentions_read(ticket.id, ben.id, clock.now()) == 1
    assert view_counts(ben.id, clock.now())["mentions"] == 0
    assert list_tickets("mentions", ben.id, clock.now())[0] == []


def test_mentions_are_matched_exactly_once_and_skip_self_and_inactive():
    ada = make_user(name="Ada")
    ben = make_user(name="Ben")
    gone = make_user(name="Gone", active=False)
    ticket = make_ticket()
    body = f"@{ben.handle} @{ben.handle.upper()}, @{ada.handle} @{gone.handle} mail@{ben.handle}.com"
    post_reply(ticket.id, ada.id, body, "note")
    rows = db.session.scalars(db.select(Mention)).all()
    assert [m.user_id for m in rows] == [ben.id]


def test_mentions_only_in_notes():
    ada, ben = make_user(), make_user()
    ticket = make_ticket()
    post_reply(ticket.id, ada.id, f"Hi @{ben.handle}", "email")
    assert db.session.scalar(db.select(db.func.count(Mention.id))) == 0


def test_trailing_punctuation_and_email_addresses():
    ben = make_user(name="Ben")
    assert [u.id for u in mentioned_users(f"thanks @{ben.handle}.")] == [ben.id]
    assert mentioned_users(f"write to x@{ben.handle}") == []


def test_a_mention_is_a_notification_read_with_the_mention(frozen):
    ada, ben = make_user(name="Ada Lovelace"), make_user(name="Ben Okri")
    ticket = make_ticket(subject="Refund for duplicate charge")
    post_reply(ticket.id, ada.id, f"@{ben.handle} can you check the refund?", "note")
    [note] = notifications.recent(ben.id)
    assert (note.kind, note.ticket_id, note.text) == (
        "mention", ticket.id, "Ada Lovelace mentioned you on “Refund for duplicate charge”")
    assert notifications.unread_count(ben.id) == 1 and notifications.unread_count(ada.id) == 0
    assert view_counts(ben.id, clock.now()).notifications == 1
    notifications.notify(ben.id, ticket.id, "snooze_ended", "Snooze ended")  # another kind stays
    db.session.commit()
    mark_mentions_read(ticket.id, ben.id, clock.now())
    assert notifications.unread_count(ben.id) == 1
    assert [n.kind for n in notifications.recent(ben.id) if n.read_at is None] == ["snooze_ended"]


def test_mention_spans_mark_teammates_only():
    ada = make_user(name="Ada Lovelace")
    text = f"Hi @{ada.handle}. Ask @nobody or mail@{ada.handle}.com"
    [(start, end)] = mention_spans(text, team_handles())
    assert text[start:end] == f"@{ada.handle}"
