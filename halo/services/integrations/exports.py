"""CSV exports: the tickets of an inbox view with its filters, and (admins) the customers.

Rows are read in keyset batches of BATCH (the inbox's own query and order for tickets,
by id for customers) and written out as each batch is read, so an export of 100,000
tickets holds one batch in memory, never the file, and its first bytes leave before the
last row is read. Every batch is read from one snapshot of the database (_snapshot), so
the keyset pages of a list that changes meanwhile neither skip nor repeat a ticket. Each
export is an audit line, written before the first row.

The file is what spreadsheets open without asking: UTF-8 with a byte-order mark (Excel
reads a CSV without one in the machine's legacy code page; LibreOffice, Numbers and
Google Sheets take the mark as "UTF-8"), comma separated, CRLF line ends (RFC 4180).
A cell a spreadsheet would run as a formula (text starting with = + - @, a tab or a
carriage return) gets a leading apostrophe, as OWASP's CSV injection advice says. Times
are UTC, written "2026-11-24 09:30:00" so spreadsheets read them as dates.
"""
import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import and_, select

from halo.extensions import db
from halo.models import Customer, Inbox, Ticket
from halo.services import audit
from halo.services.access import roles
from halo.services.access import scope as access_scope
from halo.services.inbox import views
from halo.services.inbox.filters import Filter, filter_condition, to_query
from halo.services.tickets.tags import tags_of

BATCH = 1000
BOM = "\ufeff"
TICKET_COLUMNS = ("id", "subject", "status", "channel", "inbox", "customer_name", "customer_email",
                  "assignee", "tags", "created_at", "last_activity_at", "snoozed_until", "preview")
CUSTOMER_COLUMNS = ("id", "name", "email", "language", "created_at", "traits")
# OWASP's list. Not defusedcsv (3.0, the library for it): it leaves tab and carriage return
# alone and rewrites every "|" inside a defused cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str | int:
    """A value as a CSV cell: text a spreadsheet would run as a formula is defused."""
    kind = type(value)  # by type, most common first: called for every cell of 100,000 rows
    if kind is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if kind is datetime:
        return value.isoformat(" ", "seconds")
    if kind is int:
        return value
    if kind is bool:
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(header: Iterable[str], batches: Iterable[list[list]]) -> Iterator[str]:
    """The byte-order mark and header, then every batch of rows, as CSV text: one chunk each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(header)
    yield buffer.getvalue()
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([cell(v) for v in row] for row in rows)
        yield buffer.getvalue()


def _snapshot() -> None:
    """Read every batch from one snapshot of the database, so the file is one moment's
    picture: a ticket whose activity moves it up the list while the export runs is neither
    missed nor written twice. PostgreSQL: a REPEATABLE READ transaction. SQLite: Python's
    driver opens no transaction for reads (each SELECT is its own), so one is begun; WAL
    lets writers go on beside it."""
    session = db.session()
    if session.in_transaction():
        return  # reading in a caller's transaction, whose isolation is the caller's choice
    if session.get_bind().dialect.name == "postgresql":
        # Set on the connection for this transaction; SQLAlchemy puts it back on release.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def ticket_batches(view: str, flt: Filter, user_id: int, now: datetime, where=None) -> Iterator[list[list]]:
    """Lists of ticket rows (TICKET_COLUMNS): the view narrowed by the filter and where,
    newest activity first, read a keyset page at a time by the inbox's own query."""
    condition = filter_condition(flt, user_id)
    if where is not None:
        condition = and_(condition, where)
    _snapshot()
    cursor = None
    while True:
        page, cursor = views.list_tickets(view, user_id, now, cursor=cursor, limit=BATCH,
                                          where=condition)
        if not page:
            return
        ids = [row.id for row in page]
        extra = {r.id: r for r in db.session.execute(
            select(Ticket.id, Ticket.created_at, Inbox.name).outerjoin(Inbox, Inbox.id == Ticket.inbox_id)
            .where(Ticket.id.in_(ids)))}
        tags = tags_of(ids)
        yield [[row.id, row.subject, row.status, row.channel, extra[row.id].name, row.customer.name,
                row.customer.email, row.assignee.name if row.assignee else "", ", ".join(tags[row.id]),
                extra[row.id].created_at, row.last_activity_at, row.snoozed_until, row.preview]
               for row in page if row.id in extra]
        if cursor is None:
            return


def customer_batches() -> Iterator[list[list]]:
    """Lists of customer rows (CUSTOMER_COLUMNS) by id, read a keyset page at a time from
    one snapshot; traits as one JSON object (keys differ from customer to customer)."""
    _snapshot()
    after = 0
    while True:
        query = select(Customer.id, Customer.name, Customer.email, Customer.language,
                       Customer.created_at, Customer.traits).where(Customer.id > after)
        rows = db.session.execute(query.order_by(Customer.id).limit(BATCH)).all()
        if not rows:
            return
        yield [[r.id, r.name, r.email, r.language, r.created_at,
                json.dumps(r.traits, ensure_ascii=False, sort_keys=True) if r.traits else ""] for r in rows]
        after = rows[-1].id


def export_tickets(user_id: int, view: str, flt: Filter, now: datetime) -> Iterator[str]:
    """The tickets export of a teammate (only their inboxes' tickets), as chunks of CSV
    text; the audit line is written now, before the first row is read."""
    if view not in views.VIEWS:
        raise KeyError(view)
    # Stated, not left to the session hook: a streamed body is read after the request's
    # teardown has closed the access scope.
    where = access_scope.ticket_condition(user_id)
    audit.record(user_id, "export", "tickets", {"view": view, "filters": to_query(flt)}, now=now)
    return csv_chunks(TICKET_COLUMNS, ticket_batches(view, flt, user_id, now, where))


def export_customers(user_id: int | None, now: datetime) -> Iterator[str]:
    """Every customer, as chunks of CSV text: admins only, as a list of every customer's
    contact details is the workspace's to hand out, not each agent's."""
    roles.require(user_id, "admin")
    audit.record(user_id, "export", "customers", {}, now=now)
    return csv_chunks(CUSTOMER_COLUMNS, customer_batches())


def filename(what: str, now: datetime, view: str | None = None) -> str:
    """halo-tickets-open-2026-11-24.csv, halo-customers-2026-11-24.csv."""
    return f"halo-{what}{'-' + view if view else ''}-{now:%Y-%m-%d}.csv"
