"""Background jobs: RQ on Redis when REDIS_URL is set, an in-process worker otherwise.

Jobs are named by dotted path ("halo.jobs.email.send_email") and take ids, never ORM
objects. Every job runs in a lane (LANES) so that one slow party, an AI provider that
answers after a minute or a mail server that hangs, stalls only the jobs waiting on it:
each lane is a named RQ queue ("halo-ai") or, in-process, a worker thread of its own.
Both backends retry a failing job with the same backoff, and both run it inside an app
context. HALO_QUEUE="sync" (tests) runs a job at once, in the caller. redis and rq (~10 MB
in every process) load only when the RQ backend is configured.
"""
import heapq
import importlib
import itertools
import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue

log = logging.getLogger(__name__)

DEFAULT_RETRY_INTERVALS = (10, 30, 120, 600, 1800)
# The lane of a job: its dotted path, else its module, else "default". Jobs that wait on
# the same outside party share a lane. Quick housekeeping (snooze wake-up, presence
# expiry) and translation (a local model, bounded by the message's size) run in "default".
LANES = {
    "halo.jobs.email.process_inbound": "ingest",
    "halo.jobs.email.process_inbound_batch": "ingest",
    "halo.jobs.email.requeue_inbound": "ingest",
    "halo.jobs.email": "mail",  # the rest talks to mail servers: sends, IMAP polls, the retry sweep
    "halo.jobs.ai": "ai",
    "halo.jobs.notifications": "mail",  # mails teammates: waits on the mail server like a send
    "halo.jobs.webhooks": "webhooks",  # to come: a customer's slow endpoint waits alone
}
# Every lane; an RQ worker listening to several takes jobs from the first non-empty one.
LANE_NAMES = ("ingest", "mail", "default", "webhooks", "ai")
# Jobs of one argument the in-process worker may run several at a time when a backlog is
# due: path -> (path of a job taking the list of those arguments, most per batch). The
# batch job must isolate each item's failure itself; if it raises, every job of the batch
# is retried on its own. RQ runs jobs one by one (its workers are separate processes).
BATCHES = {"halo.jobs.email.process_inbound": ("halo.jobs.email.process_inbound_batch", 50)}
# A batchable job waits this long before it runs, and takes along those due within as long
# after it: under load the worker runs a few large batches instead of many single jobs that
# each pay for a transaction and fight the SMTP receiver for the GIL and the write lock.
BATCH_LINGER = 0.05


def lane_of(path: str) -> str:
    """The lane a job runs in, from the LANES table."""
    return LANES.get(path) or LANES.get(path.rpartition(".")[0]) or "default"


def queue_name(lane: str) -> str:
    """The RQ queue of a lane: halo-ingest, halo-mail, halo-default, halo-webhooks, halo-ai."""
    return f"halo-{lane}"


def resolve(path: str):
    """Import a job function from its dotted path."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def enqueue(path: str, *args, job_id: str | None = None, delay: float = 0,
            retry_intervals: tuple[int, ...] = DEFAULT_RETRY_INTERVALS) -> None:
    """Run path(*args) in the background; job_id makes a second enqueue of the same job a no-op."""
    backend = current_app.extensions["halo_queue"]
    backend.enqueue(path, args, job_id=job_id, delay=delay, retry_intervals=retry_intervals)


def stats() -> dict:
    """Per lane: jobs due and waiting (depth), how long the oldest has waited, jobs failed for good."""
    return current_app.extensions["halo_queue"].stats()


class SyncQueue:
    """Runs each job immediately in the caller (tests of code around a job)."""

    def __init__(self, app: Flask):
        self.app = app
        self.ran: list[tuple[str, tuple]] = []

    def enqueue(self, path, args, job_id=None, delay=0, retry_intervals=()):
        self.ran.append((path, args))
        resolve(path)(*args)

    def stats(self) -> dict:
        return {}


class _Lane:
    """One lane of the in-process queue: its jobs ordered by due time, and its thread."""

    def __init__(self, name: str, lock: threading.Lock):
        self.name = name
        self.heap: list = []
        self.ready = threading.Condition(lock)  # the lane's thread waits here for a due job
        self.thread: threading.Thread | None = None
        self.running = False


class ThreadQueue:
    """A worker thread per lane, each with a time-ordered heap: the embedded default, no server needed."""

    def __init__(self, app: Flask):
        self.app = app
        lock = threading.Lock()  # one lock for every lane: idle() and job ids span them all
        self._cv = threading.Condition(lock)  # idle() waits here
        self._lanes = {name: _Lane(name, lock) for name in LANE_NAMES}
        self._pending: set[str] = set()
        self._seq = itertools.count()
        self._failed = dict.fromkeys(LANE_NAMES, 0)  # jobs that ran out of retries, since start

    def enqueue(self, path, args, job_id=None, delay=0, retry_intervals=DEFAULT_RETRY_INTERVALS):
        with self._cv:
            if job_id and job_id in self._pending:
                return
            if job_id:
                self._pending.add(job_id)
            if path in BATCHES:
                delay = max(delay, BATCH_LINGER)
            lane = self._push(time.monotonic() + delay, (path, args, job_id, tuple(retry_intervals), 0))
            self._ensure_thread(lane)

    def _push(self, when, job) -> _Lane:
        lane = self._lanes[lane_of(job[0])]
        heapq.heappush(lane.heap, (when, next(self._seq), job))
        lane.ready.notify()
        self._cv.notify_all()  # anyone waiting in idle()
        return lane

    def _busy(self, lanes) -> bool:
        horizon = time.monotonic() + BATCH_LINGER  # a job lingering for its batch is as good as due
        return any(lane.running or (lane.heap and lane.heap[0][0] <= horizon)
                   for name, lane in self._lanes.items() if lanes is None or name in lanes)

    def stats(self) -> dict:
        now = time.monotonic()
        with self._cv:
            return {name: {"depth": sum(1 for when, _, _ in lane.heap if when <= now),
                           "oldest_seconds": round(now - lane.heap[0][0], 1)
                           if lane.heap and lane.heap[0][0] <= now else 0.0,
                           "failed": self._failed[name]}
                    for name, lane in self._lanes.items()}

    def idle(self, timeout: float = 10.0, lanes=None) -> bool:
        """Wait until no job is running or due in any lane, or in those named (later retries do
        not count); False if the timeout passed first. Tests call it before emptying the database."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while self._busy(lanes):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(left)
        return True

    def clear(self) -> None:
        """Forget every job not yet running, and the ids kept to refuse their duplicates.
        Tests call it after idle(): a retry left from one test must not run in the next,
        against rows that reuse its ids."""
        with self._cv:
            for lane in self._lanes.values():
                lane.heap.clear()
            self._pending.clear()

    def _ensure_thread(self, lane: _Lane):
        if lane.thread is None or not lane.thread.is_alive():
            lane.thread = threading.Thread(target=self._loop, args=(lane,), name=f"halo-jobs-{lane.name}",
                                           daemon=True)
            lane.thread.start()

    def _loop(self, lane: _Lane):
        while True:
            with self._cv:
                while not lane.heap or lane.heap[0][0] > time.monotonic():
                    lane.ready.wait(None if not lane.heap else lane.heap[0][0] - time.monotonic())
                _, _, job = heapq.heappop(lane.heap)
                batch = self._take_batch(job)
                lane.running = True
            try:
                if len(batch) > 1:
                    self._run_batch(batch)
                else:
                    self._run(job)
            finally:
                with self._cv:
                    lane.running = False
                    self._cv.notify_all()

    def _take_batch(self, job) -> list:
        """job plus the first-attempt jobs of the same batchable path due within BATCH_LINGER."""
        path, _, _, _, attempt = job
        if path not in BATCHES or attempt:
            return [job]
        heap = self._lanes[lane_of(path)].heap
        batch, limit, horizon = [job], BATCHES[path][1], time.monotonic() + BATCH_LINGER
        others = []  # other jobs due meanwhile keep their place, but do not split the batch
        while len(batch) < limit and heap and heap[0][0] <= horizon:
            item = heapq.heappop(heap)
            if item[2][0] == path and not item[2][4]:
                batch.append(item[2])
            else:
                others.append(item)
        for item in others:
            heapq.heappush(heap, item)
        return batch

    def _run_batch(self, batch):
        try:
            with self.app.app_context():
                resolve(BATCHES[batch[0][0]][0])([args[0] for _, args, _, _, _ in batch])
        except Exception:
            log.exception("batch of %d %s jobs failed; retrying each on its own", len(batch), batch[0][0])
            with self._cv:
                for path, args, job_id, intervals, _ in batch:
                    self._push(time.monotonic(), (path, args, job_id, intervals, 1))
            return
        with self._cv:
            for _, _, job_id, _, _ in batch:
                if job_id:
                    self._pending.discard(job_id)

    def _run(self, job):
        path, args, job_id, intervals, attempt = job
        try:
            with self.app.app_context():
                resolve(path)(*args)
        except Exception:
            log.exception("job %s%r failed (attempt %d)", path, args, attempt + 1)
            if attempt < len(intervals):
                with self._cv:
                    self._push(time.monotonic() + intervals[attempt],
                               (path, args, job_id, intervals, attempt + 1))
                return
            with self._cv:
                self._failed[lane_of(path)] += 1
        if job_id:
            with self._cv:
                self._pending.discard(job_id)

    def drain(self, timeout: float = 10) -> bool:
        """Wait until no job is due now or lingering for a batch (benchmarks and demos)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._cv:
                horizon = time.monotonic() + BATCH_LINGER
                if not any(when <= horizon for lane in self._lanes.values() for when, _, _ in lane.heap):
                    return True
            time.sleep(0.01)
        return False


class RQQueue:
    """RQ on Redis: jobs survive a restart and any number of `halo worker` processes run them."""

    def __init__(self, app: Flask):
        from redis import Redis
        self.app = app
        self.redis = Redis.from_url(app.config["REDIS_URL"])
        self.queues = rq_queues(self.redis)

    def enqueue(self, path, args, job_id=None, delay=0, retry_intervals=DEFAULT_RETRY_INTERVALS):
        from rq import Retry
        queue = self.queues[lane_of(path)]
        retry = Retry(max=len(retry_intervals), interval=list(retry_intervals)) if retry_intervals else None
        if job_id:
            existing = queue.fetch_job(job_id)
            if existing is not None and existing.get_status(refresh=True) in ("queued", "scheduled", "started", "deferred"):
                return
        kwargs = {"job_id": job_id, "retry": retry, "result_ttl": 3600, "failure_ttl": 7 * 86400}
        if delay:
            queue.enqueue_in(timedelta(seconds=delay), path, *args, **kwargs)
        else:
            queue.enqueue(path, *args, **kwargs)


    def stats(self) -> dict:
        out = {}
        for lane, q in self.queues.items():
            ids = q.get_job_ids(0, 0)
            job = q.fetch_job(ids[0]) if ids else None
            oldest = 0.0
            if job is not None and job.enqueued_at is not None:
                enqueued = job.enqueued_at
                if enqueued.tzinfo is None:  # RQ keeps UTC, naive in some versions
                    enqueued = enqueued.replace(tzinfo=timezone.utc)
                oldest = round(max(0.0, (datetime.now(timezone.utc) - enqueued).total_seconds()), 1)
            out[lane] = {"depth": q.count, "oldest_seconds": oldest, "failed": q.failed_job_registry.count}
        return out


def rq_queues(connection: "Redis", lanes=LANE_NAMES) -> dict[str, "Queue"]:
    """The RQ queue of each lane, in the order a worker should take their jobs."""
    from rq import Queue
    return {lane: Queue(queue_name(lane), connection=connection) for lane in lanes}


def init_queue(app: Flask) -> None:
    """Pick the backend from configuration."""
    kind = app.config.get("HALO_QUEUE") or ("rq" if app.config.get("REDIS_URL") else "thread")
    backend = {"sync": SyncQueue, "thread": ThreadQueue, "rq": RQQueue}[kind]
    app.extensions["halo_queue"] = backend(app)
