"""Inbox filters: parsing (with clear errors), the SQL they build, paging under a filter."""
from datetime import timedelta
from urllib.parse import parse_qs

import pytest

from halo.services.errors import ValidationError
from halo.services.inbox import views as inbox
from halo.services.inbox.filters import describe, filter_condition, parse_filters, to_query
from tests.factories import make_customer, make_ticket, make_user


def listed(query, user_id, view="all", now=None, limit=50):
    flt = parse_filters(parse_qs(query))
    from halo import clock
    tickets, _ = inbox.list_tickets(view, user_id, now or clock.now(), limit=limit,
                                    where=filter_condition(flt, user_id))
    return {t.id for t in tickets}


def test_parse_and_canonical_query_round_trip():
    flt = parse_filters(parse_qs("status=priority,open&channel=email&trait=plan:pro&trait=vip"
                                 "&lang=DE&created_from=2026-11-01&q=refund  please&assignee=me"))
    assert flt.status == ("open", "priority") and flt.trait == (("plan", "pro"), ("vip", None))
    assert flt.lang == ("de",) and flt.q == "refund please" and flt.uses_me
    query = to_query(flt)
    assert parse_filters(parse_qs(query)) == flt and to_query(parse_filters(parse_qs(query))) == query
    assert to_query(parse_filters({"status": [""], "q": [""]})) == "" and not parse_filters({})


@pytest.mark.parametrize("query, reason", [
    ("status=closed", "Unknown status 'closed'"),
    ("channel=fax", "Unknown channel 'fax'"),
    ("assignee=bob", "assignee must be"),
    ("assignee=me&assignee=none", "Give one value for 'assignee'"),
    ("priority=maybe", "'priority' must be one of yes, no"),
    ("trait=pl an:pro", "Trait name 'pl an'"),
    ("trait=plan:", "needs a value"),
    ("lang=english!", "is not a language code"),
    ("created_from=yesterday", "created_from must be a date"),
])
def test_bad_input_says_what_is_wrong(query, reason):
    with pytest.raises(ValidationError, match=reason):
        parse_filters(parse_qs(query, keep_blank_values=True))


def test_each_filter_narrows(frozen):
    sara = make_user()
    pro_de = make_customer(traits={"plan": "pro", "seats": 5}, language="de")
    free = make_customer(traits={"plan": "free"}, language="en")
    bare = make_customer(traits={})
    a = make_ticket(customer=pro_de, subject="Refund for order", assignee_id=sara.id)
    b = make_ticket(customer=free, channel="chat", status="priority")
    c = make_ticket(customer=bare, status="resolved", body="Where is the invoice?",
                    now=frozen.start - timedelta(days=10))
    assert listed("trait=plan:PRO", sara.id) == {a.id}
    assert listed("trait=plan:*", sara.id) == {a.id, b.id}
    assert listed("trait=seats:5", sara.id) == {a.id}
    assert listed("lang=de", sara.id) == {a.id}
    assert listed("channel=chat", sara.id) == {b.id}
    assert listed("priority=yes", sara.id) == {b.id} and listed("priority=no", sara.id) == {a.id, c.id}
    assert listed("assignee=me", sara.id) == {a.id} and listed("assignee=none", sara.id) == {b.id, c.id}
    assert listed(f"assignee={sara.id}", sara.id) == {a.id}
    assert listed("status=resolved,priority", sara.id) == {b.id, c.id}
    day = (frozen.start - timedelta(days=10)).date().isoformat()
    assert listed(f"created_to={day}", sara.id) == {c.id}
    assert listed(f"updated_from={frozen.start.date().isoformat()}", sara.id) == {a.id, b.id}
    assert listed("q=invoice", sara.id) == {c.id} and listed("q=refund", sara.id) == {a.id}


def test_filters_compose_with_views(frozen):
    me = make_user()
    pro = make_customer(traits={"plan": "pro"})
    open_pro = make_ticket(customer=pro)
    make_ticket(customer=pro, status="resolved")
    make_ticket(customer=make_customer(traits={"plan": "free"}))
    assert listed("trait=plan:pro", me.id, view="open") == {open_pro.id}


def test_keyset_paging_under_a_filter(frozen):
    me = make_user()
    pro = make_customer(traits={"plan": "pro"})
    free = make_customer(traits={"plan": "free"})
    want = set()
    for i in range(7):
        want.add(make_ticket(customer=pro, now=frozen.start - timedelta(minutes=i)).id)
        make_ticket(customer=free, now=frozen.start - timedelta(minutes=i, seconds=30))
    where = filter_condition(parse_filters({"trait": ["plan:pro"]}), me.id)
    seen, cursor = [], None
    while True:
        page, cursor = inbox.list_tickets("open", me.id, frozen.start, cursor, limit=3, where=where)
        seen += [t.id for t in page]
        if not cursor:
            break
    assert len(seen) == 7 and set(seen) == want


def test_chips_remove_one_filter_each():
    flt = parse_filters(parse_qs("status=open&trait=plan:pro&trait=vip&q=hi"))
    chips = dict(describe(flt))
    assert chips["plan = pro"] == "status=open&trait=vip%3A%2A&q=hi"
    assert chips["Status: Open"] == "trait=plan%3Apro&trait=vip%3A%2A&q=hi"
