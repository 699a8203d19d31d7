"""After its last commit a request only reads: on PostgreSQL those reads run outside a
transaction (no BEGIN, no ROLLBACK), anything that would write is refused, and the next
request's writes are in a transaction again."""
import pytest
from sqlalchemy import text, update

from halo.extensions import db
from halo.models import Message, Ticket
from halo.services.transactions import reads
from tests.factories import make_ticket
from tests.statements import recorded


def test_the_reads_after_the_commit_see_it_and_run_outside_a_transaction_on_postgresql():
    ticket = make_ticket()  # committed
    reads.reading_only()
    with recorded() as seen:
        assert db.session.get(Ticket, ticket.id).subject == "Help with my order"
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)
                                 .where(Message.ticket_id == ticket.id)) == 1
    assert len(seen) == 2
    on_postgres = db.engine.dialect.name == "postgresql"
    assert all(bool(run.autocommit) == on_postgres for run in seen)


def test_a_flush_after_it_is_refused_and_writes_nothing():
    ticket = make_ticket()
    reads.reading_only()
    db.session.add(Message(ticket_id=ticket.id, kind="note", body_text="Too late."))
    with pytest.raises(reads.WriteAfterReadsError):
        db.session.flush()
    db.session.rollback()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM message WHERE body_text = 'Too late.'")).scalar() == 0


def test_a_changed_row_or_an_update_statement_after_it_is_refused():
    ticket = make_ticket()
    reads.reading_only()
    loaded = db.session.get(Ticket, ticket.id)
    loaded.status = "resolved"
    with pytest.raises(reads.WriteAfterReadsError):
        db.session.flush()
    db.session.rollback()
    reads.reading_only()
    with pytest.raises(reads.WriteAfterReadsError):
        db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(status="spam"))
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).status == "open"


def test_the_next_request_writes_in_a_transaction_again():
    """The connection goes back to the pool in autocommit; the next session's writes must
    still be all or nothing (the pool puts the isolation level back)."""
    ticket = make_ticket()
    reads.reading_only()
    db.session.get(Ticket, ticket.id)
    db.session.remove()  # the request ends
    with recorded() as seen:
        db.session.add(Message(ticket_id=ticket.id, kind="note", body_text="Not kept."))
        db.session.flush()
    db.session.rollback()
    assert seen and not any(run.autocommit for run in seen)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM message WHERE body_text = 'Not kept.'")).scalar() == 0
    db.session.add(Message(ticket_id=ticket.id, kind="note", body_text="Kept."))
    db.session.commit()  # and writing is allowed again
