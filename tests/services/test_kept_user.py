"""The signed-in teammate is read once a request: a commit does not make it read again,
and what it shows after the commit is what was committed."""
from contextlib import contextmanager

from sqlalchemy import event, text

from halo.extensions import db
from halo.models import Ticket
from halo.services.accounts import kept, users
from tests.factories import make_ticket, make_user


@contextmanager
def statements():
    seen = []

    def listen(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def _signed_in(user):
    """The teammate as a request loads it: from a fresh session, by its sign-in."""
    token, user_id = users.open_session(user), user.id
    db.session.remove()
    return users.signed_in_user(f"{user_id}:{token}")


def test_after_a_write_the_teammate_is_not_read_again_but_other_rows_are():
    me = _signed_in(make_user(name="Ada", role="admin"))
    ticket = make_ticket()  # a write: its commit expires what the session holds
    with statements() as seen:
        assert (me.id, me.name, me.role, me.timezone) == (me.id, "Ada", "admin", "UTC")
    assert seen == []
    with statements() as seen:
        assert db.session.get(Ticket, ticket.id).status == "open"
    assert len(seen) == 1  # the ticket was expired as before and read again


def test_a_change_to_the_teammate_committed_is_what_it_shows():
    me = _signed_in(make_user())
    me.timezone = "Europe/Paris"
    db.session.commit()
    with statements() as seen:
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
    with statements() as seen:
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
    with statements() as seen:
        assert me.role == "agent"
    assert len(seen) == 1
