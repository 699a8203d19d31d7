"""Change stamps move on in the same flush as the writes they cover, and only then."""
from sqlalchemy import event, select, update

from halo.extensions import db
from halo.models import ChangeStamp, Message, Segment, Ticket
from halo.services.inbox import stamps
from halo.services.inbox.counters import rebuild_counters
from halo.services.integrations.webhooks import endpoints
from tests.factories import make_customer, make_ticket, make_user


def stamp(scope):
    return db.session.scalar(select(ChangeStamp.n).where(ChangeStamp.scope == scope))


def rev(ticket_id):
    return db.session.scalar(select(Ticket.thread_rev).where(Ticket.id == ticket_id))


def test_a_ticket_write_moves_the_inbox_stamp_and_its_thread_rev():
    ticket = make_ticket()
    inbox, thread = stamp("inbox"), rev(ticket.id)
    ticket.subject = "Where is my parcel?"
    db.session.commit()
    assert stamp("inbox") == inbox + 1
    assert rev(ticket.id) == thread + 1


def test_a_new_line_in_a_thread_moves_only_that_threads_rev():
    ticket, other = make_ticket(), make_ticket()
    before, other_before = rev(ticket.id), rev(other.id)
    db.session.add(Message(ticket_id=ticket.id, kind="note", body_text="Checking."))
    db.session.commit()
    assert rev(ticket.id) == before + 1
    assert rev(other.id) == other_before


def test_moving_a_message_moves_both_threads():
    source, target = make_ticket(), make_ticket()
    message = db.session.scalars(select(Message).where(Message.ticket_id == source.id)).one()
    revs = rev(source.id), rev(target.id)
    message.ticket_id = target.id
    db.session.commit()
    assert (rev(source.id), rev(target.id)) == (revs[0] + 1, revs[1] + 1)


def test_new_tickets_start_their_rev_at_random():
    # A reused id (an emptied table, a restored backup) must not meet a kept copy.
    assert len({make_ticket().thread_rev for _ in range(3)}) == 3


def test_each_scope_moves_with_its_own_models():
    user = make_user()
    db.session.add(Segment(name="Pro", owner_id=user.id, view="open", query="trait=plan%3Apro"))
    db.session.commit()
    team, segments = stamp("team"), stamp("segments")
    user.name = "Renamed Person"
    db.session.commit()
    assert (stamp("team"), stamp("segments")) == (team + 1, segments)
    make_customer()
    db.session.scalars(select(Segment)).one().name = "Pro plan"
    db.session.commit()
    assert (stamp("team"), stamp("segments")) == (team + 1, segments + 1)


def test_setting_a_value_to_itself_moves_nothing():
    ticket = make_ticket()
    inbox, thread = stamp("inbox"), rev(ticket.id)
    ticket.subject = ticket.subject
    db.session.commit()
    assert (stamp("inbox"), rev(ticket.id)) == (inbox, thread)


def test_writes_that_bypass_the_orm_bump_by_hand_and_bulk_loads_recount():
    ticket = make_ticket()
    inbox = stamp("inbox")
    db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(subject="Bulk"))
    db.session.commit()
    assert stamp("inbox") == inbox  # the hook sees ORM objects only
    stamps.bump(db.session, "inbox")
    db.session.commit()
    assert stamp("inbox") == inbox + 1
    rebuild_counters()
    assert stamp("inbox") == inbox + 2 and stamp("segments") is not None


def test_piece_cache_drops_the_least_recently_used_beyond_its_budget():
    cache = stamps.PieceCache(budget=10, unit=3)
    cache.put("a", "AAAA")
    cache.put("b", "BBBB")
    assert cache.get("a") == "AAAA"  # now b is the oldest
    cache.put("c", ("a", "tuple"))  # counts as 3: 11 > 10
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("AAAA", None, ("a", "tuple"))
    cache.put("a", "A")  # a replaced piece gives its room back
    assert cache.held == 4
    cache.put("big", "X" * 50)  # larger than the budget: kept alone, the rest dropped
    assert (cache.get("a"), cache.get("big")) == (None, "X" * 50)


def test_a_key_with_an_unknown_stamp_is_never_kept(app):
    calls = []
    with app.test_request_context():
        for _ in range(2):
            stamps.cached(("piece", stamps.seen("inbox")), lambda: calls.append(1) or "x")
        stamps.remember({"inbox": 7})
        for _ in range(2):
            stamps.cached(("piece", stamps.seen("inbox")), lambda: calls.append(1) or "x")
    assert len(calls) == 3


def test_scope_rows_move_once_at_the_commit_and_not_after_a_rollback():
    ticket = make_ticket()
    inbox = stamp("inbox")
    ticket.subject = "First flush"
    db.session.flush()
    ticket.preview = "Second flush"
    db.session.flush()
    assert stamp("inbox") == inbox  # the hot row is taken only at the commit
    db.session.commit()
    assert stamp("inbox") == inbox + 1
    ticket.subject = "Rolled back"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert stamp("inbox") == inbox + 1


def test_the_hot_row_is_the_last_a_commit_takes():
    """Webhook events and their deliveries are written in the committing transaction too:
    before the scope row is taken, so the row every write touches is held only for the COMMIT."""
    endpoints.create_endpoint("https://hooks.example.com/in", ["*"], "", None)
    ticket = make_ticket()
    mine = db.session.connection()  # the delivery jobs write on connections of their own
    seen = []

    def on_statement(conn, _cursor, statement, *_args):
        if conn is mine:
            seen.append(" ".join(statement.split()[:3]))

    def on_commit(conn):
        if conn is mine:
            seen.append("COMMIT")
    event.listen(db.engine, "before_cursor_execute", on_statement)
    event.listen(db.engine, "commit", on_commit)
    try:
        db.session.add(Message(ticket_id=ticket.id, kind="note", body_text="Checking."))
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", on_statement)
        event.remove(db.engine, "commit", on_commit)
    writes = [s for s in seen[:seen.index("COMMIT")] if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert "INSERT INTO webhook_event" in writes
    assert writes[-1] == "INSERT INTO change_stamp"
