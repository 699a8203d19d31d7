"""Snooze presets in the agent's zone, wake-up with an injected clock, notifications, auto-resolve."""
from datetime import datetime, timedelta

import pytest

from halo import clock
from halo.extensions import db
from halo.models import Message, Notification, Ticket, User
from halo.services.errors import NotFound, ValidationError
from halo.services.inbox import views as inbox
from halo.services.tickets import notifications, snooze, status
from tests.factories import make_ticket


def test_presets_follow_the_agents_time_zone(frozen):
    # 09:00 UTC on Tuesday 24 Nov 2026 is 10:00 in Paris and 01:00 in Los Angeles.
    assert snooze.preset_until("later_today", "Europe/Paris") == datetime(2026, 11, 24, 13, 0)
    assert snooze.preset_until("tomorrow", "Europe/Paris") == datetime(2026, 11, 25, 8, 0)
    assert snooze.preset_until("tomorrow", "America/Los_Angeles") == datetime(2026, 11, 25, 17, 0)
    assert snooze.preset_until("next_week", "Europe/Paris") == datetime(2026, 11, 30, 8, 0)
    assert snooze.preset_until("tomorrow", "Not/AZone") == datetime(2026, 11, 25, 9, 0)


def test_wake_up_reopens_and_notifies_the_assignee(frozen, agent, admin):
    ticket = make_ticket(assignee_id=agent.id)
    until = snooze.preset_until("tomorrow", "UTC")
    status.change_status(ticket.id, "snoozed", admin.id, until=until)
    assert snooze.wake_due() == []
    assert ticket.id not in {t.id for t in inbox.list_tickets("open", agent.id, frozen.start)[0]}
    frozen(until + timedelta(minutes=1))
    assert snooze.wake_due() == [ticket.id]
    assert db.session.get(Ticket, ticket.id).status == "open"
    assert notifications.unread_count(agent.id) == 1
    assert notifications.unread_count(admin.id) == 0
    [note] = notifications.recent(agent.id)
    assert note.ticket_id == ticket.id and "Snooze ended" in note.text
    notifications.mark_all_read(agent.id)
    assert notifications.unread_count(agent.id) == 0


def test_unassigned_wake_up_notifies_who_snoozed(frozen, agent):
    ticket = make_ticket()
    status.change_status(ticket.id, "snoozed", agent.id, until=frozen.start + timedelta(hours=1))
    frozen(frozen.start + timedelta(hours=2))
    snooze.wake_due()
    assert notifications.unread_count(agent.id) == 1


def test_auto_resolve_never_touches_a_snoozed_ticket(frozen, agent):
    ticket = make_ticket()
    status.change_status(ticket.id, "snoozed", agent.id, until=frozen.start + timedelta(hours=1))
    assert snooze.auto_resolve(ticket.id, "AI answered") is None
    assert db.session.get(Ticket, ticket.id).status == "snoozed"
    other = make_ticket()
    assert snooze.auto_resolve(other.id, "AI answered").event_data["to"] == "resolved"


def test_a_snooze_ends_at_exactly_its_time_not_a_second_later(frozen, agent):
    ticket = make_ticket(assignee_id=agent.id)
    until = frozen.start + timedelta(hours=1)
    status.change_status(ticket.id, "snoozed", agent.id, until=until)
    frozen(until - timedelta(seconds=1))
    stored = db.session.get(Ticket, ticket.id)
    assert not stored.snooze_expired(clock.now())
    assert [t.id for t in inbox.list_tickets("snoozed", agent.id, clock.now())[0]] == [ticket.id]
    assert inbox.list_tickets("open", agent.id, clock.now())[0] == []
    assert inbox.view_counts(agent.id, clock.now())["open"] == 0
    assert snooze.wake_due() == [] and notifications.unread_count(agent.id) == 0

    frozen(until)
    assert stored.snooze_expired(clock.now())
    assert inbox.list_tickets("snoozed", agent.id, clock.now())[0] == []
    assert [t.id for t in inbox.list_tickets("open", agent.id, clock.now())[0]] == [ticket.id]
    assert inbox.view_counts(agent.id, clock.now())["open"] == 1
    assert snooze.wake_due() == [ticket.id]
    assert db.session.get(Ticket, ticket.id).status == "open"
    assert notifications.unread_count(agent.id) == 1


def test_set_timezone_checks_the_name_and_the_teammate(agent):
    assert snooze.set_timezone(agent.id, "  Europe/Paris ") == "Europe/Paris"
    assert db.session.get(User, agent.id).timezone == "Europe/Paris"
    assert snooze.set_timezone(agent.id, "UTC") == "UTC"
    with pytest.raises(ValidationError, match="“Mars/Olympus” is not a known time zone"):
        snooze.set_timezone(agent.id, "Mars/Olympus")
    with pytest.raises(NotFound):
        snooze.set_timezone(999999, "UTC")
    assert db.session.get(User, agent.id).timezone == "UTC"


def test_local_time_is_shown_in_the_agents_zone():
    assert snooze.local_time(datetime(2026, 11, 24, 13, 0), "Europe/Paris") == "Tue, Nov 24, 14:00 (Europe/Paris)"
    assert snooze.local_time(datetime(2026, 11, 24, 13, 0), None) == "Tue, Nov 24, 13:00 (UTC)"
    assert snooze.local_time(None, "Europe/Paris") == ""


def test_auto_resolve_writes_its_reason_and_time_and_skips_closed_tickets(frozen):
    ticket = make_ticket()
    at = frozen.start + timedelta(minutes=5)  # given, not the clock's
    event = snooze.auto_resolve(ticket.id, "AI answered", now=at)
    assert event.event_data == {"from": "open", "to": "resolved", "reason": "AI answered"}
    assert (event.created_at, event.author_id) == (at, None)
    assert db.session.get(Ticket, ticket.id).status == "resolved"
    for closed in ("merged", "resolved", "spam"):
        other = make_ticket(status=closed)
        assert snooze.auto_resolve(other.id, "AI answered") is None
        assert db.session.get(Ticket, other.id).status == closed


def test_customer_activity_reopens_a_snoozed_or_resolved_ticket(frozen):
    from halo.services.tickets.status import on_customer_activity
    later = frozen.start + timedelta(minutes=5)
    for before in ("snoozed", "resolved"):
        ticket = make_ticket(status=before)
        event = on_customer_activity(ticket, later)
        assert event.event_data == {"from": before, "to": "open", "reason": "customer replied"}
        assert event.created_at == later
        assert ticket.status == "open" and ticket.snoozed_until is None
    for stays in ("open", "priority", "in_progress", "spam"):
        ticket = make_ticket(status=stays)
        assert on_customer_activity(ticket, frozen.start) is None and ticket.status == stays


def test_wake_due_at_a_given_time_writes_the_notification_then(frozen, agent):
    ticket = make_ticket(assignee_id=agent.id, subject="Broken lid")
    blank = make_ticket(assignee_id=agent.id, subject="")
    nobody = make_ticket()  # snoozed by the system, unassigned: nobody to tell
    until = frozen.start + timedelta(hours=1)
    for t, actor in ((ticket, agent.id), (blank, agent.id), (nobody, None)):
        status.change_status(t.id, "snoozed", actor, until=until)
    assert snooze.wake_due(now=until) == sorted([ticket.id, blank.id, nobody.id])  # the clock is still at start
    woke = db.session.scalars(db.select(Message).where(Message.event_type == "status",
                                                       Message.ticket_id == ticket.id).order_by(Message.id)).all()
    assert (woke[-1].event_data, woke[-1].created_at) == ({"from": "snoozed", "to": "open",
                                                           "reason": "snooze ended"}, until)
    notes = db.session.scalars(db.select(Notification).order_by(Notification.id)).all()
    assert [(n.user_id, n.ticket_id, n.kind, n.text, n.created_at) for n in notes] == [
        (agent.id, ticket.id, "snooze_ended", f"Snooze ended: #{ticket.id} Broken lid", until),
        (agent.id, blank.id, "snooze_ended", f"Snooze ended: #{blank.id}", until)]


def test_later_today_is_the_next_whole_hour_three_hours_on(frozen):
    frozen(datetime(2026, 11, 24, 9, 17, 42, 500000))
    assert snooze.preset_until("later_today", "UTC") == datetime(2026, 11, 24, 13, 0)
    assert snooze.preset_until("later_today", "Asia/Kolkata") == datetime(2026, 11, 24, 12, 30)  # 18:00 there
    with pytest.raises(ValidationError, match="Choose when the snooze should end"):
        snooze.preset_until("someday", "UTC")


def test_presets_do_not_depend_on_the_servers_time_zone(frozen, monkeypatch):
    import time
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert snooze.preset_until("tomorrow", "Europe/Paris") == datetime(2026, 11, 25, 8, 0)
        assert snooze.preset_until("later_today", "UTC") == datetime(2026, 11, 24, 13, 0)
        assert snooze.zone(None).key == snooze.zone("").key == snooze.zone("Not/AZone").key == "UTC"
        assert snooze.local_time(datetime(2026, 11, 24, 13, 0), "UTC") == "Tue, Nov 24, 13:00 (UTC)"
    finally:
        monkeypatch.undo()
        time.tzset()
