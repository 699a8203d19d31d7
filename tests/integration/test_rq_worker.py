"""Jobs through real RQ: enqueued in Redis by this process, run by `flask halo worker --burst`.

The worker is a separate process on the test database (SQLite file or PostgreSQL) and the
test Redis, as in the scaled-out deployment; nothing runs until it does.
"""
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job

from halo import clock, queue
from halo.extensions import db
from halo.models import InboundEmail, Message, Ticket
from halo.queue import RQQueue
from halo.services.email import ingest as email_ingest
from halo.services.tickets import replies
from tests.email_support import Sink, attachment_dir, make_raw  # noqa: F401
from tests.factories import make_ticket, make_user

REDIS = os.environ.get("HALO_TEST_REDIS_URL")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class BurstWorker:
    """Runs `flask --app wsgi halo worker --burst` on the app's database and the test Redis."""

    def __init__(self, app):
        self.app, self.redis = app, Redis.from_url(REDIS)

    def work(self, **env):
        """Run every queued job; the worker exits when the queues are empty."""
        db.session.commit()  # the worker must see what the test wrote
        run = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "halo", "worker", "--burst"],
            cwd=ROOT, capture_output=True, text=True, timeout=90,
            env=dict(os.environ, DATABASE_URL=self.app.config["SQLALCHEMY_DATABASE_URI"],
                     REDIS_URL=REDIS, SECRET_KEY=self.app.config["SECRET_KEY"], **env))
        assert run.returncode == 0, run.stderr
        db.session.expire_all()

    def queued(self) -> int:
        """Jobs waiting in any of Halo's RQ queues."""
        return sum(q.count for q in Queue.all(connection=self.redis))

    def scheduled(self) -> list[str]:
        """Ids of the jobs RQ holds for later, in any queue."""
        return [i for q in Queue.all(connection=self.redis) for i in q.scheduled_job_registry.get_job_ids()]

    def job(self, job_id) -> Job:
        return Job.fetch(job_id, connection=self.redis)

    def status(self, job_id):
        """What RQ recorded for a job: finished, failed, scheduled..."""
        return self.job(job_id).get_status()


@pytest.fixture
def rq(app):
    """The app's queue is RQ on the test Redis, with a burst worker to run what it holds."""
    if not REDIS:
        pytest.skip("HALO_TEST_REDIS_URL is not set (needs a real Redis)")
    saved_queue, saved_url = app.extensions["halo_queue"], app.config["REDIS_URL"]
    app.config["REDIS_URL"] = REDIS
    backend = RQQueue(app)
    app.config["REDIS_URL"] = saved_url
    worker = BurstWorker(app)
    _forget_jobs(worker.redis)  # the two-process tests leave jobs no worker ran
    app.extensions["halo_queue"] = backend
    yield worker
    app.extensions["halo_queue"] = saved_queue
    _forget_jobs(worker.redis)


def _forget_jobs(redis):
    for key in redis.scan_iter("rq:*"):
        redis.delete(key)


def test_inbound_email_is_threaded_by_the_worker(rq, app, attachment_dir):
    inbound, new = email_ingest.receive_email(make_raw(subject="Where is order 77?"), "smtp")
    inbound_id = inbound.id
    assert new and rq.queued() == 1
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0  # stored, not yet processed
    rq.work(HALO_ATTACHMENT_DIR=str(attachment_dir))
    assert rq.queued() == 0 and rq.status(f"inbound-{inbound_id}") == "finished"
    inbound = db.session.get(InboundEmail, inbound_id)
    ticket = db.session.get(Ticket, inbound.ticket_id)
    assert inbound.state == "done" and ticket.subject == "Where is order 77?"
    [message] = db.session.scalars(db.select(Message).where(Message.ticket_id == ticket.id)).all()
    assert message.kind == "customer" and message.body_text == "Hi, my order has not arrived."


def test_an_email_reply_is_sent_by_the_worker_over_smtp(rq, app):
    sink = Sink()
    sink.up()
    try:
        ticket = make_ticket(body="Is it shipped?")
        reply = replies.post_reply(ticket.id, make_user().id, "It left the warehouse today.", "email")
        assert db.session.get(Message, reply.id).delivery == "queued" and sink.captured.envelopes == []
        rq.work(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port))
        assert sink.captured.wait_for(1)
    finally:
        sink.down()
    [mail] = sink.captured.messages()
    assert mail["To"].addresses[0].addr_spec == ticket.customer.email
    assert "It left the warehouse today." in mail.get_body(("plain",)).get_content()
    assert db.session.get(Message, reply.id).delivery == "sent"


def test_the_snooze_wake_up_runs_on_the_worker(rq, app):
    """The schedule's snooze job (halo/schedule.py puts it on the default lane every minute)."""
    ticket = make_ticket(status="snoozed", snoozed_until=clock.now() - timedelta(minutes=1))
    later = make_ticket(status="snoozed", snoozed_until=clock.now() + timedelta(days=1))
    queue.enqueue("halo.jobs.snooze.wake_due", job_id="schedule-snooze-wake", retry_intervals=())
    rq.work()
    assert rq.status("schedule-snooze-wake") == "finished"
    assert db.session.get(Ticket, ticket.id).status == "open"
    assert db.session.get(Ticket, later.id).status == "snoozed"
