"""The Mentions view and badge at scale: the badge from the mention counter (tickets with an
unread mention per teammate and inbox), the view's page read off the unread mentions in
order by their copy of the ticket's activity time; both in step with every change, and
neither reading all of the teammate's mentions."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, literal_column, select, true

from halo import clock
from halo.extensions import db
from halo.models import Mention, MentionCounter, Ticket
from halo.services.access import inboxes, scope, teams
from halo.services.customers import privacy
from halo.services.inbox.counters import rebuild_counters
from halo.services.inbox.hints import likely
from halo.services.inbox.views import list_tickets, view_counts
from halo.services.tickets import merge
from halo.services.tickets.mentions import mark_mentions_read, unread_mention_count
from halo.services.tickets.replies import post_reply
from tests.factories import make_ticket, make_user


def _rows() -> dict:
    return {(u, i): n for u, i, n in db.session.execute(
        select(MentionCounter.user_id, MentionCounter.inbox_id, MentionCounter.n)) if n}


def _recount() -> dict:
    """What the counter should hold, counted from the mention rows."""
    inbox = func.coalesce(Ticket.inbox_id, literal_column("0"))
    return {(u, i): n for u, i, n in db.session.execute(
        select(Mention.user_id, inbox, func.count(func.distinct(Mention.ticket_id)))
        .join(Ticket, Ticket.id == Mention.ticket_id).where(Mention.read_at.is_(None))
        .group_by(Mention.user_id, inbox)
        .execution_options(halo_unscoped=True))}


def _shown(user) -> tuple[int, list[int]]:
    """The badge and the Mentions view's ticket ids, as the teammate sees them now."""
    now = clock.now()
    return view_counts(user.id, now)["mentions"], [t.id for t in list_tickets("mentions", user.id, now)[0]]


@pytest.fixture
def people(frozen):
    return make_user(name="Ada Lovelace", role="admin"), make_user(name="Ben Okri")


def test_a_ticket_counts_once_however_many_notes_name_the_teammate_and_leaves_when_read(people):
    ada, ben = people
    first, second = make_ticket(subject="Refund"), make_ticket(subject="Invoice")
    post_reply(first.id, ada.id, f"@{ben.handle} can you check the refund?", "note")
    post_reply(first.id, ada.id, f"@{ben.handle} any news?", "note")
    post_reply(second.id, ada.id, f"@{ben.handle} and this one", "note")
    assert _shown(ben) == (2, [second.id, first.id])
    assert _rows() == _recount() and unread_mention_count(ben.id) == 2
    assert mark_mentions_read(first.id, ben.id, clock.now()) == 2
    assert _shown(ben) == (1, [second.id])  # the badge and the view at once
    assert mark_mentions_read(first.id, ben.id, clock.now()) == 0  # nothing left: no change
    assert _shown(ben) == (1, [second.id])
    assert _rows() == _recount()


def test_a_merge_moves_the_count_with_the_mentions_and_undo_moves_it_back(people):
    ada, ben = people
    older = make_ticket(subject="Order late")
    newer = make_ticket(customer=older.customer, subject="Order still late")
    for ticket in (older, newer):
        post_reply(ticket.id, ada.id, f"@{ben.handle} please look", "note")
    assert _shown(ben) == (2, [newer.id, older.id])
    event = merge.merge_tickets(older.id, [newer.id], ada.id)
    assert _shown(ben) == (1, [older.id])  # both mentions on one ticket now
    assert _rows() == _recount()
    merge.undo_merge(event.id, ada.id)
    assert _shown(ben)[0] == 2 and _rows() == _recount()


def test_an_erased_customers_ticket_keeps_its_mention_until_read(people):
    ada, ben = people
    ticket = make_ticket(subject="Delete my data")
    post_reply(ticket.id, ada.id, f"@{ben.handle} see this", "note")
    customer = db.session.get(Ticket, ticket.id).customer
    privacy.erase_customer(ada.id, customer.id, privacy.confirmation_word(customer))
    assert _shown(ben) == (1, [ticket.id])  # the row stays (content blanked), and so does its count
    mark_mentions_read(ticket.id, ben.id, clock.now())
    assert _shown(ben) == (0, []) and _rows() == _recount()


def test_a_deleted_ticket_or_mention_leaves_the_count(people):
    ada, ben = people
    gone, kept = make_ticket(), make_ticket()
    for ticket in (gone, kept):
        post_reply(ticket.id, ada.id, f"@{ben.handle} look", "note")
    db.session.delete(db.session.get(Ticket, gone.id))
    db.session.commit()
    assert _shown(ben) == (1, [kept.id]) and _rows() == _recount()
    db.session.delete(db.session.scalar(select(Mention).where(Mention.ticket_id == kept.id)))
    db.session.commit()
    assert _shown(ben) == (0, []) and _rows() == _recount()


def test_a_ticket_moved_to_an_inbox_the_teammate_cannot_see_is_not_counted(people):
    ada, sara = people
    bo = make_user(name="Bo Lind")
    a = inboxes.save_inbox(ada.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(ada.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(ada.id, None, name="Team A", member_ids=[sara.id], inbox_ids=[a.id])
    teams.save_team(ada.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[b.id])
    ticket, other = make_ticket(inbox_id=a.id), make_ticket(inbox_id=a.id)
    for t in (ticket, other):
        post_reply(t.id, ada.id, f"@{sara.handle} and @{bo.handle} look", "note")  # Bo cannot see A
    with scope.opened(bo.id):
        assert _shown(bo) == (0, [])
    inboxes.move_ticket(ticket.id, b.id, ada.id)
    with scope.opened(sara.id):
        assert _shown(sara) == (1, [other.id])  # her mention on the moved ticket is out of sight
    assert _rows() == _recount() == {(sara.id, a.id): 1, (sara.id, b.id): 1}
    assert _shown(sara)[0] == 2  # unscoped (an admin's sight), both count


def test_rebuild_agrees_with_the_kept_rows(people):
    ada, ben = people
    for _ in range(3):
        post_reply(make_ticket().id, ada.id, f"@{ben.handle} look", "note")
    kept = _rows()
    db.session.execute(MentionCounter.__table__.delete())
    db.session.commit()
    rebuild_counters()
    assert _rows() == kept == _recount() == {(ben.id, make_ticket().inbox_id): 3}


@pytest.mark.parametrize("scoped", [False, True])
def test_the_badge_reads_the_counter_never_the_teammates_mention_rows(frozen, scoped):
    """The sidebar's Mentions count is a sum of the teammate's counter rows: it used to count
    their unread mention rows and, scoped, look up each one's ticket (bench/README.md,
    "Mentions at 1,000,000 tickets")."""
    from halo.services.inbox.sidebar import _OWN
    statement = _OWN[scoped]
    params = {"now": frozen.start, "user_id": 1, "ticket_id": 0}
    if scoped:
        params["inbox_ids"] = [1, 2]
    compiled = statement.compile(db.engine)
    values = compiled.construct_params(params)
    sql = str(compiled)
    if scoped:
        sql = sql.replace("(__[POSTCOMPILE_inbox_ids])", "(1, 2)")
        values.pop("inbox_ids")
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            args = tuple(values[k] for k in compiled.positiontup if k in values)
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", args))
            assert "SEARCH mention_counter USING" in plan, plan
            # the one mention read: the ticket asked about, its whole key bound
            assert len(re.findall(r"\bmention\b", plan)) == 1 and "ticket_id=?" in plan, plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}", values))
            assert "pk_mention_counter" in plan, plan
            assert len(re.findall(r" on mention\b", plan)) == 1, plan
    assert not re.search(r"SCAN (ticket|mention)\b|Seq Scan on (ticket|mention)\b", plan), plan



def _plan(statement) -> str:
    """SQLite's plan, or PostgreSQL's with scans and sorts the last resort (a test table is tiny)."""
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            return " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        # The tables' statistics as they are now, not as autovacuum last saw them: a plan of
        # tiny tables otherwise turns on when it last ran.
        conn.exec_driver_sql("ANALYZE ticket, mention")
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_sort = off")
        return " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))


@pytest.mark.parametrize("scoped", [False, True])
def test_the_view_reads_a_page_of_unread_mentions_in_order_and_sorts_none(frozen, scoped):
    """The page comes off (user_id, read_at, ticket_activity_at, ticket_id) in order and stops
    after the page; `ticket.id IN (the unread mentions)` sorted every one of them, or (for a
    teammate of some inboxes) read the inbox's tickets until a page turned up."""
    from halo.services.inbox import mention_order
    from halo.services.inbox.views import ROW_COLUMNS
    seen = Ticket.inbox_id.in_([1, 2]) if scoped else true()
    for after in (None, (frozen.start, 10**6)):
        plan = _plan(mention_order.page_statement(ROW_COLUMNS, 1, likely(seen), after, 26))
        assert "ix_mention_user_unread_activity" in plan, plan
        assert "TEMP B-TREE FOR ORDER BY" not in plan.upper() and " Sort " not in f" {plan} ", plan
        assert not re.search(r"SCAN (ticket|mention)\b|Seq Scan on (ticket|mention)\b", plan), plan
        assert "ix_ticket_inbox" not in plan, plan


def test_a_mentioned_ticket_moves_up_the_view_with_new_activity_and_pages_list_each_once(people, frozen):
    ada, ben = people
    made = [make_ticket(subject=f"T{i}", now=clock.now() - timedelta(minutes=10 - i)) for i in range(5)]
    for ticket in made:
        post_reply(ticket.id, ada.id, f"@{ben.handle} look", "note")
    post_reply(made[1].id, ada.id, f"@{ben.handle} again", "note")  # two unread mentions: one row
    newest_first = [t.id for t in sorted(made, key=lambda t: db.session.get(Ticket, t.id).last_activity_at,
                                         reverse=True)]
    walked, cursor = [], None
    while True:
        page, cursor = list_tickets("mentions", ben.id, clock.now(), cursor, limit=2)
        walked += [t.id for t in page]
        if cursor is None:
            break
    assert walked == newest_first
    later = frozen(frozen.start + timedelta(minutes=30))
    db.session.get(Ticket, made[0].id).last_activity_at = later  # the customer wrote on the oldest
    db.session.commit()
    assert list_tickets("mentions", ben.id, clock.now())[0][0].id == made[0].id
    assert {m.ticket_activity_at for m in db.session.scalars(select(Mention).where(
        Mention.ticket_id == made[0].id))} == {db.session.get(Ticket, made[0].id).last_activity_at}


def test_mentions_merged_into_a_ticket_take_its_activity_time(people):
    ada, ben = people
    older = make_ticket(subject="Order late", now=clock.now() - timedelta(hours=2))
    newer = make_ticket(customer=older.customer, subject="Order still late")
    post_reply(newer.id, ada.id, f"@{ben.handle} please look", "note")
    merge.merge_tickets(older.id, [newer.id], ada.id)
    target = db.session.get(Ticket, older.id)
    assert [m.ticket_activity_at for m in db.session.scalars(select(Mention))] == [target.last_activity_at]
    assert [t.id for t in list_tickets("mentions", ben.id, clock.now())[0]] == [older.id]


@pytest.mark.parametrize("scoped", [False, True])
def test_the_notification_badge_counts_up_to_its_cap(people, scoped):
    """A backlog of unread notifications is counted up to 100 and shown as "99+": counting
    thousands (scoped, each one's ticket checked) grew every page with the backlog."""
    from flask import current_app, render_template

    from halo.services.tickets import notifications
    ada, ben = people
    ticket = make_ticket()
    for i in range(notifications.BADGE_CAP + 30):
        notifications.notify(ben.id, ticket.id, "snooze_ended", f"Snooze {i} ended")
    db.session.commit()
    with scope.opened(ben.id) if scoped else scope.opened(ada.id):
        assert view_counts(ben.id, clock.now()).notifications == notifications.BADGE_CAP + 1
        assert notifications.unread_count(ben.id) == notifications.BADGE_CAP + 1
    with current_app.test_request_context():
        assert ">99+<" in render_template("_notifications_count.html", n_unread=notifications.BADGE_CAP + 1)
        assert ">99<" in render_template("_notifications_count.html", n_unread=99)
    notifications.mark_all_read(ben.id)
    assert view_counts(ben.id, clock.now()).notifications == 0
