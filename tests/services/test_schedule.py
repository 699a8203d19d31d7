"""The one schedule: every periodic job at its interval, one runner at a time through a lease
in the database, taken over when its holder dies; driven by tick(now), never by sleeping.
Across two app instances on a real Redis: tests/integration/test_schedule_redis.py."""
import threading
from datetime import timedelta

import pytest
from redis.exceptions import ConnectionError as RedisDown

from halo import schedule
from halo.extensions import db
from halo.models import InboundEmail, Ticket
from halo.queue import SyncQueue, ThreadQueue
from halo.schedule import LEASE_SECONDS, Periodic, Runner
from halo.services import lease
from halo.services.email import ingest as email_ingest
from halo.services.tickets import presence, snooze, status
from tests.email_support import attachment_dir, make_raw  # noqa: F401
from tests.factories import make_ticket

EVERY_JOB = [job.name for job in schedule.SCHEDULE]


class Recorder:
    """A queue that records what the schedule enqueued."""

    def __init__(self):
        self.jobs = []

    def enqueue(self, path, args, job_id=None, delay=0, retry_intervals=()):
        self.jobs.append((path, args, job_id))


class Down:
    """A queue whose server is unreachable (Redis down)."""

    def enqueue(self, *args, **kwargs):
        raise RedisDown("Connection refused")


@pytest.fixture
def recorder(app, monkeypatch):
    queue = Recorder()
    monkeypatch.setitem(app.extensions, "halo_queue", queue)
    return queue


def later(frozen, seconds):
    return frozen(frozen.start + timedelta(seconds=seconds))


def test_one_runner_works_at_a_time_and_a_dead_ones_lease_passes_on(app, frozen, recorder):
    a, b = Runner(app, holder="host-a"), Runner(app, holder="host-b")
    assert a.tick(frozen.start) == EVERY_JOB
    assert b.tick(frozen.start) == []
    assert a.tick(later(frozen, 5)) == []  # renewed; nothing due yet
    assert b.tick(later(frozen, 5 + LEASE_SECONDS - 1)) == []  # a's renewal still holds
    # a's process died after its tick at 5 s: its lease lapses LEASE_SECONDS later.
    assert b.tick(later(frozen, 5 + LEASE_SECONDS)) == EVERY_JOB
    assert lease.holder_of(schedule.LEASE, later(frozen, 5 + LEASE_SECONDS)) == "host-b"
    assert a.tick(later(frozen, 40)) == []  # back from the dead: b holds it now
    assert [job_id for _, _, job_id in recorder.jobs] == [f"schedule-{name}" for name in EVERY_JOB] * 2


def test_a_runner_that_stops_hands_over_at_once(app, frozen, recorder):
    a, b = Runner(app, holder="host-a"), Runner(app, holder="host-b")
    a.tick(frozen.start)
    a.stop()  # a clean shutdown (gunicorn's worker_exit, the worker's exit)
    assert b.tick(frozen.start) == EVERY_JOB


def test_each_job_comes_back_at_its_interval(app, frozen, recorder, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_IMAP_POLL_SECONDS", 30)
    runner = Runner(app, holder="host-a")
    for second in range(0, 121, schedule.TICK_SECONDS):
        runner.tick(later(frozen, second))
    runs = {name: sum(1 for path, _, _ in recorder.jobs if path == job.job)
            for name, job in ((job.name, job) for job in schedule.SCHEDULE)}
    # Ticks at 0, 5, ..., 120 s: a 60 s job runs at 0, 60, 120; a 30 s one five times.
    assert runs == {"snooze-wake": 3, "send-due": 3, "csat-due": 3, "imap-poll": 5, "inbound-requeue": 3,
                    "presence-expiry": 9, "sla-check": 3, "webhook-sweep": 5, "integrations-prune": 1,
                    "notify-mail": 3, "notify-digest": 1}


def test_a_job_still_running_is_not_queued_again(app, frozen, monkeypatch):
    queue = ThreadQueue(app)
    monkeypatch.setitem(app.extensions, "halo_queue", queue)
    started.clear(), release.clear(), runs.clear()
    runner = Runner(app, (Periodic("slow", "tests.services.test_schedule.slow_job", 10),), holder="host-a")
    try:
        assert runner.tick(frozen.start) == ["slow"]
        assert started.wait(10)
        assert runner.tick(later(frozen, 10)) == ["slow"]  # its time came again, but it still runs
        assert runner.tick(later(frozen, 20)) == ["slow"]
    finally:
        release.set()
        assert queue.idle()
    assert runs == [1]  # one run, not three piled up behind it


started, release, runs = threading.Event(), threading.Event(), []


def slow_job():
    started.set()
    release.wait(10)
    runs.append(1)


def test_a_tick_while_the_queue_is_down_tries_again_next_tick(app, frozen, monkeypatch):
    runner = Runner(app, holder="host-a")
    monkeypatch.setitem(app.extensions, "halo_queue", Down())
    assert runner.tick(frozen.start) == []
    monkeypatch.setitem(app.extensions, "halo_queue", Recorder())
    assert runner.tick(later(frozen, 5)) == EVERY_JOB  # not a minute later: at the next tick


def test_mail_stored_while_redis_was_down_is_processed_once_it_is_back(app, frozen, attachment_dir,
                                                                       monkeypatch):
    monkeypatch.setitem(app.extensions, "halo_queue", Down())
    with pytest.raises(RedisDown):  # the SMTP receiver answers 451; the message is stored
        email_ingest.store_email(make_raw(message_id="<down@customer.test>"), "smtp")
    inbound = db.session.scalar(db.select(InboundEmail))
    assert inbound.state == "pending"
    monkeypatch.setitem(app.extensions, "halo_queue", SyncQueue(app))  # Redis is back; nobody types anything
    runner = Runner(app, holder="host-a")
    runner.tick(later(frozen, 60))
    db.session.expire_all()
    assert inbound.state == "pending"  # too fresh: its own job may still be on the way
    runner.tick(later(frozen, schedule.REQUEUE_AFTER + 60))
    db.session.expire_all()
    assert inbound.state == "done" and inbound.ticket_id


def test_one_pass_wakes_every_due_snooze_in_batches(app, frozen, monkeypatch):
    monkeypatch.setattr(snooze, "WAKE_BATCH", 2)
    due = [make_ticket() for _ in range(5)]
    for ticket in due:
        status.change_status(ticket.id, "snoozed", None, until=frozen.start + timedelta(hours=1))
    not_yet = make_ticket()
    status.change_status(not_yet.id, "snoozed", None, until=frozen.start + timedelta(hours=3))
    monkeypatch.setitem(app.extensions, "halo_queue", SyncQueue(app))
    Runner(app, holder="host-a").tick(later(frozen, 2 * 3600))
    db.session.expire_all()
    assert [db.session.get(Ticket, t.id).status for t in due] == ["open"] * 5
    assert db.session.get(Ticket, not_yet.id).status == "snoozed"


def test_the_presence_expiry_job_drops_a_viewer_whose_process_died(app, frozen, monkeypatch):
    monkeypatch.setitem(app.extensions, "halo_presence", presence.MemoryStore())
    presence.heartbeat(7, 1, "Ben", "ben-page", "viewing")
    monkeypatch.setitem(app.extensions, "halo_queue", SyncQueue(app))
    Runner(app, holder="host-a").tick(later(frozen, presence.TTL))
    assert presence.viewers(7) == {}
