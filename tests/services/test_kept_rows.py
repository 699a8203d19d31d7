"""The signed-in teammate is read once a request: a commit does not make it read again,
and what it shows after the commit is what was committed. A post's ticket is kept the same
way through that one commit, but for the column the commit's hooks move around the ORM."""
import gc

from sqlalchemy import text

from halo.extensions import db
from halo.models import Message, Ticket
from halo.services.accounts import users
from halo.services.transactions import kept
from tests.factories import make_ticket, make_user
from tests.statements import recorded


def _signed_in(user):
    """The teammate as a request loads it: from a fresh session, by its sign-in."""
    token, user_id = users.open_session(user), user.id
    db.session.remove()
    return users.signed_in_user(f"{user_id}:{token}")


def test_after_a_write_the_teammate_is_not_read_again_but_other_rows_are():
    me = _signed_in(make_user(name="Ada", role="admin"))
    ticket = make_ticket()  # a write: its commit expires what the session holds
    with recorded() as seen:
        assert (me.id, me.name, me.role, me.timezone) == (me.id, "Ada", "admin", "UTC")
    assert seen == []
    with recorded() as seen:
        assert db.session.get(Ticket, ticket.id).status == "open"
    assert len(seen) == 1  # the ticket was expired as before and read again


def test_a_change_to_the_teammate_committed_is_what_it_shows():
    me = _signed_in(make_user())
    me.timezone = "Europe/Paris"
    db.session.commit()
    with recorded() as seen:
        assert me.timezone == "Europe/Paris"
    assert seen == []
    with db.engine.connect() as conn:
        stored = conn.execute(text('SELECT timezone FROM "user" WHERE id = :i'), {"i": me.id}).scalar()
    assert stored == "Europe/Paris"


def test_a_change_rolled_back_is_gone_and_read_again():
    me = _signed_in(make_user())
    me.timezone = "Europe/Paris"
    db.session.flush()
    db.session.rollback()
    with recorded() as seen:
        assert me.timezone == "UTC"
    assert len(seen) == 1


def test_a_change_by_someone_else_shows_from_the_next_request():
    me = _signed_in(make_user(name="Ada"))
    with db.engine.begin() as conn:  # another request renames the teammate meanwhile
        conn.execute(text('UPDATE "user" SET name = :n WHERE id = :i'), {"n": "Ada L.", "i": me.id})
    make_ticket()
    assert me.name == "Ada"  # as this request read it at its start
    user_id = me.id
    db.session.remove()
    assert _signed_in(db.session.get(type(me), user_id)).name == "Ada L."


def test_forgotten_the_teammate_expires_like_any_row():
    me = _signed_in(make_user())
    kept.forget(db.session)
    make_ticket()
    with recorded() as seen:
        assert me.role == "agent"
    assert len(seen) == 1


def _loaded_ticket():
    """A ticket as a request loads it (from a fresh session)."""
    ticket_id = make_ticket().id
    db.session.remove()
    return db.session.get(Ticket, ticket_id)


def _note(ticket_id, body="Checked."):
    db.session.add(Message(ticket_id=ticket_id, kind="note", body_text=body))
    db.session.commit()


def _stored_rev(ticket_id):
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT thread_rev FROM ticket WHERE id = :i"), {"i": ticket_id}).scalar()


def test_a_ticket_kept_through_a_commit_is_not_read_again_but_its_moved_thread_rev_is():
    ticket = _loaded_ticket()
    before = ticket.thread_rev
    kept.keep_through_commit(db.session, ticket)
    _note(ticket.id)  # the commit's hooks move thread_rev with an UPDATE of their own
    with recorded() as seen:
        assert (ticket.subject, ticket.status, ticket.channel) == ("Help with my order", "open", "email")
    assert seen == []
    with recorded() as seen:
        assert ticket.thread_rev == _stored_rev(ticket.id) > before  # read again, not the stale value
    assert len([s for s in seen if s.startswith("SELECT ticket.thread_rev")]) == 1


def test_kept_through_one_commit_it_expires_at_the_next():
    ticket = _loaded_ticket()
    kept.keep_through_commit(db.session, ticket)
    _note(ticket.id)
    _note(ticket.id, "Again.")
    with recorded() as seen:
        assert ticket.status == "open"
    assert len(seen) == 1


def test_kept_through_a_rollback_it_is_let_go_of():
    ticket = _loaded_ticket()
    kept.keep_through_commit(db.session, ticket)
    db.session.rollback()
    _note(ticket.id)
    with recorded() as seen:
        assert ticket.status == "open"
    assert len(seen) == 1


def test_a_ticket_kept_through_a_commit_is_held_for_the_session():
    """The identity map holds rows weakly: the caller that dropped its reference (the
    service returned the message, not the ticket) finds it again without a statement."""
    ticket = _loaded_ticket()
    ticket_id = ticket.id
    kept.keep_through_commit(db.session, ticket)
    _note(ticket_id)
    del ticket
    gc.collect()
    with recorded() as seen:
        assert db.session.get(Ticket, ticket_id).status == "open"
    assert seen == []
