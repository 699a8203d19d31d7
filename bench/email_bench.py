"""Email throughput on the embedded default (SQLite file, in-process job thread).

Inbound: emails per second sent with smtplib to Halo's SMTP receiver until every one is a
stored, threaded message; reference: the same client against a bare aiosmtpd sink.
Outbound: agent email replies per second delivered to a local aiosmtpd sink through
Halo's send path; reference: bare smtplib sends of the same bytes to the same sink.

    .venv/bin/python bench/email_bench.py --inbound 1000 --outbound 300
"""
import argparse
import os
import smtplib
import sys
import tempfile
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


def bench_inbound(app, n):
    from halo.smtp_receiver import make_controller
    emails = _emails(n)
    sink = Controller(Captured(), hostname="127.0.0.1", port=free_port())
    sink.start()
    t0 = time.perf_counter()
    _blast(sink.port, emails)
    reference = n / (time.perf_counter() - t0)
    sink.stop()
    receiver = make_controller(app, "127.0.0.1", free_port())
    receiver.start()
    t0 = time.perf_counter()
    _blast(receiver.port, emails)
    accepted = time.perf_counter() - t0
    with app.app_context():
        while db.session.scalar(db.select(db.func.count(InboundEmail.id)).where(
                InboundEmail.state == "done")) < n:
            db.session.rollback()
            time.sleep(0.01)
        messages = db.session.scalar(db.select(db.func.count(Message.id)).where(Message.kind == "customer"))
    total = time.perf_counter() - t0
    receiver.stop()
    assert messages == n, messages
    return {"inbound_per_s": n / total, "inbound_accept_per_s": n / accepted, "reference_sink_per_s": reference}


def bench_outbound(app, n):
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
        t0 = time.perf_counter()
        for message_id in ids:
            email_outbound.schedule_send(message_id)
        halo_rate = n / (time.perf_counter() - t0)
        sent = db.session.scalar(db.select(db.func.count(Message.id)).where(Message.delivery == "sent"))
    raw = make_raw()
    t0 = time.perf_counter()
    for _ in range(n):
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            smtp.sendmail("s@acme.test", ["c@customer.test"], raw)
    reference = n / (time.perf_counter() - t0)
    sink.stop()
    assert sent == n, sent
    return {"outbound_per_s": halo_rate, "reference_smtplib_per_s": reference}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inbound", type=int, default=1000)
    parser.add_argument("--outbound", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(tmp)
        results = bench_inbound(app, args.inbound)
        results.update(bench_outbound(app, args.outbound))
    for key, value in results.items():
        print(f"{key:28s} {value:8.1f}")


if __name__ == "__main__":
    main()
