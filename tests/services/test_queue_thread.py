"""ThreadQueue.idle() and clear(): the embedded job thread can be waited for and emptied
(tests empty the database between cases; a job still writing would deadlock with that on
PostgreSQL, and a retry left for later would run against the next test's rows)."""
import threading

from halo.queue import ThreadQueue

started, release, done = threading.Event(), threading.Event(), []


def blocking_job(n):
    started.set()
    release.wait(10)
    done.append(n)


def test_idle_waits_for_the_running_job_and_ignores_later_retries(app):
    queue = ThreadQueue(app)
    started.clear(), release.clear(), done.clear()
    queue.enqueue("tests.services.test_queue_thread.blocking_job", (1,))
    assert started.wait(10)
    assert queue.idle(timeout=0) is False  # running: not idle (no waiting with timeout 0)
    queue.enqueue("tests.services.test_queue_thread.blocking_job", (2,), delay=3600)
    release.set()
    assert queue.idle() is True and done == [1]  # the job an hour away does not count


def test_clear_drops_later_jobs_and_their_ids(app):
    queue = ThreadQueue(app)
    started.clear(), release.set(), done.clear()
    queue.enqueue("tests.services.test_queue_thread.blocking_job", (7,), job_id="same", delay=3600)
    queue.enqueue("tests.services.test_queue_thread.blocking_job", (8,), job_id="same")
    assert not started.is_set()  # refused as a duplicate of the job an hour away
    queue.clear()
    queue.enqueue("tests.services.test_queue_thread.blocking_job", (9,), job_id="same")
    assert started.wait(10) and queue.idle() and done == [9]
    assert not queue._lanes["default"].heap  # the hour-away job is gone, so it cannot run in a later test
