"""Every periodic job and its interval, in one list; one runner at a time, across hosts.

A runner ticks every TICK_SECONDS: it takes or renews the "schedule" lease in the
database (halo/services/lease.py) and, while it holds it, enqueues each job whose time
has come onto the job queue, in the job's lane. Enqueued, not run in the ticking thread:
a slow IMAP server or a long snooze backlog then delays only its own lane, never the
other periodic jobs or the lease renewal (a runner busy past the lease's end would let
a second runner start); and each job gets the queue's app context, logging and, with
RQ, any worker. A job still queued or running is not enqueued again (its job id is
fixed), so a job slower than its interval never piles up.

Where it runs: `flask halo worker` when jobs run on RQ (scaled out), else one thread of
the serving process (`halo serve`, started from gunicorn's post_worker_init). Every such
process starts a runner; the lease lets one of them work, and when that one dies its
lease lapses after LEASE_SECONDS and another takes over. Times come from halo.clock, so
tests drive a runner with tick(now) and never sleep.
"""
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask

from halo import clock, queue
from halo.extensions import db
from halo.services import lease

log = logging.getLogger(__name__)

TICK_SECONDS = 5
LEASE = "schedule"
LEASE_SECONDS = 30  # six missed renewals; how long a dead runner's jobs wait for a successor
REQUEUE_AFTER = 180  # an inbound email still unprocessed after this long is queued again


@dataclass(frozen=True)
class Periodic:
    """A job enqueued every `every` seconds (a number, or the config key that holds it)."""
    name: str
    job: str
    every: int | str
    args: tuple = ()


SCHEDULE = (
    Periodic("snooze-wake", "halo.jobs.snooze.wake_due", 60),
    Periodic("send-due", "halo.jobs.email.send_due", 60),
    Periodic("csat-due", "halo.jobs.email.send_due_surveys", 60),  # delayed or retried survey emails
    Periodic("imap-poll", "halo.jobs.email.poll_mailboxes", "HALO_IMAP_POLL_SECONDS"),
    # Mail stored while the queue was unreachable (Redis down) or forgotten by a restart
    # (the in-process queue) is processed once it has waited REQUEUE_AFTER, unattended.
    Periodic("inbound-requeue", "halo.jobs.email.requeue_inbound", 60, args=(REQUEUE_AFTER,)),
    Periodic("presence-expiry", "halo.jobs.presence.expire", 15),
    # SLA clocks: recompute the tickets whose thread moved, record breaches (no policy: one query).
    Periodic("sla-check", "halo.jobs.sla.check", 60),
    # Webhook retries whose time has come, and deliveries a restart forgot.
    Periodic("webhook-sweep", "halo.jobs.webhooks.sweep", 30),
    Periodic("integrations-prune", "halo.jobs.integrations.prune", 3600),
    # Notifications by email: each one after a short delay, and the morning digests.
    Periodic("notify-mail", "halo.jobs.notifications.send_due", 60),
    Periodic("notify-digest", "halo.jobs.notifications.send_digests", 900),
)


class Runner:
    """Runs the schedule while it holds the lease: tick(now) is one turn, start() a thread of turns."""

    def __init__(self, app: Flask, schedule: tuple[Periodic, ...] = SCHEDULE, holder: str | None = None):
        self.app = app
        self.schedule = schedule
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.next_due: dict[str, datetime] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: datetime) -> list[str]:
        """Take or renew the lease, then enqueue every job due at now; returns their names."""
        if not lease.acquire(LEASE, self.holder, now, timedelta(seconds=LEASE_SECONDS)):
            # Another runner works; should this one take over later, it starts every job
            # afresh (they are all safe to run early: each looks for what is due).
            self.next_due.clear()
            return []
        enqueued = []
        for job in self.schedule:
            if self.next_due.get(job.name, now) > now:
                continue
            try:
                queue.enqueue(job.job, *job.args, job_id=f"schedule-{job.name}", retry_intervals=())
            except Exception as exc:  # e.g. Redis is down: try again next tick, keep the others going
                log.warning("schedule could not enqueue %s: %s", job.name, exc)
                continue
            self.next_due[job.name] = now + timedelta(seconds=self.interval(job))
            enqueued.append(job.name)
        return enqueued

    def interval(self, job: Periodic) -> int:
        """The job's interval in seconds, read from the configuration when it names a key."""
        return int(self.app.config[job.every]) if isinstance(job.every, str) else job.every

    def start(self) -> "Runner":
        """Tick in a daemon thread until stop()."""
        self._thread = threading.Thread(target=self._run, name="halo-schedule", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        """Stop ticking and give the lease up, so another runner need not wait for it to lapse."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self.app.app_context():
            try:
                lease.release(LEASE, self.holder, clock.now())
            except Exception:  # it lapses by itself LEASE_SECONDS after the last renewal
                log.exception("could not give the schedule's lease up")
            finally:
                db.session.remove()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.app.app_context():
                try:
                    self.tick(clock.now())
                except Exception:  # the database is away: the next tick tries again
                    log.exception("schedule tick failed")
                    db.session.rollback()
                finally:
                    db.session.remove()
            self._stop.wait(TICK_SECONDS)


def start_embedded(app: Flask) -> Runner | None:
    """The serving process runs the schedule when jobs run in-process (no REDIS_URL)."""
    if not isinstance(app.extensions.get("halo_queue"), queue.ThreadQueue):
        return None  # scaled out: `flask halo worker` runs it
    return Runner(app).start()
