"""Email throughput on the embedded default (SQLite file, in-process job thread).

Inbound: emails per second sent with smtplib to Halo's SMTP receiver until every one is a
stored, threaded message; reference: the same client against a bare aiosmtpd sink.
Outbound: agent email replies per second delivered to a local aiosmtpd sink through
Halo's send path; reference: bare smtplib sends of the same bytes to the same sink.

Each reference is a burst of a fraction of a second, so it is taken --repeats times around
Halo's run and the median reported (its spread printed beside it): one burst swings 3x on a
shared machine. Beside the wall-clock rates, CPU milliseconds per message (the process's
CPU time over the phase, every thread: client, server, job thread) and the CPU ratio
(reference CPU per message / Halo's) hold still under load that moves the rates; and
inbound_job_cpu_ms, the job thread's own CPU per message (parse, route, write), has no
client or SMTP server in it.

    .venv/bin/python bench/email_bench.py --inbound 1000 --outbound 300
"""
import argparse
import os
import smtplib
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from aiosmtpd.controller import Controller  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from halo import create_app  # noqa: E402
from halo.extensions import db  # noqa: E402
from halo.models import InboundEmail, Message  # noqa: E402
from tests.email_support import Captured, free_port, make_raw  # noqa: E402


def _app(tmp):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "bench",
                      "HALO_ATTACHMENT_DIR": f"{tmp}/att", "HALO_QUEUE": "thread"})
    with app.app_context():
        upgrade()
    return app


def _emails(n):
    # One in three answers the previous one, so threading by headers is exercised too.
    out = []
    for i in range(n):
        parent = f"<b{i - 1}@customer.test>" if i % 3 else None
        out.append(make_raw(sender=f"c{i // 3}@customer.test", message_id=f"<b{i}@customer.test>",
                            in_reply_to=parent, subject=f"Bench {i // 3}", body=f"Message {i}\n" * 5))
    return out


def _blast(port, emails):
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for raw in emails:
            smtp.sendmail("c@customer.test", ["support@acme.test"], raw)


def _timed(fn, n):
    """(messages per second, CPU ms per message) of one run of fn."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return n / (time.perf_counter() - t0), (time.process_time() - c0) * 1000 / n


def _thread_cpu(name):
    """CPU seconds a live thread of this process has used (Linux: its own CPU clock)."""
    thread = next(t for t in threading.enumerate() if t.name == name)
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))


def _reference(fn, n, repeats):
    """`repeats` runs of fn: (rate, CPU ms per message) each."""
    return [_timed(fn, n) for _ in range(repeats)]


def _summary(name, runs, rate, cpu_ms):
    """Halo's figures beside the median of the reference's runs (taken before and after)."""
    rates, cpus = [r for r, _ in runs], [c for _, c in runs]
    ref, ref_cpu = statistics.median(rates), statistics.median(cpus)
    return {f"{name}_per_s": rate, f"{name}_reference_per_s": ref,
            f"{name}_reference_spread": (min(rates), max(rates)), f"{name}_ratio": rate / ref,
            f"{name}_cpu_ms": cpu_ms, f"{name}_reference_cpu_ms": ref_cpu, f"{name}_cpu_ratio": ref_cpu / cpu_ms}


def bench_inbound(app, n, repeats=5):
    from halo.smtp_receiver import make_controller
    emails = _emails(n)
    sink = Controller(Captured(), hostname="127.0.0.1", port=free_port())
    sink.start()
    runs = _reference(lambda: _blast(sink.port, emails), n, repeats)
    receiver = make_controller(app, "127.0.0.1", free_port())
    receiver.start()
    queue = app.extensions["halo_queue"]
    c0, t0 = time.process_time(), time.perf_counter()
    _blast(receiver.port, emails)
    accepted = time.perf_counter() - t0
    with app.app_context():
        # Every mail is stored and its job queued before its 250 reply: wait for the queue
        # (no polling query competing with the job thread), then check.
        while True:
            queue.idle(timeout=60)
            done = db.session.scalar(db.select(db.func.count(InboundEmail.id)).where(
                InboundEmail.state == "done"))
            db.session.rollback()
            if done >= n:
                break
            time.sleep(0.01)
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
        job_cpu = _thread_cpu("halo-jobs-ingest")  # made at the first mail: all of its CPU is theirs
        messages = db.session.scalar(db.select(db.func.count(Message.id)).where(Message.kind == "customer"))
    receiver.stop()
    runs += _reference(lambda: _blast(sink.port, emails), n, repeats)
    sink.stop()
    assert messages == n, messages
    out = _summary("inbound", runs, n / total, cpu * 1000 / n)
    out["inbound_accept_per_s"] = n / accepted
    out["inbound_job_cpu_ms"] = job_cpu * 1000 / n
    return out


def bench_outbound(app, n, repeats=5):
    from halo.models import Ticket
    from halo.queue import SyncQueue
    from halo.services.email import outbound as email_outbound
    from halo.services.tickets import conversation, replies
    from tests.factories import make_user
    sink = Controller(Captured(), hostname="127.0.0.1", port=free_port())
    sink.start()
    state = app.extensions["mail"]
    state.server, state.port, state.suppress = "127.0.0.1", sink.port, False
    with app.app_context():
        app.extensions["halo_queue"] = SyncQueue(app)
        agent = make_user()
        tickets = db.session.scalars(db.select(Ticket.id).limit(n)).all()
        conversation.CHANNELS.pop("email")  # write replies first, then time the sends
        ids = [replies.post_reply(tickets[i % len(tickets)], agent.id, f"Reply {i}", "email").id for i in range(n)]
        conversation.register_channel(email_outbound.CHANNEL)
        raw = make_raw()

        def smtplib_sends():
            for _ in range(n):
                with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
                    smtp.sendmail("s@acme.test", ["c@customer.test"], raw)

        runs = _reference(smtplib_sends, n, repeats)
        rate, cpu_ms = _timed(lambda: [email_outbound.schedule_send(i) for i in ids], n)
        runs += _reference(smtplib_sends, n, repeats)
        sent = db.session.scalar(db.select(db.func.count(Message.id)).where(Message.delivery == "sent"))
    sink.stop()
    assert sent == n, sent
    return _summary("outbound", runs, rate, cpu_ms)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inbound", type=int, default=1000)
    parser.add_argument("--outbound", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5,
                        help="runs of each reference before Halo's run, and as many after")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(tmp)
        results = bench_inbound(app, args.inbound, args.repeats)
        results.update(bench_outbound(app, args.outbound, args.repeats))
    results["load_average_1min"] = (load, os.getloadavg()[0])
    for key, value in results.items():
        if isinstance(value, tuple):
            print(f"{key:28s} {value[0]:8.1f} - {value[1]:.1f}")
        else:
            print(f"{key:28s} {value:8.3g}" if value < 1 else f"{key:28s} {value:8.1f}")


if __name__ == "__main__":
    main()
