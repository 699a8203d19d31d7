"""Inboxes and teams: which tickets a teammate sees, in lists, counts, search and by id."""
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import Inbox, Mailbox, Ticket
from halo.services.access import inboxes, scope, teams
from halo.services.errors import Forbidden, NotFound
from halo.services.inbox import search
from halo.services.inbox.counters import counter_rows, rebuild_counters
from halo.services.inbox.views import list_tickets, other_ticket_rows, view_counts
from halo.services.tickets.merge import merge_candidates
from halo.services.tickets.status import change_status, get_ticket
from tests.factories import make_customer, make_ticket, make_user


@pytest.fixture
def two_teams(frozen):
    """Inbox A given to team A (Sara), inbox B to team B (Bo); one customer writes to both."""
    admin = make_user(role="admin")
    sara, bo = make_user(name="Sara"), make_user(name="Bo")
    a = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id], inbox_ids=[a.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[b.id])
    shared = make_customer(name="Quinn Shared")
    ta = make_ticket(customer=shared, subject="Invoice twice charged", inbox_id=a.id,
                     now=frozen.start - timedelta(minutes=2))
    tb = make_ticket(customer=shared, subject="Zebrafish breach report", inbox_id=b.id,
                     body="the zebrafish token leaked", now=frozen.start - timedelta(minutes=1))
    return {"admin": admin, "sara": sara, "bo": bo, "a": a, "b": b, "ta": ta, "tb": tb}


def test_a_ticket_without_an_inbox_lands_in_the_default_one():
    ticket = make_ticket()
    default = db.session.scalar(db.select(db.func.min(Inbox.id)))
    assert ticket.inbox_id == default
    assert db.session.get(Inbox, default).name == "Support"


def test_new_mail_starts_in_the_inbox_of_the_address_it_was_written_to(two_teams):
    assert inboxes.inbox_for_email(["Someone@else.test", "SECURITY@halo.test"]) == two_teams["b"].id
    assert inboxes.inbox_for_email(["nobody@halo.test"]) == inboxes.default_inbox_id()
    mailbox = Mailbox(host="imap.halo.test", username="Polled@halo.test", password="x")
    db.session.add(mailbox)
    db.session.commit()
    inboxes.save_inbox(two_teams["admin"].id, two_teams["a"].id, name="Billing",
                       addresses="billing@halo.test", mailbox_ids=[mailbox.id])
    assert inboxes.inbox_for_email(["polled@halo.test"]) == two_teams["a"].id


def test_an_agent_sees_only_their_teams_inboxes(two_teams):
    t, now = two_teams, two_teams["ta"].last_activity_at + timedelta(minutes=5)
    with scope.opened(t["sara"].id):
        assert [r.id for r in list_tickets("all", t["sara"].id, now)[0]] == [t["ta"].id]
        assert view_counts(t["sara"].id, now)["all"] == 1
        assert view_counts(t["sara"].id, now)["open"] == 1
        with pytest.raises(NotFound):
            get_ticket(t["tb"].id)
        with pytest.raises(NotFound):
            scope.require_ticket(t["tb"].id)
        tb_id = t["tb"].id
        db.session.expunge_all()  # a load from the database (not the identity map) passes the hook
        assert db.session.get(Ticket, tb_id) is None
        t = {k: db.session.merge(v, load=False) for k, v in t.items()}
        assert [r.id for r in other_ticket_rows(t["ta"].customer_id, t["ta"].id)] == []
        assert search.search("zebrafish") == []
        assert [h.ticket.id for h in search.search("invoice")] == [t["ta"].id]
        assert merge_candidates(t["ta"].id) == []
    with scope.opened(t["admin"].id):
        assert view_counts(t["admin"].id, now)["all"] == 2
        assert get_ticket(t["tb"].id).id == t["tb"].id
    assert scope.can_see_ticket(t["bo"].id, t["tb"].id)
    assert not scope.can_see_ticket(t["bo"].id, t["ta"].id)
    assert not scope.can_see_ticket(t["bo"].id, 10**9)


def test_an_inbox_given_to_no_team_is_open_to_every_agent(two_teams):
    t = two_teams
    loose = inboxes.save_inbox(t["admin"].id, None, name="General")
    ticket = make_ticket(inbox_id=loose.id)
    assert scope.visible_inbox_ids(t["sara"].id) == {t["a"].id, loose.id}
    assert scope.can_see_ticket(t["bo"].id, ticket.id)
    # Everything any team is given plus the loose ones: the agent's scope narrows nothing.
    teams.save_team(t["admin"].id, None, name="Both", member_ids=[t["sara"].id],
                    inbox_ids=[t["a"].id, t["b"].id])
    assert scope.visible_inbox_ids(t["sara"].id) is None


def test_moving_a_ticket_moves_its_counts_and_its_sight(two_teams):
    t, now = two_teams, two_teams["ta"].last_activity_at + timedelta(minutes=5)
    with scope.opened(t["sara"].id):
        with pytest.raises(NotFound):  # an inbox Sara does not see is not a target for her
            inboxes.move_ticket(t["ta"].id, t["b"].id, t["sara"].id)
    event = inboxes.move_ticket(t["ta"].id, t["b"].id, t["admin"].id)
    assert event.event_data["to_name"] == "Security"
    assert inboxes.move_ticket(t["ta"].id, t["b"].id, t["admin"].id) is None
    with scope.opened(t["sara"].id):
        assert view_counts(t["sara"].id, now)["all"] == 0
        assert list_tickets("all", t["sara"].id, now)[0] == []
    with scope.opened(t["bo"].id):
        assert view_counts(t["bo"].id, now)["all"] == 2
    live = sorted(counter_rows())
    rebuild_counters()
    assert sorted(counter_rows()) == live


def test_counts_follow_status_changes_per_inbox(two_teams):
    t, now = two_teams, two_teams["ta"].last_activity_at + timedelta(minutes=5)
    change_status(t["tb"].id, "resolved", t["bo"].id)
    with scope.opened(t["sara"].id):
        counts = view_counts(t["sara"].id, now)
        assert (counts["open"], counts["resolved"]) == (1, 0)
    with scope.opened(t["bo"].id):
        counts = view_counts(t["bo"].id, now)
        assert (counts["open"], counts["resolved"]) == (0, 1)


def test_only_admins_manage_inboxes_and_teams(two_teams):
    with pytest.raises(Forbidden):
        inboxes.save_inbox(two_teams["sara"].id, None, name="Mine")
    with pytest.raises(Forbidden):
        teams.save_team(two_teams["sara"].id, None, name="Us", member_ids=[two_teams["sara"].id])
    with pytest.raises(Forbidden):
        inboxes.move_ticket(two_teams["ta"].id, two_teams["a"].id, make_user(role="readonly").id)



def test_the_default_inbox_is_kept_for_a_transaction_and_forgotten_at_its_end():
    """default_inbox_id reads once a transaction (a batch of mail asks once); deleting an
    inbox, a commit, a rollback or a close ends what it kept."""
    admin_id = make_user(role="admin").id
    first = inboxes.default_inbox_id()
    second = inboxes.save_inbox(admin_id, None, name="Second").id  # commits
    assert inboxes.default_inbox_id() == first
    db.session.delete(db.session.get(Inbox, first))
    db.session.flush()
    assert inboxes.default_inbox_id() == second  # the kept one went in this transaction
    db.session.rollback()
    assert inboxes.default_inbox_id() == first
    db.session.close()
    assert "halo_default_inbox" not in db.session.info
    inboxes.default_inbox_id()
    inboxes.delete_inbox(admin_id, first)  # commits
    assert inboxes.default_inbox_id() == second


def test_the_default_inbox_made_by_a_racing_request_is_taken_not_made_twice(app):
    """Two first requests of a fresh install both find no inbox; the one whose insert loses
    to the unique name reads the winner's instead of failing (a widget socket died on it)."""
    db.session.execute(db.delete(Inbox))
    db.session.commit()
    winner = Inbox(name=inboxes.DEFAULT_NAME, signature="")
    db.session.add(winner)
    db.session.commit()
    db.session.info.pop("halo_default_inbox", None)
    session = db.session()
    real, calls = session.scalar, []

    def first_read_before_the_winner(statement, *args, **kwargs):
        calls.append(statement)
        return None if len(calls) == 1 else real(statement, *args, **kwargs)
    session.scalar = first_read_before_the_winner
    try:
        assert inboxes.default_inbox_id(session) == winner.id
    finally:
        del session.scalar
    assert db.session.scalar(db.select(db.func.count(Inbox.id))) == 1
