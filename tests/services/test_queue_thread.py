"""ThreadQueue.idle(): the embedded job thread can be waited for (tests empty the database
between cases; a job still writing would deadlock with that on PostgreSQL)."""
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
