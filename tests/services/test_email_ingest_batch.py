"""Inbound email processed in batches (the embedded worker's backlog), and the queue's batching."""
import time

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from halo.extensions import db
from halo.models import InboundEmail, Message, Ticket
from halo.queue import BATCHES, ThreadQueue
from halo.services.access import inboxes
from halo.services.email import ingest as email_ingest
from tests.email_support import attachment_dir, make_raw  # noqa: F401
from tests.factories import make_user

JOB = email_ingest.JOB


class Recorder:
    """A queue that only records: stored messages wait, as they do behind a busy worker."""

    def __init__(self):
        self.jobs = []

    def enqueue(self, path, args, job_id=None, delay=0, retry_intervals=()):
        self.jobs.append((path, args))


@pytest.fixture
def held_queue(app):
    old = app.extensions["halo_queue"]
    app.extensions["halo_queue"] = queue = Recorder()
    yield queue
    app.extensions["halo_queue"] = old


def store(raw):
    inbound_id, created = email_ingest.store_email(raw, "smtp")
    assert created
    return inbound_id


def test_a_batch_threads_a_reply_onto_a_message_of_the_same_batch(held_queue, attachment_dir):
    first = store(make_raw(message_id="<b1@customer.test>"))
    reply = store(make_raw(message_id="<b2@customer.test>", in_reply_to="<b1@customer.test>",
                           subject="Re: Order 1234 is late"))
    other = store(make_raw(sender="dan@else.test", message_id="<b3@else.test>", subject="Invoice"))
    assert [args for _, args in held_queue.jobs] == [(first,), (reply,), (other,)]
    email_ingest.process_inbound_batch([first, reply, other])
    rows = {r.id: r for r in db.session.scalars(db.select(InboundEmail))}
    assert [rows[i].state for i in (first, reply, other)] == ["done", "done", "done"]
    assert [rows[i].outcome for i in (first, reply, other)] == ["ticket", "reply", "ticket"]
    assert rows[first].ticket_id == rows[reply].ticket_id != rows[other].ticket_id
    reasons = db.session.scalars(db.select(Message.thread_reason).where(
        Message.kind == "customer").order_by(Message.id)).all()
    assert reasons == ["new", "headers", "new"]
    email_ingest.process_inbound_batch([first, reply, other])  # a replayed batch changes nothing
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.kind == "customer")) == 3


def test_a_bad_message_fails_alone_and_the_rest_of_its_batch_is_processed(held_queue, attachment_dir):
    good = store(make_raw(message_id="<g1@customer.test>"))
    bad = store(b"\x00garbage")
    later = store(make_raw(sender="dan@else.test", message_id="<g2@else.test>"))
    email_ingest.process_inbound_batch([good, bad, later])
    rows = {r.id: r for r in db.session.scalars(db.select(InboundEmail))}
    assert rows[good].state == rows[later].state == "done"
    assert rows[bad].state == "failed" and rows[bad].error and rows[bad].raw.startswith(b"\x00")
    assert [e.id for e in email_ingest.failed_emails()] == [bad]


@pytest.fixture
def statements():
    """Every SQL statement run and every flush (its count) while the test runs."""
    seen = {"sql": [], "flushes": 0}

    def on_execute(conn, cursor, statement, *args):
        seen["sql"].append(" ".join(statement.split()).lower())

    def on_flush(*args):
        seen["flushes"] += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(Session, "after_flush", on_flush)
    yield seen
    event.remove(engine, "before_cursor_execute", on_execute)
    event.remove(Session, "after_flush", on_flush)


def test_new_tickets_of_a_batch_find_their_inbox_without_a_query_each_or_a_flush_between(
        held_queue, attachment_dir, statements):
    """Routing a new email ticket to its inbox is one statement (an inbox's address or a
    mailbox's user name), the default inbox is read once per batch, and nothing is flushed
    between a mail's lookups: a flush runs the counters', stamps' and webhooks' hooks."""
    default = inboxes.default_inbox_id()  # "Support", the oldest
    admin_inbox = inboxes.save_inbox(make_user(role="admin").id, None, name="Billing",
                                     addresses="billing@acme.test")
    ids = [store(make_raw(sender=f"c{i}@customer.test", message_id=f"<n{i}@customer.test>",
                          to="billing@acme.test" if i % 2 else "support@acme.test", subject=f"Case {i}"))
           for i in range(6)]
    statements["sql"].clear()
    statements["flushes"] = 0
    email_ingest.process_inbound_batch(ids)
    tickets = db.session.scalars(db.select(Ticket).order_by(Ticket.id)).all()
    assert [t.inbox_id for t in tickets] == [default, admin_inbox.id] * 3
    sql = statements["sql"]
    lookups = [q for q in sql if "from inbox_address" in q or "from mailbox" in q]
    assert len(lookups) == 6 and all("from inbox_address" in q and "from mailbox" in q for q in lookups)
    assert sum(q.startswith("select min(inbox.id)") for q in sql) == 1  # the default: once a batch
    # Per mail: the previous mail's rows (at its first lookup) and the new ticket's (start_ticket
    # flushes it for its id), then the batch's change stamps; no flush of a lone customer
    # before its ticket (it was three a mail).
    assert statements["flushes"] <= 2 * len(ids) + 1


def test_store_dedupes_by_message_id_in_one_statement(held_queue, attachment_dir):
    raw = make_raw(message_id="<d1@customer.test>")
    first, created = email_ingest.store_email(raw, "smtp")
    again, created_again = email_ingest.store_email(b"Received: by relay.test\n" + raw, "webhook")
    assert created and not created_again and first == again and len(held_queue.jobs) == 1
    other, created_other = email_ingest.store_email(raw.replace(b"Hi,", b"Hello,"), "webhook")
    assert created_other and other != first  # another mail reusing the Message-ID


def test_the_thread_queue_batches_due_first_attempts_of_one_path(app):
    queue = ThreadQueue(app)
    now = time.monotonic() - 1
    for i in range(3):
        with queue._cv:
            queue._push(now, (JOB, (i,), f"inbound-{i}", (10,), 0))
    with queue._cv:
        queue._push(now, ("halo.jobs.email.requeue_inbound", (9,), None, (10,), 0))
    with queue._cv:
        queue._push(now, (JOB, (7,), "inbound-7", (10,), 0))
    import heapq
    heap = queue._lanes["ingest"].heap
    first = heapq.heappop(heap)[2]
    batch = queue._take_batch(first)
    # Another path's job in the lane does not split the batch; it keeps its place for the next turn.
    assert [job[1] for job in batch] == [(0,), (1,), (2,), (7,)]
    assert [item[2][1] for item in heap] == [(9,)]
    assert JOB in BATCHES
    retry = (JOB, (5,), None, (10,), 1)
    assert queue._take_batch(retry) == [retry]  # a retry runs on its own


def test_a_failing_batch_is_retried_job_by_job(app, monkeypatch):
    queue = ThreadQueue(app)
    monkeypatch.setitem(BATCHES, JOB, ("tests.services.test_email_ingest_batch.explode", 50))
    batch = [(JOB, (i,), f"inbound-{i}", (10,), 0) for i in range(2)]
    queue._pending.update({"inbound-0", "inbound-1"})
    queue._run_batch(batch)
    assert sorted(job for _, _, job in queue._lanes["ingest"].heap) == [(JOB, (0,), "inbound-0", (10,), 1),
                                                       (JOB, (1,), "inbound-1", (10,), 1)]
    assert queue._pending == {"inbound-0", "inbound-1"}  # still owed


def explode(ids):
    raise RuntimeError("batch failed")
