"""Notifications that reach people: who is told of an assignment and of a chat waiting, the
push to their pages on commit, each teammate's switches, mail after a delay only while
unread (over a real SMTP exchange), and the morning digest in the teammate's time zone."""
from datetime import datetime, timedelta

import pytest

from halo import realtime
from halo.extensions import db
from halo.models import Notification, User
from halo.services import chat
from halo.services.access import inboxes, teams
from halo.services.errors import ValidationError
from halo.services.notifications import mail, prefs
from halo.services.tickets import assignment, handoff, notifications
from tests.email_support import sink  # noqa: F401
from tests.factories import make_ticket, make_user


def _notes(user_id, kind=None):
    query = db.select(Notification).where(Notification.user_id == user_id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query.order_by(Notification.id)).all()


def test_switches_start_at_the_defaults_and_save_whole():
    sara = make_user()
    got = prefs.of(sara)
    assert got.email == {"mention", "assigned", "sla_breach"} and got.digest and got.chats
    assert not got.desktop and not got.sound
    saved = prefs.save(sara.id, ["chat_waiting"], digest=False, desktop=True, sound=True, chats=True)
    assert saved.email == {"chat_waiting"} and not saved.digest and saved.desktop and saved.sound
    with pytest.raises(ValidationError, match="Unknown notification"):
        prefs.save(sara.id, ["everything"], True, True, True, True)


def test_an_assignment_by_someone_else_notifies_the_assignee_not_a_self_take():
    sara, tom = make_user(name="Sara Lind"), make_user(name="Tom Becker")
    ticket = make_ticket(subject="Refund twice")
    assignment.assign_ticket(ticket.id, tom.id, sara.id)
    [note] = _notes(tom.id, "assigned")
    assert note.text == f"Sara Lind assigned you #{ticket.id}: Refund twice" and note.ticket_id == ticket.id
    assignment.assign_ticket(ticket.id, sara.id, sara.id)  # took it herself
    assert _notes(sara.id, "assigned") == []


def test_a_new_chat_waiting_tells_who_works_its_inbox_and_wants_to_hear(monkeypatch):
    monkeypatch.setattr(handoff, "ai_answers_chats", lambda: False)
    admin = make_user(role="admin")
    sara, quiet, rita, bo = make_user(), make_user(), make_user(role="readonly"), make_user()
    chat_inbox = inboxes.inbox_for_chat()
    other = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Chat", member_ids=[sara.id, quiet.id, rita.id], inbox_ids=[chat_inbox])
    teams.save_team(admin.id, None, name="Sec", member_ids=[bo.id], inbox_ids=[other.id])
    prefs.save(quiet.id, [], True, False, False, chats=False)
    visitor, _ = chat.open_visitor(None)
    chat.receive_visitor_message(visitor.id, "c1", "Hello, anyone there?")
    told = {n.user_id for n in db.session.scalars(db.select(Notification).where(Notification.kind == "chat_waiting"))}
    assert told == {admin.id, sara.id}  # not the one who switched it off, the read-only or another team
    chat.receive_visitor_message(visitor.id, "c2", "Hello?")  # the same chat again: no new alert
    assert len(_notes(sara.id, "chat_waiting")) == 1


def test_a_notification_reaches_its_teammates_pages_on_commit_only():
    sara = make_user()
    ticket = make_ticket()
    with realtime.subscribe([f"user:{sara.id}"]) as sub:
        note = notifications.notify(sara.id, ticket.id, "assigned", "Tom assigned you #1")
        db.session.rollback()
        assert sub.get(timeout=0) is None
        note = notifications.notify(sara.id, ticket.id, "assigned", "Tom assigned you #1")
        db.session.commit()
        assert sub.get(timeout=1) == (f"user:{sara.id}", {"type": "notification", "notification_id": note.id})


def test_mail_goes_after_the_delay_only_while_unread_and_only_once(app, sink, frozen):  # noqa: F811
    sara, tom = make_user(email="sara@example.com"), make_user(email="tom@example.com")
    ticket = make_ticket(subject="Refund twice")
    mention = notifications.notify(sara.id, ticket.id, "mention", "Tom mentioned you on #1")
    seen = notifications.notify(tom.id, ticket.id, "mention", "Sara mentioned you on #1")
    off = notifications.notify(sara.id, ticket.id, "snooze_ended", "Your snooze ended")  # not mailed by default
    db.session.commit()
    assert mail.send_due(frozen.start + timedelta(minutes=1)) == {"sent": 0, "skip": 0, "failed": 0}
    notifications.mark_all_read(tom.id)
    assert mail.send_due(frozen.start + timedelta(minutes=3)) == {"sent": 1, "skip": 2, "failed": 0}
    assert sink.captured.wait_for(1)
    [sent] = sink.captured.messages()
    assert sent["To"] == "sara@example.com" and sent["Subject"] == "[Halo] Tom mentioned you on #1"
    assert sent["Auto-Submitted"] == "auto-generated"
    assert f"/tickets/{ticket.id}" in sent.get_body(("plain",)).get_content()
    assert mail.send_due(frozen.start + timedelta(minutes=10)) == {"sent": 0, "skip": 0, "failed": 0}
    db.session.expire_all()
    assert [db.session.get(Notification, n.id).mailed for n in (mention, seen, off)] == ["sent", "skip", "skip"]


def test_a_mail_server_that_refuses_marks_it_failed_not_retried_forever(app, frozen):
    sara = make_user()
    notifications.notify(sara.id, None, "mention", "x")
    db.session.commit()
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", 9  # nothing listens
    saved = app.extensions["mail"].suppress
    app.extensions["mail"].suppress = False
    try:
        assert mail.send_due(frozen.start + timedelta(minutes=3))["failed"] == 1
    finally:
        app.extensions["mail"].suppress = saved


def test_the_digest_comes_at_eight_in_the_teammates_time_zone_once_a_day(sink, frozen):  # noqa: F811
    berlin = make_user(email="lena@example.com", name="Lena Vogel")
    berlin.timezone = "Europe/Berlin"
    idle = make_user(email="idle@example.com")  # nothing to tell: no mail, but done for the day
    db.session.commit()
    make_ticket(subject="Printer on fire", assignee_id=berlin.id, status="open")
    notifications.notify(berlin.id, None, "mention", "Tom mentioned you on #9", datetime(2026, 12, 7, 5, 0))
    db.session.commit()
    assert mail.send_digests(datetime(2026, 12, 7, 6, 59)) == 0  # 07:59 in Berlin
    assert mail.send_digests(datetime(2026, 12, 7, 7, 0)) == 1  # 08:00 in Berlin
    assert sink.captured.wait_for(1)
    [digest] = sink.captured.messages()
    text = digest.get_body(("plain",)).get_content()
    assert digest["To"] == "lena@example.com" and "1 open, 1 unread" in digest["Subject"]
    assert "Tom mentioned you on #9" in text and "Printer on fire" in text
    assert mail.send_digests(datetime(2026, 12, 7, 7, 15)) == 0  # once a day
    assert db.session.get(User, idle.id).digest_sent_on is None  # 07:15 in UTC: not yet
    assert mail.send_digests(datetime(2026, 12, 7, 8, 0)) == 0  # 08:00 UTC: nothing to tell idle
    assert db.session.get(User, idle.id).digest_sent_on.isoformat() == "2026-12-07"
    assert mail.send_digests(datetime(2026, 12, 8, 7, 0)) == 1  # Berlin's next morning
