"""Profile the visitor-message path in-process: receive_visitor_message (store, commit,
events) and the fan-out of its events to an agent page with Live and the Open view.

    .venv/bin/python bench/profile_chat.py [--visitors 200] [--n 200] [--profile]

CPU ms per message for the store alone and for the page's share of the fan-out; with
--profile, cProfile's top functions by cumulative time for each.
"""
import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(BENCH))
sys.path.insert(0, BENCH)
from chat_load import body  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from halo import create_app, realtime  # noqa: E402
from halo.blueprints.live.ws import AgentPage  # noqa: E402
from halo.extensions import db  # noqa: E402
from halo.services import chat  # noqa: E402
from halo.services.accounts.users import create_user  # noqa: E402


class FakeSocket:
    """Counts what the page object sends."""
    connected = True

    def __init__(self):
        self.bytes = 0

    def send(self, data):
        self.bytes += len(data)


def fan_out(sub, page) -> None:
    """Hand every queued event to the page, as its socket's loop does."""
    while (item := sub.get(timeout=0)) is not None:
        page.on_event(*item)
        db.session.remove()


def measure(label, work, n, profile):
    profiler = cProfile.Profile() if profile else None
    cpu = time.process_time()
    for k in range(n):
        if profiler:
            profiler.enable()
        work(k)
        if profiler:
            profiler.disable()
    print(f"{label}: {(time.process_time() - cpu) * 1000 / n:.2f} ms CPU per message (n={n})")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--visitors", type=int, default=200)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tempfile.mkdtemp()}/p.db",
                      "SECRET_KEY": "bench"})
    with app.test_request_context("/ws/agent"):
        upgrade()
        agent_id = create_user("agent@bench.example", "Bench Agent", "password123", "agent").id
        ids = []
        for i in range(args.visitors):
            visitor, _ = chat.open_visitor(None)
            chat.visitor_connected(visitor.id, +1)
            chat.receive_visitor_message(visitor.id, f"o{i}", f"Hello, order {i}")
            ids.append(visitor.id)
        db.session.remove()
        measure("store (receive_visitor_message)", lambda k: (chat.receive_visitor_message(
            ids[k % len(ids)], f"a{k}", body(k)), db.session.remove()), args.n, args.profile)
        ws = FakeSocket()
        page = AgentPage(ws, agent_id, "Bench Agent", {"view": "open", "live": True, "stamp": ""})
        with realtime.subscribe(page.topics()) as sub:
            page.start()
            fan_out(sub, page)
            ws.bytes = 0

            def store_and_fan_out(k):
                chat.receive_visitor_message(ids[k % len(ids)], f"b{k}", body(k))
                db.session.remove()
                fan_out(sub, page)
            measure("store + one agent page's fan-out (Live + Open)", store_and_fan_out, args.n,
                    args.profile)
            print(f"the page was sent {ws.bytes / args.n / 1000:.1f} kB per message")


if __name__ == "__main__":
    main()
