"""Inbox views, keyset pagination, counters and snooze judged at query time."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from halo import clock
from halo.extensions import db
from halo.models import Inbox, SnoozeCounter, Ticket
from halo.services.inbox.counters import counter_rows, rebuild_counters
from halo.services.inbox.views import decode_cursor, list_tickets, view_counts
from halo.services.tickets.assignment import assign_ticket
from halo.services.tickets.snooze import wake_due
from halo.services.tickets.status import change_status
from tests.factories import make_customer, make_ticket, make_user
from tests.statements import recorded


def ids(view, user, now, **kw):
    return [t.id for t in list_tickets(view, user.id, now, **kw)[0]]


def test_each_view_lists_what_it_should(frozen):
    me, other = make_user(), make_user()
    c = make_customer()
    t = {s: make_ticket(customer=c, status=s, now=frozen.start - timedelta(minutes=i),
                        snoozed_until=frozen.start + timedelta(hours=1) if s == "snoozed" else None)
         for i, s in enumerate(["open", "priority", "in_progress", "snoozed", "resolved", "spam"])}
    assign_ticket(t["open"].id, me.id, me.id)
    assign_ticket(t["priority"].id, other.id, me.id)
    now = frozen.start
    assert ids("open", me, now) == [t["open"].id, t["priority"].id, t["in_progress"].id]
    assert ids("mine", me, now) == [t["open"].id]
    assert ids("unassigned", me, now) == [t["in_progress"].id]
    assert ids("priority", me, now) == [t["priority"].id]
    assert ids("snoozed", me, now) == [t["snoozed"].id]
    assert ids("resolved", me, now) == [t["resolved"].id]
    assert ids("spam", me, now) == [t["spam"].id]
    assert len(ids("all", me, now)) == 6
    counts = view_counts(me.id, now)
    assert counts == {"open": 3, "mine": 1, "unassigned": 1, "priority": 1, "snoozed": 1,
                      "resolved": 1, "spam": 1, "all": 6, "mentions": 0}


def test_snooze_returns_to_default_views_when_its_time_passes(frozen):
    me = make_user()
    ticket = make_ticket()
    change_status(ticket.id, "snoozed", me.id, until=frozen.start + timedelta(hours=2))
    assign_ticket(ticket.id, me.id, me.id)
    assert ids("open", me, clock.now()) == [] and ids("mine", me, clock.now()) == []
    assert view_counts(me.id, clock.now())["snoozed"] == 1
    later = frozen(frozen.start + timedelta(hours=3))
    # No job has run: the view itself judges the snooze by the clock.
    assert db.session.get(Ticket, ticket.id).status == "snoozed"
    assert ids("open", me, later) == [ticket.id]
    assert ids("mine", me, later) == [ticket.id]
    assert ids("snoozed", me, later) == []
    counts = view_counts(me.id, later)
    assert (counts["open"], counts["mine"], counts["snoozed"]) == (1, 1, 0)


def test_keyset_pages_walk_every_ticket_once(frozen):
    me = make_user()
    c = make_customer()
    same_time = frozen.start - timedelta(hours=1)
    made = [make_ticket(customer=c, now=same_time if i % 3 == 0 else frozen.start - timedelta(minutes=i))
            for i in range(23)]
    seen, cursor = [], None
    while True:
        page, cursor = list_tickets("all", me.id, frozen.start, cursor, limit=5)
        seen += [t.id for t in page]
        if cursor is None:
            break
    assert sorted(seen) == sorted(t.id for t in made)
    assert len(seen) == len(set(seen))
    keys = [(db.session.get(Ticket, i).last_activity_at, i) for i in seen]
    assert keys == sorted(keys, reverse=True)


def test_woken_snoozes_merge_into_pages_in_order(frozen):
    me = make_user()
    c = make_customer()
    tickets = [make_ticket(customer=c, now=frozen.start - timedelta(minutes=i)) for i in range(6)]
    for t in tickets[::2]:
        change_status(t.id, "snoozed", me.id, until=frozen.start + timedelta(minutes=5))
    later = frozen(frozen.start + timedelta(minutes=10))
    first, cursor = list_tickets("open", me.id, later, limit=4)
    rest, end = list_tickets("open", me.id, later, cursor, limit=4)
    assert [t.id for t in first + rest] == [t.id for t in tickets] and end is None


@pytest.mark.parametrize("cursor", ["garbage", "2026-13-45_x", "_", ""])
def test_malformed_cursor_means_first_page(cursor):
    assert decode_cursor(cursor) is None


def test_counters_follow_every_change_and_rebuild_agrees(frozen):
    me, other = make_user(), make_user()
    tickets = [make_ticket() for _ in range(4)]
    change_status(tickets[0].id, "priority", me.id)
    assign_ticket(tickets[1].id, other.id, me.id)
    change_status(tickets[2].id, "resolved", me.id)
    db.session.delete(tickets[3])
    db.session.commit()
    live = sorted((s, a, n) for s, a, n in counter_rows() if n)
    rebuild_counters()
    assert sorted((s, a, n) for s, a, n in counter_rows() if n) == live
    assert live == sorted([("priority", 0, 1), ("open", other.id, 1), ("resolved", 0, 1)])


def test_counters_follow_a_change_to_a_ticket_flushed_without_it(admin):
    """A ticket inserted without an assignee (or status) and changed before the commit:
    the old value was never loaded, and the count must still move from it."""
    customer = make_customer()
    ticket = Ticket(customer_id=customer.id, subject="s", channel="chat",
                    created_at=clock.now(), last_activity_at=clock.now())
    db.session.add(ticket)
    db.session.flush()
    ticket.assignee_id = admin.id
    ticket.status = "in_progress"
    db.session.commit()
    live = sorted((s, a, n) for s, a, n in counter_rows() if n)
    assert live == [("in_progress", admin.id, 1)]
    rebuild_counters()
    assert sorted((s, a, n) for s, a, n in counter_rows() if n) == live


def test_unknown_view():
    with pytest.raises(KeyError):
        list_tickets("archive", 1, clock.now())


def _snooze_rows():
    return sorted((r.ends_at, r.assignee_key, r.inbox_id, r.n) for r in db.session.scalars(select(SnoozeCounter)))


def _snooze_recount():
    return sorted(tuple(row) for row in db.session.execute(
        select(Ticket.snoozed_until, func.coalesce(Ticket.assignee_id, 0), func.coalesce(Ticket.inbox_id, 0),
               func.count())
        .where(Ticket.status == "snoozed")
        .group_by(Ticket.snoozed_until, Ticket.assignee_id, Ticket.inbox_id)))


def test_the_snooze_counter_keeps_in_step_with_every_change(frozen):
    """Snoozed, snoozed again, reassigned and moved while snoozed, unsnoozed, woken,
    deleted: after each, the counter rows are the recount, and no row sits at 0."""
    me, other = make_user(), make_user()
    second = Inbox(name="Billing", signature="")
    db.session.add(second)
    db.session.commit()
    at = frozen.start
    monday, tuesday = at + timedelta(days=3), at + timedelta(days=4)
    tickets = [make_ticket(now=at) for _ in range(5)]
    steps = [
        lambda: [change_status(t.id, "snoozed", me.id, until=monday, now=at) for t in tickets],
        lambda: change_status(tickets[0].id, "snoozed", me.id, until=tuesday, now=at),
        lambda: assign_ticket(tickets[1].id, other.id, me.id),
        lambda: _move(tickets[2], second.id),
        lambda: change_status(tickets[3].id, "open", me.id, now=at),
        lambda: _delete(tickets[4]),
    ]
    for step in steps:
        step()
        assert _snooze_rows() == _snooze_recount()
        assert all(n > 0 for *_, n in _snooze_rows())
    assert {ends for ends, *_ in _snooze_rows()} == {monday, tuesday}
    assert wake_due(monday) == sorted([tickets[1].id, tickets[2].id])
    assert [ends for ends, *_ in _snooze_rows()] == [tuesday]  # the woken rows are gone
    rebuild_counters()
    assert _snooze_rows() == _snooze_recount()


def _move(ticket, inbox_id):
    db.session.get(Ticket, ticket.id).inbox_id = inbox_id
    db.session.commit()


def _delete(ticket):
    db.session.delete(db.session.get(Ticket, ticket.id))
    db.session.commit()


def test_many_snoozes_ending_at_once_are_counted_from_one_row(frozen):
    me = make_user()
    at = frozen.start
    ends = at + timedelta(hours=1)
    tickets = [make_ticket(now=at) for _ in range(30)]
    for t in tickets:
        change_status(t.id, "snoozed", me.id, until=ends, now=at)
    assign_ticket(tickets[0].id, me.id, me.id)
    assert len(_snooze_rows()) == 2  # unassigned and mine, both ending at once
    before, after = view_counts(me.id, ends - timedelta(seconds=1)), view_counts(me.id, ends)
    assert (before["open"], before["snoozed"], before["mine"]) == (0, 30, 0)
    assert (after["open"], after["snoozed"], after["mine"], after["unassigned"]) == (30, 0, 1, 29)
    assert after.woken == 30


def _statements(read) -> list[str]:
    """The statements read() runs."""
    with recorded() as seen:
        read()
    return seen


def test_kept_counts_follow_each_write_and_each_snooze_end_within_the_minute(frozen):
    """The counter rows are read once per inbox stamp (services/inbox/sidebar.py); a write
    to a ticket or a snooze ending shows on the next read, with no minute to wait."""
    me, other = make_user(), make_user()
    now = frozen.start
    ticket = make_ticket(now=now)
    assert view_counts(me.id, now)["open"] == 1
    warm = _statements(lambda: view_counts(me.id, now))
    assert len(warm) == 1 and "ticket_counter" not in warm[0]  # own rows and stamps only
    assign_ticket(ticket.id, me.id, me.id)
    counts = view_counts(me.id, now)
    assert (counts["open"], counts["mine"], counts["unassigned"]) == (1, 1, 0)
    assert view_counts(other.id, now)["mine"] == 0  # kept per scope, "mine" per teammate
    ends = now + timedelta(seconds=20)
    change_status(ticket.id, "snoozed", me.id, until=ends, now=now)
    counts = view_counts(me.id, now)
    assert (counts["open"], counts["mine"], counts["snoozed"]) == (0, 0, 1)
    assert view_counts(me.id, ends - timedelta(seconds=1))["snoozed"] == 1
    counts = view_counts(me.id, ends)  # the same minute and stamp, but the snooze has ended
    assert (counts["open"], counts["mine"], counts["snoozed"], counts.woken) == (1, 1, 0, 1)


@pytest.mark.parametrize("scoped", [False, True])
def test_the_count_of_ended_snoozes_never_reads_ticket_rows(frozen, scoped):
    """The sidebar counts ended snoozes from the snooze counter's rows by end time, never
    from ticket rows or their index (bench/README.md: the snooze backlog)."""
    from halo.services.inbox.sidebar import _SIDEBAR, _SIDEBAR_SCOPED
    statement = _SIDEBAR_SCOPED if scoped else _SIDEBAR
    params = {"now": frozen.start, "user_id": 1, "ticket_id": 0}
    if scoped:
        params["inbox_ids"] = [1, 2]
    compiled = statement.compile(db.engine)
    values = compiled.construct_params(params)
    sql = str(compiled)
    if scoped:  # the expanding list, written out as its two values
        sql = sql.replace("(__[POSTCOMPILE_inbox_ids])", "(1, 2)")
        values.pop("inbox_ids")
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            args = tuple(values[k] for k in compiled.positiontup if k in values)
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", args))
            assert "SEARCH snooze_counter USING" in plan and "ends_at<?" in plan
        else:
            # A test database is tiny, so the planner would rightly scan; make scans the last
            # resort and see that the counter's key answers.
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}", values))
            assert "Index Scan using pk_snooze_counter" in plan
    assert not re.search(r"SCAN ticket\b|Seq Scan on ticket\b", plan)
    if not scoped:  # scoped, the mention and notification counts may look tickets up by any index
        assert "ix_ticket_snooze_due" not in plan


def _plan(statement) -> str:
    """The plan of a statement on the test engine: SQLite's EXPLAIN QUERY PLAN, or
    PostgreSQL's EXPLAIN with scans and sorts made the last resort (a test database is
    tiny, so the planner would rightly scan and sort; what matters is that an index can
    give the page's order by itself)."""
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            return " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_sort = off")
        return " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))


def test_the_snoozed_view_reads_an_index_in_its_order_and_sorts_nothing(frozen):
    """The Snoozed view's page is read off (status, last_activity_at, id) and stops after a
    page; reading the range of snoozes not yet ended and sorting them cost 200 ms at
    1,000,000 tickets (bench/README.md, "Every inbox view at 1,000,000 tickets")."""
    from halo.services.inbox.views import _view_filter, page_statement
    after = (frozen.start, 10**6)
    for cursor in (None, after):
        plan = _plan(page_statement(_view_filter("snoozed", 1, frozen.start), cursor, 26))
        # The likely() hint is SQLite's; PostgreSQL, by the tiny test table's statistics, may
        # read either index that gives the page's order (status and activity, or activity).
        if db.engine.dialect.name == "sqlite":
            assert "ix_ticket_status_activity" in plan, plan
        assert "TEMP B-TREE" not in plan.upper() and " Sort " not in f" {plan} ", plan
        assert not re.search(r"SCAN ticket\b|Seq Scan on ticket\b", plan)


def test_the_snoozed_view_lists_snoozes_not_ended_newest_first_page_by_page(frozen):
    me = make_user()
    at = frozen.start
    made = [make_ticket(now=at - timedelta(minutes=i)) for i in range(7)]
    for i, t in enumerate(made):  # every third snooze has ended by `at`
        until = at - timedelta(minutes=1) if i % 3 == 0 else at + timedelta(hours=i)
        change_status(t.id, "snoozed", me.id, until=until, now=at - timedelta(hours=2))
    make_ticket(now=at)  # open, newest of all: never in the view
    expected = [t.id for i, t in enumerate(made) if i % 3]
    seen, cursor = [], None
    while True:
        page, cursor = list_tickets("snoozed", me.id, at, cursor=cursor, limit=2)
        seen += [t.id for t in page]
        if cursor is None:
            break
    assert seen == expected
    assert ids("snoozed", me, at - timedelta(hours=1)) == [t.id for t in made]  # none ended yet
