"""Tags as agents use them (one at a time, in bulk, from the AI's priority filters, kept by
admins) and the inbox by SLA: sorted by the stored due time, filtered by breach or due
soon, each row's tags and clock read in two queries for the page."""
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs

import pytest

from halo import clock
from halo.extensions import db
from halo.models import AuditEvent, Message, Tag, Ticket, TicketSla, TicketTag
from halo.services.errors import Forbidden, NotFound, ValidationError
from halo.services.inbox import by_due
from halo.services.inbox import views as inbox
from halo.services.inbox.filters import (
    describe,
    filter_condition,
    parse_filters,
    to_query,
)
from halo.services.service_levels import policies, sla
from halo.services.tickets import bulk, tag_catalog
from halo.services.tickets import tags as ticket_tags
from tests.factories import make_ticket, make_user
from tests.statements import recorded

FRIDAY_NINE = datetime(2026, 12, 4, 9, 0)


def _names(ticket_id):
    return ticket_tags.tags_of([ticket_id])[ticket_id]


def test_change_tag_adds_once_removes_and_writes_event_lines(app, agent):
    ticket = make_ticket()
    first = ticket_tags.change_tag(ticket.id, "Refund", agent.id, add=True)
    assert first.event_data == {"added": ["Refund"], "removed": []} and first.author_id == agent.id
    assert ticket_tags.change_tag(ticket.id, "refund", agent.id, add=True) is None  # one tag whatever the case
    ticket_tags.change_tag(ticket.id, "  vip  ", agent.id, add=True)
    assert _names(ticket.id) == ["Refund", "vip"]
    gone = ticket_tags.change_tag(ticket.id, "REFUND", agent.id, add=False)
    assert gone.event_data == {"added": [], "removed": ["Refund"]} and _names(ticket.id) == ["vip"]
    assert ticket_tags.change_tag(ticket.id, "refund", agent.id, add=False) is None
    lines = db.session.scalars(db.select(Message).where(Message.event_type == "tags")).all()
    assert len(lines) == 3


def test_change_tag_refuses_bad_names_a_full_ticket_and_unseen_tickets(app, agent):
    ticket = make_ticket()
    for bad, why in [("", "Type a tag"), ("<b>", "must be 1-40"), ("x" * 41, "must be 1-40")]:
        with pytest.raises(ValidationError, match=why):
            ticket_tags.change_tag(ticket.id, bad, agent.id, add=True)
    ticket_tags.apply_tags(ticket, [f"t{i}" for i in range(ticket_tags.MAX_TAGS)], agent.id, clock.now())
    db.session.commit()
    with pytest.raises(ValidationError, match="at most 30"):
        ticket_tags.change_tag(ticket.id, "one-more", agent.id, add=True)
    assert len(_names(ticket.id)) == ticket_tags.MAX_TAGS
    with pytest.raises(NotFound):
        ticket_tags.change_tag(999999, "x", agent.id, add=True)
    reader = make_user(role="readonly")
    with pytest.raises(Forbidden):
        ticket_tags.change_tag(ticket.id, "x", reader.id, add=True)


def test_bulk_add_and_remove_a_tag(app, agent):
    a, b = make_ticket(), make_ticket()
    ticket_tags.change_tag(a.id, "refund", agent.id, add=True)
    result = bulk.bulk_update([a.id, b.id, 999999], "add_tag", "Refund", agent.id)
    assert result.updated == [b.id] and result.unchanged == [a.id]
    assert result.skipped[0][0] == 999999 and "does not exist" in result.skipped[0][1]
    assert _names(a.id) == ["refund"] and _names(b.id) == ["refund"]
    removed = bulk.bulk_update([a.id, b.id], "remove_tag", "REFUND", agent.id)
    assert removed.updated == [a.id, b.id] and _names(a.id) == _names(b.id) == []
    for value, why in [("", "Type the tag"), ("a,b", "must be 1-40")]:
        with pytest.raises(ValidationError, match=why):
            bulk.bulk_update([a.id], "add_tag", value, agent.id)


def test_admins_rename_recolour_and_delete_tags(app, admin, agent):
    t1, t2 = make_ticket(), make_ticket()
    for t in (t1, t2):
        ticket_tags.change_tag(t.id, "refund", agent.id, add=True)
    ticket_tags.change_tag(t1.id, "vip", agent.id, add=True)
    tag = db.session.scalar(db.select(Tag).where(Tag.name_key == "refund"))
    tag_catalog.update_tag(tag.id, admin.id, name="Refunds", colour="red")
    assert _names(t1.id) == ["Refunds", "vip"] and _names(t2.id) == ["Refunds"]
    info = {t.name: t for t in tag_catalog.list_tags()}
    assert info["Refunds"].colour == "red" and info["Refunds"].tickets == 2 and info["vip"].colour == "grey"
    tag_catalog.update_tag(tag.id, admin.id, name="refunds")  # a change of case only is fine
    for kwargs, why in [({"name": "VIP"}, "already"), ({"colour": "#ff0000"}, "palette"),
                        ({"name": " "}, "needs a name")]:
        with pytest.raises(ValidationError, match=why):
            tag_catalog.update_tag(tag.id, admin.id, **kwargs)
    with pytest.raises(Forbidden):
        tag_catalog.update_tag(tag.id, agent.id, colour="blue")
    with pytest.raises(Forbidden):
        tag_catalog.delete_tag(tag.id, agent.id)
    assert tag_catalog.delete_tag(tag.id, admin.id) == 2
    assert _names(t1.id) == ["vip"] and _names(t2.id) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(TicketTag)) == 1
    with pytest.raises(NotFound):
        tag_catalog.delete_tag(tag.id, admin.id)
    audit = db.session.scalars(db.select(AuditEvent.detail).where(AuditEvent.target.like("tag %"))).all()
    assert any("deleted" in d["tag"] for d in audit) and any("from" in d["tag"] for d in audit)


def test_suggestions_put_prefix_matches_first_and_skip_what_the_ticket_has(app, agent):
    ticket = make_ticket()
    for name in ("billing", "refund", "partial refund", "refund_100", "vip"):
        ticket_tags.change_tag(make_ticket().id, name, agent.id, add=True)
    ticket_tags.change_tag(ticket.id, "vip", agent.id, add=True)
    assert [t.name for t in tag_catalog.suggest("ref")] == ["refund", "refund_100", "partial refund"]
    assert [t.name for t in tag_catalog.suggest("_")] == ["refund_100"]  # _ is a character, not a wildcard
    assert [t.name for t in tag_catalog.suggest("REFUND 1")] == []
    assert "vip" not in [t.name for t in tag_catalog.suggest("", exclude=_names(ticket.id))]


def test_tag_filters_from_the_url_and_from_tag_terms_in_the_text(app, agent):
    refund, both, none = make_ticket(), make_ticket(), make_ticket()
    ticket_tags.change_tag(refund.id, "refund", agent.id, add=True)
    for name in ("refund", "big one"):
        ticket_tags.change_tag(both.id, name, agent.id, add=True)
    flt = parse_filters(parse_qs('q=tag:Refund tag:"big one" '))
    assert flt.tag == ("big one", "Refund") and flt.q == ""
    assert to_query(flt) == "tag=big+one&tag=Refund"
    assert parse_filters(parse_qs(to_query(flt))) == flt
    assert _listed("tag=refund", agent.id) == {refund.id, both.id}
    assert _listed("q=tag:refund tag:%22big one%22", agent.id) == {both.id}
    assert none.id not in _listed("tag=refund", agent.id)
    assert [label for label, _ in describe(flt)] == ["Tag: big one", "Tag: Refund"]
    with pytest.raises(ValidationError, match="tag:"):
        parse_filters({"tag": ["<script>"]})


def _listed(query, user_id, now=None, view="all"):
    flt = parse_filters(parse_qs(query))
    now = now or clock.now()
    lister = by_due.list_by_due if flt.sort == "sla" else inbox.list_tickets
    tickets, _ = lister(view, user_id, now, limit=100, where=filter_condition(flt, user_id, now),
                        selective=bool(flt.sla))  # as the inbox page passes it
    return {t.id for t in tickets}


@pytest.fixture
def clocks(app, agent):
    """Four tickets under a 1 h first-response policy, made 9:00, 9:20, 9:40 and one with
    a reply (no running clock), the clock at 10:10: one breached, one due in 10 min, one in 30."""
    policies.save_policy(None, {"name": "Standard", "first_response": "1 h"})
    made = []
    for minute in (0, 20, 40):
        clock.set_now(FRIDAY_NINE + timedelta(minutes=minute))
        made.append(make_ticket(now=clock.now()))
    clock.set_now(FRIDAY_NINE)
    answered = make_ticket(now=FRIDAY_NINE)
    db.session.add(Message(ticket_id=answered.id, kind="agent", channel="email", body_text="On it",
                           author_id=agent.id, created_at=FRIDAY_NINE + timedelta(minutes=5)))
    db.session.commit()
    now = FRIDAY_NINE + timedelta(minutes=70)
    clock.set_now(now)
    sla.check(now)
    return made, answered, now


def test_sort_by_due_lists_soonest_first_and_clockless_last(clocks, agent):
    (late, soon, later), answered, now = clocks
    untouched = make_ticket(now=now)  # no TicketSla row yet: no clock known, last too
    rows, cursor = by_due.list_by_due("all", agent.id, now, limit=10)
    assert [r.id for r in rows] == [late.id, soon.id, later.id, untouched.id, answered.id] and cursor is None
    seen, cursor = [], None
    while True:  # one row a page: the cursor crosses from the due part to the clockless one
        page, cursor = by_due.list_by_due("all", agent.id, now, cursor=cursor, limit=1)
        seen += [r.id for r in page]
        if cursor is None:
            break
    assert seen == [late.id, soon.id, later.id, untouched.id, answered.id]
    narrowed, _ = by_due.list_by_due("all", agent.id, now, limit=10,
                                      where=filter_condition(parse_filters({"q": ["nothing-like-this"]}), agent.id, now))
    assert narrowed == []
    assert by_due.list_by_due("all", agent.id, now, cursor="d~garbage", limit=10)[0][0].id == late.id


def test_breached_and_due_soon_filters(clocks, agent):
    (late, soon, later), answered, now = clocks
    assert _listed("sla=breached", agent.id, now) == {late.id}
    assert _listed("sla=soon", agent.id, now) == {soon.id, later.id}
    assert _listed("sla=soon", agent.id, now + timedelta(minutes=15)) == {later.id}
    for view in ("open", "unassigned"):
        assert _listed("sla=breached", agent.id, now, view) == {late.id}
        assert _listed("sla=soon&sort=sla", agent.id, now, view) == {soon.id, later.id}
    assert _listed("sla=breached", agent.id, now, "mine") == set()
    assert _listed("sla=breached", agent.id, now, "resolved") == set()
    assert [label for label, _ in describe(parse_filters({"sla": ["breached"]}))] == ["SLA breached"]
    with pytest.raises(ValidationError, match="'sla' must be one of"):
        parse_filters({"sla": ["late"]})
    with pytest.raises(ValidationError, match="'sort' must be one of"):
        parse_filters({"sort": ["random"]})
    assert not parse_filters({"sort": ["sla"]})  # an order is not a filter
    assert parse_filters({"sort": ["updated"]}).sort is None  # the default is not spelt out


def test_row_extras_read_tags_and_due_times_in_two_queries(clocks, agent):
    (late, soon, later), answered, now = clocks
    ticket_tags.change_tag(late.id, "refund", agent.id, add=True)
    tag = db.session.scalar(db.select(Tag))
    tag_catalog.update_tag(tag.id, None, colour="teal")
    ids = [late.id, soon.id, later.id, answered.id]
    with recorded() as statements:
        extras = by_due.row_extras(ids)
    assert len(statements) == 2
    assert extras[late.id].tags == (("refund", "teal"),)
    assert extras[late.id].badge(now) == ("breached", "Overdue 10 min", "First response was due 2026-12-04 10:00 UTC")
    assert extras[soon.id].badge(now)[:2] == ("soon", "Due in 10 min")
    assert extras[later.id].badge(now - timedelta(minutes=40))[:2] == ("due", "Due in 1 h 10 min")
    assert extras[answered.id].badge(now) is None and extras[answered.id].tags == ()
    assert db.session.get(TicketSla, answered.id).due_at is None


def test_the_sort_reads_the_due_index_on_both_engines(clocks, agent):
    (late, _, _), _, now = clocks
    query = by_due.page_query(inbox.view_condition("open", agent.id, now), None, 26)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
            assert "ix_ticket_sla_due" in plan and "TEMP B-TREE" not in plan.upper()
        else:
            # A test database is tiny, so the planner would rightly scan; make scans and
            # sorts the last resort and see that the index gives the order by itself.
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_sort = off")
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert "ix_ticket_sla_due" in plan and " Sort " not in f" {plan} "


def _statements_of(call):
    """The SELECT statements (with their parameters) a call runs."""
    with recorded() as seen:
        call()
    return [(run.raw, run.parameters) for run in seen if run.startswith("SELECT")]


@pytest.mark.parametrize("view", ["open", "mine", "unassigned"])
def test_the_clockless_part_of_the_sort_reads_the_views_index_in_order(clocks, agent, view):
    """Past the tickets with a running clock, the sort lists the rest as the view itself
    does: its (bucket, last_activity_at, id) index read in order, woken snoozes apart. One
    OR of both, sorted whole, took 2 s at 1,000,000 tickets (bench/README.md, "Every inbox
    view at 1,000,000 tickets")."""
    (late, _, _), _, now = clocks
    statements = _statements_of(lambda: by_due.list_by_due(view, agent.id, now, limit=10))
    listing = [(s, p) for s, p in statements if "bucket" in s and "last_activity_at DESC" in s]
    assert listing
    with db.engine.connect() as conn:
        for statement, parameters in listing:
            if db.engine.dialect.name == "sqlite":
                plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
                assert "_bucket_activity" in plan and "TEMP B-TREE" not in plan.upper(), plan
                assert "MULTI-INDEX OR" not in plan.upper(), plan
            else:
                conn.exec_driver_sql("SET enable_seqscan = off")
                conn.exec_driver_sql("SET enable_sort = off")
                plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
                assert " Sort " not in f" {plan} " and "Seq Scan on ticket" not in plan, plan


def test_the_sort_merges_woken_snoozes_into_the_clockless_part_in_activity_order(clocks, agent):
    (late, soon, later), answered, now = clocks
    clockless = [make_ticket(now=now - timedelta(minutes=m)) for m in (1, 3, 5)]
    woken = make_ticket(now=now - timedelta(minutes=2))
    snoozed = make_ticket(now=now - timedelta(minutes=4))
    from halo.services.tickets.status import change_status
    change_status(woken.id, "snoozed", agent.id, until=now - timedelta(minutes=1), now=now - timedelta(hours=1))
    change_status(snoozed.id, "snoozed", agent.id, until=now + timedelta(hours=1), now=now - timedelta(hours=1))
    db.session.query(TicketSla).filter(TicketSla.ticket_id.in_([woken.id, snoozed.id])).delete()
    db.session.commit()
    expected = [late.id, soon.id, later.id, clockless[0].id, woken.id, clockless[1].id,
                clockless[2].id, answered.id]
    rows, cursor = by_due.list_by_due("open", agent.id, now, limit=20)
    assert [r.id for r in rows] == expected and cursor is None
    seen, cursor = [], None
    while True:  # two rows a page: the cursor crosses from the due part, then the woken row
        page, cursor = by_due.list_by_due("open", agent.id, now, cursor=cursor, limit=2)
        seen += [r.id for r in page]
        if cursor is None:
            break
    assert seen == expected


@pytest.mark.parametrize("view", ["open", "mine"])
def test_the_sla_filters_read_the_due_clocks_first(clocks, agent, view):
    """An SLA filter picks out the few tickets whose clock is due by a time: the page reads
    them off the due index and checks the view on each, never the view's index until a page
    of them turns up (62 ms at 1,000,000 tickets, bench/README.md)."""
    _, _, now = clocks
    statements = _statements_of(lambda: _listed("sla=breached", agent.id, now, view))
    listing = [(s, p) for s, p in statements if "last_activity_at DESC" in s]
    assert listing
    with db.engine.connect() as conn:
        for statement, parameters in listing:
            if db.engine.dialect.name == "sqlite":
                plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
                assert "SEARCH ticket USING INTEGER PRIMARY KEY" in plan and "ix_ticket_sla_due" in plan, plan
                assert not re.search(r"ix_ticket_\w*(bucket|snooze)", plan), plan
            else:
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
                assert "Seq Scan on ticket " not in f"{plan} ", plan


def test_an_sla_filter_lists_only_the_teammates_inboxes_and_reads_the_due_clocks_first(clocks, agent):
    """Scoped to some inboxes, the filtered page still starts from the due clocks: the
    inbox condition is checked on each ticket, not read by the inbox's index."""
    from halo.services.access import inboxes, scope, teams
    (late, soon, later), _, now = clocks
    admin = make_user(role="admin")
    sara = make_user(name="Sara")
    billing = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id], inbox_ids=[billing.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[admin.id], inbox_ids=[later.inbox_id])
    db.session.get(Ticket, late.id).inbox_id = db.session.get(Ticket, soon.id).inbox_id = billing.id
    db.session.commit()
    with scope.opened(sara.id) as seen:
        assert seen.inbox_ids == {billing.id}
        assert _listed("sla=breached", sara.id, now, "open") == {late.id}
        assert _listed("sla=soon", sara.id, now, "open") == {soon.id}
        assert _listed("sla=soon", sara.id, now, "unassigned") == {soon.id}
        statements = _statements_of(lambda: _listed("sla=breached", sara.id, now, "open"))
    assert _listed("sla=soon", agent.id, now, "open") == {soon.id, later.id}  # sees every inbox
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            for statement, parameters in statements:
                if "last_activity_at DESC" not in statement:
                    continue
                assert "inbox_id" in statement
                plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
                assert "SEARCH ticket USING INTEGER PRIMARY KEY" in plan and "ix_ticket_inbox" not in plan, plan
